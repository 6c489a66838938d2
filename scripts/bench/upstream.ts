/**
 * The benchmark's upstream: a lean Bun.serve that speaks OpenAI's chat completions format, so that what is
 * measured is the gateway and not the mock. (test/helpers/mock-upstream.ts is faithful to the wire, with
 * faults, recording and a hand-written HTTP/1.1 writer on node:net; it costs several times more CPU per
 * request than this one, enough to dominate an "instant" upstream on a 2-core machine.)
 *
 * The model name picks the pacing (the gateway passes the model through and strips client headers):
 * - `bench-instant`: the whole answer at once;
 * - `bench-realistic`: 20 ms to the first byte, then 20 content chunks 5 ms apart (a non-stream answer
 *   arrives whole after the same 20 + 20 × 5 ms);
 * - `bench-hold`: headers and a first chunk at once, then one chunk every 500 ms for up to 10 minutes
 *   (streams that stay open while memory is measured; the client ends them).
 *
 * Non-stream answers carry `usage`; streams send a role chunk, the content chunks, a finish chunk, the usage
 * chunk when the request asked for it with `stream_options.include_usage` (as OpenAI does), then `[DONE]`.
 *
 * Run as a process: `bun scripts/bench/upstream.ts` prints `{"port":N}` once listening.
 */

export interface Pacing {
  /** Delay before the status line. */
  readonly firstByteMs: number;
  /** Content chunks of the answer. */
  readonly chunks: number;
  /** Delay between two content chunks of a stream (0: all written at once). */
  readonly chunkDelayMs: number;
}

export const PACINGS: Readonly<Record<string, Pacing>> = {
  'bench-instant': { firstByteMs: 0, chunks: 20, chunkDelayMs: 0 },
  'bench-realistic': { firstByteMs: 20, chunks: 20, chunkDelayMs: 5 },
  'bench-hold': { firstByteMs: 0, chunks: 1200, chunkDelayMs: 500 },
};

export const BENCH_MODELS: readonly string[] = Object.keys(PACINGS);

const CREATED = 1_735_689_600;
const WORDS = ['Hello', ' from', ' the', ' bench', ' upstream', ' with', ' a', ' steady', ' answer', ' of'];
const encoder = new TextEncoder();

function word(index: number): string {
  return WORDS[index % WORDS.length] ?? ' word';
}

function usageJson(promptTokens: number, completionTokens: number): Record<string, unknown> {
  return {
    prompt_tokens: promptTokens,
    completion_tokens: completionTokens,
    total_tokens: promptTokens + completionTokens,
    prompt_tokens_details: { cached_tokens: 0, audio_tokens: 0 },
    completion_tokens_details: { reasoning_tokens: 0, audio_tokens: 0, accepted_prediction_tokens: 0, rejected_prediction_tokens: 0 },
  };
}

interface Prepared {
  readonly json: string;
  /** Role chunk + first content chunk, then one part per content chunk, then the ending parts. */
  readonly head: Uint8Array;
  readonly content: readonly Uint8Array[];
  readonly tailWithUsage: Uint8Array;
  readonly tail: Uint8Array;
}

/** Every byte an answer is made of, encoded once: the upstream must cost next to nothing per request. */
function prepare(model: string, pacing: Pacing): Prepared {
  const id = 'chatcmpl-bench0001';
  const base = { id, object: 'chat.completion.chunk', created: CREATED, model, system_fingerprint: 'fp_bench' };
  const sse = (payload: unknown): string => `data: ${JSON.stringify(payload)}\n\n`;
  const chunk = (delta: Record<string, unknown>, finish: string | null, withUsage: boolean): string =>
    sse({ ...base, choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }], ...(withUsage ? { usage: null } : {}) });
  const text = Array.from({ length: Math.min(pacing.chunks, 200) }, (_, index) => word(index)).join('');
  const completion = pacing.chunks;
  const json = JSON.stringify({
    id,
    object: 'chat.completion',
    created: CREATED,
    model,
    system_fingerprint: 'fp_bench',
    choices: [{ index: 0, message: { role: 'assistant', content: text, refusal: null }, logprobs: null, finish_reason: 'stop' }],
    usage: usageJson(12, completion),
  });
  const usageChunk = sse({ ...base, choices: [], usage: usageJson(12, completion) });
  return {
    json,
    head: encoder.encode(chunk({ role: 'assistant', content: '' }, null, false)),
    content: Array.from({ length: pacing.chunks }, (_, index) => encoder.encode(chunk({ content: word(index) }, null, false))),
    tailWithUsage: encoder.encode(chunk({}, 'stop', false) + usageChunk + 'data: [DONE]\n\n'),
    tail: encoder.encode(chunk({}, 'stop', false) + 'data: [DONE]\n\n'),
  };
}

const prepared = new Map<string, Prepared>(BENCH_MODELS.map((model) => [model, prepare(model, PACINGS[model] as Pacing)]));

const JSON_HEADERS = { 'content-type': 'application/json', 'x-request-id': 'req_bench' };
const SSE_HEADERS = { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache', 'x-request-id': 'req_bench' };

function errorResponse(status: number, message: string): Response {
  return Response.json({ error: { message, type: 'invalid_request_error', param: null, code: null } }, { status });
}

function streamBody(answer: Prepared, pacing: Pacing, includeUsage: boolean, signal: AbortSignal): ReadableStream<Uint8Array> {
  const tail = includeUsage ? answer.tailWithUsage : answer.tail;
  if (pacing.chunkDelayMs === 0) {
    return new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(answer.head);
        for (const part of answer.content) controller.enqueue(part);
        controller.enqueue(tail);
        controller.close();
      },
    });
  }
  let timer: ReturnType<typeof setTimeout> | undefined;
  return new ReadableStream<Uint8Array>({
    start(controller) {
      let next = 0;
      const step = (): void => {
        if (signal.aborted) return;
        try {
          controller.enqueue(answer.content[next] as Uint8Array);
          next += 1;
          if (next < answer.content.length) {
            timer = setTimeout(step, pacing.chunkDelayMs);
            return;
          }
          controller.enqueue(tail);
          controller.close();
        } catch {
          // The client went away between two chunks.
        }
      };
      controller.enqueue(answer.head);
      step();
    },
    cancel() {
      clearTimeout(timer);
    },
  });
}

export interface BenchUpstream {
  readonly url: string;
  readonly port: number;
  stop(): Promise<void>;
}

export function startBenchUpstream(port = 0): BenchUpstream {
  const server = Bun.serve({
    hostname: '127.0.0.1',
    port,
    idleTimeout: 255,
    async fetch(request) {
      const path = new URL(request.url).pathname;
      if (request.method !== 'POST' || !path.endsWith('/chat/completions')) return errorResponse(404, `Invalid URL (${request.method} ${path})`);
      if (!/^bearer\s+\S/i.test(request.headers.get('authorization') ?? '')) return errorResponse(401, 'Missing bearer key.');
      let body: { model?: unknown; stream?: unknown; stream_options?: { include_usage?: unknown } | null };
      try {
        body = (await request.json()) as typeof body;
      } catch {
        return errorResponse(400, 'The body is not valid JSON.');
      }
      const model = typeof body.model === 'string' ? body.model : '';
      const pacing = PACINGS[model];
      const answer = prepared.get(model);
      if (pacing === undefined || answer === undefined) return errorResponse(404, `The model \`${model}\` does not exist; use one of ${BENCH_MODELS.join(', ')}.`);
      const stream = body.stream === true;
      // A non-stream answer is ready when the whole generation would be.
      const delay = pacing.firstByteMs + (stream ? 0 : pacing.chunks * pacing.chunkDelayMs);
      if (delay > 0) await Bun.sleep(delay);
      if (!stream) return new Response(answer.json, { headers: JSON_HEADERS });
      return new Response(streamBody(answer, pacing, body.stream_options?.include_usage === true, request.signal), { headers: SSE_HEADERS });
    },
  });
  const boundPort = server.port ?? port;
  return {
    url: `http://127.0.0.1:${boundPort}`,
    port: boundPort,
    stop: () => server.stop(true),
  };
}

if (import.meta.main) {
  const upstream = startBenchUpstream();
  process.stdout.write(`${JSON.stringify({ port: upstream.port })}\n`);
}
