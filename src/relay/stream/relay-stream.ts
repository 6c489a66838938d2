/**
 * Relays an upstream SSE stream to the client event by event as it arrives (reliability.md G7, 2.4):
 * - the end marker (`data: [DONE]`, or a terminal Responses event) is written only when the upstream sent it;
 *   any other ending writes one error event and closes — never a made-up `[DONE]`;
 * - the usage chunk the gateway asked for is dropped when the client did not ask for it;
 * - completion tokens are counted per delta (the text is never accumulated), so a stream without usage, or one
 *   cut short, is still measured;
 * - a quiet stream gets `: keep-alive` comments so neither a proxy nor Bun's idle timer closes it;
 * - when the client leaves, the upstream request is cancelled at once;
 * - an upstream that streams in its own format (Anthropic) has each event converted to hub chunks first, and its
 *   own end marker (message_stop) stands for `[DONE]`; its in-band error event is a cut stream like any other.
 *
 * The stream is committed on the upstream's first event, not on its headers: until an event arrives nothing
 * is sent to the client, so an upstream that answers 200 and then resets or ends without a single event is an
 * ordinary failed attempt — the pipeline fails over, and the client never sees a 200 for a stream that had
 * nothing in it. The wait is bounded by the first-byte deadline (`commitBy`): a model that thinks longer before
 * its first event is committed then, so keep-alive comments start and a proxy that allows the first-byte
 * timeout never cuts it (reliability.md 2.4.6); from there the idle timeout governs (R5 "headers then no body").
 */
import { createCompletionCounter } from '../../tokenizer/count.ts';
import type { DispatchResponse } from '../dispatch.ts';
import { isUpstreamError, UpstreamError } from '../errors.ts';
import { emptyUsage, type EndState } from '../outcome.ts';
import type { HubTranslation, ProviderAdapter, RelayRequest, Usage } from '../types.ts';
import { encodeSseEvent, SSE_KEEPALIVE, SseParser, type SseEvent } from './sse-parser.ts';

export interface StreamEnd {
  state: Extract<EndState, 'completed' | 'upstream_error' | 'client_gone'>;
  errorCode: string | undefined;
  usage: Usage;
  /** performance.now() when the first event reached the client. */
  firstTokenMs: number | undefined;
}

export interface RelayStreamOptions {
  request: RelayRequest;
  response: DispatchResponse;
  adapter: ProviderAdapter;
  maxLineBytes: number;
  keepAliveMs: number;
  /** performance.now() by which the stream is committed even without an event: the attempt's first-byte deadline. */
  commitBy: number;
  /** Computed only when the upstream reported no usage. */
  promptTokens: () => number;
  onEnd: (end: StreamEnd) => void;
  /**
   * The attempt's converters when the upstream streams in its own format (the adapter's `translate`): each
   * native event becomes hub chunks, relayed as an OpenAI upstream's chunks would be, and the converter's end
   * marker becomes `[DONE]`. Absent: the OpenAI-format stream is relayed as received.
   */
  translation?: HubTranslation;
}

/** Responses API events after which the response is over (https://platform.openai.com/docs/api-reference/responses-streaming). */
const RESPONSES_TERMINAL_EVENTS = new Set(['response.completed', 'response.incomplete', 'response.failed']);

interface ChunkFacts {
  usageOnly: boolean;
  text: string;
  toolCalls: number;
}

/** What a chat/completions chunk or a Responses event adds: generated text (for counting) and whether it is usage only. */
function inspect(json: unknown): ChunkFacts {
  const facts: ChunkFacts = { usageOnly: false, text: '', toolCalls: 0 };
  if (json === null || typeof json !== 'object') return facts;
  const record = json as Record<string, unknown>;
  if (typeof record.type === 'string') {
    // Responses API: output_text / reasoning / function-call argument deltas.
    if (typeof record.delta === 'string' && /\.delta$/.test(record.type)) facts.text = record.delta;
    return facts;
  }
  const choices = record.choices;
  if (Array.isArray(choices)) {
    facts.usageOnly = choices.length === 0 && record.usage !== undefined && record.usage !== null;
    for (const choice of choices as Record<string, unknown>[]) {
      if (typeof choice.text === 'string') facts.text += choice.text;
      const delta = choice.delta as Record<string, unknown> | undefined;
      if (delta === undefined || delta === null) continue;
      if (typeof delta.content === 'string') facts.text += delta.content;
      if (typeof delta.reasoning_content === 'string') facts.text += delta.reasoning_content;
      if (Array.isArray(delta.tool_calls)) {
        for (const call of delta.tool_calls as { id?: unknown; function?: { arguments?: unknown; name?: unknown } }[]) {
          if (typeof call.id === 'string') facts.toolCalls++;
          if (typeof call.function?.name === 'string') facts.text += call.function.name;
          if (typeof call.function?.arguments === 'string') facts.text += call.function.arguments;
        }
      }
    }
  }
  return facts;
}

/**
 * The one error event that ends a stream the upstream did not finish, in the client's dialect: Chat and
 * Completions clients read `data: {"error": …}` (the OpenAI SDK throws an APIError on it); Responses clients
 * read an `error` event (ResponseErrorEvent, https://platform.openai.com/docs/api-reference/responses-streaming/error)
 * numbered after the last event they saw.
 */
function errorEvent(responses: boolean, lastSequence: number | undefined, code: string, message: string): string {
  if (responses) {
    const payload = { type: 'error', code, message, param: null, sequence_number: lastSequence === undefined ? 0 : lastSequence + 1 };
    return encodeSseEvent({ event: 'error', data: JSON.stringify(payload) });
  }
  return encodeSseEvent({ data: JSON.stringify({ error: { message, type: 'upstream_error', code } }) });
}

/** Generated text kept back before it is counted; bounds memory per stream while skipping most counting. */
const COUNT_BATCH_CHARACTERS = 16 * 1024;
/** Chat chunks kept unparsed until their text may be needed; bounds memory per stream like the text batch. */
const RAW_BATCH_CHARACTERS = 32 * 1024;

function parseJson(data: string): unknown {
  try {
    return JSON.parse(data);
  } catch {
    return undefined;
  }
}

/** Skips JSON whitespace from `index`. */
function skipWhitespace(text: string, index: number): number {
  let at = index;
  for (;;) {
    const code = text.charCodeAt(at);
    if (code !== 0x20 && code !== 0x09 && code !== 0x0a && code !== 0x0d) return at;
    at++;
  }
}

/**
 * False only when the chunk certainly has no usage for `readUsage` (and so is not a usage-only chunk either):
 * no `"usage"` key other than `"usage": null`, and no `\u` escape that could spell the key another way. A
 * false true costs only a JSON.parse.
 */
function mayCarryUsage(data: string): boolean {
  if (data.includes('\\u')) return true;
  let at = data.indexOf('"usage"');
  while (at !== -1) {
    let next = skipWhitespace(data, at + 7);
    if (data.charCodeAt(next) !== 0x3a) return true;
    next = skipWhitespace(data, next + 1);
    if (!data.startsWith('null', next)) return true;
    at = data.indexOf('"usage"', next + 4);
  }
  return false;
}

/**
 * Counts completion tokens only when they may be needed. Most upstreams report usage at the end, so chat
 * chunks are kept unparsed (at most 32 KiB) and their text held back in batches of at most 16 KiB, parsed and
 * counted only when a batch fills or the stream ends without usage: JSON parsing and the tokenizer (and its
 * encoding, ~80 MB, loaded on first use) cost nothing on the common path, and the whole response is never
 * accumulated. Text reaches the tokenizer in the order and batches it arrived, parsed early or late.
 */
function deferredCounter(model: string): {
  add(text: string): void;
  addToolCall(): void;
  /** One chat/completions chunk's `data`, parsed only if its text is needed. */
  addRaw(data: string): void;
  total(): number;
  discard(): void;
} {
  let counter: ReturnType<typeof createCompletionCounter> | undefined;
  let pending = '';
  let pendingToolCalls = 0;
  let raw: string[] = [];
  let rawCharacters = 0;
  const flush = (): ReturnType<typeof createCompletionCounter> => {
    counter ??= createCompletionCounter(model);
    if (pending !== '') counter.add(pending);
    for (; pendingToolCalls > 0; pendingToolCalls--) counter.addToolCall();
    pending = '';
    return counter;
  };
  const add = (text: string): void => {
    pending += text;
    if (pending.length >= COUNT_BATCH_CHARACTERS) flush();
  };
  const drainRaw = (): void => {
    const chunks = raw;
    raw = [];
    rawCharacters = 0;
    for (const data of chunks) {
      const facts = inspect(parseJson(data));
      add(facts.text);
      pendingToolCalls += facts.toolCalls;
    }
  };
  return {
    add(text) {
      if (raw.length > 0) drainRaw();
      add(text);
    },
    addToolCall() {
      if (raw.length > 0) drainRaw();
      pendingToolCalls++;
    },
    addRaw(data) {
      raw.push(data);
      rawCharacters += data.length;
      if (rawCharacters >= RAW_BATCH_CHARACTERS) drainRaw();
    },
    total: () => {
      drainRaw();
      return flush().total();
    },
    discard() {
      pending = '';
      pendingToolCalls = 0;
      raw = [];
      rawCharacters = 0;
    },
  };
}

/**
 * Waits for the upstream's first event, then returns the client's streaming Response. Rejects with an
 * UpstreamError (the upstream call cancelled) when the stream fails or ends before its first event; nothing
 * has been written to the client then, so the caller may try another channel.
 */
export async function openRelayStream(options: RelayStreamOptions): Promise<Response> {
  const { request, response, adapter } = options;
  const encoder = new TextEncoder();
  const counter = deferredCounter(request.requestedModel);
  let reportedUsage: Usage | undefined;
  let firstTokenMs: number | undefined;
  let ended = false;
  let keepAlive: ReturnType<typeof setInterval> | undefined;
  let lastWrite = performance.now();

  // The body is read here, one upstream read at a time, and every event it completes is handled at once.
  // The dispatcher's direct read when it has one (no wrapper stream in between), else the body's reader.
  const directRead = response.read?.bind(response);
  const reader = directRead === undefined ? response.body.getReader() : undefined;
  const readChunk = async (): Promise<Uint8Array | undefined> => {
    if (reader === undefined) return directRead?.();
    const result = await reader.read();
    if (!result.done) return result.value;
    reader.releaseLock();
    return undefined;
  };
  const parser = new SseParser(options.maxLineBytes);
  let readerOpen = true;
  /** An over-long line found after some events of the same read: thrown once those events are handled. */
  let deferredFailure: { error: unknown } | undefined;
  /** Cancelling the body aborts the upstream call (the dispatcher's body cancel). */
  const closeReader = (): void => {
    if (!readerOpen) return;
    readerOpen = false;
    if (reader === undefined) response.cancel();
    else reader.cancel().catch(() => undefined);
  };
  /** Reads until at least one event is complete; undefined when the body ended. */
  const nextEvents = async (): Promise<SseEvent[] | undefined> => {
    try {
      if (deferredFailure !== undefined) throw deferredFailure.error;
      for (;;) {
        const chunk = await readChunk();
        if (chunk === undefined) {
          readerOpen = false;
          return undefined;
        }
        const events: SseEvent[] = [];
        try {
          parser.push(chunk, events);
        } catch (error) {
          if (events.length === 0) throw error;
          deferredFailure = { error };
        }
        if (events.length > 0) return events;
      }
    } catch (error) {
      closeReader();
      throw error;
    }
  };

  /**
   * A native stream (Anthropic, Gemini) converted to hub events: one `data:` event per hub chunk, and a
   * `[DONE]` once the converter saw the provider's end marker. Usage comes from the converter (reportedUsage),
   * not from the chunks: its usage chunk is only the client's copy, and is left out when the upstream reported
   * none, so that the local estimate takes its place. An in-band error event throws its UpstreamError.
   */
  const native = options.translation?.stream();
  const toHub = (events: SseEvent[]): SseEvent[] => {
    if (native === undefined) return events;
    const hub: SseEvent[] = [];
    for (const event of events) {
      for (const chunk of native.push(event)) {
        const usageOnly = Array.isArray(chunk.choices) && chunk.choices.length === 0 && chunk.usage !== undefined;
        if (usageOnly && native.usage() === undefined) continue;
        hub.push({ event: undefined, data: JSON.stringify(chunk), id: undefined });
      }
      reportedUsage = native.usage() ?? reportedUsage;
      if (native.completed) {
        hub.push({ event: undefined, data: '[DONE]', id: undefined });
        break;
      }
    }
    return hub;
  };
  /** The next events to relay: as read for an OpenAI-format upstream; converted, and at least one, for a native one. */
  const nextRelayEvents = async (): Promise<SseEvent[] | undefined> => {
    for (;;) {
      const events = await nextEvents();
      if (events === undefined || native === undefined) return events;
      let hub: SseEvent[];
      try {
        hub = toHub(events);
      } catch (error) {
        closeReader();
        throw error;
      }
      if (hub.length > 0) return hub;
    }
  };
  const readUsage = native === undefined ? (json: unknown) => adapter.readUsage(json) : () => undefined;

  // The first read, or the first-byte deadline if it comes first; a read still running then is taken over by pull.
  let pending: SseEvent[] | undefined;
  let pendingRead: Promise<SseEvent[] | undefined> | undefined;
  const firstRead = nextRelayEvents();
  let deadlineTimer: ReturnType<typeof setTimeout> | undefined;
  const deadline = new Promise<'deadline'>((resolve) => {
    deadlineTimer = setTimeout(() => resolve('deadline'), Math.max(0, options.commitBy - performance.now()));
  });
  let endedBeforeFirstEvent = false;
  try {
    const first = await Promise.race([firstRead, deadline]);
    if (first === 'deadline') {
      pendingRead = firstRead;
      // Its failure, if any, is met by the first pull; until then it must not count as unhandled.
      firstRead.catch(() => undefined);
    } else if (first === undefined) {
      endedBeforeFirstEvent = true;
    } else {
      pending = first;
    }
  } catch (error) {
    response.cancel();
    if (isUpstreamError(error)) throw error;
    throw new UpstreamError({ status: 0, code: 'stream_failed', message: 'the upstream stream failed before its first event', retryable: true, channelAtFault: false });
  } finally {
    clearTimeout(deadlineTimer);
  }
  if (endedBeforeFirstEvent) {
    throw new UpstreamError({
      status: 0,
      code: 'stream_truncated',
      message: 'the upstream answered with an event stream that ended before its first event',
      retryable: true,
      channelAtFault: false,
    });
  }

  const finish = (state: StreamEnd['state'], errorCode: string | undefined): void => {
    if (ended) return;
    ended = true;
    if (keepAlive !== undefined) clearInterval(keepAlive);
    if (state === 'completed') {
      // The end marker is in: free the upstream call's timers and connection now, not when its deadline fires.
      response.release();
      closeReader();
    }
    let usage: Usage;
    if (state === 'completed' && reportedUsage !== undefined) {
      counter.discard();
      usage = reportedUsage;
    } else {
      // Estimated (no usage reported) or partial (cut short): the prompt plus what was delivered (rule 2.4.3).
      usage = emptyUsage(true);
      usage.promptTokens = reportedUsage?.promptTokens ?? options.promptTokens();
      usage.completionTokens = counter.total();
      usage.totalTokens = usage.promptTokens + usage.completionTokens;
    }
    options.onEnd({ state, errorCode, usage, firstTokenMs });
  };

  /**
   * The client asked for `stream_options.include_usage` but the upstream reported none (its type does not
   * support it): OpenAI's usage chunk (empty `choices`) is added before `[DONE]` with the local estimate, as
   * New API does. Only on a completed stream: a cut stream never gets a usage chunk or an end marker.
   */
  const usageChunkIfOwed = (): string => {
    if (!request.clientWantsStreamUsage || reportedUsage !== undefined) return '';
    const promptTokens = options.promptTokens();
    const completionTokens = counter.total();
    const chunk = {
      id: `chatcmpl-usage-${Date.now().toString(36)}`,
      object: request.endpoint === 'completions' ? 'text_completion' : 'chat.completion.chunk',
      created: Math.floor(Date.now() / 1000),
      model: request.requestedModel,
      choices: [],
      usage: { prompt_tokens: promptTokens, completion_tokens: completionTokens, total_tokens: promptTokens + completionTokens },
    };
    return encodeSseEvent({ data: JSON.stringify(chunk) });
  };

  const isResponses = request.endpoint === 'responses';
  let lastSequence: number | undefined;

  /**
   * Handles one event: returns the SSE text to send (empty when the event is dropped) and whether it ends the
   * stream with the upstream's own end marker.
   */
  const handle = (event: SseEvent): { text: string; end: boolean } => {
    if (!isResponses) {
      if (event.data === '[DONE]') return { text: usageChunkIfOwed() + encodeSseEvent({ data: '[DONE]' }), end: true };
      if (!mayCarryUsage(event.data)) {
        // The common chat chunk: nothing to read from it now; its text is parsed only if it must be counted.
        counter.addRaw(event.data);
        if (firstTokenMs === undefined) firstTokenMs = performance.now();
        return { text: encodeSseEvent(event), end: false };
      }
    }
    const json = parseJson(event.data);
    const usage = json === undefined ? undefined : readUsage(isResponses ? ((json as { response?: unknown }).response ?? json) : json);
    if (usage !== undefined) reportedUsage = usage;
    const sequence = isResponses ? (json as { sequence_number?: unknown } | undefined)?.sequence_number : undefined;
    if (typeof sequence === 'number' && Number.isInteger(sequence)) lastSequence = sequence;
    const facts = inspect(json);
    if (isResponses) {
      counter.add(facts.text);
      for (let call = 0; call < facts.toolCalls; call++) counter.addToolCall();
    } else {
      counter.addRaw(event.data);
    }
    if (facts.usageOnly && !request.clientWantsStreamUsage) return { text: '', end: false };
    if (firstTokenMs === undefined) firstTokenMs = performance.now();
    const text = encodeSseEvent(event);
    // OpenAI names each event with an `event:` line; servers that send only `data:` carry the name in `type`.
    const eventType = event.event ?? (json as { type?: unknown } | undefined)?.type;
    return { text, end: isResponses && typeof eventType === 'string' && RESPONSES_TERMINAL_EVENTS.has(eventType) };
  };

  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      keepAlive = setInterval(
        () => {
          if (performance.now() - lastWrite < options.keepAliveMs) return;
          lastWrite = performance.now();
          try {
            controller.enqueue(encoder.encode(SSE_KEEPALIVE));
          } catch {
            // The stream is already closed; the interval is cleared by finish().
          }
        },
        Math.max(50, Math.floor(options.keepAliveMs / 4)),
      );
    },
    async pull(controller) {
      // Everything one upstream read completed goes to the client as one chunk.
      let out = '';
      const flush = (): void => {
        if (out === '') return;
        lastWrite = performance.now();
        controller.enqueue(encoder.encode(out));
        out = '';
      };
      try {
        for (;;) {
          const events = pending ?? (await (pendingRead ?? nextRelayEvents()));
          pending = undefined;
          pendingRead = undefined;
          if (events === undefined) {
            // End of body without the end marker proves nothing was completed (2.4.2).
            out += errorEvent(isResponses, lastSequence, 'stream_truncated', 'the upstream ended the stream before it was complete');
            flush();
            finish('upstream_error', 'stream_truncated');
            controller.close();
            return;
          }
          for (const event of events) {
            const { text, end } = handle(event);
            out += text;
            if (end) {
              flush();
              finish('completed', undefined);
              controller.close();
              return;
            }
          }
          // One upstream read per pull keeps memory bounded by what the client has not read yet.
          if (out !== '') {
            flush();
            return;
          }
        }
      } catch (error) {
        const code = isUpstreamError(error) ? error.code : 'stream_failed';
        try {
          out += errorEvent(isResponses, lastSequence, code, 'the upstream stream failed before it was complete');
          flush();
          controller.close();
        } catch {
          // The client is gone as well.
        }
        finish('upstream_error', code);
      }
    },
    cancel() {
      // The client went away: stop the upstream at once and bill what was delivered.
      response.cancel();
      closeReader();
      finish('client_gone', 'client_gone');
    },
  },
  // Nothing is read before the client reads: a pull handles a whole upstream read, which may hold the end of
  // the stream, and the end must not be reported before the caller has recorded the committed attempt.
  { highWaterMark: 0 });

  return new Response(body, {
    status: 200,
    headers: { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache', 'x-accel-buffering': 'no' },
  });
}
