/**
 * Honest stream endings over a real socket (reliability.md G7, G8, 2.4; S1–S6, S9): a stream the upstream did
 * not finish ends with exactly one error event in the client's dialect and never a made-up `[DONE]`, and its
 * outcome is `partial` with the tokens actually delivered. Client disconnects abort the upstream call; quiet
 * streams get keep-alive comments; a stream without upstream usage is estimated and flagged.
 *
 * Timeouts (relay-harness): idle 2 s, keep-alive after 1 s of quiet, total 6 s here (the quiet stream takes 4 s). Line cap 9 MiB here, so the 8 MiB line
 * of S6 passes and a 10 MiB one does not.
 */
import { afterAll, beforeEach, describe, expect, test } from 'bun:test';
import { countTokens } from 'gpt-tokenizer';
import OpenAI from 'openai';
import type { RelayOutcome } from '../../src/relay/outcome.ts';
import { validateOpenAi } from '../helpers/openai-schema.ts';
import { type RelayHarness, splitSse, startRelayHarness } from '../helpers/relay-harness.ts';

const harness: RelayHarness = await startRelayHarness({
  env: { STREAM_SCANNER_MAX_BUFFER_MB: '9', RELAY_TIMEOUT: '6' },
  mock: {
    scripts: {
      'over-cap-line': { lineBytes: 10 * 1024 * 1024 },
      'long-slow': { chunks: 60, chunkDelayMs: 15 },
      // Three parts (text, finish, [DONE]) 1.3 s apart: longer than the 1 s keep-alive, shorter than the 2 s idle timeout.
      quiet: { chunks: 1, chunkDelayMs: 1300, usage: 'absent' },
      'responses-reset': { chunks: 20, resetAfterChunks: 8 },
    },
  },
});
afterAll(() => harness.stop());
beforeEach(() => harness.reset());

const SCRIPTS: Record<string, string> = {
  'st-reset': 'mock/reset-mid-stream',
  'st-fin': 'mock/fin-mid-stream',
  'st-close-cut': 'mock/close-delimited-cut',
  'st-close': 'mock/close-delimited',
  'st-stall': 'mock/stall-mid-stream',
  'st-giant': 'mock/giant-line',
  'st-over-cap': 'mock/over-cap-line',
  'st-long': 'mock/long-slow',
  'st-slow-start': 'mock/slow-first-byte',
  'st-quiet': 'mock/quiet',
  'st-no-usage': 'mock/usage-absent',
  'st-responses-reset': 'mock/responses-reset',
};
await harness.addChannel({ name: 'streams', models: Object.keys(SCRIPTS), modelMapping: SCRIPTS });

const messages = [{ role: 'user', content: 'Tell me a story.' }];

interface StreamRead {
  status: number;
  data: string[];
  comments: string[];
  chunks: Record<string, unknown>[];
  errors: Record<string, unknown>[];
}

async function readStream(model: string, extra: Record<string, unknown> = {}, path = '/v1/chat/completions'): Promise<StreamRead> {
  const response = await harness.post(path, { model, stream: true, messages, ...extra });
  const { data, comments } = splitSse(await response.text());
  const parsed = data.filter((line) => line !== '[DONE]').map((line) => JSON.parse(line) as Record<string, unknown>);
  return {
    status: response.status,
    data,
    comments,
    chunks: parsed.filter((chunk) => chunk.error === undefined),
    errors: parsed.filter((chunk) => chunk.error !== undefined),
  };
}

/** The text the client received in chat chunks. */
function deliveredText(chunks: readonly Record<string, unknown>[]): string {
  return chunks
    .flatMap((chunk) => (Array.isArray(chunk.choices) ? (chunk.choices as { delta?: { content?: string } }[]) : []))
    .map((choice) => choice.delta?.content ?? '')
    .join('');
}

function expectPartial(outcome: RelayOutcome | undefined, errorCode: string, text: string): void {
  expect(outcome).toMatchObject({ status: 200, endState: 'upstream_error', errorCode, partial: true });
  expect(outcome?.usage.estimated).toBe(true);
  expect(outcome?.usage.completionTokens).toBe(countTokens(text));
  expect(outcome?.usage.promptTokens).toBeGreaterThan(0);
}

describe('cut streams end with one error event and no [DONE]', () => {
  test('S1: a reset after 20 events: 20 chunks, exactly one error event, partial usage of what was delivered', async () => {
    const read = await readStream('st-reset');
    expect(read.status).toBe(200);
    expect(read.chunks).toHaveLength(20);
    for (const chunk of read.chunks) expect(validateOpenAi('CreateChatCompletionStreamResponse', chunk)).toEqual([]);
    expect(read.errors).toHaveLength(1);
    expect(read.errors).toEqual([{ error: { type: 'upstream_error', code: 'connection_failed', message: expect.any(String) } }]);
    expect(read.data).not.toContain('[DONE]');
    expect(read.data.at(-1)).toContain('"error"');
    const [outcome] = await harness.waitForOutcomes(1);
    expectPartial(outcome, 'connection_failed', deliveredText(read.chunks));
    expect(outcome?.usage.completionTokens).toBe(19);
    expect(harness.mock.requests[0]?.reply.ending).toBe('reset');
  });

  test('S2: FIN of a close-delimited body reads as a clean end in fetch; the missing [DONE] still marks it cut', async () => {
    const read = await readStream('st-close-cut');
    expect(read.chunks).toHaveLength(20);
    expect(read.errors).toEqual([{ error: expect.objectContaining({ code: 'stream_truncated' }) }]);
    expect(read.data).not.toContain('[DONE]');
    const [outcome] = await harness.waitForOutcomes(1);
    expectPartial(outcome, 'stream_truncated', deliveredText(read.chunks));

    // The same framing, finished properly, is an ordinary complete stream.
    const whole = await readStream('st-close');
    expect(whole.data.at(-1)).toBe('[DONE]');
    expect(whole.errors).toEqual([]);
  });

  test('a FIN inside a chunked body is a broken stream too', async () => {
    const read = await readStream('st-fin');
    expect(read.chunks).toHaveLength(20);
    expect(read.errors).toEqual([{ error: expect.objectContaining({ code: 'connection_failed' }) }]);
    expect(read.data).not.toContain('[DONE]');
    const [outcome] = await harness.waitForOutcomes(1);
    expectPartial(outcome, 'connection_failed', deliveredText(read.chunks));
  });

  test('S9: a stall mid-stream hits the idle timeout: error event, upstream socket closed, partial', async () => {
    const started = performance.now();
    const read = await readStream('st-stall');
    const elapsed = performance.now() - started;
    expect(elapsed).toBeGreaterThanOrEqual(1900);
    expect(elapsed).toBeLessThan(3900);
    expect(read.chunks).toHaveLength(3);
    expect(read.errors).toEqual([{ error: expect.objectContaining({ code: 'idle_timeout' }) }]);
    expect(read.data).not.toContain('[DONE]');
    // The 2 s of silence was covered by keep-alive comments.
    expect(read.comments.length).toBeGreaterThanOrEqual(1);
    await harness.mock.waitUntilIdle(1000);
    expect(harness.mock.requests[0]?.reply.ending).toBe('client-gone');
    const [outcome] = await harness.waitForOutcomes(1);
    expectPartial(outcome, 'idle_timeout', deliveredText(read.chunks));
  });

  test('Responses: a cut stream ends with one `error` event (ResponseErrorEvent), never response.completed', async () => {
    const response = await harness.post('/v1/responses', { model: 'st-responses-reset', stream: true, input: 'hi' });
    const { events } = splitSse(await response.text());
    const last = events.at(-1);
    expect(last?.event).toBe('error');
    const payload = JSON.parse(last?.data ?? '{}') as Record<string, unknown>;
    expect(validateOpenAi('ResponseErrorEvent', payload)).toEqual([]);
    expect(payload.sequence_number).toBe(8);
    expect(events.filter((event) => event.event === 'error')).toHaveLength(1);
    expect(events.some((event) => event.event === 'response.completed')).toBe(false);
    for (const event of events.slice(0, -1)) expect(validateOpenAi('ResponseStreamEvent', JSON.parse(event.data))).toEqual([]);
    const [outcome] = await harness.waitForOutcomes(1);
    expect(outcome).toMatchObject({ endpoint: 'responses', endState: 'upstream_error', partial: true });

    // The official client turns that event into an APIError instead of a silently short answer.
    const client = harness.client();
    const failure = await (async () => {
      for await (const _event of await client.responses.create({ model: 'st-responses-reset', input: 'hi', stream: true })) {
        // drain
      }
    })().catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(OpenAI.APIError);
  });

  test('the official client throws on a cut chat stream instead of returning a short answer', async () => {
    const client = harness.client();
    let text = '';
    const failure = await (async () => {
      for await (const chunk of await client.chat.completions.create({ model: 'st-reset', stream: true, messages: [{ role: 'user', content: 'hi' }] })) {
        text += chunk.choices[0]?.delta.content ?? '';
      }
    })().catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(OpenAI.APIError);
    expect(countTokens(text)).toBe(19);
  });
});

describe('S6: long lines', () => {
  test('an 8 MiB data line passes whole, and the stream completes', async () => {
    const response = await harness.post('/v1/chat/completions', { model: 'st-giant', stream: true, messages });
    const raw = await response.text();
    const { data } = splitSse(raw);
    expect(data.at(-1)).toBe('[DONE]');
    const giant = data.find((line) => line.length > 1024 * 1024) ?? '';
    // `line-bytes` counts the whole line, "data: " included.
    expect(giant.length + 'data: '.length).toBe(8 * 1024 * 1024);
    const chunk = JSON.parse(giant) as Record<string, unknown>;
    expect(validateOpenAi('CreateChatCompletionStreamResponse', chunk)).toEqual([]);
    const upstream = harness.mock.completedStreams[0];
    expect(deliveredText(data.slice(0, -1).map((line) => JSON.parse(line) as Record<string, unknown>))).toBe(upstream?.text ?? '');
    const [outcome] = await harness.waitForOutcomes(1);
    expect(outcome).toMatchObject({ endState: 'completed', partial: false });
  });

  test('a line over the cap ends the stream with line_too_long, no [DONE], partial', async () => {
    const read = await readStream('st-over-cap');
    expect(read.chunks).toHaveLength(1);
    expect(read.errors).toEqual([{ error: expect.objectContaining({ code: 'line_too_long' }) }]);
    expect(read.data).not.toContain('[DONE]');
    const [outcome] = await harness.waitForOutcomes(1);
    expect(outcome).toMatchObject({ endState: 'upstream_error', errorCode: 'line_too_long', partial: true });
    await harness.mock.waitUntilIdle(1000);
  });
});

describe('client disconnects', () => {
  test('S3: clients leaving mid-stream close every upstream connection; outcomes say client_gone with delivered tokens', async () => {
    const streams = 8;
    const results = await Promise.all(
      Array.from({ length: streams }, async (_, index) => {
        const leaveAfter = 2 + index * 3;
        const controller = new AbortController();
        const response = await harness.post('/v1/chat/completions', { model: 'st-long', stream: true, messages }, { signal: controller.signal });
        const reader = (response.body as ReadableStream<Uint8Array>).getReader();
        const decoder = new TextDecoder();
        let raw = '';
        while (splitSse(raw).data.length < leaveAfter) {
          const { done, value } = await reader.read();
          if (done) break;
          raw += decoder.decode(value, { stream: true });
        }
        controller.abort();
        await reader.cancel().catch(() => undefined);
        return splitSse(raw).data.length;
      }),
    );
    expect(results.every((count) => count >= 2)).toBe(true);
    await harness.mock.waitUntilIdle(1500);
    expect(harness.mock.openConnections()).toBe(0);
    expect(harness.mock.requests.map((request) => request.reply.ending)).toEqual(Array.from({ length: streams }, () => 'client-gone' as const));
    expect(harness.mock.completedStreams).toHaveLength(0);
    const outcomes = await harness.waitForOutcomes(streams);
    for (const outcome of outcomes) {
      expect(outcome).toMatchObject({ endState: 'client_gone', partial: true, status: 200 });
      expect(outcome.usage.completionTokens).toBeGreaterThanOrEqual(1);
      expect(outcome.usage.completionTokens).toBeLessThan(60);
    }
  });

  test('S4: a client leaving before the first byte aborts the upstream call; nothing is billed (stream and not)', async () => {
    for (const stream of [true, false]) {
      await harness.reset();
      const controller = new AbortController();
      const request = harness.post('/v1/chat/completions', { model: 'st-slow-start', stream, messages }, { signal: controller.signal }).catch((error: unknown) => error);
      await Bun.sleep(100);
      controller.abort();
      expect(await request).toBeInstanceOf(Error);
      await harness.mock.waitUntilIdle(1000);
      expect(harness.mock.requests[0]?.reply.ending).toBe('client-gone');
      const [outcome] = await harness.waitForOutcomes(1);
      expect(outcome).toMatchObject({ stream, endState: 'client_gone', partial: false, usage: { promptTokens: 0, completionTokens: 0 } });
      expect(outcome?.attempts).toHaveLength(1);
    }
  });
});

describe('quiet streams and missing usage', () => {
  test('keep-alive comments fill the pauses of a quiet stream, and the official client ignores them', async () => {
    const raw = (async () => {
      const response = await harness.post('/v1/completions', { model: 'st-quiet', prompt: 'x', stream: true });
      return splitSse(await response.text());
    })();
    const viaSdk = (async () => {
      let text = '';
      for await (const chunk of await harness.client().completions.create({ model: 'st-quiet', prompt: 'x', stream: true })) text += chunk.choices[0]?.text ?? '';
      return text;
    })();
    const [{ data, comments }, text] = await Promise.all([raw, viaSdk]);
    expect(comments.length).toBeGreaterThanOrEqual(2);
    expect(comments.every((comment) => comment === ': keep-alive')).toBe(true);
    expect(data.at(-1)).toBe('[DONE]');
    expect(text).toBe('Hello');
    const outcomes = await harness.waitForOutcomes(2);
    expect(outcomes.every((outcome) => outcome.endState === 'completed')).toBe(true);
  });

  test('S5: no usage from the upstream: an estimate flagged `estimated`, sent as a usage chunk only to a client that asked', async () => {
    const plain = await readStream('st-no-usage');
    expect(plain.data.at(-1)).toBe('[DONE]');
    expect(plain.chunks.some((chunk) => chunk.usage !== undefined && chunk.usage !== null)).toBe(false);
    const asked = await readStream('st-no-usage', { stream_options: { include_usage: true } });
    expect(asked.data.at(-1)).toBe('[DONE]');
    const outcomes = await harness.waitForOutcomes(2);
    // The client asked for usage and the upstream sent none: the estimate comes as OpenAI's usage chunk, last before [DONE].
    const usageChunk = asked.chunks.at(-1);
    expect(validateOpenAi('CreateChatCompletionStreamResponse', usageChunk)).toEqual([]);
    expect(usageChunk?.choices).toEqual([]);
    expect(usageChunk?.usage).toEqual({
      prompt_tokens: outcomes[1]?.usage.promptTokens,
      completion_tokens: outcomes[1]?.usage.completionTokens,
      total_tokens: (outcomes[1]?.usage.promptTokens ?? 0) + (outcomes[1]?.usage.completionTokens ?? 0),
    });
    for (const [outcome, read] of [[outcomes[0], plain], [outcomes[1], asked]] as const) {
      expect(outcome).toMatchObject({ endState: 'completed', partial: false, usage: { estimated: true } });
      expect(outcome?.usage.completionTokens).toBe(countTokens(deliveredText(read.chunks.filter((chunk) => Array.isArray(chunk.choices) && chunk.choices.length > 0))));
      expect(outcome?.usage.promptTokens).toBeGreaterThan(0);
    }

    // Non-stream: estimated from the answer's text.
    const whole = await harness.post('/v1/chat/completions', { model: 'st-no-usage', messages });
    const json = (await whole.json()) as { choices: { message: { content: string } }[]; usage?: unknown };
    expect(json.usage).toBeUndefined();
    const [, , outcome] = await harness.waitForOutcomes(3);
    expect(outcome?.usage).toMatchObject({ estimated: true, completionTokens: countTokens(json.choices[0]?.message.content ?? '') });
  });
});
