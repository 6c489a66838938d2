/**
 * Channels (administrators): list, read, create, change, delete, enable and disable — the semantics of
 * `gateway channel …`, through the same service (src/services/channels.ts), so every value is checked by the
 * same functions and every save bumps the change counter a running relay watches (applied within a second).
 * Answers show keys as hints only; see ./channel-keys.ts for the keys themselves and ./channel-operations.ts
 * for tests, upstream model lists and batch changes by tag.
 */
import { t } from 'elysia';
import { channelKindList } from '../../../services/channel-types.ts';
import type { ChannelPatch } from '../../../services/channels.ts';
import { defineRoute } from '../define.ts';
import { pageInfo, pageQuery, pageWindow, searchQuery } from '../envelope.ts';
import { channelSchema, channelView, idParams } from '../views.ts';

export const CHANNELS_TAG = 'Channels';

/** The service names fields by their CLI flag; the API by its body field. */
export const channelFieldNames = {
  '--key': 'keys',
  '--group': 'groups',
  '--model-map': 'model_mapping',
  '--status-code-map': 'status_code_mapping',
  '--setting': 'settings',
};

const listEntry = t.String({ maxLength: 256 });
const optionalText = (description: string) => t.String({ maxLength: 1024, description: `${description} "" clears it.` });

/** Optional body fields of both create and change. */
const channelFields = {
  base_url: t.Optional(t.String({ maxLength: 2048, description: "Upstream address; default the type's. Required for azure, custom and openai-compatible." })),
  groups: t.Optional(t.Array(listEntry, { minItems: 1, maxItems: 256, description: 'Groups whose keys may use the channel (default ["default"]).' })),
  priority: t.Optional(t.Integer({ minimum: -2_147_483_648, maximum: 2_147_483_647, description: 'Higher is tried first.' })),
  weight: t.Optional(t.Integer({ minimum: 0, maximum: 2_147_483_647, description: 'Share among channels of one priority.' })),
  model_mapping: t.Optional(t.Record(t.String({ maxLength: 256 }), t.String({ maxLength: 256 }), { description: 'Requested model → model sent upstream.' })),
  status_code_mapping: t.Optional(
    t.Record(t.String({ maxLength: 3 }), t.Union([t.String({ maxLength: 3 }), t.Integer()]), { description: 'Upstream status → reported status, e.g. {"429": "503"}.' }),
  ),
  test_model: t.Optional(optionalText('Model used by tests.')),
  tag: t.Optional(optionalText('Tag for batch changes.')),
  key_mode: t.Optional(t.Union([t.Literal('random'), t.Literal('round-robin')])),
  allow_private: t.Optional(t.String({ maxLength: 300, description: 'The one private host:port the channel may reach (a LAN Ollama); "" clears it.' })),
  remark: t.Optional(optionalText('Free text.')),
  settings: t.Optional(
    t.Record(
      t.String({ maxLength: 64 }),
      t.Union([t.String({ maxLength: 10_000 }), t.Number(), t.Boolean(), t.Array(t.Unknown()), t.Record(t.String(), t.Unknown())]),
      { description: 'Provider settings (api_version, chat_api, anthropic_beta, …); on change only the names given, "" removes one.' },
    ),
  ),
};

const keysInput = t.Array(t.String({ minLength: 1, maxLength: 8192 }), {
  minItems: 1,
  maxItems: 1000,
  description: 'Provider keys; several make a multi-key channel. Encrypted at rest and never shown again.',
});
const modelsInput = t.Array(listEntry, { minItems: 1, maxItems: 4096, description: 'Models the channel serves.' });

type ChannelBody = Partial<{
  name: string;
  type: string;
  keys: string[];
  models: string[];
  base_url: string;
  groups: string[];
  priority: number;
  weight: number;
  model_mapping: Record<string, string>;
  status_code_mapping: Record<string, string | number>;
  test_model: string;
  tag: string;
  key_mode: string;
  allow_private: string;
  remark: string;
  settings: Record<string, string | number | boolean | unknown[] | Record<string, unknown>>;
}>;

/** The service's fields for a create or change body; absent stays absent. */
export function channelPatchOf(body: ChannelBody): ChannelPatch {
  const patch: ChannelPatch = {};
  if (body.name !== undefined) patch.name = body.name;
  if (body.type !== undefined) patch.type = body.type;
  if (body.keys !== undefined) patch.keys = body.keys;
  if (body.models !== undefined) patch.models = body.models;
  if (body.base_url !== undefined) patch.baseUrl = body.base_url;
  if (body.groups !== undefined) patch.groups = body.groups;
  if (body.priority !== undefined) patch.priority = body.priority;
  if (body.weight !== undefined) patch.weight = body.weight;
  if (body.model_mapping !== undefined) patch.modelMapping = body.model_mapping;
  if (body.status_code_mapping !== undefined) {
    patch.statusCodeMapping = Object.fromEntries(Object.entries(body.status_code_mapping).map(([from, to]) => [from, String(to)]));
  }
  if (body.test_model !== undefined) patch.testModel = body.test_model;
  if (body.tag !== undefined) patch.tag = body.tag;
  if (body.key_mode !== undefined) patch.keyMode = body.key_mode;
  if (body.allow_private !== undefined) patch.allowPrivate = body.allow_private;
  if (body.remark !== undefined) patch.remark = body.remark;
  if (body.settings !== undefined) patch.settings = body.settings;
  return patch;
}

const statusFilter = t.Union([t.Literal('enabled'), t.Literal('disabled'), t.Literal('auto-disabled')]);
const filterText = (description: string) => t.Optional(t.String({ minLength: 1, maxLength: 256, description }));

export const channelRoutes = [
  defineRoute({
    method: 'GET',
    path: '/api/channels',
    role: 'admin',
    tag: CHANNELS_TAG,
    fieldNames: channelFieldNames,
    summary: 'List channels',
    description: 'search matches the name, tag, remark, base URL and models literally; the other filters are exact.',
    query: t.Object(
      {
        ...pageQuery,
        ...searchQuery,
        type: filterText('Only this channel type.'),
        status: t.Optional(statusFilter),
        tag: filterText('Only channels with this tag.'),
        group: filterText('Only channels serving this group.'),
        model: filterText('Only channels serving this model.'),
      },
      { additionalProperties: false },
    ),
    response: t.Array(channelSchema),
    handler: async ({ query, services }) => {
      const window = pageWindow(query);
      const { channels, total } = await services.channels.page(
        { search: query.search, type: query.type, status: query.status, tag: query.tag, group: query.group, model: query.model },
        window,
      );
      return { data: channels.map(channelView), page: pageInfo(window, total) };
    },
  }),

  defineRoute({
    method: 'POST',
    path: '/api/channels',
    role: 'admin',
    tag: CHANNELS_TAG,
    fieldNames: channelFieldNames,
    summary: 'Add a channel (keys are encrypted and never shown again)',
    description: `Types: ${channelKindList}. Checked as \`gateway channel add\` checks it: the base URL passes the outbound guard.`,
    successStatus: 201,
    body: t.Object(
      {
        name: t.String({ minLength: 1, maxLength: 64 }),
        type: t.String({ minLength: 1, maxLength: 32 }),
        keys: keysInput,
        models: modelsInput,
        ...channelFields,
      },
      { additionalProperties: false },
    ),
    response: channelSchema,
    audit: { action: 'channel.create', target: ({ data }) => ({ type: 'channel', id: data?.id ?? null }) },
    handler: async ({ body, services }) => {
      const patch = channelPatchOf(body);
      return { data: channelView(await services.channels.add({ ...patch, name: body.name, type: body.type, keys: body.keys, models: body.models })) };
    },
  }),

  defineRoute({
    method: 'GET',
    path: '/api/channels/:id',
    role: 'admin',
    ownership: 'global',
    tag: CHANNELS_TAG,
    fieldNames: channelFieldNames,
    summary: 'One channel (keys as hints)',
    params: idParams,
    response: channelSchema,
    handler: async ({ params, services }) => ({ data: channelView(await services.channels.get(String(params.id))) }),
  }),

  defineRoute({
    method: 'PATCH',
    path: '/api/channels/:id',
    role: 'admin',
    ownership: 'global',
    tag: CHANNELS_TAG,
    fieldNames: channelFieldNames,
    summary: 'Change a channel (only the fields given)',
    description: 'keys and model_mapping replace the whole list; settings changes only the names given ("" removes one); "" clears optional text.',
    params: idParams,
    body: t.Object(
      {
        name: t.Optional(t.String({ minLength: 1, maxLength: 64 })),
        type: t.Optional(t.String({ minLength: 1, maxLength: 32 })),
        keys: t.Optional(keysInput),
        models: t.Optional(modelsInput),
        ...channelFields,
      },
      { additionalProperties: false, minProperties: 1 },
    ),
    response: channelSchema,
    audit: { action: 'channel.update' },
    handler: async ({ params, body, services }) => ({ data: channelView(await services.channels.update(String(params.id), channelPatchOf(body))) }),
  }),

  defineRoute({
    method: 'DELETE',
    path: '/api/channels/:id',
    role: 'admin',
    ownership: 'global',
    tag: CHANNELS_TAG,
    fieldNames: channelFieldNames,
    summary: 'Delete a channel, its keys and routing entries (logs keep its id and name)',
    params: idParams,
    response: channelSchema,
    audit: { action: 'channel.delete', facts: ({ data }) => ({ name: data?.name ?? null }) },
    handler: async ({ params, services }) => ({ data: channelView(await services.channels.remove(String(params.id))) }),
  }),

  defineRoute({
    method: 'POST',
    path: '/api/channels/:id/enable',
    role: 'admin',
    ownership: 'global',
    tag: CHANNELS_TAG,
    summary: 'Enable a channel (also one the gateway auto-disabled)',
    params: idParams,
    response: channelSchema,
    audit: { action: 'channel.enable' },
    handler: async ({ params, services }) => ({ data: channelView(await services.channels.setEnabled(String(params.id), true)) }),
  }),

  defineRoute({
    method: 'POST',
    path: '/api/channels/:id/disable',
    role: 'admin',
    ownership: 'global',
    tag: CHANNELS_TAG,
    summary: 'Disable a channel (no request is routed to it; tests never re-enable it)',
    params: idParams,
    response: channelSchema,
    audit: { action: 'channel.disable' },
    handler: async ({ params, services }) => ({ data: channelView(await services.channels.setEnabled(String(params.id), false)) }),
  }),
];
