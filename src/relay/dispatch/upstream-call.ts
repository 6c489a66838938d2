/** One upstream call's timers, abort wiring and body reading (see src/relay/dispatch.ts). */
import { UpstreamError } from '../errors.ts';
import type { DispatchOptions, DispatchResponse, Timers } from '../dispatch.ts';
import { clientGone, errorCodeOf, responseHeaders, transportError } from './wire.ts';

/**
 * The state of one dispatch: an AbortController that every timer, the client's signal and a consumer's
 * cancel abort with the UpstreamError that explains why, so the cause is never guessed from Bun's own error.
 */
export class UpstreamCall {
  readonly controller = new AbortController();
  failure: UpstreamError | undefined;
  private finished = false;
  private readonly handles = new Map<'firstByte' | 'idle' | 'total', unknown>();
  private streamController: ReadableStreamDefaultController<Uint8Array> | undefined;
  /** True once the response headers arrived (`respond`): a failure from then on is mid-body. */
  private responded = false;
  private reader: ReadableStreamDefaultReader<Uint8Array> | undefined;
  private readonly aborted: Promise<never>;
  private readonly onClientAbort = (): void => this.fail(clientGone());

  constructor(
    private readonly timers: Timers,
    private readonly options: DispatchOptions,
    readonly origin: string,
  ) {
    this.aborted = new Promise<never>((_, reject) => {
      this.controller.signal.addEventListener('abort', () => reject(this.failure), { once: true });
    });
    this.aborted.catch(() => undefined);
    this.arm('total', options.totalTimeoutMs, () =>
      transportError('total_timeout', `${origin} did not finish within the total deadline of ${options.totalTimeoutMs} ms (relay_timeout_seconds)`, true));
    // A first-byte deadline at or past the total one could never fire first (the total timer is armed first).
    if (options.firstByteTimeoutMs < options.totalTimeoutMs) this.arm('firstByte', options.firstByteTimeoutMs, () =>
      transportError('first_byte_timeout', `${origin} sent no response headers within ${options.firstByteTimeoutMs} ms (first_byte_timeout_seconds)`, true));
    if (options.signal?.aborted === true) this.fail(clientGone());
    else options.signal?.addEventListener('abort', this.onClientAbort, { once: true });
  }

  /** True while the consumer waits for the next body chunk: the only time the idle timer may fail the call. */
  private idleWaiting = false;

  /**
   * Arms the idle timer for one read. With `refresh`, one timer serves every read: re-armed from now, and a
   * firing while no read is waiting (a slow consumer) only retires it. Without, it is set here and cleared after.
   */
  private armIdle(): void {
    this.idleWaiting = true;
    if (this.handles.has('idle') && this.timers.refresh !== undefined) {
      this.timers.refresh(this.handles.get('idle'));
      return;
    }
    const { idleTimeoutMs } = this.options;
    this.handles.set(
      'idle',
      this.timers.setTimeout(() => {
        if (this.idleWaiting) {
          this.fail(transportError('idle_timeout', `${this.origin} sent nothing for ${idleTimeoutMs} ms mid-body (streaming_timeout_seconds)`, true));
        } else {
          this.handles.delete('idle');
        }
      }, idleTimeoutMs),
    );
  }

  private arm(name: 'firstByte' | 'idle' | 'total', delayMs: number, makeError: () => UpstreamError): void {
    this.handles.set(name, this.timers.setTimeout(() => this.fail(makeError()), delayMs));
  }

  private disarm(name: 'firstByte' | 'idle' | 'total'): void {
    if (!this.handles.has(name)) return;
    this.timers.clearTimeout(this.handles.get(name));
    this.handles.delete(name);
  }

  /** Waits for one step (a lookup, a fetch) unless the call fails first. */
  guard<T>(step: Promise<T>): Promise<T> {
    return Promise.race([step, this.aborted]);
  }

  fail(error: UpstreamError): void {
    if (this.finished) return;
    this.failure = error;
    this.finish();
    this.controller.abort(error);
    if (this.streamController !== undefined) this.errorBody(this.streamController);
  }

  private errorBody(controller: ReadableStreamDefaultController<Uint8Array>): void {
    try {
      controller.error(this.failure);
    } catch {
      // Already closed or errored: nothing is waiting for it.
    }
  }

  finish(): void {
    this.finished = true;
    for (const name of [...this.handles.keys()]) this.disarm(name);
    this.options.signal?.removeEventListener('abort', this.onClientAbort);
  }

  /** The UpstreamError for whatever a step threw: the recorded cause when we aborted, else a connection failure. */
  explain(error: unknown): UpstreamError {
    if (this.failure !== undefined) return this.failure;
    if (error instanceof UpstreamError) return error;
    if (error instanceof Error && error.name === 'TimeoutError') {
      // Bun's own idle backstop fired before our timer: same meaning, our code.
      const code = this.responded ? 'idle_timeout' : 'first_byte_timeout';
      return transportError(code, `${this.origin} went silent (Bun socket timeout)`, true);
    }
    // Bun's message repeats the URL, which may carry a `?key=`: report only the code and the origin.
    const code = errorCodeOf(error) ?? (error instanceof Error ? error.name : 'unknown error');
    const what = this.responded ? `the connection to ${this.origin} broke mid-body` : `could not reach ${this.origin}`;
    return transportError('connection_failed', `${what} (${code})`, true);
  }

  /**
   * The next non-empty chunk of the upstream body, undefined at its end: the idle timer runs while the read
   * waits, and any failure (a timer, the client leaving, a cancel) rejects it at once with its UpstreamError.
   */
  async readChunk(): Promise<Uint8Array | undefined> {
    for (;;) {
      if (this.failure !== undefined) throw this.failure;
      const reader = this.reader;
      if (reader === undefined) {
        this.finish();
        return undefined;
      }
      this.armIdle();
      let result: Awaited<ReturnType<ReadableStreamDefaultReader<Uint8Array>['read']>> | undefined;
      try {
        // No race with `aborted` here: every failure aborts the fetch, and Bun rejects a pending body read as
        // soon as its fetch is aborted, so a race per chunk would only allocate.
        result = await reader.read();
      } catch (error) {
        this.fail(this.explain(error));
      }
      this.idleWaiting = false;
      if (this.timers.refresh === undefined) this.disarm('idle');
      if (result === undefined || this.failure !== undefined) throw this.failure;
      if (result.done) {
        this.finish();
        return undefined;
      }
      if (result.value.byteLength > 0) return result.value;
    }
  }

  /** The upstream body as a stream, made on first use: reads on demand through `readChunk`, aborts on cancel. */
  private bodyStream(): ReadableStream<Uint8Array> {
    return new ReadableStream<Uint8Array>(
      {
        start: (controller) => {
          this.streamController = controller;
        },
        pull: async (controller) => {
          let chunk: Uint8Array | undefined;
          try {
            chunk = await this.readChunk();
          } catch {
            this.errorBody(controller);
            return;
          }
          if (chunk === undefined) controller.close();
          else controller.enqueue(chunk);
        },
        cancel: () => {
          this.streamController = undefined;
          this.fail(transportError('client_gone', 'the response body was cancelled by its consumer', false));
        },
      },
      // Read upstream only on demand, so the idle timer measures upstream silence, not a slow consumer.
      { highWaterMark: 0 },
    );
  }

  /** Wraps the upstream body: idle timer while the consumer waits, total deadline, abort on cancel. */
  respond(response: Response): DispatchResponse {
    // A timer or the client may have fired between fetch resolving and this call.
    if (this.failure !== undefined) throw this.failure;
    this.disarm('firstByte');
    this.responded = true;
    // Bun's Response.body is typed ReadableStream<any>; its chunks are bytes.
    this.reader = response.body?.getReader() as ReadableStreamDefaultReader<Uint8Array> | undefined;
    const call = this;
    let body: ReadableStream<Uint8Array> | undefined;
    return {
      status: response.status,
      headers: responseHeaders(response.headers),
      get body() {
        body ??= call.bodyStream();
        return body;
      },
      read: () => this.readChunk(),
      cancel: () => this.fail(transportError('client_gone', 'the upstream call was cancelled', false)),
      release: () => {
        if (this.finished) return;
        this.finish();
        this.streamController = undefined;
        this.reader?.cancel().catch(() => undefined);
      },
    };
  }
}
