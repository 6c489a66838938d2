/**
 * Key authentication on a real SQLite store with a hand-moved clock: every credential form, every failure in
 * its documented order, identical answers for keys that do not resolve, pinning, expiry of a cached key
 * (reliability.md O3), client address allowlists and the failed-key limiter (A5).
 */
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import type { Deps } from '../../src/deps.ts';
import { type ErrorCode, GatewayError } from '../../src/errors/gateway-error.ts';
import { openAiError } from '../../src/http/plugins/errors.ts';
import { type AuthResult, checkModelAllowed, createKeyAuthenticator, type KeyAuthenticator, RetryAfterError } from '../../src/relay/auth.ts';
import { extractCredential } from '../../src/relay/credentials.ts';
import { createFailedKeyLimiter, limiterBucket } from '../../src/relay/failed-key-limiter.ts';
import { compileAllowlist } from '../../src/relay/ip-allowlist.ts';
import { randomBase62 } from '../../src/security/keys.ts';
import type { CreateTokenInput } from '../../src/services/tokens.ts';
import { createTestEnvironment, manualClock, openDeps, type TestEnvironment } from '../helpers/stores.ts';

const base = 'http://gateway.test';
const clock = manualClock();
let environment: TestEnvironment;
let deps: Deps;
let verifyCalls = 0;
let authenticator: KeyAuthenticator;

beforeAll(async () => {
  environment = await createTestEnvironment('sqlite');
  deps = await openDeps(environment, { clock });
  authenticator = createKeyAuthenticator({
    tokens: {
      verify: (key) => {
        verifyCalls += 1;
        return deps.tokens.verify(key);
      },
    },
    clock,
  });
});

afterAll(async () => {
  await deps.close();
  await environment.cleanup();
});

function requestWith(path: string, headers: Record<string, string> = {}): Request {
  return new Request(`${base}${path}`, { method: 'POST', headers });
}

function bearer(key: string, path = '/v1/chat/completions'): Request {
  return requestWith(path, { authorization: `Bearer ${key}` });
}

async function authenticate(request: Request, clientIp: string | undefined = '198.51.100.1'): Promise<AuthResult> {
  return authenticator.authenticate(request, { path: new URL(request.url).pathname, clientIp });
}

async function failure(promise: Promise<unknown>): Promise<GatewayError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof GatewayError) return error;
    throw error;
  }
  throw new Error('expected a GatewayError');
}

async function expectFailure(promise: Promise<unknown>, code: ErrorCode, status: number, fragment: string): Promise<GatewayError> {
  const error = await failure(promise);
  expect({ code: error.code, status: error.status }).toEqual({ code, status });
  expect(error.message).toContain(fragment);
  return error;
}

let counter = 0;
async function newKey(options: Omit<CreateTokenInput, 'name'> = {}): Promise<{ key: string; name: string }> {
  counter += 1;
  const created = await deps.tokens.create({ name: `auth-${counter}`, ...options });
  return { key: created.key, name: created.token.name };
}

describe('credentials', () => {
  test('Bearer in any case, with or without sk-, resolves the same key', async () => {
    const { key } = await newKey();
    const body = key.slice(3);
    for (const header of [`Bearer ${key}`, `bearer ${key}`, `BEARER ${key}`, `Bearer ${body}`, key]) {
      const result = await authenticate(requestWith('/v1/chat/completions', { authorization: header }));
      expect(result.tokenName).toBe(`auth-${counter}`);
    }
  });

  test('x-api-key on Anthropic paths, x-goog-api-key and ?key= on Google paths, the subprotocol on realtime', async () => {
    const { key, name } = await newKey();
    const cases: [string, Record<string, string>][] = [
      ['/v1/messages', { 'x-api-key': key }],
      ['/v1/messages/count_tokens', { 'x-api-key': key }],
      ['/v1/models', { 'x-api-key': key }],
      ['/v1beta/models/gemini-2.5-pro:generateContent', { 'x-goog-api-key': key }],
      [`/v1beta/models/gemini-2.5-pro:streamGenerateContent?alt=sse&key=${key}`, {}],
      [`/v1beta/openai/models?key=${key}`, {}],
      [`/v1/models/gemini-2.5-pro:generateContent?key=${key}`, {}],
      ['/v1/realtime', { 'sec-websocket-protocol': `realtime, openai-insecure-api-key.${key}, openai-beta.realtime-v1` }],
    ];
    for (const [path, headers] of cases) {
      expect((await authenticate(requestWith(path, headers))).tokenName).toBe(name);
    }
    const source = (path: string, headers: Record<string, string>) => extractCredential(requestWith(path, headers), path.split('?')[0] ?? path)?.source;
    expect(source('/v1/messages', { 'x-api-key': key, authorization: 'Bearer sk-other' })).toBe('x-api-key');
    expect(source('/v1/messages', { 'x-api-key': ' ', authorization: `Bearer ${key}` })).toBe('authorization');
    expect(source(`/v1beta/models/x?key=${key}`, { 'x-goog-api-key': key })).toBe('x-goog-api-key');
  });

  test('a header or query parameter outside its paths is not a credential', async () => {
    const { key } = await newKey();
    await expectFailure(authenticate(requestWith('/v1/chat/completions', { 'x-api-key': key })), 'unauthorized', 401, 'no API key');
    await expectFailure(authenticate(requestWith(`/v1/chat/completions?key=${key}`)), 'unauthorized', 401, 'no API key');
    await expectFailure(authenticate(requestWith('/v1/chat/completions', { 'x-goog-api-key': key })), 'unauthorized', 401, 'no API key');
    await expectFailure(authenticate(requestWith('/v1/chat/completions', { authorization: 'Bearer ' })), 'unauthorized', 401, 'no API key');
  });

  test('the result carries plain values: group from the key, else from its owner', async () => {
    const { key } = await newKey({ group: 'vip', models: ['gpt-4o'] });
    const result = await authenticate(bearer(key));
    expect(result).toMatchObject({ username: 'root', role: 'root', group: 'vip', models: ['gpt-4o'], pinnedChannelId: undefined, unlimited: true, remaining: undefined });
    const plain = await newKey({ quotaUsd: '2' });
    expect(await authenticate(bearer(plain.key))).toMatchObject({ group: 'default', unlimited: false, remaining: 2_000_000 });
  });
});

describe('checks in order', () => {
  test('disabled, then expired, then quota, then address, then owner, then pin', async () => {
    await deps.users.create({ username: 'alice', password: 'alice-password-1234', role: 'user' });
    const { key, name } = await newKey({ user: 'alice', quotaUsd: '0', expires: '1d', allowIps: ['10.0.0.0/8'] });
    await deps.tokens.setEnabled(name, false);
    await deps.users.setEnabled('alice', false);
    clock.advance(2 * 86_400_000);
    const attempt = () => authenticate(bearer(`${key}-3`), '192.0.2.1');

    await expectFailure(attempt(), 'unauthorized', 401, `API key "${name}" is disabled; its owner can enable it again with: gateway token enable`);
    await deps.tokens.setEnabled(name, true);
    authenticator.invalidate();
    await expectFailure(attempt(), 'unauthorized', 401, `API key "${name}" expired at`);
    await deps.tokens.update(name, { expires: 'never' });
    authenticator.invalidate();
    await expectFailure(attempt(), 'quota_exhausted', 429, `API key "${name}" has no quota left; raise it with: gateway token update`);
    await deps.tokens.update(name, { quotaUsd: '1' });
    authenticator.invalidate();
    await expectFailure(attempt(), 'forbidden', 403, `API key "${name}" does not accept requests from 192.0.2.1`);
    await deps.tokens.update(name, { allowIps: [] });
    authenticator.invalidate();
    await expectFailure(attempt(), 'forbidden', 403, 'the account that owns API key');
    await deps.users.setEnabled('alice', true);
    authenticator.invalidate();
    await expectFailure(attempt(), 'forbidden', 403, 'only administrators can pin a channel');
    expect((await authenticate(bearer(key), '192.0.2.1')).username).toBe('alice');
  });

  test('administrators may pin a channel', async () => {
    const { key } = await newKey();
    expect((await authenticate(bearer(`${key}-12`))).pinnedChannelId).toBe(12);
    expect((await authenticate(bearer(key.slice(3) + '-7'))).pinnedChannelId).toBe(7);
  });

  test('unknown, malformed and removed keys get byte-identical answers', async () => {
    const { key, name } = await newKey();
    await deps.tokens.remove(name);
    const presented = [`sk-${randomBase62(48)}`, randomBase62(48), 'sk-short', 'not a key', `sk-${'é'.repeat(48)}`, key, `${key}-5`, 'Basic dXNlcjpwYXNz'];
    const bodies = new Set<string>();
    let index = 0;
    for (const value of presented) {
      index += 1;
      // A fresh address each time, so the limiter does not interfere.
      const error = await failure(authenticate(requestWith('/v1/chat/completions', { authorization: value.startsWith('Basic') ? value : `Bearer ${value}` }), `203.0.113.${index}`));
      expect(error.status).toBe(401);
      bodies.add(JSON.stringify(openAiError(error.code, error.message)));
    }
    expect(bodies.size).toBe(1);
    expect([...bodies][0]).not.toContain(key.slice(3, 20));
  });

  test('the model list is checked separately, by the requested name', () => {
    const auth = { models: ['gpt-4o', 'claude-sonnet-4'], tokenName: 'ci' };
    expect(() => checkModelAllowed(auth, 'gpt-4o')).not.toThrow();
    expect(() => checkModelAllowed({ models: [], tokenName: 'any' }, 'whatever')).not.toThrow();
    let thrown: unknown;
    try {
      checkModelAllowed(auth, 'gpt-4.1');
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(GatewayError);
    expect((thrown as GatewayError).status).toBe(403);
    expect((thrown as GatewayError).message).toStartWith('This token has no access to model gpt-4.1');
  });
});

describe('cache', () => {
  test('a cached key expires on the millisecond (O3)', async () => {
    const now = clock.now();
    const { key } = await newKey({ expires: '1h' });
    const expiresAt = now + 3_600_000;
    clock.set(expiresAt - 1);
    authenticator.invalidate();
    const before = verifyCalls;
    expect((await authenticate(bearer(key))).expiresAt).toBe(expiresAt);
    clock.set(expiresAt);
    await expectFailure(authenticate(bearer(key)), 'unauthorized', 401, 'expired at');
    expect(verifyCalls - before).toBe(1);
  });

  test('a change is seen after at most one second, or at once after invalidate()', async () => {
    const { key, name } = await newKey();
    await authenticate(bearer(key));
    await deps.tokens.setEnabled(name, false);
    expect((await authenticate(bearer(key))).tokenName).toBe(name);
    clock.advance(1000);
    await expectFailure(authenticate(bearer(key)), 'unauthorized', 401, 'is disabled');
    await deps.tokens.setEnabled(name, true);
    authenticator.invalidate();
    expect((await authenticate(bearer(key))).tokenName).toBe(name);
  });
});

describe('client address allowlist', () => {
  test('single addresses and CIDR blocks, IPv4 and IPv6, IPv4-mapped clients', async () => {
    const { key, name } = await newKey({ allowIps: ['203.0.113.7', '10.0.0.0/8', '2001:db8::/32', '::1'] });
    for (const ip of ['203.0.113.7', '10.20.30.40', '::ffff:10.1.1.1', '2001:db8:abcd::5', '::1', '[2001:db8::9]']) {
      expect((await authenticate(bearer(key), ip)).tokenName).toBe(name);
    }
    for (const ip of ['203.0.113.8', '11.0.0.1', '2001:db9::1', '::2', undefined]) {
      await expectFailure(authenticate(bearer(key), ip), 'forbidden', 403, 'does not accept requests from');
    }
  });

  test('an empty list allows every address; an unparsable entry allows none', () => {
    expect(compileAllowlist([]).allows(undefined)).toBe(true);
    expect(compileAllowlist(['not-an-ip', '10.0.0.0/99']).allows('10.0.0.1')).toBe(false);
    expect(compileAllowlist(['192.168.1.0/24']).allows('192.168.1.255')).toBe(true);
    expect(compileAllowlist(['192.168.1.0/24']).allows('192.168.2.1')).toBe(false);
  });
});

describe('failed-key limiter (A5)', () => {
  test('after 60 failed keys from one address every key check gets 429 with Retry-After, until the window ends', async () => {
    const { key } = await newKey();
    const ip = '198.51.100.77';
    for (let attempt = 0; attempt < 60; attempt++) {
      await expectFailure(authenticate(bearer(`sk-${randomBase62(48)}`), ip), 'unauthorized', 401, 'invalid API key');
    }
    const limited = await failure(authenticate(bearer(`sk-${randomBase62(48)}`), ip));
    expect(limited).toBeInstanceOf(RetryAfterError);
    expect({ code: limited.code, status: limited.status, retryAfter: (limited as RetryAfterError).retryAfterSeconds }).toEqual({
      code: 'rate_limited',
      status: 429,
      retryAfter: 60,
    });
    // A valid key from the blocked address waits too; another address is unaffected.
    await expectFailure(authenticate(bearer(key), ip), 'rate_limited', 429, 'too many invalid API keys');
    expect((await authenticate(bearer(key), '198.51.100.78')).tokenName).toBeDefined();
    clock.advance(30_000);
    expect(((await failure(authenticate(bearer(key), ip))) as RetryAfterError).retryAfterSeconds).toBe(30);
    clock.advance(30_000);
    expect((await authenticate(bearer(key), ip)).tokenName).toBeDefined();
  });

  test('IPv6 addresses count per /64, IPv4-mapped ones as IPv4, and memory stays bounded', () => {
    expect(limiterBucket('2001:db8:1:2:aaaa::1')).toBe(limiterBucket('2001:0db8:0001:0002:ffff:ffff:ffff:ffff'));
    expect(limiterBucket('2001:db8:1:2::1')).not.toBe(limiterBucket('2001:db8:1:3::1'));
    expect(limiterBucket('::ffff:192.0.2.1')).toBe('192.0.2.1');
    expect(limiterBucket(undefined)).toBe('unknown');
    const limiterClock = manualClock();
    const limiter = createFailedKeyLimiter({ clock: limiterClock, limit: 2, maxTracked: 100 });
    for (let index = 0; index < 1000; index++) limiter.recordFailure(`10.0.${Math.floor(index / 256)}.${index % 256}`);
    expect(limiter.size).toBeLessThanOrEqual(100);
    limiter.recordFailure('2001:db8:1:2::1');
    limiter.recordFailure('2001:db8:1:2::2');
    expect(limiter.blockedFor('2001:db8:1:2::3')).toBe(60);
  });
});
