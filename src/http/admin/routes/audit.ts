/**
 * The audit log (src/services/audit.ts), newest first: root reads every row; an admin reads the rows of
 * accounts below root (its own, other admins', users'), not root's, the operator's CLI or anonymous sign-in
 * failures. `gateway audit` reads the same rows on the server's machine.
 */
import { t } from 'elysia';
import { parseSince } from '../../../services/since.ts';
import { defineRoute } from '../define.ts';
import { pageInfo, pageQuery, pageWindow } from '../envelope.ts';
import { auditEntrySchema, auditEntryView } from '../views.ts';

const when = (description: string) =>
  t.Optional(t.String({ minLength: 1, maxLength: 40, description: `${description} A duration back from now (30m, 1h, 7d, 2w) or an ISO date or time (2026-01-31, 2026-01-31T12:00:00Z).` }));

export const auditRoutes = [
  defineRoute({
    method: 'GET',
    path: '/api/audit',
    role: 'admin',
    tag: 'Audit log',
    summary: 'The audit log: who did what to which object, when and from where',
    description:
      'Admin actions (API and CLI), key reveals and sign-in events. Rows name the fields a change touched, never their values. ' +
      'Root reads every row; an admin reads those of accounts below root.',
    query: t.Object(
      {
        ...pageQuery,
        actor: t.Optional(t.String({ minLength: 1, maxLength: 64, description: 'A username, cli, anonymous, or a user id.' })),
        action: t.Optional(t.String({ minLength: 1, maxLength: 64, description: 'An action (channel.update), or a prefix ending in .* (channel.*).' })),
        target_type: t.Optional(t.String({ minLength: 1, maxLength: 64, description: 'channel, user, token, access_token, session, channel_tag …' })),
        target_id: t.Optional(t.String({ minLength: 1, maxLength: 128 })),
        since: when('Rows from then on.'),
        until: when('Rows up to then.'),
      },
      { additionalProperties: false },
    ),
    response: t.Array(auditEntrySchema),
    handler: async ({ query, principal, services }) => {
      const window = pageWindow(query);
      const now = services.clock.now();
      const { entries, total } = await services.audit.page(
        {
          actor: query.actor,
          action: query.action,
          targetType: query.target_type,
          targetId: query.target_id,
          since: query.since === undefined ? undefined : parseSince(query.since, now, 'since'),
          until: query.until === undefined ? undefined : parseSince(query.until, now, 'until'),
        },
        window,
        principal.actor,
      );
      return { data: entries.map(auditEntryView), page: pageInfo(window, total) };
    },
  }),
];
