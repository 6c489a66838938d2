/**
 * Small request helpers for the mock upstream's own tests: JSON posts with a key, whole SSE bodies parsed,
 * and a schema assertion against OpenAI's document.
 */
import { expect } from 'bun:test';
import type { MockUpstream } from '../mock-upstream.ts';
import { parseSse, type ParsedEvent } from './sse.ts';

export interface MockRequests {
  post(path: string, body: unknown, headers?: Record<string, string>): Promise<Response>;
  /** The JSON reply with its HTTP status merged in as `status`. */
  postJson(path: string, body: unknown, headers?: Record<string, string>): Promise<Record<string, unknown>>;
  /** A whole SSE reply: raw text, events, and the JSON payloads of every event but `[DONE]`. */
  streamChunks(path: string, body: unknown, headers?: Record<string, string>): Promise<{ raw: string; events: ParsedEvent[]; json: Record<string, unknown>[] }>;
}

export function mockRequests(mock: MockUpstream, key: string): MockRequests {
  const post = (path: string, body: unknown, headers: Record<string, string> = {}): Promise<Response> =>
    fetch(`${mock.url}${path}`, { method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
  return {
    post,
    async postJson(path, body, headers = {}) {
      const response = await post(path, body, headers);
      const json: unknown = await response.json();
      if (typeof json !== 'object' || json === null || Array.isArray(json)) throw new Error(`expected a JSON object from ${path}`);
      return { status: response.status, ...json };
    },
    async streamChunks(path, body, headers = {}) {
      const response = await post(path, body, headers);
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toStartWith('text/event-stream');
      const raw = await response.text();
      const events = parseSse(raw);
      const json = events.filter((event) => event.data !== '[DONE]').map((event) => JSON.parse(event.data) as Record<string, unknown>);
      return { raw, events, json };
    },
  };
}

export { expectConforms } from '../openai-schema.ts';

/** A `postJson` result without the merged `status`, as the upstream sent it. */
export function withoutStatus(json: Record<string, unknown>): Record<string, unknown> {
  const { status: _status, ...rest } = json;
  return rest;
}
