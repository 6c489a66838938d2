/**
 * POST /api/auth/register on both dialects: closed by default with a 403 that names the setting; open, it makes
 * a plain user who can then sign in; email domains; a taken name leaks nothing; attempts are limited (429).
 */
import { expect, test } from 'bun:test';
import { forEachAdminDialect } from '../helpers/admin-api.ts';

forEachAdminDialect(
  'admin API registration',
  (harness) => {
    test('closed by default: 403 naming registration_enabled', async () => {
      const h = harness();
      const answer = await h.call('POST', '/api/auth/register', { body: { username: 'early', password: 'early-password' } });
      expect(answer.status).toBe(403);
      expect(answer.body.error.code).toBe('forbidden');
      expect(answer.body.error.message).toContain('registration_enabled');
    });

    test('open: 201 with the profile of a plain user, who can sign in; unknown fields such as role are refused', async () => {
      const h = harness();
      await h.deps.settings.set('registration_enabled', 'true');
      await h.deps.settings.set('registration_opening_balance_usd', '1.5');
      const escalate = await h.call('POST', '/api/auth/register', { body: { username: 'sneaky', password: 'sneaky-password', role: 'root' } });
      expect(escalate.status).toBe(400);
      const created = await h.call('POST', '/api/auth/register', { body: { username: 'newcomer', password: 'newcomer-password', email: 'n@x.org' } });
      expect(created.status).toBe(201);
      expect(created.body.data).toMatchObject({ username: 'newcomer', role: 'user', group: 'default', balance_usd: '1.5', email: 'n@x.org', two_factor_enabled: false });
      expect(created.headers.get('set-cookie')).toBeNull();
      expect((await h.signIn('newcomer')).cookie).toBeDefined();
      const short = await h.call('POST', '/api/auth/register', { body: { username: 'shorty', password: 'short' } });
      expect(short.status).toBe(400);
      expect(short.body.error.field).toBe('password');
    });

    test('a registration is audited with the new account as actor, by field name only', async () => {
      const h = harness();
      const { entries } = await h.admin.services.audit.page({ action: 'auth.register' }, { limit: 100, offset: 0 });
      expect(entries).toHaveLength(1);
      expect(entries[0]).toMatchObject({ actor: 'newcomer', targetType: 'user', fields: ['username', 'email'] });
      expect(JSON.stringify(entries)).not.toContain('newcomer-password');
    });

    test('a taken name answers 409 with the name as sent and nothing about the account', async () => {
      const h = harness();
      const answer = await h.call('POST', '/api/auth/register', { body: { username: 'ALICE', password: 'another-password' } });
      expect(answer.status).toBe(409);
      expect(answer.body.error).toMatchObject({ code: 'conflict', field: 'username', message: 'username "ALICE" is taken; choose another' });
    });

    test('email domains: required, exact after the last @, ignoring case', async () => {
      const h = harness();
      await h.deps.settings.set('registration_email_domains', 'corp.example');
      const none = await h.call('POST', '/api/auth/register', { body: { username: 'nomail', password: 'nomail-password' } });
      expect(none.status).toBe(400);
      expect(none.body.error.field).toBe('email');
      const outside = await h.call('POST', '/api/auth/register', { body: { username: 'outsider', password: 'outsider-password', email: 'x@corp.example.evil' } });
      expect(outside.status).toBe(400);
      const inside = await h.call('POST', '/api/auth/register', { body: { username: 'insider', password: 'insider-password', email: 'X@Corp.Example' } });
      expect(inside.status).toBe(201);
      await h.deps.settings.reset('registration_email_domains');
    });

    test('attempts are limited: 429 with Retry-After', async () => {
      const h = harness();
      let answer = await h.call('POST', '/api/auth/register', { body: { username: 'flood0', password: 'flood-password' } });
      for (let attempt = 1; attempt < 10 && answer.status !== 429; attempt++) {
        answer = await h.call('POST', '/api/auth/register', { body: { username: `flood${attempt}`, password: 'flood-password' } });
      }
      expect(answer.status).toBe(429);
      expect(answer.body.error.code).toBe('rate_limited');
      expect(Number(answer.headers.get('retry-after'))).toBeGreaterThan(0);
    });
  },
  { registrationLimits: { attempts: 8, windowMs: 60 * 60_000 } },
);
