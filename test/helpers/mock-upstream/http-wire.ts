/**
 * HTTP/1.1 written by hand on a `node:net` socket (RFC 9112). Bun.serve hides the socket, so it cannot send
 * a RST, a FIN in the middle of a chunked body, or a close-delimited body; reliability.md 3.2 asks for all
 * three, so the whole mock speaks HTTP itself and every reply can end any way a real upstream's can.
 */
import type { Socket } from 'node:net';
import { STATUS_CODES } from 'node:http';
import type { Framing } from './controls.ts';

export interface WireRequest {
  readonly method: string;
  /** The request-target as sent (`/v1/chat/completions?x=1`). */
  readonly target: string;
  /** Lower-case names; repeated headers joined with ", ". */
  readonly headers: Readonly<Record<string, string>>;
  readonly body: Uint8Array;
}

const MAX_HEAD_BYTES = 64 * 1024;
const HEAD_END = Buffer.from('\r\n\r\n');
const CRLF = Buffer.from('\r\n');

export class ProtocolError extends Error {}

/** Incremental request parser for one connection: `push` bytes, then `take` complete requests. */
export class RequestParser {
  private buffer: Buffer = Buffer.alloc(0);
  /** Set once a head with `Expect: 100-continue` is read and the body is still incomplete. */
  expectsContinue = false;
  private continueSent = false;

  push(chunk: Buffer): void {
    this.buffer = this.buffer.length === 0 ? chunk : Buffer.concat([this.buffer, chunk]);
  }

  get hasPendingBytes(): boolean {
    return this.buffer.length > 0;
  }

  /** Marks the interim 100 response as written, so it is written once per request. */
  continueWritten(): void {
    this.continueSent = true;
    this.expectsContinue = false;
  }

  take(): WireRequest | undefined {
    const headEnd = this.buffer.indexOf(HEAD_END);
    if (headEnd < 0) {
      if (this.buffer.length > MAX_HEAD_BYTES) throw new ProtocolError('request head too large');
      return undefined;
    }
    const lines = this.buffer.subarray(0, headEnd).toString('latin1').split('\r\n');
    const [method, target, version] = (lines[0] ?? '').split(' ');
    if (method === undefined || target === undefined || version?.startsWith('HTTP/1.') !== true) {
      throw new ProtocolError(`bad request line "${lines[0] ?? ''}"`);
    }
    const headers: Record<string, string> = {};
    for (const line of lines.slice(1)) {
      const colon = line.indexOf(':');
      if (colon <= 0) throw new ProtocolError(`bad header line "${line}"`);
      const name = line.slice(0, colon).trim().toLowerCase();
      const value = line.slice(colon + 1).trim();
      headers[name] = headers[name] === undefined ? value : `${headers[name]}, ${value}`;
    }
    const bodyStart = headEnd + HEAD_END.length;
    const framed = headers['transfer-encoding']?.toLowerCase().includes('chunked') === true
      ? decodeChunked(this.buffer, bodyStart)
      : fixedLength(this.buffer, bodyStart, Number(headers['content-length'] ?? '0'));
    if (framed === undefined) {
      if (headers.expect?.toLowerCase() === '100-continue' && !this.continueSent) this.expectsContinue = true;
      return undefined;
    }
    this.buffer = this.buffer.subarray(framed.end);
    this.continueSent = false;
    return { method, target, headers, body: framed.body };
  }
}

function fixedLength(buffer: Buffer, start: number, length: number): { body: Uint8Array; end: number } | undefined {
  if (!Number.isInteger(length) || length < 0) throw new ProtocolError('bad content-length');
  if (buffer.length < start + length) return undefined;
  return { body: new Uint8Array(buffer.subarray(start, start + length)), end: start + length };
}

/** RFC 9112 section 7.1: size line (extensions ignored), data, CRLF; a 0 size, trailers, CRLF end it. */
function decodeChunked(buffer: Buffer, start: number): { body: Uint8Array; end: number } | undefined {
  const pieces: Buffer[] = [];
  let offset = start;
  for (;;) {
    const lineEnd = buffer.indexOf(CRLF, offset);
    if (lineEnd < 0) return undefined;
    const size = Number.parseInt(buffer.subarray(offset, lineEnd).toString('latin1').split(';')[0] ?? '', 16);
    if (!Number.isInteger(size) || size < 0) throw new ProtocolError('bad chunk size');
    offset = lineEnd + CRLF.length;
    if (size === 0) {
      const trailerEnd = buffer.indexOf(CRLF, offset);
      if (trailerEnd < 0) return undefined;
      // Trailers are not used by HTTP clients of LLM APIs; skip any up to the empty line.
      const end = trailerEnd === offset ? offset + CRLF.length : buffer.indexOf(HEAD_END, offset);
      if (end < 0) return undefined;
      return { body: new Uint8Array(Buffer.concat(pieces)), end: trailerEnd === offset ? end : end + HEAD_END.length };
    }
    if (buffer.length < offset + size + CRLF.length) return undefined;
    pieces.push(buffer.subarray(offset, offset + size));
    offset += size + CRLF.length;
  }
}

/** A socket with awaitable writes and waits that end early when the peer leaves. */
export class Connection {
  closed = false;
  private readonly closeWaiters = new Set<() => void>();

  constructor(readonly socket: Socket) {
    socket.on('close', () => {
      this.closed = true;
      for (const waiter of this.closeWaiters) waiter();
      this.closeWaiters.clear();
    });
  }

  /** Resolves once the bytes are handed to the kernel (false when the socket is gone). */
  write(bytes: Uint8Array | string): Promise<boolean> {
    if (this.closed || this.socket.destroyed) return Promise.resolve(false);
    return new Promise((resolve) => {
      this.socket.write(bytes, (error) => resolve(error === undefined || error === null));
    });
  }

  /** Sleeps `milliseconds`; resolves false at once if the connection closes meanwhile. */
  wait(milliseconds: number): Promise<boolean> {
    if (this.closed) return Promise.resolve(false);
    if (milliseconds <= 0) return Promise.resolve(true);
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        this.closeWaiters.delete(done);
        resolve(false);
      };
      const timer = setTimeout(() => {
        this.closeWaiters.delete(done);
        resolve(true);
      }, milliseconds);
      this.closeWaiters.add(done);
    });
  }

  /** Resolves when the connection closes (a hang or stall lasts until then). */
  untilClosed(): Promise<void> {
    if (this.closed) return Promise.resolve();
    return new Promise((resolve) => this.closeWaiters.add(resolve));
  }
}

export interface WirePlan {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly parts: readonly Uint8Array[];
  readonly framing: Framing;
  readonly keepAlive: boolean;
  readonly firstByteDelayMs: number;
  readonly chunkDelayMs: number;
  readonly dripBytes: number | undefined;
  readonly hang: boolean;
  /** End the body early after this many parts, by RST, FIN or silence. */
  readonly cut: { readonly afterParts: number; readonly how: 'reset' | 'fin' | 'stall'; readonly graceMs: number } | undefined;
}

/** `client-gone` also ends a hang or a stall: they last until the connection closes. */
export type WireEnding = 'completed' | 'reset' | 'fin' | 'client-gone';

export interface WireProgress {
  /** Called after the head is written and after each complete part. */
  onProgress(partsWritten: number): void;
}

function head(plan: WirePlan): string {
  const lines = [`HTTP/1.1 ${plan.status} ${STATUS_CODES[plan.status] ?? 'Status'}`];
  for (const [name, value] of Object.entries(plan.headers)) lines.push(`${name}: ${value}`);
  if (plan.framing === 'chunked') lines.push('transfer-encoding: chunked');
  if (plan.framing === 'content-length') {
    lines.push(`content-length: ${plan.parts.reduce((total, part) => total + part.byteLength, 0)}`);
  }
  if (plan.framing === 'close' || !plan.keepAlive) lines.push('connection: close');
  else lines.push('connection: keep-alive');
  return `${lines.join('\r\n')}\r\n\r\n`;
}

function pieces(part: Uint8Array, dripBytes: number | undefined): Uint8Array[] {
  if (dripBytes === undefined || part.byteLength <= dripBytes) return [part];
  const result: Uint8Array[] = [];
  for (let offset = 0; offset < part.byteLength; offset += dripBytes) result.push(part.subarray(offset, offset + dripBytes));
  return result;
}

/** Writes one reply with its framing, delays and planned ending; never throws. */
export async function writeReply(connection: Connection, plan: WirePlan, progress: WireProgress): Promise<WireEnding> {
  if (plan.hang) {
    await connection.untilClosed();
    return 'client-gone';
  }
  if (!(await connection.wait(plan.firstByteDelayMs))) return 'client-gone';
  if (!(await connection.write(head(plan)))) return 'client-gone';
  progress.onProgress(0);
  let written = 0;
  for (const part of plan.parts) {
    if (plan.cut !== undefined && written >= plan.cut.afterParts) break;
    for (const piece of pieces(part, plan.dripBytes)) {
      if (!(await connection.wait(plan.chunkDelayMs))) return 'client-gone';
      const framed = plan.framing === 'chunked' ? Buffer.concat([Buffer.from(`${piece.byteLength.toString(16)}\r\n`), piece, CRLF]) : piece;
      if (!(await connection.write(framed))) return 'client-gone';
    }
    written += 1;
    progress.onProgress(written);
  }
  // A cut at or past the last part still happens, before the terminating chunk.
  if (plan.cut !== undefined) {
    if (plan.cut.how === 'stall') {
      await connection.untilClosed();
      return 'client-gone';
    }
    if (!(await connection.wait(plan.cut.graceMs))) return 'client-gone';
    if (plan.cut.how === 'fin') {
      connection.socket.end();
      return 'fin';
    }
    connection.socket.resetAndDestroy();
    return 'reset';
  }
  if (plan.framing === 'chunked' && !(await connection.write('0\r\n\r\n'))) return 'client-gone';
  if (plan.framing === 'close' || !plan.keepAlive) connection.socket.end();
  return 'completed';
}
