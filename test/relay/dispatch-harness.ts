/**
 * The dispatcher tests' harness (reliability.md 3.2–3.4): canaries that count `accept()`, a `node:net` server
 * that speaks HTTP/1.1 by hand, so a test sees every header that arrived, can stall at any point, and counts
 * the sockets still open (the proof that an abort really closed the upstream connection), and manual timers.
 */
import net, { type Socket } from 'node:net';
import type { Timers } from '../../src/relay/dispatch.ts';
import { isUpstreamError, type UpstreamError } from '../../src/relay/errors.ts';

/** The UpstreamError a promise rejects with; fails the test when it resolves or throws something else. */
export async function failureOf(promise: Promise<unknown>): Promise<UpstreamError> {
  try {
    await promise;
  } catch (error) {
    if (isUpstreamError(error)) return error;
    throw error;
  }
  throw new Error('expected an UpstreamError');
}

export interface Canary {
  readonly host: string;
  readonly port: number;
  accepts(): number;
  close(): Promise<void>;
}

function listen(server: net.Server, host: string, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve((server.address() as net.AddressInfo).port);
    });
  });
}

function closeServer(server: net.Server, sockets: Iterable<Socket>): Promise<void> {
  for (const socket of sockets) socket.destroy();
  return new Promise((resolve) => server.close(() => resolve()));
}

/** Counts connections and drops each one at once. */
export async function startCanary(host: string, port = 0): Promise<Canary> {
  let accepted = 0;
  const sockets = new Set<Socket>();
  const server = net.createServer((socket) => {
    accepted += 1;
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    socket.destroy();
  });
  const bound = await listen(server, host, port);
  return { host, port: bound, accepts: () => accepted, close: () => closeServer(server, sockets) };
}

export interface RawRequest {
  readonly method: string;
  readonly target: string;
  /** Lower-case names; repeated headers joined with ", ". */
  readonly headers: Readonly<Record<string, string>>;
  /** Header names in the order and spelling they arrived. */
  readonly headerNames: readonly string[];
}

export type RawHandler = (socket: Socket, request: RawRequest) => void;

export interface RawServer {
  readonly host: string;
  readonly port: number;
  readonly requests: RawRequest[];
  accepts(): number;
  /** Sockets the server still holds open. */
  open(): number;
  close(): Promise<void>;
}

function parseHead(head: string): RawRequest {
  const [requestLine = '', ...lines] = head.split('\r\n');
  const [method = '', target = ''] = requestLine.split(' ');
  const headers: Record<string, string> = {};
  const headerNames: string[] = [];
  for (const line of lines) {
    const colon = line.indexOf(':');
    if (colon === -1) continue;
    const name = line.slice(0, colon);
    const key = name.toLowerCase();
    const value = line.slice(colon + 1).trim();
    headerNames.push(name);
    headers[key] = headers[key] === undefined ? value : `${headers[key]}, ${value}`;
  }
  return { method, target, headers, headerNames };
}

/** An HTTP server written by hand: `handler` gets the socket after the request head arrived. */
export async function startRawServer(host: string, handler: RawHandler, port = 0): Promise<RawServer> {
  let accepted = 0;
  const sockets = new Set<Socket>();
  const requests: RawRequest[] = [];
  const server = net.createServer((socket) => {
    accepted += 1;
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    let buffered = '';
    const onData = (data: Buffer): void => {
      buffered += data.toString('latin1');
      const end = buffered.indexOf('\r\n\r\n');
      if (end === -1) return;
      socket.off('data', onData);
      const request = parseHead(buffered.slice(0, end));
      requests.push(request);
      // Body bytes that came with the head go back to the socket for the handler to read.
      const rest = buffered.slice(end + 4);
      if (rest !== '') socket.unshift(Buffer.from(rest, 'latin1'));
      handler(socket, request);
    };
    socket.on('data', onData);
  });
  const bound = await listen(server, host, port);
  return { host, port: bound, requests, accepts: () => accepted, open: () => sockets.size, close: () => closeServer(server, sockets) };
}

/** Binds a raw server on `first` and a canary on the same port of `second` (a rebinding target that can be told apart). */
export async function startPair(first: string, second: string, handler: RawHandler): Promise<{ server: RawServer; canary: Canary }> {
  for (let tries = 0; ; tries += 1) {
    const server = await startRawServer(first, handler);
    try {
      return { server, canary: await startCanary(second, server.port) };
    } catch (error) {
      await server.close();
      if (tries >= 20) throw error;
    }
  }
}

/** Writes a status line and headers; `Connection: close` so Bun never reuses the socket for another test. */
export function writeHead(socket: Socket, status: number, headers: Readonly<Record<string, string>> = {}): void {
  const lines = [`HTTP/1.1 ${status} X`, 'Connection: close', ...Object.entries(headers).map(([name, value]) => `${name}: ${value}`)];
  socket.write(`${lines.join('\r\n')}\r\n\r\n`);
}

/** A complete response with a Content-Length, then FIN. */
export function respond(socket: Socket, status: number, body: string | Uint8Array = '', headers: Readonly<Record<string, string>> = {}): void {
  const bytes = typeof body === 'string' ? Buffer.from(body) : body;
  writeHead(socket, status, { 'Content-Length': String(bytes.byteLength), ...headers });
  socket.end(bytes);
}

/** One chunk of a `Transfer-Encoding: chunked` body. */
export function writeChunk(socket: Socket, text: string): void {
  const bytes = Buffer.from(text);
  socket.write(`${bytes.byteLength.toString(16)}\r\n`);
  socket.write(bytes);
  socket.write('\r\n');
}

export async function waitFor(predicate: () => boolean, timeoutMs = 2000): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!predicate()) {
    if (performance.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await Bun.sleep(10);
  }
}

/** Timers that move only when told (the injected clock of reliability.md 3.4). */
export class ManualTimers implements Timers {
  private now = 0;
  private nextId = 1;
  private readonly entries = new Map<number, { at: number; callback: () => void }>();

  setTimeout(callback: () => void, delayMs: number): unknown {
    const id = this.nextId++;
    this.entries.set(id, { at: this.now + delayMs, callback });
    return id;
  }

  clearTimeout(handle: unknown): void {
    if (typeof handle === 'number') this.entries.delete(handle);
  }

  pending(): number {
    return this.entries.size;
  }

  advance(ms: number): void {
    this.now += ms;
    const due = [...this.entries].filter(([, entry]) => entry.at <= this.now).sort(([, a], [, b]) => a.at - b.at);
    for (const [id, entry] of due) {
      if (!this.entries.delete(id)) continue;
      entry.callback();
    }
  }
}
