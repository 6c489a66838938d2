/**
 * What an administrator does *with* channels rather than to one field of one: test them (the request
 * `gateway channel test` sends), fetch the model list an upstream offers (saved channels with their own key, or
 * a channel still being filled in), and change every channel of a tag at once. Every upstream call goes through
 * the relay's one outbound client: the outbound guard, the channel's allow-private exception, no redirects.
 */
import { t } from 'elysia';
import { invalidArgument } from '../../../errors/gateway-error.ts';
import type { ChannelView } from '../../../services/channels.ts';
import { defineRoute } from '../define.ts';
import { channelTestResultSchema, channelTestResultView, idParams, upstreamModelsSchema, upstreamModelsView } from '../views.ts';
import { CHANNELS_TAG, channelFieldNames } from './channels.ts';

const tagParams = t.Object({ tag: t.String({ minLength: 1, maxLength: 1024, description: 'The tag, URL-encoded.' }) }, { additionalProperties: false });
const batchSchema = t.Object(
  { tag: t.String(), count: t.Integer({ description: 'Channels changed.' }), channel_ids: t.Array(t.Integer()) },
  { additionalProperties: false },
);
const batchView = (tag: string, channels: readonly ChannelView[]) => ({ tag, count: channels.length, channel_ids: channels.map((channel) => channel.id) });
const tagTarget = ({ params }: { params: { tag: string } }) => ({ type: 'channel_tag', id: params.tag });
const countFact = ({ data }: { data: { count: number } | undefined }) => ({ count: data?.count ?? null });

export const channelOperationRoutes = [
  defineRoute({
    method: 'POST',
    path: '/api/channels/:id/test',
    role: 'admin',
    ownership: 'global',
    tag: CHANNELS_TAG,
    summary: 'Test a channel with one real, minimal request (as gateway channel test)',
    description:
      'Sends "hi" (max_tokens 16), or "hello world" to embedding models, with the first enabled key (key_position: that key; ' +
      "all_keys: every key). The model is `model`, else the channel's test model, else its first. The latency is recorded; with " +
      'auto_enable_enabled a pass re-enables an auto-disabled channel. A failed test is a result with ok false, not an error. Send {} for the defaults.',
    params: idParams,
    body: t.Object(
      {
        model: t.Optional(t.String({ minLength: 1, maxLength: 256 })),
        key_position: t.Optional(t.Integer({ minimum: 0, maximum: 999_999 })),
        all_keys: t.Optional(t.Boolean()),
      },
      { additionalProperties: false },
    ),
    fieldNames: { keyPosition: 'key_position' },
    response: t.Array(channelTestResultSchema),
    audit: {
      action: 'channel.test',
      facts: ({ data }) => ({ passed: data?.filter((result) => result.ok).length ?? null, failed: data?.filter((result) => !result.ok).length ?? null }),
    },
    handler: async ({ params, body, services }) => {
      if (body.all_keys === true && body.key_position !== undefined) throw invalidArgument('key_position', 'give key_position or all_keys, not both');
      const results = await services.channelTests.testOne(String(params.id), { model: body.model, keyPosition: body.key_position, allKeys: body.all_keys });
      return { data: results.map(channelTestResultView) };
    },
  }),

  defineRoute({
    method: 'POST',
    path: '/api/channels/test',
    role: 'admin',
    tag: CHANNELS_TAG,
    summary: 'Test every enabled and auto-disabled channel (as gateway channel test --all)',
    description:
      'Synchronous: a few channels at a time, each with its own test model, each within the first-byte timeout. Manually disabled channels are skipped. ' +
      'Answers one result per channel, in id order.',
    response: t.Array(channelTestResultSchema),
    audit: {
      action: 'channel.test_all',
      target: () => ({ type: 'channel', id: null }),
      facts: ({ data }) => ({ passed: data?.filter((result) => result.ok).length ?? null, failed: data?.filter((result) => !result.ok).length ?? null }),
    },
    handler: async ({ services }) => ({ data: (await services.channelTests.testAll()).map(channelTestResultView) }),
  }),

  defineRoute({
    method: 'GET',
    path: '/api/channels/:id/upstream-models',
    role: 'admin',
    ownership: 'global',
    tag: CHANNELS_TAG,
    summary: 'The model list the upstream offers, asked with the channel\'s own key',
    description:
      'GET {base}/v1/models (OpenAI family, Anthropic) or {base}/v1beta/models (Gemini) through the outbound guard and the channel\'s allow-private. ' +
      'azure and custom channels have no such list (400). An upstream failure is a result with ok false.',
    params: idParams,
    query: t.Object({ key_position: t.Optional(t.Integer({ minimum: 0, maximum: 999_999, description: 'Ask with this key (default the first enabled one).' })) }, { additionalProperties: false }),
    response: upstreamModelsSchema,
    handler: async ({ params, query, services }) => ({ data: upstreamModelsView(await services.upstreamModels.ofChannel(String(params.id), query.key_position)) }),
  }),

  defineRoute({
    method: 'POST',
    path: '/api/channels/upstream-models',
    role: 'admin',
    tag: CHANNELS_TAG,
    fieldNames: { ...channelFieldNames, '--key': 'key' },
    summary: 'The model list of an upstream not saved yet (type, base_url, key from the form)',
    description:
      'The base URL is checked as on save (no private address unless allow_private names its exact host:port), and the call goes through the ' +
      'outbound guard, so a name that resolves to a private address is refused too. The key is used once and not stored.',
    body: t.Object(
      {
        type: t.String({ minLength: 1, maxLength: 32 }),
        base_url: t.Optional(t.String({ maxLength: 2048 })),
        key: t.String({ minLength: 1, maxLength: 8192 }),
        allow_private: t.Optional(t.String({ maxLength: 300 })),
      },
      { additionalProperties: false },
    ),
    response: upstreamModelsSchema,
    audit: {
      action: 'channel.upstream_models',
      target: () => ({ type: 'channel', id: null }),
      // The key's name is recorded, never the key; the host says where the gateway was asked to connect.
      facts: ({ body, data }) => ({ type: body.type, host: hostOf(body.base_url), ok: data?.ok ?? null }),
    },
    handler: async ({ body, services }) =>
      ({ data: upstreamModelsView(await services.upstreamModels.probe({ type: body.type, baseUrl: body.base_url, key: body.key, allowPrivate: body.allow_private })) }),
  }),

  defineRoute({
    method: 'POST',
    path: '/api/channels/tags/:tag/enable',
    role: 'admin',
    ownership: 'global',
    tag: CHANNELS_TAG,
    summary: 'Enable every channel with this tag',
    params: tagParams,
    response: batchSchema,
    audit: { action: 'channel.tag.enable', target: tagTarget, facts: countFact },
    handler: async ({ params, services }) => ({ data: batchView(params.tag, await services.channelTags.setEnabled(params.tag, true)) }),
  }),

  defineRoute({
    method: 'POST',
    path: '/api/channels/tags/:tag/disable',
    role: 'admin',
    ownership: 'global',
    tag: CHANNELS_TAG,
    summary: 'Disable every channel with this tag',
    params: tagParams,
    response: batchSchema,
    audit: { action: 'channel.tag.disable', target: tagTarget, facts: countFact },
    handler: async ({ params, services }) => ({ data: batchView(params.tag, await services.channelTags.setEnabled(params.tag, false)) }),
  }),

  defineRoute({
    method: 'PATCH',
    path: '/api/channels/tags/:tag',
    role: 'admin',
    ownership: 'global',
    tag: CHANNELS_TAG,
    summary: 'Set the priority or weight of every channel with this tag',
    params: tagParams,
    body: t.Object(
      {
        priority: t.Optional(t.Integer({ minimum: -2_147_483_648, maximum: 2_147_483_647 })),
        weight: t.Optional(t.Integer({ minimum: 0, maximum: 2_147_483_647 })),
      },
      { additionalProperties: false, minProperties: 1 },
    ),
    response: batchSchema,
    audit: { action: 'channel.tag.update', target: tagTarget, facts: countFact },
    handler: async ({ params, body, services }) => ({ data: batchView(params.tag, await services.channelTags.update(params.tag, body)) }),
  }),

  defineRoute({
    method: 'DELETE',
    path: '/api/channels/tags/:tag',
    role: 'admin',
    ownership: 'global',
    tag: CHANNELS_TAG,
    summary: 'Delete every channel with this tag, with their keys and routing entries',
    params: tagParams,
    response: batchSchema,
    audit: { action: 'channel.tag.delete', target: tagTarget, facts: countFact },
    handler: async ({ params, services }) => ({ data: batchView(params.tag, await services.channelTags.remove(params.tag)) }),
  }),
];

/** `https://api.example.com/v1` → `api.example.com`; the default address when none was given. */
function hostOf(baseUrl: string | undefined): string | null {
  if (baseUrl === undefined || baseUrl.trim() === '') return null;
  try {
    return new URL(baseUrl.trim()).host;
  } catch {
    return null;
  }
}
