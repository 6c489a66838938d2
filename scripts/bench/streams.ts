/**
 * The memory check: open `count` streaming requests against a slow upstream (one chunk every 500 ms), keep
 * reading them as a client would, and sample the server's resident memory while they are all open.
 */
import { chatBody } from './load.ts';
import { memoryOf } from './processes.ts';

export interface HoldOptions {
  readonly url: string;
  readonly key: string;
  readonly model: string;
  readonly count: number;
  /** The server whose memory is read. */
  readonly pid: number;
  /** How long to wait for every stream to deliver its first event. */
  readonly openTimeoutMs: number;
  /** How long to keep them all open once they are (or once the open timeout has passed). */
  readonly holdMs: number;
}

export interface HoldResult {
  readonly requested: number;
  /** Streams that delivered their first event. */
  readonly opened: number;
  /** Streams that failed (an HTTP error or a broken connection) before the client closed them. */
  readonly failed: number;
  readonly firstFailure: string | undefined;
  /** Milliseconds until the last stream opened (or the open timeout). */
  readonly openMs: number;
  readonly idleRssMb: number;
  /** Highest VmRSS sampled while the streams were open. */
  readonly sampledPeakRssMb: number;
  /** VmHWM after the hold: the process's high-water mark, which no sampling interval can miss. */
  readonly peakRssMb: number;
  /** (peak − idle) / opened, in kB. */
  readonly perStreamKb: number;
}

export async function holdStreams(options: HoldOptions): Promise<HoldResult> {
  const before = memoryOf(options.pid);
  if (before === undefined) throw new Error('the memory check reads /proc/<pid>/status and needs Linux');
  const controller = new AbortController();
  const body = chatBody(options.model, true);
  let opened = 0;
  let failed = 0;
  let firstFailure: string | undefined;
  let sampledPeak = before.rssMb;
  let allOpen: () => void = () => {};
  const everyoneOpen = new Promise<void>((resolve) => {
    allOpen = resolve;
  });

  const one = async (): Promise<void> => {
    let open = false;
    try {
      const response = await fetch(options.url, {
        method: 'POST',
        headers: { authorization: `Bearer ${options.key}`, 'content-type': 'application/json' },
        body,
        signal: controller.signal,
      });
      if (response.status !== 200 || response.body === null) throw new Error(`HTTP ${response.status}: ${(await response.text()).slice(0, 200)}`);
      for await (const chunk of response.body) {
        if (open || chunk.byteLength === 0) continue;
        open = true;
        opened += 1;
        if (opened === options.count) allOpen();
      }
      throw new Error('the stream ended while it should have been held open');
    } catch (error) {
      if (controller.signal.aborted) return;
      failed += 1;
      firstFailure ??= error instanceof Error ? error.message : String(error);
    }
  };

  const sampler = setInterval(() => {
    const now = memoryOf(options.pid);
    if (now !== undefined) sampledPeak = Math.max(sampledPeak, now.rssMb);
  }, 100);
  const started = performance.now();
  const streams = Array.from({ length: options.count }, one);
  let timer: ReturnType<typeof setTimeout> | undefined;
  await Promise.race([everyoneOpen, new Promise<void>((resolve) => (timer = setTimeout(resolve, options.openTimeoutMs)))]);
  clearTimeout(timer);
  const openMs = performance.now() - started;
  await Bun.sleep(options.holdMs);
  const after = memoryOf(options.pid);
  clearInterval(sampler);
  const openedWhileHeld = opened;
  controller.abort();
  await Promise.allSettled(streams);
  const peak = after?.hwmMb ?? sampledPeak;
  return {
    requested: options.count,
    opened: openedWhileHeld,
    failed,
    firstFailure,
    openMs,
    idleRssMb: before.rssMb,
    sampledPeakRssMb: Math.max(sampledPeak, after?.rssMb ?? 0),
    peakRssMb: peak,
    perStreamKb: openedWhileHeld === 0 ? Number.NaN : ((peak - before.rssMb) * 1000) / openedWhileHeld,
  };
}
