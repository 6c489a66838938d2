/**
 * F1–F3 of reliability.md 4.6 at the dispatcher: address forms, DNS rebinding and redirect chains. Canaries
 * count every accept(); the injected resolver answers for `*.test` names and the test address policy treats
 * 127.0.0.2 and 127.0.0.3 as public (reliability.md 3.3), everything else as production does.
 */
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { createDispatcher, type DispatchOptions, type Resolver } from '../../src/relay/dispatch.ts';
import { isDeniedAddress } from '../../src/security/outbound-guard.ts';
import { failureOf, respond, startCanary, startPair, startRawServer, type Canary, type RawServer } from './dispatch-harness.ts';

const PUBLIC_IN_TESTS = new Set(['127.0.0.2', '127.0.0.3']);
const testPolicy = (ip: string): boolean => !PUBLIC_IN_TESTS.has(ip) && isDeniedAddress(ip);

/** A resolver answering from a table of address sequences (the last answer repeats), counting lookups per name. */
function scriptedResolver(table: Record<string, readonly (readonly string[])[]>): Resolver & { lookups: Map<string, number> } {
  const lookups = new Map<string, number>();
  const resolver = async (hostname: string): Promise<readonly string[]> => {
    const count = lookups.get(hostname) ?? 0;
    lookups.set(hostname, count + 1);
    const answers = table[hostname];
    if (answers === undefined) throw Object.assign(new Error(`no answer for ${hostname}`), { code: 'ENOTFOUND' });
    return answers[Math.min(count, answers.length - 1)] ?? [];
  };
  return Object.assign(resolver, { lookups });
}

const timeouts: DispatchOptions = { firstByteTimeoutMs: 2000, idleTimeoutMs: 2000, totalTimeoutMs: 2800 };

let canary: Canary;
let otherCanary: Canary;
let canary6: Canary;
beforeAll(async () => {
  canary = await startCanary('127.0.0.1');
  otherCanary = await startCanary('127.0.0.1');
  canary6 = await startCanary('::1');
});
afterAll(async () => {
  await Promise.all([canary.close(), otherCanary.close(), canary6.close()]);
});
const canaryAccepts = () => canary.accepts() + otherCanary.accepts() + canary6.accepts();

describe('F1 address forms', () => {
  test('every spelling of a local, private or metadata address is refused with 0 canary accepts', async () => {
    const resolver = scriptedResolver({ 'evil.test': [['127.0.0.1']], 'six.test': [['::1']], 'mapped.test': [['::ffff:127.0.0.1']] });
    const dispatcher = createDispatcher({ resolver });
    const port = canary.port;
    const forms = [
      `http://127.0.0.1:${port}/`, `http://localhost:${port}/`, `http://localhost.:${port}/`, `http://LOCALHOST:${port}/`,
      `http://%6c%6f%63%61%6c%68%6f%73%74:${port}/`, `http://api.localhost:${port}/`, `http://127.1:${port}/`, `http://0x7f.1:${port}/`,
      `http://2130706433:${port}/`, `http://017700000001:${port}/`, `http://[::1]:${canary6.port}/`,
      `http://[::ffff:127.0.0.1]:${port}/`, `http://[::ffff:7f00:1]:${port}/`, `http://0.0.0.0:${port}/`, `http://0:${port}/`,
      'http://169.254.169.254/latest/meta-data/', 'http://[fd00:ec2::254]/', 'http://metadata.google.internal/', 'http://100.100.100.200/',
      `http://user:pass@127.0.0.1:${port}/`, `http://user:pass@api.example.com/`, 'file:///etc/passwd', `gopher://127.0.0.1:${port}/`,
      `ftp://127.0.0.1:${port}/`, `http://evil.test:${port}/`, `http://EVIL.TEST.:${port}/`, `http://six.test:${canary6.port}/`,
      `http://mapped.test:${port}/`, `https://evil.test:${port}/`,
    ];
    for (const url of forms) {
      const failure = await failureOf(dispatcher.dispatch({ url, method: 'GET', headers: {}, body: undefined }, timeouts));
      expect({ url, code: failure.code, retryable: failure.retryable }).toEqual({ url, code: 'blocked_destination', retryable: false });
    }
    expect(canaryAccepts()).toBe(0);
    // Names that are refused outright are never looked up.
    expect(resolver.lookups.get('localhost')).toBeUndefined();
  });

  test('with the private exception, only that exact host:port is reachable', async () => {
    const resolver = scriptedResolver({ 'evil.test': [['127.0.0.1']] });
    const dispatcher = createDispatcher({ resolver });
    const allowPrivate = `127.0.0.1:${canary.port}`;
    const refused = [`http://127.0.0.1:${otherCanary.port}/`, `http://localhost:${canary.port}/`, `http://evil.test:${canary.port}/`, `http://[::1]:${canary6.port}/`];
    for (const url of refused) {
      const failure = await failureOf(dispatcher.dispatch({ url, method: 'GET', headers: {}, body: undefined }, { ...timeouts, allowPrivate }));
      expect({ url, code: failure.code }).toEqual({ url, code: 'blocked_destination' });
    }
    expect(canaryAccepts()).toBe(0);
    // The canary drops the connection, so the call fails, but it did connect: the exception works.
    await failureOf(dispatcher.dispatch({ url: `http://127.0.0.1:${canary.port}/`, method: 'GET', headers: {}, body: undefined }, { ...timeouts, allowPrivate }));
    expect(canary.accepts()).toBe(1);
    // A name as the exception: resolved, exempt, pinned.
    await failureOf(dispatcher.dispatch({ url: `http://evil.test:${canary.port}/`, method: 'GET', headers: {}, body: undefined }, { ...timeouts, allowPrivate: `EVIL.test:${canary.port}` }));
    expect(canary.accepts()).toBe(2);
    expect(otherCanary.accepts() + canary6.accepts()).toBe(0);
  });

  test('one denied address among several answers refuses the whole name', async () => {
    const dispatcher = createDispatcher({ resolver: scriptedResolver({ 'mixed.test': [['127.0.0.2', '127.0.0.1']] }), addressPolicy: testPolicy });
    const failure = await failureOf(dispatcher.dispatch({ url: `http://mixed.test:${canary.port}/`, method: 'GET', headers: {}, body: undefined }, timeouts));
    expect(failure.code).toBe('blocked_destination');
    expect(failure.message).toContain('127.0.0.1');
  });
});

describe('F2 DNS rebinding', () => {
  test('one lookup per attempt, and the connection goes to the checked address, never a second answer', async () => {
    const { server, canary: sameport } = await startPair('127.0.0.2', '127.0.0.1', (socket) => respond(socket, 200, 'checked'));
    try {
      const resolver = scriptedResolver({ 'rebind.test': [['127.0.0.2'], ['127.0.0.1']] });
      const dispatcher = createDispatcher({ resolver, addressPolicy: testPolicy });
      const request = { url: `http://rebind.test:${server.port}/v1/models`, method: 'GET' as const, headers: {}, body: undefined };
      const response = await dispatcher.dispatch(request, timeouts);
      expect(await new Response(response.body).text()).toBe('checked');
      expect(resolver.lookups.get('rebind.test')).toBe(1);
      expect(server.requests[0]?.headers.host).toBe(`rebind.test:${server.port}`);

      const failure = await failureOf(dispatcher.dispatch(request, timeouts));
      expect(failure.code).toBe('blocked_destination');
      expect(resolver.lookups.get('rebind.test')).toBe(2);
      expect(sameport.accepts()).toBe(0);
      expect(server.accepts()).toBe(1);
    } finally {
      await Promise.all([server.close(), sameport.close()]);
    }
  });

  test('when the first checked address refuses the connection, the next checked one is tried', async () => {
    const server = await startRawServer('127.0.0.2', (socket) => respond(socket, 200, 'second'));
    try {
      const resolver = scriptedResolver({ 'multi.test': [['127.0.0.3', '127.0.0.2']] });
      const dispatcher = createDispatcher({ resolver, addressPolicy: testPolicy });
      const response = await dispatcher.dispatch({ url: `http://multi.test:${server.port}/`, method: 'GET', headers: {}, body: undefined }, timeouts);
      expect(await new Response(response.body).text()).toBe('second');
      expect(resolver.lookups.get('multi.test')).toBe(1);
    } finally {
      await server.close();
    }
  });
});

describe('F3 redirects', () => {
  let mock: RawServer;
  let other: RawServer;
  const resolver = scriptedResolver({ 'mock.test': [['127.0.0.2']], 'other.test': [['127.0.0.2']], 'evil.test': [['127.0.0.1']] });
  const dispatcher = createDispatcher({ resolver, addressPolicy: testPolicy });

  beforeAll(async () => {
    other = await startRawServer('127.0.0.2', (socket, request) => respond(socket, 200, JSON.stringify(request.headers)));
    mock = await startRawServer('127.0.0.2', (socket, request) => {
      const hop = /^\/hop\/(\d+)$/.exec(request.target);
      if (hop !== null) {
        const index = Number(hop[1]);
        if (index >= 10) respond(socket, 200, `end ${index}`);
        else respond(socket, 302, '', { Location: `/hop/${index + 1}` });
        return;
      }
      const locations: Record<string, [number, string]> = {
        '/302': [302, `http://127.0.0.1:${canary.port}/`],
        '/307': [307, `http://[::1]:${canary6.port}/`],
        '/evil': [301, `http://evil.test:${canary.port}/`],
        '/cross': [302, `http://other.test:${other.port}/echo`],
        '/same': [307, '/echo'],
        '/see-other': [303, '/echo'],
      };
      const location = locations[request.target];
      if (location !== undefined) respond(socket, location[0], '', { Location: location[1] });
      else respond(socket, 200, JSON.stringify({ method: request.method, headers: request.headers }));
    });
  });
  afterAll(async () => {
    await Promise.all([mock.close(), other.close()]);
  });

  const call = (path: string, followRedirects: number, headers: Record<string, string> = {}, method: 'GET' | 'POST' = 'GET') =>
    dispatcher.dispatch(
      { url: `http://mock.test:${mock.port}${path}`, method, headers, body: method === 'POST' ? '{"a":1}' : undefined },
      { ...timeouts, followRedirects },
    );

  test('relay calls follow no redirect: a 3xx is redirect_refused with its status', async () => {
    const before = mock.requests.length;
    const acceptsBefore = canaryAccepts();
    for (const path of ['/302', '/307', '/hop/0']) {
      const failure = await failureOf(call(path, 0));
      expect(failure.code).toBe('redirect_refused');
      expect(failure.status).toBeGreaterThanOrEqual(300);
      expect(failure.status).toBeLessThan(400);
    }
    expect(mock.requests.length - before).toBe(3);
    expect(canaryAccepts() - acceptsBefore).toBe(0);
  });

  test('downloads check every hop: redirects to the canary, to [::1] and to a name that resolves locally are refused', async () => {
    const acceptsBefore = canaryAccepts();
    for (const path of ['/302', '/307', '/evil']) {
      expect((await failureOf(call(path, 3))).code).toBe('blocked_destination');
    }
    expect(canaryAccepts() - acceptsBefore).toBe(0);
  });

  test('downloads stop after 3 hops, even when asked for more; a shorter chain completes', async () => {
    const before = mock.requests.length;
    const failure = await failureOf(call('/hop/0', 10));
    expect(failure.code).toBe('redirect_refused');
    expect(mock.requests.length - before).toBe(4);
    const response = await call('/hop/8', 3);
    expect(await new Response(response.body).text()).toBe('end 10');
  });

  test('credentials do not cross origins; they stay on the same origin; 303 turns a POST into a GET', async () => {
    const secret = { Authorization: 'Bearer sk-download', 'x-api-key': 'k', Accept: 'image/*' };
    const cross = JSON.parse(await new Response((await call('/cross', 3, secret)).body).text()) as Record<string, string>;
    expect(cross.authorization).toBeUndefined();
    expect(cross['x-api-key']).toBeUndefined();
    expect(cross.accept).toBe('image/*');
    expect(cross.host).toBe(`other.test:${other.port}`);
    const same = JSON.parse(await new Response((await call('/same', 3, secret)).body).text()) as { headers: Record<string, string> };
    expect(same.headers.authorization).toBe('Bearer sk-download');
    const seeOther = JSON.parse(await new Response((await call('/see-other', 3, { 'Content-Type': 'application/json' }, 'POST')).body).text()) as {
      method: string;
      headers: Record<string, string>;
    };
    expect(seeOther.method).toBe('GET');
    expect(seeOther.headers['content-type']).toBeUndefined();
  });
});
