/**
 * Prices and group multipliers (administrators): the semantics of `gateway price …` and `gateway group …`,
 * through the same service (src/services/prices.ts), so a price is checked by the same rules and every change
 * bumps the `prices` change counter a running relay reloads its price book from. Model names may contain "/"
 * and "*", so a price is named by a `model` query or body field rather than a path segment.
 */
import { type Static, t } from 'elysia';
import { notFound } from '../../../errors/gateway-error.ts';
import type { PriceInput } from '../../../services/prices.ts';
import { defineRoute } from '../define.ts';
import { pageInfo, pageQuery, pageWindow, searchQuery } from '../envelope.ts';
import { groupSchema, groupView, priceSchema, priceView } from '../views.ts';

const TAG = 'Prices';

/** The service names fields by their CLI flag or argument; the API by its body or query field. */
const fieldNames = {
  MODEL: 'model',
  '--input': 'input_usd_per_million',
  '--output': 'output_usd_per_million',
  '--cached': 'cached_usd_per_million',
  '--cache-write': 'cache_write_usd_per_million',
  '--image-input': 'image_input_usd_per_million',
  '--audio-input': 'audio_input_usd_per_million',
  '--audio-output': 'audio_output_usd_per_million',
  '--per-call': 'per_call_usd',
  NAME: 'name',
};

const modelInput = t.String({ minLength: 1, maxLength: 256, description: 'A model name, or a prefix ending in * (gemini-2.5-pro-thinking-*).' });
const rate = (description: string) =>
  t.Optional(t.Union([t.String({ maxLength: 32, description: `${description} Decimal US dollars, like "2.5".` }), t.Null()], { description: 'null: not given.' }));
const ratio = (description: string) =>
  t.Optional(t.Union([t.String({ maxLength: 32 }), t.Number({ minimum: 0 }), t.Null()], { description: `${description} (New API ratio; null: not given).` }));

const priceBody = t.Object(
  {
    model: modelInput,
    input_usd_per_million: rate('Input tokens, per 1M.'),
    output_usd_per_million: rate('Output tokens (reasoning included), per 1M.'),
    cached_usd_per_million: rate('Cache reads, per 1M (default: the input rate).'),
    cache_write_usd_per_million: rate('Cache writes, per 1M (default: the input rate).'),
    image_input_usd_per_million: rate('Image input tokens, per 1M (default: the input rate).'),
    audio_input_usd_per_million: rate('Audio input tokens, per 1M (default: the input rate).'),
    audio_output_usd_per_million: rate('Audio output tokens, per 1M (default: the output rate).'),
    per_call_usd: rate('Per call, instead of token rates.'),
    max_output_tokens: t.Optional(t.Union([t.Integer({ minimum: 1, maximum: 10_000_000 }), t.Null()], { description: 'Reserved when a request sets no max_tokens.' })),
    ratio: ratio('Model ratio: 1 = $2 per 1M input tokens'),
    completion_ratio: ratio('Output = input × this'),
    cache_ratio: ratio('Cache reads = input × this'),
    create_cache_ratio: ratio('Cache writes = input × this'),
  },
  { additionalProperties: false },
);

type PriceBody = Omit<Static<typeof priceBody>, 'model'>;

/** The service's input for a body; null and absent both mean "not given". */
function priceInputOf(body: PriceBody): PriceInput {
  const given = <Value>(value: Value | null | undefined): Value | undefined => (value === null ? undefined : value);
  const fields = {
    input: given(body.input_usd_per_million),
    output: given(body.output_usd_per_million),
    cached: given(body.cached_usd_per_million),
    cacheWrite: given(body.cache_write_usd_per_million),
    imageInput: given(body.image_input_usd_per_million),
    audioInput: given(body.audio_input_usd_per_million),
    audioOutput: given(body.audio_output_usd_per_million),
    perCall: given(body.per_call_usd),
    maxOutputTokens: given(body.max_output_tokens),
    ratio: given(body.ratio),
    completionRatio: given(body.completion_ratio),
    cacheRatio: given(body.cache_ratio),
    createCacheRatio: given(body.create_cache_ratio),
  };
  // The service tells its three input forms apart by the fields present and refuses mixtures, naming them.
  return Object.fromEntries(Object.entries(fields).filter(([, value]) => value !== undefined)) as unknown as PriceInput;
}

const modelQuery = t.Object({ model: modelInput }, { additionalProperties: false });

export const priceRoutes = [
  defineRoute({
    method: 'GET',
    path: '/api/prices',
    role: 'admin',
    tag: TAG,
    fieldNames,
    summary: 'List prices by model name (search matches the name literally)',
    query: t.Object({ ...pageQuery, ...searchQuery }, { additionalProperties: false }),
    response: t.Array(priceSchema),
    handler: async ({ query, services }) => {
      const window = pageWindow(query);
      const { prices, total } = await services.prices.page({ search: query.search }, window);
      return { data: prices.map(priceView), page: pageInfo(window, total) };
    },
  }),

  defineRoute({
    method: 'GET',
    path: '/api/prices/lookup',
    role: 'admin',
    tag: TAG,
    fieldNames,
    summary: 'One price: the one stored under this exact name, or with billed=true the one that bills a requested model',
    description:
      'billed=true applies the relay\'s lookup: the exact name, else the name without a reasoning suffix (o3-mini-high → o3-mini), else the longest matching prefix*.',
    query: t.Object(
      { model: modelInput, billed: t.Optional(t.Boolean({ description: 'Resolve as the relay bills a request for this model.' })) },
      { additionalProperties: false },
    ),
    response: priceSchema,
    handler: async ({ query, services }) => {
      if (query.billed !== true) return { data: priceView(await services.prices.get(query.model)) };
      const price = await services.prices.resolve(query.model);
      if (price === undefined) {
        throw notFound(`no price bills "${query.model}"; set one with PUT /api/prices (or: gateway price set ${query.model} --input USD --output USD)`);
      }
      return { data: priceView(price) };
    },
  }),

  defineRoute({
    method: 'PUT',
    path: '/api/prices',
    role: 'admin',
    tag: TAG,
    fieldNames,
    summary: "Set one model's price (created or replaced): token rates, a per-call price, or New API ratios",
    description:
      'Give input_usd_per_million and output_usd_per_million (with any of the other rates), or per_call_usd alone, or ratio (with completion_ratio, cache_ratio, create_cache_ratio). The same rules as gateway price set.',
    body: priceBody,
    response: priceSchema,
    audit: { action: 'price.set', target: ({ body }) => ({ type: 'price', id: body.model }) },
    handler: async ({ body, services }) => {
      const { model, ...rest } = body;
      return { data: priceView(await services.prices.set(model, priceInputOf(rest))) };
    },
  }),

  defineRoute({
    method: 'DELETE',
    path: '/api/prices',
    role: 'admin',
    tag: TAG,
    fieldNames,
    summary: "Remove one model's price (requests for it are then refused unless allow_unpriced_models is on)",
    query: modelQuery,
    response: priceSchema,
    audit: { action: 'price.delete', target: ({ query }) => ({ type: 'price', id: query.model }) },
    handler: async ({ query, services }) => ({ data: priceView(await services.prices.remove(query.model)) }),
  }),

  defineRoute({
    method: 'POST',
    path: '/api/prices/reset',
    role: 'admin',
    tag: TAG,
    fieldNames,
    summary: 'Restore the built-in prices (of one model with ?model=): missing ones added, changed ones overwritten',
    description: 'Models without a built-in price are left alone.',
    query: t.Object({ model: t.Optional(modelInput) }, { additionalProperties: false }),
    response: t.Object(
      {
        added: t.Array(t.String(), { description: 'Built-in prices that were missing.' }),
        updated: t.Array(t.String(), { description: 'Built-in prices that had been changed.' }),
        unchanged: t.Integer({ description: 'Built-in prices already as shipped.' }),
      },
      { additionalProperties: false },
    ),
    audit: {
      action: 'price.reset',
      target: ({ query }) => ({ type: 'price', id: query.model ?? null }),
      facts: ({ data }) => ({ added: data?.added.length, updated: data?.updated.length }),
    },
    handler: async ({ query, services }) => ({ data: await services.prices.reset(query.model) }),
  }),

  defineRoute({
    method: 'POST',
    path: '/api/prices/import',
    role: 'admin',
    tag: TAG,
    fieldNames,
    summary: "Import New API's price options (ModelRatio, CompletionRatio, CacheRatio, CreateCacheRatio, ModelPrice, GroupRatio)",
    description:
      'The body is an object of New API option values by option name, each JSON text (as New API stores it) or an object, as for gateway price import. Imported prices replace stored prices of the same model; other options are reported and ignored.',
    body: t.Record(t.String({ maxLength: 64 }), t.Union([t.String(), t.Record(t.String(), t.Unknown())]), {
      minProperties: 1,
      description: 'e.g. {"ModelRatio": "{\\"gpt-4o\\": 1.25}", "GroupRatio": {"vip": 0.8}}',
    }),
    response: t.Object(
      {
        prices: t.Array(priceSchema),
        groups: t.Array(groupSchema),
        ignored_options: t.Array(t.String(), { description: 'Option names that are not price options.' }),
        unpriced: t.Array(t.String(), { description: 'Models named only in ratio maps that need a ModelRatio or ModelPrice.' }),
        skipped: t.Array(t.String(), { description: 'Entries that cannot be stored, each with the reason.' }),
      },
      { additionalProperties: false },
    ),
    audit: {
      action: 'price.import',
      target: () => ({ type: 'price', id: null }),
      facts: ({ data }) => ({ prices: data?.prices.length, groups: data?.groups.length }),
    },
    handler: async ({ body, services }) => {
      const result = await services.prices.importNewApi(body);
      return {
        data: {
          prices: result.prices.map(priceView),
          groups: result.groups.map(groupView),
          ignored_options: result.ignoredOptions,
          unpriced: result.unpriced,
          skipped: result.skipped,
        },
      };
    },
  }),

  defineRoute({
    method: 'GET',
    path: '/api/groups',
    role: 'admin',
    tag: TAG,
    fieldNames,
    summary: 'List the group multipliers (a group without one bills at 1×)',
    response: t.Array(groupSchema),
    handler: async ({ services }) => ({ data: (await services.prices.listGroups()).map(groupView) }),
  }),

  defineRoute({
    method: 'PUT',
    path: '/api/groups',
    role: 'admin',
    tag: TAG,
    fieldNames,
    summary: "Set a group's multiplier (created or replaced)",
    body: t.Object(
      {
        name: t.String({ minLength: 1, maxLength: 32 }),
        multiplier: t.String({ minLength: 1, maxLength: 16, description: 'Decimal from 0 to 1000, at most 6 decimals: "1.5", "0.8", "0" (free).' }),
        description: t.Optional(t.String({ maxLength: 200, description: 'Left out: an existing group keeps its description.' })),
      },
      { additionalProperties: false },
    ),
    response: groupSchema,
    audit: { action: 'group.set', target: ({ body }) => ({ type: 'group', id: body.name }), facts: ({ data }) => ({ multiplier: data?.multiplier }) },
    handler: async ({ body, services }) => ({
      data: groupView(await services.prices.setGroup(body.name, { multiplier: body.multiplier, description: body.description })),
    }),
  }),

  defineRoute({
    method: 'DELETE',
    path: '/api/groups',
    role: 'admin',
    tag: TAG,
    fieldNames,
    summary: "Remove a group's multiplier (the group then bills at 1×)",
    query: t.Object({ name: t.String({ minLength: 1, maxLength: 32 }) }, { additionalProperties: false }),
    response: groupSchema,
    audit: { action: 'group.delete', target: ({ query }) => ({ type: 'group', id: query.name }) },
    handler: async ({ query, services }) => ({ data: groupView(await services.prices.removeGroup(query.name)) }),
  }),
];
