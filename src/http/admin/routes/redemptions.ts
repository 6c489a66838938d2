/**
 * Redemption codes: administrators make batches, list, disable and delete them (the semantics of
 * `gateway redeem …`); a user redeems one into their wallet. A code is shown in full only in the answer that
 * creates it; afterwards only its prefix. Redeeming claims the code and credits the wallet in one transaction
 * (src/services/redemptions.ts), and failed codes are counted per user and address against guessing.
 */
import { t } from 'elysia';
import { defineRoute } from '../define.ts';
import { pageInfo, pageQuery, pageWindow, searchQuery } from '../envelope.ts';
import { idParams, redemptionSchema, redemptionView, userSchema, userView } from '../views.ts';

const TAG = 'Redemption codes';
const fieldNames = { '--amount': 'amount_usd', CODE: 'code', REF: 'id' };

const statusFilter = t.Union([t.Literal('unused'), t.Literal('disabled'), t.Literal('used'), t.Literal('expired')], {
  description: 'expired: unused and past its expiry.',
});

export const redemptionRoutes = [
  defineRoute({
    method: 'GET',
    path: '/api/redemptions',
    role: 'admin',
    tag: TAG,
    fieldNames,
    summary: 'List redemption codes, newest first (prefixes only; search matches the batch name literally)',
    query: t.Object({ ...pageQuery, ...searchQuery, status: t.Optional(statusFilter) }, { additionalProperties: false }),
    response: t.Array(redemptionSchema),
    handler: async ({ query, services }) => {
      const window = pageWindow(query);
      const { redemptions, total } = await services.redemptions.page({ status: query.status, search: query.search }, window);
      return { data: redemptions.map(redemptionView), page: pageInfo(window, total) };
    },
  }),

  defineRoute({
    method: 'POST',
    path: '/api/redemptions',
    role: 'admin',
    tag: TAG,
    fieldNames,
    summary: 'Create a batch of single-use codes (the codes are shown once, in this answer)',
    successStatus: 201,
    body: t.Object(
      {
        amount_usd: t.String({ minLength: 1, maxLength: 32, description: 'What each code credits: decimal US dollars, more than 0.' }),
        count: t.Optional(t.Integer({ minimum: 1, maximum: 100, description: 'How many codes (default 1).' })),
        name: t.Optional(t.String({ maxLength: 50, description: 'A label for the batch.' })),
        expires: t.Optional(t.String({ maxLength: 32, description: 'A duration (30d, 12h, 2w), a date YYYY-MM-DD, or never (the default).' })),
      },
      { additionalProperties: false },
    ),
    response: t.Object(
      {
        codes: t.Array(t.String(), { description: 'The codes in full, in the order of redemptions; not shown again.' }),
        redemptions: t.Array(redemptionSchema),
      },
      { additionalProperties: false },
    ),
    audit: {
      action: 'redemption.create',
      target: ({ data }) => ({ type: 'redemption', id: data?.redemptions[0]?.id ?? null }),
      facts: ({ data, body }) => ({ count: data?.codes.length, amount_usd: data?.redemptions[0]?.amount_usd, name: body.name }),
    },
    handler: async ({ body, principal, services }) => {
      const created = await services.redemptions.create({
        amountUsd: body.amount_usd,
        count: body.count,
        name: body.name,
        expires: body.expires,
        createdBy: principal.actor.userId,
      });
      return { data: { codes: created.codes, redemptions: created.redemptions.map(redemptionView) } };
    },
  }),

  defineRoute({
    method: 'POST',
    path: '/api/redemptions/:id/disable',
    role: 'admin',
    ownership: 'global',
    tag: TAG,
    fieldNames,
    summary: 'Disable an unused code (it can no longer be redeemed)',
    params: idParams,
    response: redemptionSchema,
    audit: { action: 'redemption.disable' },
    handler: async ({ params, services }) => ({ data: redemptionView(await services.redemptions.disable(String(params.id))) }),
  }),

  defineRoute({
    method: 'DELETE',
    path: '/api/redemptions/:id',
    role: 'admin',
    ownership: 'global',
    tag: TAG,
    fieldNames,
    summary: 'Delete a code that was never redeemed (a redeemed code stays as the record of its credit: 409)',
    params: idParams,
    response: redemptionSchema,
    audit: { action: 'redemption.delete' },
    handler: async ({ params, services }) => ({ data: redemptionView(await services.redemptions.remove(String(params.id))) }),
  }),

  defineRoute({
    method: 'POST',
    path: '/api/users/:id/redeem',
    role: 'admin',
    ownership: 'below',
    tag: TAG,
    fieldNames,
    summary: "Redeem a code into a user's wallet (a user below your role), as gateway user redeem",
    description:
      'Unknown, used and disabled codes get the same 400, and count against the user and your address as on POST /api/user/self/redeem (429 with Retry-After past the limit).',
    params: idParams,
    body: t.Object({ code: t.String({ minLength: 1, maxLength: 64, description: 'The 32 letters and digits of the code.' }) }, { additionalProperties: false }),
    response: t.Object(
      { redemption: redemptionSchema, user: userSchema, amount_usd: t.String({ description: 'Credited, decimal US dollars.' }) },
      { additionalProperties: false },
    ),
    audit: {
      action: 'user.redeem',
      facts: ({ data }) => ({ amount_usd: data?.amount_usd, redemption_id: data?.redemption.id }),
      // A wrong code is a security event (guessing), as on the self route.
      failures: ['invalid_argument'],
    },
    handler: async ({ params, body, principal, services, clientIp }) => {
      // Only accounts below the caller's role (403 otherwise, 404 for an unknown id), as a top-up.
      const target = await services.users.get(String(params.id), principal.actor);
      const result = await services.redemptions.redeem(String(target.id), body.code, { limiter: services.redeemLimiter, address: clientIp });
      return { data: { redemption: redemptionView(result.redemption), user: userView(result.user), amount_usd: result.amountUsd } };
    },
  }),

  defineRoute({
    method: 'POST',
    path: '/api/user/self/redeem',
    role: 'user',
    tag: 'Your account',
    fieldNames,
    summary: 'Redeem a code into your wallet',
    description:
      'Unknown, used and disabled codes get the same 400. After 10 failed codes in 15 minutes (50 from one address) further tries get 429 with Retry-After.',
    body: t.Object({ code: t.String({ minLength: 1, maxLength: 64, description: 'The 32 letters and digits of the code.' }) }, { additionalProperties: false }),
    response: t.Object({ amount_usd: t.String({ description: 'Credited, decimal US dollars.' }), user: userSchema }, { additionalProperties: false }),
    audit: {
      action: 'redemption.redeem',
      target: ({ principal }) => ({ type: 'user', id: principal?.actor.userId ?? null }),
      facts: ({ data }) => ({ amount_usd: data?.amount_usd }),
      // A wrong code is a security event (guessing); the limiter bounds how many a user or address can record.
      failures: ['invalid_argument'],
    },
    handler: async ({ body, principal, services, clientIp }) => {
      const result = await services.redemptions.redeem(String(principal.actor.userId), body.code, { limiter: services.redeemLimiter, address: clientIp });
      return { data: { amount_usd: result.amountUsd, user: userView(result.user) } };
    },
  }),
];
