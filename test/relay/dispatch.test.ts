import { afterAll, afterEach, describe, expect, test } from 'bun:test';
import { gzipSync } from 'node:zlib';
import { createDispatcher, readBodyText, type DispatchOptions } from '../../src/relay/dispatch.ts';
import type { UpstreamRequest } from '../../src/relay/types.ts';
import { failureOf, ManualTimers, respond, startRawServer, waitFor, writeChunk, writeHead, type RawServer } from './dispatch-harness.ts';

const servers: RawServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.close()));
});

async function server(handler: Parameters<typeof startRawServer>[1]): Promise<RawServer> {
  const started = await startRawServer('127.0.0.1', handler);
  servers.push(started);
  return started;
}

const dispatcher = createDispatcher();

function get(target: RawServer, path = '/', headers: Record<string, string> = {}): UpstreamRequest {
  return { url: `http://127.0.0.1:${target.port}${path}`, method: 'GET', headers, body: undefined };
}

function options(target: RawServer | undefined, overrides: Partial<DispatchOptions> = {}): DispatchOptions {
  return {
    allowPrivate: target === undefined ? undefined : `127.0.0.1:${target.port}`,
    firstByteTimeoutMs: 2000,
    idleTimeoutMs: 2000,
    totalTimeoutMs: 2800,
    ...overrides,
  };
}

async function readAll(body: ReadableStream<Uint8Array>): Promise<string> {
  return new Response(body).text();
}

describe('an ordinary call through the private exception', () => {
  test('status, headers and body arrive; Host names the target; Set-Cookie and hop-by-hop headers are dropped', async () => {
    const target = await server((socket) => respond(socket, 201, 'hello', { 'Content-Type': 'text/plain', 'Set-Cookie': 'session=1', 'X-Upstream': 'yes' }));
    const response = await dispatcher.dispatch(get(target, '/v1/models'), options(target));
    expect(response.status).toBe(201);
    expect(response.headers.get('x-upstream')).toBe('yes');
    expect(response.headers.get('set-cookie')).toBeNull();
    expect(response.headers.get('connection')).toBeNull();
    expect(await readAll(response.body)).toBe('hello');
    expect(target.requests[0]?.target).toBe('/v1/models');
    expect(target.requests[0]?.headers.host).toBe(`127.0.0.1:${target.port}`);
  });

  test('without the exception a local upstream is refused before any connection', async () => {
    const target = await server((socket) => respond(socket, 200, 'no'));
    const failure = await failureOf(dispatcher.dispatch(get(target), options(undefined)));
    expect(failure.code).toBe('blocked_destination');
    expect(failure.retryable).toBe(false);
    expect(failure.status).toBe(0);
    expect(target.accepts()).toBe(0);
  });

  test('a POST body is sent whole with a computed Content-Length', async () => {
    let received = '';
    const target = await server((socket, request) => {
      socket.on('data', (data) => {
        received += data.toString();
        if (Buffer.byteLength(received) >= Number(request.headers['content-length'])) respond(socket, 200, 'ok');
      });
    });
    const body = JSON.stringify({ model: 'gpt-x', messages: [{ role: 'user', content: 'héllo' }] });
    const response = await dispatcher.dispatch(
      { url: `http://127.0.0.1:${target.port}/v1/chat/completions`, method: 'POST', headers: { 'Content-Type': 'application/json', 'Content-Length': '3' }, body },
      options(target),
    );
    expect(await readAll(response.body)).toBe('ok');
    expect(received).toBe(body);
    expect(target.requests[0]?.headers['content-length']).toBe(String(Buffer.byteLength(body)));
  });

  test('a gzip body is decoded and its encoding headers removed, so they describe the bytes returned', async () => {
    const target = await server((socket) => respond(socket, 200, gzipSync('decoded text'), { 'Content-Encoding': 'gzip' }));
    const response = await dispatcher.dispatch(get(target), options(target));
    expect(response.headers.get('content-encoding')).toBeNull();
    expect(response.headers.get('content-length')).toBeNull();
    expect(await readAll(response.body)).toBe('decoded text');
  });
});

describe('header hygiene (F7, I2)', () => {
  test('client credentials, cookies, forwarding and hop-by-hop headers never reach the upstream', async () => {
    const target = await server((socket) => respond(socket, 200));
    const response = await dispatcher.dispatch(
      get(target, '/', {
        Authorization: 'Bearer sk-channel-key',
        'X-Custom': 'kept',
        Cookie: 'gateway_session=secret',
        'Proxy-Authorization': 'Basic c2VjcmV0',
        'X-Forwarded-For': '203.0.113.9',
        'X-Forwarded-Host': 'evil.example',
        Forwarded: 'for=203.0.113.9',
        'X-Real-IP': '203.0.113.9',
        Host: '169.254.169.254',
        Connection: 'keep-alive, X-Secret',
        'X-Secret': 'listed in Connection',
        'Keep-Alive': 'timeout=5',
        TE: 'trailers',
        Upgrade: 'h2c',
        'Transfer-Encoding': 'chunked',
        Via: '1.1 proxy',
      }),
      options(target),
    );
    await readAll(response.body);
    const received = target.requests[0]?.headers ?? {};
    expect(received.authorization).toBe('Bearer sk-channel-key');
    expect(received['x-custom']).toBe('kept');
    expect(received.host).toBe(`127.0.0.1:${target.port}`);
    for (const name of ['cookie', 'proxy-authorization', 'x-forwarded-for', 'x-forwarded-host', 'forwarded', 'x-real-ip', 'x-secret', 'keep-alive', 'te', 'upgrade', 'transfer-encoding', 'via']) {
      expect(received[name]).toBeUndefined();
    }
    expect(received.connection).not.toContain('X-Secret');
  });

  test('a header value or name with CR, LF or NUL is refused before any connection', async () => {
    const target = await server((socket) => respond(socket, 200));
    const injected: Record<string, string>[] = [{ 'X-Custom': 'a\r\nX-Evil: 1' }, { 'X-Custom': 'a\nX-Evil: 1' }, { 'X-Custom': 'a\rb' }, { 'X-Custom': 'a\0b' }, { 'X-Evil\r\nX': 'a' }];
    for (const headers of injected) {
      const failure = await failureOf(dispatcher.dispatch(get(target, '/', headers), options(target)));
      expect(failure.code).toBe('invalid_header');
      expect(failure.retryable).toBe(false);
      expect(failure.message).not.toContain('X-Evil: 1');
    }
    expect(target.accepts()).toBe(0);
  });
});

describe('connection failures', () => {
  test('a refused connection is connection_failed and retryable, and the message carries no query string', async () => {
    const target = await server(() => undefined);
    const port = target.port;
    await target.close();
    servers.length = 0;
    const failure = await failureOf(
      dispatcher.dispatch({ url: `http://127.0.0.1:${port}/v1beta/models?key=sk-SECRET`, method: 'GET', headers: {}, body: undefined }, { ...options(undefined), allowPrivate: `127.0.0.1:${port}` }),
    );
    expect(failure.code).toBe('connection_failed');
    expect(failure.retryable).toBe(true);
    expect(failure.status).toBe(0);
    expect(failure.message).not.toContain('SECRET');
  });

  test('a name that does not resolve is connection_failed', async () => {
    const failing = createDispatcher({ resolver: () => Promise.reject(Object.assign(new Error('getaddrinfo ENOTFOUND'), { code: 'ENOTFOUND' })) });
    const failure = await failureOf(failing.dispatch({ url: 'https://api.nowhere.test/v1', method: 'GET', headers: {}, body: undefined }, options(undefined)));
    expect(failure.code).toBe('connection_failed');
    expect(failure.message).toContain('ENOTFOUND');
  });

  test('an invalid URL or scheme is refused without a connection, and the message drops the query', async () => {
    const bad = await failureOf(dispatcher.dispatch({ url: 'not a url?key=sk-SECRET', method: 'GET', headers: {}, body: undefined }, options(undefined)));
    expect(bad.code).toBe('invalid_upstream_url');
    expect(bad.message).not.toContain('SECRET');
    const scheme = await failureOf(dispatcher.dispatch({ url: 'ftp://api.example.com/', method: 'GET', headers: {}, body: undefined }, options(undefined)));
    expect(scheme.code).toBe('blocked_destination');
  });
});

describe('timeouts (R5, S9)', () => {
  test('first byte: no headers in time → first_byte_timeout, retryable, and the upstream socket is closed', async () => {
    const target = await server(() => undefined);
    const started = performance.now();
    const failure = await failureOf(dispatcher.dispatch(get(target), options(target, { firstByteTimeoutMs: 150 })));
    expect(failure.code).toBe('first_byte_timeout');
    expect(failure.retryable).toBe(true);
    expect(failure.status).toBe(0);
    expect(performance.now() - started).toBeLessThan(1000);
    await waitFor(() => target.open() === 0);
  });

  test('idle: headers and one chunk, then silence → the next read fails with idle_timeout and the socket closes', async () => {
    const target = await server((socket) => {
      writeHead(socket, 200, { 'Transfer-Encoding': 'chunked', 'Content-Type': 'text/event-stream' });
      writeChunk(socket, 'data: 1\n\n');
    });
    const response = await dispatcher.dispatch(get(target), options(target, { idleTimeoutMs: 200 }));
    const reader = response.body.getReader();
    expect(new TextDecoder().decode((await reader.read()).value)).toBe('data: 1\n\n');
    const failure = await failureOf(reader.read());
    expect(failure.code).toBe('idle_timeout');
    await waitFor(() => target.open() === 0);
  });

  test('total: a drip that keeps the idle timer happy still ends at the deadline with total_timeout', async () => {
    const target = await server((socket) => {
      writeHead(socket, 200, { 'Transfer-Encoding': 'chunked' });
      const drip = setInterval(() => (socket.writable ? writeChunk(socket, '.') : clearInterval(drip)), 30);
      socket.on('close', () => clearInterval(drip));
    });
    const response = await dispatcher.dispatch(get(target), options(target, { idleTimeoutMs: 200, totalTimeoutMs: 400 }));
    const reader = response.body.getReader();
    let bytes = 0;
    const failure = await failureOf(
      (async () => {
        for (;;) {
          const result = await reader.read();
          if (result.done) return;
          bytes += result.value.byteLength;
        }
      })(),
    );
    expect(failure.code).toBe('total_timeout');
    expect(bytes).toBeGreaterThan(2);
    await waitFor(() => target.open() === 0);
  });

  test('total before headers is total_timeout too', async () => {
    const target = await server(() => undefined);
    const failure = await failureOf(dispatcher.dispatch(get(target), options(target, { firstByteTimeoutMs: 2000, totalTimeoutMs: 150 })));
    expect(failure.code).toBe('total_timeout');
    await waitFor(() => target.open() === 0);
  });

  test('the injected clock drives every timer: production values, no real waiting', async () => {
    const timers = new ManualTimers();
    const clocked = createDispatcher({ clock: timers });
    const production = { firstByteTimeoutMs: 60_000, idleTimeoutMs: 300_000, totalTimeoutMs: 900_000 };
    const hanging = await server(() => undefined);
    let settled = false;
    const pending = failureOf(clocked.dispatch(get(hanging), options(hanging, production))).finally(() => {
      settled = true;
    });
    await waitFor(() => hanging.accepts() === 1);
    timers.advance(59_999);
    await Bun.sleep(20);
    expect(settled).toBe(false);
    timers.advance(1);
    expect((await pending).code).toBe('first_byte_timeout');
    expect(timers.pending()).toBe(0);

    const stalling = await server((socket) => {
      writeHead(socket, 200, { 'Transfer-Encoding': 'chunked' });
      writeChunk(socket, 'a');
    });
    const response = await clocked.dispatch(get(stalling), options(stalling, production));
    const reader = response.body.getReader();
    await reader.read();
    const next = failureOf(reader.read());
    await Bun.sleep(20);
    timers.advance(300_000);
    expect((await next).code).toBe('idle_timeout');
    await waitFor(() => stalling.open() === 0);
  });
});

describe('the client leaves (S3, S4)', () => {
  function streamingServer(): Promise<RawServer> {
    return server((socket) => {
      writeHead(socket, 200, { 'Transfer-Encoding': 'chunked', 'Content-Type': 'text/event-stream' });
      writeChunk(socket, 'data: first\n\n');
    });
  }

  test('abort mid-body: the read fails with client_gone and the upstream socket is closed', async () => {
    const target = await streamingServer();
    const client = new AbortController();
    const response = await dispatcher.dispatch(get(target), options(target, { signal: client.signal }));
    const reader = response.body.getReader();
    await reader.read();
    expect(target.open()).toBe(1);
    const next = failureOf(reader.read());
    client.abort();
    expect((await next).code).toBe('client_gone');
    await waitFor(() => target.open() === 0);
  });

  test('abort before the first byte rejects the dispatch with client_gone and closes the socket', async () => {
    const target = await server(() => undefined);
    const client = new AbortController();
    const pending = failureOf(dispatcher.dispatch(get(target), options(target, { signal: client.signal })));
    await waitFor(() => target.accepts() === 1);
    client.abort();
    const failure = await pending;
    expect(failure.code).toBe('client_gone');
    expect(failure.retryable).toBe(false);
    await waitFor(() => target.open() === 0);
  });

  test('a signal that already fired means no connection at all', async () => {
    const target = await server((socket) => respond(socket, 200));
    const failure = await failureOf(dispatcher.dispatch(get(target), options(target, { signal: AbortSignal.abort() })));
    expect(failure.code).toBe('client_gone');
    expect(target.accepts()).toBe(0);
  });

  test('cancelling the body, or calling cancel(), closes the upstream socket', async () => {
    const target = await streamingServer();
    const first = await dispatcher.dispatch(get(target), options(target));
    const reader = first.body.getReader();
    await reader.read();
    await reader.cancel();
    await waitFor(() => target.open() === 0);

    const second = await dispatcher.dispatch(get(target), options(target));
    const secondReader = second.body.getReader();
    await secondReader.read();
    second.cancel();
    expect((await failureOf(secondReader.read())).code).toBe('client_gone');
    await waitFor(() => target.open() === 0);
  });

  test('30 concurrent streams aborted after a seeded number of chunks leave 0 open upstream sockets', async () => {
    const target = await server((socket) => {
      writeHead(socket, 200, { 'Transfer-Encoding': 'chunked' });
      let sent = 0;
      const timer = setInterval(() => (socket.writable ? writeChunk(socket, `data: ${sent++}\n\n`) : clearInterval(timer)), 5);
      socket.on('close', () => clearInterval(timer));
    });
    let seed = 7;
    const streams = Array.from({ length: 30 }, async () => {
      seed = (seed * 48271) % 2147483647;
      const stopAfter = 1 + (seed % 5);
      const client = new AbortController();
      const response = await dispatcher.dispatch(get(target), options(target, { signal: client.signal }));
      const reader = response.body.getReader();
      for (let index = 0; index < stopAfter; index++) await reader.read();
      client.abort();
      return (await failureOf(reader.read())).code;
    });
    expect(new Set(await Promise.all(streams))).toEqual(new Set(['client_gone']));
    expect(target.accepts()).toBe(30);
    await waitFor(() => target.open() === 0);
  });

  test('a finished body removes its listener from the client signal and its timers', async () => {
    const timers = new ManualTimers();
    const clocked = createDispatcher({ clock: timers });
    const target = await server((socket) => respond(socket, 200, 'done'));
    const client = new AbortController();
    const response = await clocked.dispatch(get(target), options(target, { signal: client.signal }));
    expect(await readAll(response.body)).toBe('done');
    expect(timers.pending()).toBe(0);
    client.abort();
    response.cancel();
  });
});

describe('release', () => {
  test('a consumer that has its end marker releases the call: no timers, no listener, the upstream closed', async () => {
    const timers = new ManualTimers();
    const clocked = createDispatcher({ clock: timers });
    // The upstream sends its end marker but keeps the body open (some proxies do).
    const target = await server((socket) => {
      writeHead(socket, 200, { 'Transfer-Encoding': 'chunked', 'Content-Type': 'text/event-stream' });
      writeChunk(socket, 'data: [DONE]\n\n');
    });
    const client = new AbortController();
    const response = await clocked.dispatch(get(target), options(target, { signal: client.signal }));
    const reader = response.body.getReader();
    expect(new TextDecoder().decode((await reader.read()).value)).toBe('data: [DONE]\n\n');
    expect(timers.pending()).toBeGreaterThan(0);
    response.release();
    expect(timers.pending()).toBe(0);
    await waitFor(() => target.open() === 0);
    // Aborting the client afterwards changes nothing: the call is over.
    client.abort();
  });
});

describe('readBodyText', () => {
  const bodyOf = (...chunks: string[]) =>
    new ReadableStream<Uint8Array>({
      start(controller) {
        for (const chunk of chunks) controller.enqueue(new TextEncoder().encode(chunk));
        controller.close();
      },
    });

  test('reads at most maxBytes, marks the cut and never splits a code point', async () => {
    expect(await readBodyText(bodyOf('{"error":', '"short"}'), 2048)).toBe('{"error":"short"}');
    expect(await readBodyText(bodyOf('abcdef'), 6)).toBe('abcdef');
    expect(await readBodyText(bodyOf('abc', 'def', 'g'), 6)).toBe('abcdef… (truncated)');
    expect(await readBodyText(bodyOf('ab€'), 4)).toBe('ab… (truncated)');
    expect(await readBodyText(bodyOf('ab😀c'), 5)).toBe('ab… (truncated)');
    expect(await readBodyText(bodyOf('ab😀c'), 6)).toBe('ab😀… (truncated)');
  });

  test('an endless upstream error body is cut at 2 KiB and its connection closed', async () => {
    const target = await server((socket) => {
      writeHead(socket, 500, { 'Transfer-Encoding': 'chunked' });
      const timer = setInterval(() => (socket.writable ? writeChunk(socket, 'x'.repeat(1000)) : clearInterval(timer)), 5);
      socket.on('close', () => clearInterval(timer));
    });
    const response = await dispatcher.dispatch(get(target), options(target));
    expect(response.status).toBe(500);
    const text = await readBodyText(response.body, 2048);
    expect(text).toBe(`${'x'.repeat(2048)}… (truncated)`);
    await waitFor(() => target.open() === 0);
  });
});

afterAll(async () => {
  await Promise.all(servers.splice(0).map((started) => started.close()));
});
