/**
 * Where a client's gateway key is found (docs/domain.md 2.1, New API's order; the first one present wins):
 * 1. WebSocket subprotocol `openai-insecure-api-key.sk-…` on /v1/realtime (browsers cannot set headers there);
 * 2. `x-api-key` (Anthropic SDKs) on paths containing /v1/messages or /v1/models;
 * 3. `x-goog-api-key` or `?key=` (Google SDKs) on /v1beta/models*, /v1beta/openai/models* and /v1/models/…;
 * 4. `Authorization: Bearer sk-…` (scheme case-insensitive; a bare key is accepted like New API does).
 * Empty values count as absent, so a blank `x-api-key` does not hide a valid Bearer key.
 */

export type CredentialSource = 'websocket-protocol' | 'x-api-key' | 'x-goog-api-key' | 'query-key' | 'authorization';

export interface PresentedCredential {
  /** The key as sent, with `sk-` and any `-<channelId>` pin still on. */
  readonly value: string;
  readonly source: CredentialSource;
}

const WEBSOCKET_KEY_PREFIX = 'openai-insecure-api-key.';

function present(value: string | null | undefined): string | undefined {
  const trimmed = value?.trim();
  return trimmed === undefined || trimmed === '' ? undefined : trimmed;
}

function fromWebSocketProtocols(header: string | null): string | undefined {
  for (const protocol of (header ?? '').split(',')) {
    const entry = protocol.trim();
    if (entry.startsWith(WEBSOCKET_KEY_PREFIX)) return present(entry.slice(WEBSOCKET_KEY_PREFIX.length));
  }
  return undefined;
}

export function acceptsAnthropicKey(path: string): boolean {
  return path.includes('/v1/messages') || path.includes('/v1/models');
}

export function acceptsGoogleKey(path: string): boolean {
  return path.startsWith('/v1beta/models') || path.startsWith('/v1beta/openai/models') || path.startsWith('/v1/models/');
}

/** The credential of a request, or undefined when it carries none. `path` is the request path without query. */
export function extractCredential(request: Request, path: string): PresentedCredential | undefined {
  const cleanPath = path.split('?')[0] ?? path;
  const { headers } = request;
  if (cleanPath.startsWith('/v1/realtime')) {
    const value = fromWebSocketProtocols(headers.get('sec-websocket-protocol'));
    if (value !== undefined) return { value, source: 'websocket-protocol' };
  }
  if (acceptsAnthropicKey(cleanPath)) {
    const value = present(headers.get('x-api-key'));
    if (value !== undefined) return { value, source: 'x-api-key' };
  }
  if (acceptsGoogleKey(cleanPath)) {
    const header = present(headers.get('x-goog-api-key'));
    if (header !== undefined) return { value: header, source: 'x-goog-api-key' };
    let query: string | undefined;
    try {
      query = present(new URL(request.url).searchParams.get('key'));
    } catch {
      query = undefined;
    }
    if (query !== undefined) return { value: query, source: 'query-key' };
  }
  const authorization = present(headers.get('authorization'));
  if (authorization !== undefined) {
    const value = present(authorization.replace(/^bearer(?:\s+|$)/i, ''));
    if (value !== undefined) return { value, source: 'authorization' };
  }
  return undefined;
}
