/**
 * Self-registration on both dialects: closed by default (403 naming the setting), open with role user, group
 * default and the opening balance setting, email domains matched exactly and ignoring case on the part after
 * the last "@", a taken name answered without anything about the existing account, attempts limited per address.
 */
import { describe, expect, test } from 'bun:test';
import { checkLedger } from '../../src/services/ledger-check.ts';
import { parseDomainList, parseSettingValue } from '../../src/services/settings.ts';
import { createRegistrationService, emailDomain } from '../../src/services/registration.ts';
import { forEachDialect, manualClock } from '../helpers/stores.ts';

describe('registration settings', () => {
  test('email domains: lower case, "@" and a trailing dot dropped, duplicates merged, junk refused', () => {
    expect(parseDomainList(' Example.COM, @example.org,example.com., ', 'registration_email_domains')).toEqual(['example.com', 'example.org']);
    expect(parseDomainList('', 'registration_email_domains')).toEqual([]);
    for (const bad of ['example', 'exa mple.com', '*.example.com', 'user@example.com', '-a.com', 'a..com']) {
      expect(() => parseDomainList(bad, 'registration_email_domains')).toThrow(/registration_email_domains: ".*" is not a domain name/);
    }
    expect(parseSettingValue('registration_opening_balance_usd', '0.5')).toBe('0.5');
    expect(parseSettingValue('registration_enabled', 'on')).toBe(true);
  });

  test('the domain is the part after the last @', () => {
    expect(emailDomain('a@B.Example.com')).toBe('b.example.com');
    expect(emailDomain('"a@evil.com"@good.com')).toBe('good.com');
  });
});

forEachDialect('registration', (context) => {
  const clock = manualClock();
  const service = (limits = { attempts: 100, windowMs: 60 * 60_000 }) => createRegistrationService({ users: context().users, settings: context().settings, clock }, limits);

  test('closed by default: 403 that names the setting, and no account is made', async () => {
    await expect(service().register({ username: 'early', password: 'early-password', ip: '192.0.2.1' })).rejects.toMatchObject({
      code: 'forbidden',
      message: expect.stringContaining('gateway setting set registration_enabled true'),
    });
    await expect(context().users.get('early')).rejects.toMatchObject({ code: 'not_found' });
  });

  test('open: role user, group default, the opening balance through the ledger', async () => {
    const { settings, users } = context();
    await settings.set('registration_enabled', 'true');
    const plain = await service().register({ username: 'newbie', password: 'newbie-password', ip: '192.0.2.1' });
    expect(plain).toMatchObject({ username: 'newbie', role: 'user', group: 'default', status: 'enabled', balanceUsd: '0', email: null, twoFactorEnabled: false });
    await settings.set('registration_opening_balance_usd', '0.25');
    const funded = await service().register({ username: 'funded', password: 'funded-password', email: 'f@x.org', ip: '192.0.2.1' });
    expect(funded).toMatchObject({ balanceUsd: '0.25', email: 'f@x.org' });
    expect((await checkLedger(context().store, Date.now())).problems).toEqual([]);
    const logs = await context().store.db.select().from(context().store.tables.logs);
    expect(logs.map((row) => row.content)).toContain('initial quota $0.25 via registration');
    expect((await users.get('funded')).balanceUsd).toBe('0.25');
  });

  test('bad usernames, short passwords and bad emails are refused by field', async () => {
    await expect(service().register({ username: '1234', password: 'long-enough', ip: undefined })).rejects.toMatchObject({ code: 'invalid_argument', field: 'username' });
    await expect(service().register({ username: 'ro~ot', password: 'long-enough', ip: undefined })).rejects.toMatchObject({ code: 'invalid_argument', field: 'username' });
    await expect(service().register({ username: 'shorty', password: 'short', ip: undefined })).rejects.toMatchObject({ code: 'invalid_argument', field: 'password' });
    await expect(service().register({ username: 'mailer', password: 'long-enough', email: 'not-an-address', ip: undefined })).rejects.toMatchObject({
      code: 'invalid_argument',
      field: 'email',
    });
  });

  test('a taken name, in any case, answers conflict with the name as sent and nothing else', async () => {
    await context().users.update('newbie', { email: 'secret-person@hidden.example', displayName: 'Hidden Name' });
    for (const username of ['newbie', 'NEWBIE', 'root', 'Root']) {
      const error = await service()
        .register({ username, password: 'another-password', ip: '192.0.2.1' })
        .then(() => undefined, (caught: unknown) => caught as { code: string; field: string; message: string });
      expect(error).toMatchObject({ code: 'conflict', field: 'username', message: `username "${username}" is taken; choose another` });
      expect(error?.message).not.toMatch(/hidden|gateway user|id \d/i);
    }
  });

  test('with email domains: an email is required and its domain must match exactly, ignoring case', async () => {
    await context().settings.set('registration_email_domains', 'example.com, Example.ORG');
    await expect(service().register({ username: 'nomail', password: 'long-enough', ip: undefined })).rejects.toMatchObject({
      code: 'invalid_argument',
      field: 'email',
      message: expect.stringContaining('example.com or example.org'),
    });
    for (const email of ['a@sub.example.com', 'a@example.com.evil.net', 'a@notexample.com', 'a@example.co', 'example.com@evil.net']) {
      await expect(service().register({ username: 'wrongdomain', password: 'long-enough', email, ip: undefined })).rejects.toMatchObject({
        code: 'invalid_argument',
        field: 'email',
      });
    }
    expect(await service().register({ username: 'insider', password: 'long-enough', email: 'Someone@EXAMPLE.com', ip: undefined })).toMatchObject({
      email: 'Someone@EXAMPLE.com',
    });
    expect((await service().register({ username: 'insider2', password: 'long-enough', email: 'x@example.org', ip: undefined })).username).toBe('insider2');
    await context().settings.reset('registration_email_domains');
  });

  test('attempts are limited per address, successful or not; another address is not affected', async () => {
    const limited = service({ attempts: 3, windowMs: 60 * 60_000 });
    await limited.register({ username: 'burst1', password: 'long-enough', ip: '198.51.100.1' });
    await expect(limited.register({ username: 'burst1', password: 'long-enough', ip: '198.51.100.1' })).rejects.toMatchObject({ code: 'conflict' });
    await limited.register({ username: 'burst2', password: 'long-enough', ip: '198.51.100.1' });
    const refused = limited.register({ username: 'burst3', password: 'long-enough', ip: '198.51.100.1' });
    await expect(refused).rejects.toMatchObject({ code: 'rate_limited', message: expect.stringContaining('too many registrations from this address') });
    expect(await limited.register({ username: 'burst4', password: 'long-enough', ip: '198.51.100.2' })).toMatchObject({ username: 'burst4' });
    clock.advance(60 * 60_000);
    expect(await limited.register({ username: 'burst3', password: 'long-enough', ip: '198.51.100.1' })).toMatchObject({ username: 'burst3' });
  });

  test('closing it again stops new accounts at once', async () => {
    await context().settings.set('registration_enabled', 'false');
    await expect(service().register({ username: 'late', password: 'long-enough', ip: undefined })).rejects.toMatchObject({ code: 'forbidden' });
  });
});
