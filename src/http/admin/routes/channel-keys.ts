/**
 * The keys of a multi-key channel, one at a time (src/services/channel-keys.ts): listed as position, hint and
 * status only; added; enabled, disabled or removed by position. Revealing a key is root's alone, needs root's
 * password again, is written to the audit log before the answer leaves (no row, no key), and like every /api
 * answer carries `Cache-Control: no-store` (reliability.md G11; New API moved it from admin to root, PR #2208).
 */
import { t } from 'elysia';
import { defineRoute } from '../define.ts';
import { channelKeySchema, channelKeyView, channelSchema, channelView, idParams, revealedKeySchema, revealedKeyView } from '../views.ts';
import { CHANNELS_TAG, channelFieldNames } from './channels.ts';

const keyParams = t.Object(
  {
    id: t.Integer({ minimum: 1, maximum: 999_999_999_999_999 }),
    position: t.Integer({ minimum: 0, maximum: 999_999, description: 'The key, from 0 (see GET /api/channels/{id}/keys).' }),
  },
  { additionalProperties: false },
);
const keyTarget = ({ params }: { params: { id: number; position: number } }) => ({ type: 'channel', id: params.id });

export const channelKeyRoutes = [
  defineRoute({
    method: 'GET',
    path: '/api/channels/:id/keys',
    role: 'admin',
    ownership: 'global',
    tag: CHANNELS_TAG,
    summary: "A channel's keys: position, hint (last four characters) and status",
    params: idParams,
    response: t.Array(channelKeySchema),
    handler: async ({ params, services }) => ({ data: (await services.channelKeys.list(String(params.id))).keys.map(channelKeyView) }),
  }),

  defineRoute({
    method: 'POST',
    path: '/api/channels/:id/keys',
    role: 'admin',
    ownership: 'global',
    tag: CHANNELS_TAG,
    fieldNames: { ...channelFieldNames, '--key': 'keys' },
    summary: 'Add keys to a channel (after its last one)',
    description: 'A key the channel already has is refused. The channel is answered with the new keys as hints.',
    params: idParams,
    body: t.Object(
      { keys: t.Array(t.String({ minLength: 1, maxLength: 8192 }), { minItems: 1, maxItems: 1000, description: 'Keys to add; encrypted and never shown again.' }) },
      { additionalProperties: false },
    ),
    response: channelSchema,
    audit: { action: 'channel.key.add', facts: ({ body }) => ({ count: body.keys.length }) },
    handler: async ({ params, body, services }) => ({ data: channelView(await services.channelKeys.add(String(params.id), body.keys)) }),
  }),

  defineRoute({
    method: 'POST',
    path: '/api/channels/:id/keys/:position/enable',
    role: 'admin',
    ownership: 'global',
    tag: CHANNELS_TAG,
    summary: 'Enable one key of a channel',
    description: 'The channel itself keeps its status: enable it with POST /api/channels/{id}/enable when it was disabled.',
    params: keyParams,
    response: channelSchema,
    audit: { action: 'channel.key.enable', target: keyTarget, facts: ({ params }) => ({ position: params.position }) },
    handler: async ({ params, services }) => ({ data: channelView(await services.channelKeys.setEnabled(String(params.id), params.position, true)) }),
  }),

  defineRoute({
    method: 'POST',
    path: '/api/channels/:id/keys/:position/disable',
    role: 'admin',
    ownership: 'global',
    tag: CHANNELS_TAG,
    summary: 'Disable one key of a channel (requests use its other keys)',
    params: keyParams,
    response: channelSchema,
    audit: { action: 'channel.key.disable', target: keyTarget, facts: ({ params }) => ({ position: params.position }) },
    handler: async ({ params, services }) => ({ data: channelView(await services.channelKeys.setEnabled(String(params.id), params.position, false)) }),
  }),

  defineRoute({
    method: 'DELETE',
    path: '/api/channels/:id/keys/:position',
    role: 'admin',
    ownership: 'global',
    tag: CHANNELS_TAG,
    summary: 'Remove one key of a channel (the keys after it move up one position)',
    description: 'The only key of a channel cannot be removed (409): add another first, or delete the channel.',
    params: keyParams,
    response: channelSchema,
    audit: { action: 'channel.key.delete', target: keyTarget, facts: ({ params }) => ({ position: params.position }) },
    handler: async ({ params, services }) => ({ data: channelView(await services.channelKeys.remove(String(params.id), params.position)) }),
  }),

  defineRoute({
    method: 'POST',
    path: '/api/channels/:id/keys/reveal',
    role: 'root',
    ownership: 'global',
    tag: CHANNELS_TAG,
    summary: "Reveal a channel's keys in full (root; needs your password again; audit-logged)",
    description:
      'Answers every key, or the one at `position`. A wrong password is 403 and is recorded as channel.key.reveal.failed. ' +
      'The answer is never cached (Cache-Control: no-store) and is withheld when the audit row cannot be written.',
    params: idParams,
    body: t.Object(
      {
        password: t.String({ minLength: 1, maxLength: 256, description: 'Your current password.' }),
        position: t.Optional(t.Integer({ minimum: 0, maximum: 999_999, description: 'Only this key.' })),
      },
      { additionalProperties: false },
    ),
    response: t.Object({ channel_id: t.Integer(), channel_name: t.String(), keys: t.Array(revealedKeySchema) }, { additionalProperties: false }),
    audit: {
      action: 'channel.key.reveal',
      required: true,
      failures: ['forbidden'],
      // The body holds the password: record no field names, only which key was asked for.
      fields: () => [],
      facts: ({ body, data }) => ({ position: body.position ?? null, count: data?.keys.length ?? null }),
    },
    handler: async ({ params, body, principal, services }) => {
      const revealed = await services.channelKeys.reveal(
        String(params.id),
        { actor: principal.actor, password: body.password, passwordHash: principal.user.passwordHash },
        body.position,
      );
      return { data: { channel_id: revealed.channel.id, channel_name: revealed.channel.name, keys: revealed.keys.map(revealedKeyView) } };
    },
  }),
];
