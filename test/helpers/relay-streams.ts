/**
 * What the channel and inbound tests of several dialects read and check the same way through the relay
 * harness: a streamed chat completion read raw, the text it delivered, the mock's recorded usage, a promise's
 * rejection, and a client leaving mid-stream.
 */
import { expect } from 'bun:test';
import type { UsageReport } from './mock-upstream/types.ts';
import { type RelayHarness, splitSse } from './relay-harness.ts';

export interface RawStream {
  readonly status: number;
  /** Every `data:` payload, `[DONE]` included. */
  readonly data: string[];
  /** The JSON chunks other than error events. */
  readonly chunks: Record<string, unknown>[];
  /** The `{"error": …}` events. */
  readonly errors: Record<string, unknown>[];
}

/** POSTs a chat completion body to the gateway and reads the whole SSE answer without an SDK. */
export async function readRawStream(harness: RelayHarness, body: Record<string, unknown>): Promise<RawStream> {
  const response = await harness.post('/v1/chat/completions', body);
  const { data } = splitSse(await response.text());
  const parsed = data.filter((line) => line !== '[DONE]').map((line) => JSON.parse(line) as Record<string, unknown>);
  return { status: response.status, data, chunks: parsed.filter((chunk) => chunk.error === undefined), errors: parsed.filter((chunk) => chunk.error !== undefined) };
}

/** The text content the chunks delivered, in order. */
export function deliveredText(chunks: Record<string, unknown>[]): string {
  return chunks.map((chunk) => (chunk.choices as { delta?: { content?: string } }[])[0]?.delta?.content ?? '').join('');
}

/** The usage the mock recorded for its completed reply number `index` (already in the hub's semantics). */
export function mockUsage(harness: RelayHarness, index = 0): UsageReport {
  const usage = harness.mock.completedReplies[index]?.usage;
  if (usage === undefined) throw new Error('the mock recorded no usage');
  return usage;
}

/** The error a promise rejects with, checked to be an instance of `type`. */
export async function rejection<T>(promise: Promise<unknown>, type: abstract new (...args: never[]) => T): Promise<T> {
  const caught = await promise.then(
    () => undefined,
    (error: unknown) => error,
  );
  expect(caught).toBeInstanceOf(type);
  // toBeInstanceOf above has checked the type.
  return caught as T;
}

/**
 * Leaves a stream the client was reading (the relay's first and only request) and checks that the relay
 * saw it: the outcome is client_gone and the upstream call was aborted.
 */
export async function expectClientGone(harness: RelayHarness, controller: AbortController, reader: { cancel(): Promise<void> } | undefined): Promise<void> {
  controller.abort();
  await reader?.cancel().catch(() => undefined);
  const [outcome] = await harness.waitForOutcomes(1);
  expect(outcome).toMatchObject({ endState: 'client_gone', partial: true, status: 200 });
  await harness.mock.waitUntilIdle(1000);
  expect(harness.mock.requests[0]?.reply.ending).toBe('client-gone');
}
