/**
 * `gateway audit`: the audit log, newest first — admin actions through the API and the CLI, key reveals and
 * sign-in events — filtered by actor, action, target and time. Rows name the fields a change touched, never
 * their values. The same rows as `GET /api/audit` (as root).
 */
import type { Command } from 'commander';
import { invalidArgument } from '../../src/errors/gateway-error.ts';
import { AUDIT_QUERY_LIMITS, type AuditView } from '../../src/services/audit.ts';
import { parseSince } from '../../src/services/since.ts';
import { withServices } from '../context.ts';
import { parseIntegerFlag } from '../flags.ts';
import { output, renderTable } from '../output.ts';

interface AuditFlags {
  actor?: string;
  action?: string;
  target?: string;
  since?: string;
  until?: string;
  limit?: string;
  json?: boolean;
}

function parseLimit(text: string | undefined): number {
  if (text === undefined) return AUDIT_QUERY_LIMITS.defaultLimit;
  const limit = parseIntegerFlag(text, '--limit');
  if (limit < 1 || limit > AUDIT_QUERY_LIMITS.maxLimit) {
    throw invalidArgument('--limit', `--limit must be from 1 to ${AUDIT_QUERY_LIMITS.maxLimit} (got ${text})`);
  }
  return limit;
}

/** `channel` or `channel:3` (the id may itself hold colons: a tag). */
function parseTarget(text: string | undefined): { targetType?: string; targetId?: string } {
  if (text === undefined) return {};
  const separator = text.indexOf(':');
  if (separator === -1) return { targetType: text.trim() };
  const targetId = text.slice(separator + 1);
  if (targetId.trim() === '') throw invalidArgument('--target', `--target "${text}" has nothing after the colon; use TYPE or TYPE:ID, e.g. channel:3`);
  return { targetType: text.slice(0, separator).trim(), targetId };
}

function target(view: AuditView): string {
  return view.targetId === null ? view.targetType : `${view.targetType}:${view.targetId}`;
}

function facts(view: AuditView): string {
  return Object.entries(view.facts)
    .map(([name, value]) => `${name}=${value === null ? '-' : String(value)}`)
    .join(' ');
}

function renderAuditTable(views: readonly AuditView[]): string {
  if (views.length === 0) return 'No audit log rows match.';
  return renderTable(
    ['TIME (UTC)', 'ACTOR', 'ACTION', 'TARGET', 'IP', 'FIELDS', 'DETAIL'],
    views.map((view) => [
      `${view.createdAt.slice(0, 19)}Z`,
      view.actorUserId === null ? view.actor : `${view.actor} (#${view.actorUserId})`,
      view.action,
      target(view),
      view.ip,
      view.fields.length === 0 ? null : view.fields.join(','),
      facts(view) || null,
    ]),
  );
}

export function registerAuditCommand(program: Command): void {
  program
    .command('audit')
    .description('Show the audit log, newest first: who changed what, when and from where (field names, never values).')
    .option('--actor <actor>', 'only rows of this actor: a username, a user id, cli (this command line) or anonymous (failed sign-ins)')
    .option('--action <action>', 'only this action (channel.update), or every action with a prefix (channel.*)')
    .option('--target <target>', 'only rows about this object: TYPE or TYPE:ID, e.g. channel, channel:3, user:12')
    .option('--since <when>', 'only rows since a duration ago (30m, 1h, 7d) or an ISO date or time')
    .option('--until <when>', 'only rows up to a duration ago or an ISO date or time')
    .option('--limit <n>', `at most this many rows (default ${AUDIT_QUERY_LIMITS.defaultLimit}, at most ${AUDIT_QUERY_LIMITS.maxLimit})`)
    .option('--json', 'print JSON only: an array of rows')
    .addHelpText(
      'after',
      `
Actions are <resource>.<verb>: channel.create, channel.update, channel.key.reveal, user.topup, token.delete,
auth.login, auth.login.failed, auth.password.change … Changes made with this command line are recorded with
the actor "cli".

Examples:
  $ gateway audit --since 24h
  $ gateway audit --action 'channel.*' --limit 20
  $ gateway audit --actor alice --json
  $ gateway audit --action auth.login.failed --since 1h`,
    )
    .action(async (flags: AuditFlags, self: Command) => {
      const limit = parseLimit(flags.limit);
      await withServices(self, async (deps) => {
        const now = deps.clock.now();
        const { entries } = await deps.audit.page(
          {
            actor: flags.actor,
            action: flags.action,
            ...parseTarget(flags.target),
            since: flags.since === undefined ? undefined : parseSince(flags.since, now),
            until: flags.until === undefined ? undefined : parseSince(flags.until, now, '--until'),
          },
          { limit, offset: 0 },
        );
        output(flags.json, entries, () => renderAuditTable(entries));
      });
    });
}
