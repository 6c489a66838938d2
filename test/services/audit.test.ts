/**
 * The audit service on both dialects: what a row keeps (names, never values; short facts, key shapes
 * redacted), the filters (actor, action and prefix, target, time window), paging newest first, and who reads
 * what (root everything; an admin the rows of accounts below root; a user its own).
 */
import { beforeAll, expect, test } from 'bun:test';
import { GatewayError } from '../../src/errors/gateway-error.ts';
import type { Actor } from '../../src/services/actor.ts';
import { type AuditService, createAuditService } from '../../src/services/audit.ts';
import { forEachDialect, manualClock } from '../helpers/stores.ts';

const HOUR = 3_600_000;

forEachDialect('audit service', (context) => {
  const clock = manualClock(Date.UTC(2026, 2, 1, 12));
  let audit: AuditService;
  const ids: Record<'root' | 'admin' | 'user', number> = { root: 0, admin: 0, user: 0 };
  const actors = {} as Record<'root' | 'admin' | 'user', Actor>;

  beforeAll(async () => {
    const deps = context();
    audit = createAuditService({ store: deps.store, clock });
    ids.root = (await deps.users.get('root')).id;
    ids.admin = (await deps.users.create({ username: 'audit-admin', password: 'audit-admin-password', role: 'admin' })).user.id;
    ids.user = (await deps.users.create({ username: 'audit-user', password: 'audit-user-password' })).user.id;
    actors.root = { userId: ids.root, username: 'root', role: 'root' };
    actors.admin = { userId: ids.admin, username: 'audit-admin', role: 'admin' };
    actors.user = { userId: ids.user, username: 'audit-user', role: 'user' };

    // Oldest first: root, the CLI, the admin, a failed sign-in, the user.
    await audit.record({ actor: { userId: ids.root, username: 'root' }, action: 'channel.key.reveal', target: { type: 'channel', id: 3 }, ip: '10.0.0.1', requestId: 'req-1' });
    clock.advance(HOUR);
    await audit.record({ actor: 'cli', action: 'channel.update', target: { type: 'channel', id: 3 }, fields: ['priority', 'keys'] });
    clock.advance(HOUR);
    await audit.record({ actor: { userId: ids.admin, username: 'audit-admin' }, action: 'user.topup', target: { type: 'user', id: ids.user }, facts: { amount_usd: '5' } });
    clock.advance(HOUR);
    await audit.record({ actor: 'anonymous', action: 'auth.login.failed', target: { type: 'user', id: null }, facts: { username: 'root', error: 'unauthorized' } });
    clock.advance(HOUR);
    await audit.record({ actor: { userId: ids.user, username: 'audit-user' }, action: 'token.create', target: { type: 'token', id: 7 }, fields: ['name'] });
  });

  test('a row keeps the actor, action, target, address, request id, field names and facts', async () => {
    const { entries, total } = await audit.page({}, { limit: 10, offset: 0 });
    expect(total).toBe(5);
    expect(entries.map((entry) => entry.action)).toEqual(['token.create', 'auth.login.failed', 'user.topup', 'channel.update', 'channel.key.reveal']);
    expect(entries[4]).toEqual({
      id: expect.any(Number),
      createdAt: '2026-03-01T12:00:00.000Z',
      actor: 'root',
      actorUserId: ids.root,
      action: 'channel.key.reveal',
      targetType: 'channel',
      targetId: '3',
      ip: '10.0.0.1',
      requestId: 'req-1',
      fields: [],
      facts: {},
    });
    expect(entries[3]).toMatchObject({ actor: 'cli', actorUserId: null, fields: ['priority', 'keys'], ip: null, requestId: null });
    expect(entries[2]?.facts).toEqual({ amount_usd: '5' });
  });

  test('facts and target ids are short and never carry a key shape; names are checked', async () => {
    // A day later, past the window the other tests read.
    clock.advance(24 * HOUR);
    const secret = `sk-${'A'.repeat(40)}`;
    const view = await audit.record({
      actor: { userId: ids.root, username: 'root\u001b[31m' },
      action: 'channel.test',
      target: { type: 'channel', id: `x ${secret}` },
      fields: ['model', 'bad field!', 'model'],
      facts: { message: `upstream said ${secret}\n and more`, long: 'y'.repeat(500), count: Number.NaN, skipped: undefined, ok: true },
      ip: ' 192.0.2.1\r\n',
    });
    const text = JSON.stringify(view);
    expect(text).not.toContain(secret);
    expect(view.actor).toBe('root[31m');
    expect(view.fields).toEqual(['model']);
    expect(view.facts).toEqual({ message: 'upstream said [redacted] and more', long: 'y'.repeat(200), count: null, ok: true });
    expect(view.ip).toBe('192.0.2.1');
    await expect(audit.record({ actor: 'cli', action: 'Channel Update', target: { type: 'channel' } })).rejects.toThrow('lower-case');
    await expect(audit.record({ actor: 'cli', action: 'channel.update', target: { type: 'Channel!' } })).rejects.toThrow('lower-case');
  });

  test('filters: actor by name or id, action exact or by prefix, target, since and until', async () => {
    const window = { limit: 50, offset: 0 };
    const actions = async (filter: Parameters<AuditService['page']>[0]) => (await audit.page(filter, window)).entries.map((entry) => entry.action);
    expect(await actions({ actor: 'CLI' })).toEqual(['channel.update']);
    expect(await actions({ actor: String(ids.admin) })).toEqual(['user.topup']);
    expect(await actions({ actor: 'anonymous' })).toEqual(['auth.login.failed']);
    expect(await actions({ action: 'channel.update' })).toEqual(['channel.update']);
    expect(await actions({ action: 'channel.*', until: Date.UTC(2026, 2, 1, 16) })).toEqual(['channel.update', 'channel.key.reveal']);
    expect(await actions({ action: 'auth.login.*' })).toEqual(['auth.login.failed']);
    expect(await actions({ action: 'channel.%' }).catch((error: GatewayError) => error.field)).toBe('action');
    expect(await actions({ targetType: 'channel', targetId: '3' })).toEqual(['channel.update', 'channel.key.reveal']);
    expect(await actions({ targetType: 'user' })).toEqual(['auth.login.failed', 'user.topup']);
    expect(await actions({ since: Date.UTC(2026, 2, 1, 14), until: Date.UTC(2026, 2, 1, 15) })).toEqual(['auth.login.failed', 'user.topup']);
    await expect(audit.page({ since: 10, until: 5 }, window)).rejects.toThrow('until is before since');
    const paged = await audit.page({ until: Date.UTC(2026, 2, 1, 16) }, { limit: 2, offset: 2 });
    expect({ total: paged.total, actions: paged.entries.map((entry) => entry.action) }).toEqual({ total: 5, actions: ['user.topup', 'channel.update'] });
  });

  test('root reads every row; an admin the rows of accounts below root; a user only its own', async () => {
    const window = { limit: 50, offset: 0 };
    const until = Date.UTC(2026, 2, 1, 16, 30);
    const seen = async (viewer: Actor) => (await audit.page({ until }, window, viewer)).entries.map((entry) => entry.action);
    expect(await seen(actors.root)).toEqual(['token.create', 'auth.login.failed', 'user.topup', 'channel.update', 'channel.key.reveal']);
    expect(await seen(actors.admin)).toEqual(['token.create', 'user.topup']);
    expect(await seen(actors.user)).toEqual(['token.create']);
    // Asking for another actor's rows does not widen what a viewer reads.
    expect((await audit.page({ actor: 'root', until }, window, actors.admin)).entries).toEqual([]);
    expect((await audit.page({ actor: 'cli', until }, window, actors.admin)).total).toBe(0);
  });
});
