/**
 * The benchmark's load generator: `concurrency` workers, each sending one chat request after another on a
 * kept-alive connection for a fixed time (closed loop), after a warm-up whose samples are thrown away.
 * Requests still running when the window closes are waited for and counted. Every request that fails (a non-200
 * status, a body without usage, a stream that does not end with [DONE]) is counted, warm-up included: a
 * refusal is fast, and timing refusals would make a broken gateway look quick.
 * Latency is from the call to the last body byte; time to first byte from the call to the first body chunk
 * (for a stream: the first SSE event, not just the headers).
 */
import { cpuMsOf } from './processes.ts';

export interface LoadOptions {
  /** Full URL of the chat completions endpoint. */
  readonly url: string;
  readonly key: string;
  readonly model: string;
  readonly stream: boolean;
  readonly concurrency: number;
  readonly durationMs: number;
  readonly warmupMs: number;
  /** The server under test: its CPU time during the measured window is reported per request. */
  readonly serverPid?: number;
}

export interface LoadResult {
  readonly requests: number;
  /** Failed requests, warm-up included. */
  readonly failures: number;
  /** First failure seen, for the report. */
  readonly firstFailure: string | undefined;
  readonly seconds: number;
  readonly rps: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly ttfbP50Ms: number;
  readonly ttfbP99Ms: number;
  /** Server CPU time (all threads) per request in the measured window, in microseconds. */
  readonly serverCpuUs: number;
}

export function chatBody(model: string, stream: boolean): string {
  return JSON.stringify({
    model,
    stream,
    messages: [
      { role: 'system', content: 'You are a helpful assistant.' },
      { role: 'user', content: 'Say hello to the benchmark in a few words.' },
    ],
    max_tokens: 64,
  });
}

export function percentile(sorted: readonly number[], fraction: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * fraction))] ?? Number.NaN;
}

const DONE = 'data: [DONE]';
const decoder = new TextDecoder();

interface Sample {
  latencyMs: number;
  ttfbMs: number;
}

function requestInit(options: Pick<LoadOptions, 'key' | 'model' | 'stream'>): RequestInit {
  return {
    method: 'POST',
    headers: { authorization: `Bearer ${options.key}`, 'content-type': 'application/json' },
    body: chatBody(options.model, options.stream),
  };
}

/** One request; resolves with its timings or throws with what went wrong. */
async function once(options: Pick<LoadOptions, 'url' | 'stream'>, init: RequestInit): Promise<Sample> {
  const sent = performance.now();
  const response = await fetch(options.url, init);
  if (!options.stream) {
    const text = await response.text();
    const done = performance.now();
    if (response.status !== 200 || !text.includes('"usage"')) throw new Error(`HTTP ${response.status}: ${text.slice(0, 200)}`);
    return { latencyMs: done - sent, ttfbMs: done - sent };
  }
  if (response.status !== 200 || response.body === null) throw new Error(`HTTP ${response.status}: ${(await response.text()).slice(0, 200)}`);
  let first: number | undefined;
  let tail = '';
  for await (const chunk of response.body) {
    if (chunk.byteLength === 0) continue;
    first ??= performance.now();
    // Only the end matters: the stream must finish with [DONE] (an honest end), not an error event.
    tail = (tail + decoder.decode(chunk.subarray(Math.max(0, chunk.byteLength - 64)))).slice(-64);
  }
  const done = performance.now();
  if (!tail.trimEnd().endsWith(DONE)) throw new Error(`stream ended without [DONE]: …${tail.trim()}`);
  return { latencyMs: done - sent, ttfbMs: (first ?? done) - sent };
}

/** Samples of one or more measured windows, before they are summarized. */
export interface Samples {
  readonly latencies: number[];
  readonly ttfbs: number[];
  /** Failed requests, warm-up included. */
  failures: number;
  firstFailure: string | undefined;
  /** Requests that completed inside a measured window (the ones finishing after it are timed, not counted). */
  completedInWindow: number;
  seconds: number;
  /** Server CPU milliseconds over the windows; NaN when it could not be read. */
  cpuMs: number;
}

export function emptySamples(): Samples {
  return { latencies: [], ttfbs: [], failures: 0, firstFailure: undefined, completedInWindow: 0, seconds: 0, cpuMs: 0 };
}

/**
 * Runs the warm-up (samples dropped), then one measured window whose samples are added to `into`. Called
 * several times on one `into`, windows of two servers can alternate, so that a background load that comes
 * and goes weighs on both alike.
 */
export async function measureInto(into: Samples, options: LoadOptions): Promise<void> {
  const init = requestInit(options);
  let recording = false;
  let until = performance.now() + options.warmupMs;

  const worker = async (stop: number): Promise<void> => {
    while (performance.now() < stop) {
      try {
        const sample = await once(options, init);
        if (!recording) continue;
        if (performance.now() <= until) into.completedInWindow += 1;
        into.latencies.push(sample.latencyMs);
        into.ttfbs.push(sample.ttfbMs);
      } catch (error) {
        into.failures += 1;
        into.firstFailure ??= error instanceof Error ? error.message : String(error);
        // A refusing server must not turn the loop into a busy spin.
        await Bun.sleep(5);
      }
    }
  };

  if (options.warmupMs > 0) await Promise.all(Array.from({ length: options.concurrency }, () => worker(until)));
  recording = true;
  const cpuBefore = options.serverPid === undefined ? undefined : cpuMsOf(options.serverPid);
  const started = performance.now();
  until = started + options.durationMs;
  await Promise.all(Array.from({ length: options.concurrency }, () => worker(until)));
  into.seconds += options.durationMs / 1000;
  const cpuAfter = options.serverPid === undefined ? undefined : cpuMsOf(options.serverPid);
  into.cpuMs += cpuBefore === undefined || cpuAfter === undefined ? Number.NaN : cpuAfter - cpuBefore;
}

export function summarize(samples: Samples): LoadResult {
  const latencies = [...samples.latencies].sort((left, right) => left - right);
  const ttfbs = [...samples.ttfbs].sort((left, right) => left - right);
  return {
    requests: latencies.length,
    failures: samples.failures,
    firstFailure: samples.firstFailure,
    seconds: samples.seconds,
    rps: samples.completedInWindow / samples.seconds,
    p50Ms: percentile(latencies, 0.5),
    p99Ms: percentile(latencies, 0.99),
    ttfbP50Ms: percentile(ttfbs, 0.5),
    ttfbP99Ms: percentile(ttfbs, 0.99),
    serverCpuUs: latencies.length === 0 ? Number.NaN : (samples.cpuMs * 1000) / latencies.length,
  };
}

/**
 * One request, before anything is measured: a server that refuses the bench's requests (an unpriced model, an
 * empty balance, a wrong key) stops the run at once with its answer, instead of being timed.
 */
export async function probe(options: Pick<LoadOptions, 'url' | 'key' | 'model' | 'stream'>): Promise<void> {
  try {
    await once(options, requestInit(options));
  } catch (error) {
    const kind = options.stream ? 'stream' : 'non-stream';
    throw new Error(`a ${kind} ${options.model} request to ${options.url} failed before the run: ${error instanceof Error ? error.message : String(error)}`);
  }
}

export async function runLoad(options: LoadOptions): Promise<LoadResult> {
  const samples = emptySamples();
  await measureInto(samples, options);
  return summarize(samples);
}
