/**
 * The CLI's changes in the audit log, as actor `cli` (the operator at the server's shell): the channel, user
 * and API-key services a command gets are wrapped so each change that succeeds writes one row — the same action
 * names and field names as the admin API (`channel.update`, fields `["priority"]`), never a value. A row that
 * cannot be written does not undo the change; it is reported on stderr.
 *
 * Not recorded yet: settings, prices, groups, model aliases, redemption codes and `gateway init` (which opens
 * its own services); channel tests, which change nothing but a latency.
 */
import type { Deps } from '../src/deps.ts';
import { type AuditEntry, type AuditFacts, createAuditService } from '../src/services/audit.ts';
import type { ChannelService } from '../src/services/channels.ts';
import type { TokenService } from '../src/services/tokens.ts';
import type { UserService } from '../src/services/users.ts';
import { sanitize } from './output.ts';

export const CLI_ACTOR = 'cli';

type RecordAudit = (action: string, target: AuditEntry['target'], fields?: readonly string[], facts?: AuditFacts) => Promise<void>;

/** `baseUrl` → `base_url`: the API's name of a service field; only the names of fields that were given. */
export function givenFieldNames(input: object): string[] {
  return Object.entries(input)
    .filter(([, value]) => value !== undefined)
    .map(([name]) => name.replace(/[A-Z]/g, (letter) => `_${letter.toLowerCase()}`));
}

function auditedChannels(channels: ChannelService, record: RecordAudit): ChannelService {
  return {
    ...channels,
    async add(input) {
      const view = await channels.add(input);
      await record('channel.create', { type: 'channel', id: view.id }, givenFieldNames(input));
      return view;
    },
    async update(ref, patch) {
      const view = await channels.update(ref, patch);
      await record('channel.update', { type: 'channel', id: view.id }, givenFieldNames(patch));
      return view;
    },
    async setEnabled(ref, enabled) {
      const view = await channels.setEnabled(ref, enabled);
      await record(enabled ? 'channel.enable' : 'channel.disable', { type: 'channel', id: view.id });
      return view;
    },
    async remove(ref) {
      const view = await channels.remove(ref);
      await record('channel.delete', { type: 'channel', id: view.id }, [], { name: view.name });
      return view;
    },
  };
}

function auditedUsers(users: UserService, record: RecordAudit): UserService {
  return {
    ...users,
    async create(input, actor) {
      const created = await users.create(input, actor);
      await record('user.create', { type: 'user', id: created.user.id }, givenFieldNames(input), { role: created.user.role });
      return created;
    },
    async update(ref, patch, actor) {
      const view = await users.update(ref, patch, actor);
      await record('user.update', { type: 'user', id: view.id }, givenFieldNames(patch), { role: patch.role });
      return view;
    },
    async setEnabled(ref, enabled, actor) {
      const view = await users.setEnabled(ref, enabled, actor);
      await record(enabled ? 'user.enable' : 'user.disable', { type: 'user', id: view.id });
      return view;
    },
    async remove(ref, actor) {
      const removed = await users.remove(ref, actor);
      await record('user.delete', { type: 'user', id: removed.user.id }, [], { username: removed.user.username, tokens_disabled: removed.tokensDisabled });
      return removed;
    },
    async topup(ref, usd, options) {
      const result = await users.topup(ref, usd, options);
      await record('user.topup', { type: 'user', id: result.user.id }, ['amount_usd'], { amount_usd: result.amountUsd });
      return result;
    },
  };
}

function auditedTokens(tokens: TokenService, record: RecordAudit): TokenService {
  return {
    ...tokens,
    async create(input, actor) {
      const created = await tokens.create(input, actor);
      await record('token.create', { type: 'token', id: created.token.id }, givenFieldNames(input), { owner_id: created.token.userId });
      return created;
    },
    async update(ref, patch, scope) {
      const view = await tokens.update(ref, patch, scope);
      await record('token.update', { type: 'token', id: view.id }, givenFieldNames(patch), { owner_id: view.userId });
      return view;
    },
    async setEnabled(ref, enabled, scope) {
      const view = await tokens.setEnabled(ref, enabled, scope);
      await record('token.update', { type: 'token', id: view.id }, ['status'], { owner_id: view.userId });
      return view;
    },
    async remove(ref, scope) {
      const view = await tokens.remove(ref, scope);
      await record('token.delete', { type: 'token', id: view.id }, [], { owner_id: view.userId, name: view.name });
      return view;
    },
  };
}

/** The command's services, with channel, user and API-key changes written to the audit log as `cli`. */
export function auditedDeps(deps: Deps): Deps {
  const audit = createAuditService(deps);
  const record: RecordAudit = async (action, target, fields = [], facts = {}) => {
    try {
      await audit.record({ actor: CLI_ACTOR, action, target, fields, facts });
    } catch (error) {
      process.stderr.write(`warning: the change was made, but the audit log could not record it (${sanitize(error instanceof Error ? error.message : String(error))})\n`);
    }
  };
  return { ...deps, channels: auditedChannels(deps.channels, record), users: auditedUsers(deps.users, record), tokens: auditedTokens(deps.tokens, record) };
}
