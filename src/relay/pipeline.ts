/**
 * The relay pipeline for OpenAI-shaped requests: choose a channel, build the upstream request with the
 * channel's adapter, dispatch it, fail over while nothing has reached the client, then hand the answer back
 * (streamed chunk by chunk, or whole) and report one outcome.
 *
 * Failover rules (reliability.md G9, 2.5): at most 1 + retry_times attempts, never the same channel or key
 * twice, only before the first byte is written to the client; the decision reads UpstreamError fields and the
 * operator's status ranges, never message text; Retry-After marks a channel unavailable until it passes.
 */
import type { Config } from '../config/schema.ts';
import { GatewayError, isGatewayError } from '../errors/gateway-error.ts';
import type { Logger } from '../log/logger.ts';
import { cutToBytes, redact } from '../security/redact.ts';
import type { Billing, Reservation } from '../services/billing.ts';
import { parseStatusRanges, type Settings, statusInRanges } from '../services/settings.ts';
import { countText, estimatePromptTokens } from '../tokenizer/count.ts';
import type { Dispatcher, DispatchResponse } from './dispatch.ts';
import { readBodyText } from './dispatch.ts';
import { isUpstreamError, UpstreamError } from './errors.ts';
import type { ChannelHealth } from './health.ts';
import { type AttemptRecord, emptyUsage, type OutcomeSink, type RelayOutcome } from './outcome.ts';
import { adapterFor } from './providers/registry.ts';
import type { Router } from './router.ts';
import { openRelayStream } from './stream/relay-stream.ts';
import type { ChannelTarget, ProviderAdapter, RelayRequest, Usage } from './types.ts';

/** Error bodies from upstreams are read up to this size (then redacted and cut by the adapter). */
const ERROR_BODY_BYTES = 8 * 1024;
/** Channels skipped because their type cannot serve the endpoint; they do not use up retries. */
const MAX_SKIPPED_CHANNELS = 32;
/** Non-stream JSON answers are read whole (to find usage); bigger ones are an upstream fault. */
const MAX_JSON_RESPONSE_BYTES = 64 * 1024 * 1024;

export interface PipelineDeps {
  readonly router: Router;
  readonly dispatcher: Dispatcher;
  readonly health: ChannelHealth;
  readonly config: Pick<
    Config,
    'firstByteTimeoutSeconds' | 'streamingTimeoutSeconds' | 'relayTimeoutSeconds' | 'keepAliveSeconds' | 'streamMaxLineMb'
  >;
  readonly settings: () => Settings;
  readonly logger: Logger;
  readonly now: () => number;
  readonly billing: Billing;
  readonly onOutcome: OutcomeSink;
}

/** Who is asking, from key authentication. */
export interface RelayCaller {
  readonly requestId: string;
  readonly tokenId: number;
  readonly tokenName: string;
  readonly userId: number;
  readonly username: string;
  readonly group: string;
  readonly pinnedChannelId: number | undefined;
  readonly clientIp: string | undefined;
  readonly affinityKey: string | undefined;
}

interface FailedAttempt {
  readonly error: UpstreamError;
  readonly target: ChannelTarget;
}

export function createPipeline(deps: PipelineDeps) {
  const retryRanges = (settings: Settings) => parseStatusRanges(settings.retry_status_codes, 'retry_status_codes');

  /** Applies the channel's status-code mapping and the operator's retry ranges to an upstream error. */
  const classify = (error: UpstreamError, target: ChannelTarget, settings: Settings): UpstreamError => {
    // The channel's `--status-code-map`; older rows kept it among the provider settings.
    const mapping = target.statusCodeMapping ?? target.settings.status_code_mapping;
    let status = error.status;
    if (status !== 0 && mapping !== null && typeof mapping === 'object') {
      const mapped = Number((mapping as Record<string, unknown>)[String(status)]);
      if (Number.isInteger(mapped) && mapped >= 100 && mapped <= 599 && (mapped < 200 || mapped > 299)) status = mapped;
    }
    // Transport failures (status 0) keep the dispatcher's verdict; HTTP failures follow the operator's ranges,
    // except that a failure of the channel's own account is always worth another channel (domain.md 4.2).
    const retryable =
      status === 0 ? error.retryable : statusInRanges(status, retryRanges(settings)) || error.channelAtFault !== false;
    if (status === error.status && retryable === error.retryable) return error;
    return new UpstreamError({
      status,
      code: error.code,
      message: error.message,
      retryable,
      channelAtFault: error.channelAtFault,
      retryAfterMs: error.retryAfterMs,
      upstreamBody: error.upstreamBody,
    });
  };

  /**
   * The timers of one attempt. The total deadline (relay_timeout_seconds) is the client request's, from its
   * start: every attempt gets only what is left of it, so retries can never stretch a request past it (2.5.1).
   */
  const timeouts = (stream: boolean, remainingMs: number) => {
    const total = Math.max(1, Math.round(remainingMs));
    return {
      // A non-stream answer sends its headers only when it is complete, so its "first byte" is the whole answer.
      firstByteTimeoutMs: stream ? Math.min(deps.config.firstByteTimeoutSeconds * 1000, total) : total,
      idleTimeoutMs: deps.config.streamingTimeoutSeconds * 1000,
      totalTimeoutMs: total,
    };
  };

  async function attemptOnce(
    request: RelayRequest,
    target: ChannelTarget,
    adapter: ProviderAdapter,
    signal: AbortSignal,
    remainingMs: number,
  ): Promise<DispatchResponse> {
    const upstream = adapter.buildRequest(request, target);
    const response = await deps.dispatcher.dispatch(upstream, {
      allowPrivate: target.allowPrivate,
      signal,
      ...timeouts(request.stream, remainingMs),
    });
    if (response.status >= 200 && response.status < 300) return response;
    const text = await readBodyText(response.body, ERROR_BODY_BYTES);
    throw adapter.parseError(response.status, response.headers, text, { secrets: [target.key], now: deps.now() });
  }

  return {
    async relay(request: RelayRequest, caller: RelayCaller, signal: AbortSignal): Promise<Response> {
      const startedAt = performance.now();
      const deadline = startedAt + deps.config.relayTimeoutSeconds * 1000;
      const settings = deps.settings();
      const maxAttempts = caller.pinnedChannelId === undefined ? 1 + settings.retry_times : 1;
      const attempts: AttemptRecord[] = [];
      const exclude = { channelIds: new Set<number>(), keys: new Set<string>() };
      let lastFailure: FailedAttempt | undefined;
      let sawCandidate = false;
      let skipped = 0;
      const ledgerId = Bun.randomUUIDv7();
      // Counted at most once: for the reservation (token-priced models) and again for a local usage estimate.
      let promptEstimate: number | undefined;
      const promptTokens = (): number => {
        promptEstimate ??= estimatePromptTokens(request.requestedModel, request.body, request.endpoint);
        return promptEstimate;
      };

      type OutcomeBase = Omit<
        RelayOutcome,
        'status' | 'endState' | 'errorCode' | 'usage' | 'partial' | 'latencyMs' | 'firstTokenMs' | 'outputDelivered' | 'cost' | 'billing'
      >;
      const baseOutcome = (): OutcomeBase => ({
        requestId: caller.requestId,
        ledgerId,
        endpoint: request.endpoint,
        stream: request.stream,
        tokenId: caller.tokenId,
        tokenName: caller.tokenName,
        userId: caller.userId,
        username: caller.username,
        group: caller.group,
        requestedModel: request.requestedModel,
        upstreamModel: undefined,
        channelId: undefined,
        channelName: undefined,
        attempts,
        clientIp: caller.clientIp,
        requestBody: settings.log_bodies_enabled ? bodyForLog(request) : undefined,
      });

      // The billing session (reliability.md 2.1): reserve before any upstream call; refused requests are
      // reported (for the log) and answered with the reason.
      let reservation: Reservation;
      try {
        reservation = await deps.billing.reserve({
          requestId: ledgerId,
          userId: caller.userId,
          tokenId: caller.tokenId,
          tokenName: caller.tokenName,
          username: caller.username,
          group: caller.group,
          model: request.requestedModel,
          endpoint: request.endpoint,
          promptTokens,
          maxOutputTokens: maxOutputTokensOf(request),
          calls: callsOf(request),
        });
      } catch (error) {
        const refusal = isGatewayError(error)
          ? error
          : new GatewayError({
              code: 'database_unavailable',
              message: 'the gateway could not reserve this request\'s cost (database unavailable); retry shortly',
              retryAfterSeconds: 1,
              cause: error,
            });
        if (!isGatewayError(error)) deps.logger.error('reservation failed', { requestId: caller.requestId, error: String(error) });
        deps.onOutcome(unanswered(baseOutcome(), refusal.status, refusal.code, 'failed_before_output', startedAt));
        throw refusal;
      }
      /** Settles the reservation, then hands the outcome on with its cost: one call per request. */
      const finish = (outcome: RelayOutcome): void => {
        deps.billing.settle(reservation, { usage: outcome.usage, delivered: outcome.outputDelivered }).then(
          (settlement) => {
            outcome.cost = settlement.cost;
            outcome.billing = settlement;
            deps.onOutcome(outcome);
          },
          (error: unknown) => {
            // The hold stays open; recovery releases it after its deadline (a crash favours the customer).
            deps.logger.error('settlement failed; the hold is released by recovery', { requestId: caller.requestId, ledgerId, error: String(error) });
            deps.onOutcome(outcome);
          },
        );
      };

      for (let attempt = 0; attempt < maxAttempts; attempt++) {
        if (signal.aborted) break;
        // Past the request's total deadline no further channel is tried; the last failure is the answer.
        if (attempt > 0 && performance.now() >= deadline) break;
        const selection = await deps.router.select({
          group: caller.group,
          model: request.requestedModel,
          exclude,
          attempt,
          pinnedChannelId: caller.pinnedChannelId,
          affinityKey: caller.affinityKey,
          tokenId: caller.tokenId,
        });
        if (selection === undefined) break;
        sawCandidate = true;
        const { target } = selection;
        exclude.channelIds.add(target.channelId);
        exclude.keys.add(`${target.channelId}:${target.keyPosition}`);
        const attemptStarted = performance.now();
        const record = (status: number, errorCode: string | undefined, retryable: boolean | undefined): void => {
          attempts.push({
            channelId: target.channelId,
            channelName: target.channelName,
            keyPosition: target.keyPosition,
            upstreamModel: target.upstreamModel,
            status,
            errorCode,
            retryable,
            durationMs: Math.round(performance.now() - attemptStarted),
          });
        };

        const adapter = adapterFor(target.type);
        /**
         * A channel that cannot serve this endpoint at all (no adapter for its type, or a custom URL naming
         * another endpoint) is not a failed attempt: it is recorded, health is untouched, and it uses up no
         * retry (the attempt index stays, so the next pick comes from the same priority level).
         */
        const skipChannel = (error: UpstreamError): boolean => {
          record(0, error.code, true);
          lastFailure = { target, error };
          attempt--;
          skipped++;
          return skipped > MAX_SKIPPED_CHANNELS;
        };
        if (adapter === undefined || !adapter.endpoints.has(request.endpoint)) {
          const unsupported = new UpstreamError({
            status: 501,
            code: 'endpoint_not_supported',
            message: `channel type ${target.type} cannot serve ${request.endpoint} requests yet`,
            retryable: true,
            channelAtFault: false,
          });
          if (skipChannel(unsupported)) break;
          continue;
        }

        const answered = { ...baseOutcome(), upstreamModel: target.upstreamModel, channelId: target.channelId, channelName: target.channelName };
        const report = (fields: Pick<RelayOutcome, 'status' | 'endState' | 'errorCode' | 'usage' | 'partial' | 'firstTokenMs'>): void => {
          finish({ ...answered, ...fields, outputDelivered: true, cost: 0, billing: undefined, latencyMs: Math.round(performance.now() - startedAt) });
        };
        // Nothing is written to the client until the answer is committed: a stream's first event, a whole JSON
        // body read to its end, or a binary body's headers. Every failure before that is an ordinary failed
        // attempt, so the next channel may still answer (G9).
        let committed: Response;
        let wholeUsage: Usage | undefined;
        try {
          const response = await attemptOnce(request, target, adapter, signal, deadline - performance.now());
          if (request.stream && isEventStream(response.headers)) {
            committed = await openRelayStream({
              request,
              response,
              adapter,
              maxLineBytes: deps.config.streamMaxLineMb * 1024 * 1024,
              keepAliveMs: deps.config.keepAliveSeconds * 1000,
              commitBy: attemptStarted + timeouts(true, deadline - attemptStarted).firstByteTimeoutMs,
              promptTokens,
              onEnd: (end) =>
                report({
                  status: response.status,
                  endState: end.state,
                  errorCode: end.errorCode,
                  usage: end.usage,
                  partial: end.state !== 'completed',
                  firstTokenMs: end.firstTokenMs === undefined ? undefined : Math.round(end.firstTokenMs - startedAt),
                }),
            });
          } else {
            const whole = await answerWhole(request, response, adapter, promptTokens, (end) =>
              report({ status: response.status, endState: end.state, errorCode: end.errorCode, usage: end.usage, partial: end.state !== 'completed', firstTokenMs: undefined }),
            );
            committed = whole.response;
            wholeUsage = whole.usage;
          }
        } catch (error) {
          if (!isUpstreamError(error)) throw error;
          if (error.code === 'endpoint_not_supported') {
            if (skipChannel(error)) break;
            continue;
          }
          const classified = classify(error, target, settings);
          record(classified.status, classified.code, classified.retryable);
          deps.health.onFailure(target, classified, settings);
          if (classified.retryAfterMs !== undefined) deps.router.markUnavailable(target.channelId, deps.now() + classified.retryAfterMs);
          lastFailure = { target, error: classified };
          if (signal.aborted) break;
          if (!classified.retryable) break;
          continue;
        }

        record(committed.status, undefined, undefined);
        deps.router.rememberAffinity({ tokenId: caller.tokenId, affinityKey: caller.affinityKey, model: request.requestedModel, target });
        // A whole JSON answer is complete now; streams and binary bodies report when they end.
        if (wholeUsage !== undefined) {
          report({ status: committed.status, endState: 'completed', errorCode: undefined, usage: wholeUsage, partial: false, firstTokenMs: undefined });
        }
        return committed;
      }

      const failure = failureFor(request, sawCandidate, lastFailure, signal, deps.router.cooldownMs(caller.group, request.requestedModel));
      finish(
        unanswered(
          {
            ...baseOutcome(),
            upstreamModel: lastFailure?.target.upstreamModel,
            channelId: lastFailure?.target.channelId,
            channelName: lastFailure?.target.channelName,
          },
          failure.status,
          failure.code,
          signal.aborted ? 'client_gone' : 'failed_before_output',
          startedAt,
        ),
      );
      throw failure;
    },
  };
}

/** The outcome of a request that got no answer: nothing delivered, no usage, nothing charged. */
function unanswered(
  base: Omit<RelayOutcome, 'status' | 'endState' | 'errorCode' | 'usage' | 'partial' | 'latencyMs' | 'firstTokenMs' | 'outputDelivered' | 'cost' | 'billing'>,
  status: number,
  errorCode: string,
  endState: 'failed_before_output' | 'client_gone',
  startedAt: number,
): RelayOutcome {
  return {
    ...base,
    status,
    endState,
    errorCode,
    usage: emptyUsage(false),
    partial: false,
    outputDelivered: false,
    cost: 0,
    billing: undefined,
    latencyMs: Math.round(performance.now() - startedAt),
    firstTokenMs: undefined,
  };
}

/** Body logging (off by default): the JSON text, or a form's field names (never file contents), cut and redacted. */
function bodyForLog(request: RelayRequest): string {
  const text =
    request.body instanceof FormData
      ? `multipart fields: ${[...new Set(request.body.keys())].join(', ')}`
      : JSON.stringify(request.body);
  return redact(cutToBytes(text, LOG_BODY_BYTES));
}

/** Logged request bodies are cut to this many bytes (reliability.md 2.8.1). */
const LOG_BODY_BYTES = 4 * 1024;

/** The output limit the request set (`max_tokens` or its newer names), checked as an integer by the route. */
function maxOutputTokensOf(request: RelayRequest): number | undefined {
  if (request.body instanceof FormData) return undefined;
  const body = request.body;
  const value = body.max_tokens ?? body.max_completion_tokens ?? body.max_output_tokens;
  return typeof value === 'number' && Number.isInteger(value) && value > 0 ? value : undefined;
}

/** Units of a per-call price: `n` images for the image endpoints, one call otherwise. */
function callsOf(request: RelayRequest): number {
  if (request.endpoint !== 'images-generations' && request.endpoint !== 'images-edits') return 1;
  const value = request.body instanceof FormData ? Number(request.body.get('n') ?? 1) : (request.body.n ?? 1);
  return typeof value === 'number' && Number.isInteger(value) && value >= 1 && value <= 128 ? value : 1;
}

function isEventStream(headers: Headers): boolean {
  return (headers.get('content-type') ?? '').toLowerCase().includes('text/event-stream');
}

/** Transport failures that are the upstream being too slow: 504 Gateway Timeout rather than 502. */
const TIMEOUT_CODES: ReadonlySet<string> = new Set(['first_byte_timeout', 'idle_timeout', 'total_timeout']);

/** The error the client gets when no attempt produced an answer. */
function failureFor(
  request: RelayRequest,
  sawCandidate: boolean,
  lastFailure: FailedAttempt | undefined,
  signal: AbortSignal,
  cooldownMs: number | undefined,
): RelayFailure {
  if (signal.aborted) return new RelayFailure(499, 'client_gone', 'the client closed the request');
  if (!sawCandidate && cooldownMs !== undefined) {
    // Every channel for the model asked to be left alone (Retry-After): answer for them instead of calling.
    const seconds = Math.max(1, Math.ceil(cooldownMs / 1000));
    return new RelayFailure(503, 'channels_cooling_down', `every channel serving "${request.requestedModel}" is rate limited; retry after ${seconds} s`, seconds);
  }
  if (!sawCandidate || lastFailure === undefined) {
    return new RelayFailure(
      503,
      'model_not_available',
      `no enabled channel serves model "${request.requestedModel}" for this key's group; add one with: gateway channel add --models ${request.requestedModel} …`,
    );
  }
  const { error } = lastFailure;
  if (error.status === 0 && TIMEOUT_CODES.has(error.code)) {
    return new RelayFailure(504, error.code, `the upstream did not answer in time (${error.code}); try again later`);
  }
  if (error.status === 0) {
    return new RelayFailure(502, error.code, `the upstream gave no usable answer (${error.code}); try again later`);
  }
  if (error.channelAtFault !== false && (error.status === 401 || error.status === 403)) {
    // The client's gateway key is fine; the channel's provider key is not. A 401 would send the client
    // looking at its own key, so the operator's problem is reported as an unavailable upstream.
    return new RelayFailure(503, 'upstream_credentials_rejected', 'the upstream rejected the credentials of every channel tried; the operator has to fix the channel keys (see the gateway log)');
  }
  return new RelayFailure(error.status, error.code, error.message);
}

/** A failure rendered by the route in OpenAI's error shape with the upstream's status. */
export class RelayFailure extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    /** Sent as `Retry-After`. */
    readonly retryAfterSeconds?: number,
  ) {
    super(message);
    this.name = 'RelayFailure';
  }
}

interface WholeEnd {
  state: 'completed' | 'upstream_error' | 'client_gone';
  errorCode: string | undefined;
  usage: Usage;
}

/**
 * Hands a whole (non-stream) answer back. JSON answers are read to their end before anything is sent, to find
 * usage and so that a body cut short is a failed attempt (the next channel may answer) instead of a 200 with
 * broken JSON; their usage is returned. Other answers (speech audio) are passed through as they arrive and
 * reported through `ended` when they end.
 */
async function answerWhole(
  request: RelayRequest,
  response: DispatchResponse,
  adapter: ProviderAdapter,
  promptTokens: () => number,
  ended: (end: WholeEnd) => void,
): Promise<{ response: Response; usage: Usage | undefined }> {
  const contentType = response.headers.get('content-type');
  if (contentType === null || !contentType.toLowerCase().includes('json')) {
    const headers = new Headers();
    if (contentType !== null) headers.set('content-type', contentType);
    const body = observeBody(response, (state, errorCode) => ended({ state, errorCode, usage: estimateWhole(request, promptTokens, undefined) }));
    return { response: new Response(body, { status: response.status, headers }), usage: undefined };
  }
  const text = await readWholeBody(response, MAX_JSON_RESPONSE_BYTES);
  let usage: Usage | undefined;
  try {
    usage = adapter.readUsage(JSON.parse(text));
  } catch {
    usage = undefined;
  }
  return { response: new Response(text, { status: response.status, headers: { 'content-type': contentType } }), usage: usage ?? estimateWhole(request, promptTokens, text) };
}

/** Reads a body whole as UTF-8; a read failure or a body over `maxBytes` rejects with an UpstreamError. */
async function readWholeBody(response: DispatchResponse, maxBytes: number): Promise<string> {
  const next = chunkSource(response);
  const parts: Uint8Array[] = [];
  let total = 0;
  try {
    for (;;) {
      const chunk = await next();
      if (chunk === undefined) break;
      total += chunk.byteLength;
      if (total > maxBytes) {
        throw new UpstreamError({
          status: 0,
          code: 'bad_response_body',
          message: `the upstream answer is larger than ${Math.round(maxBytes / 1024 / 1024)} MiB`,
          retryable: false,
          channelAtFault: false,
        });
      }
      parts.push(chunk);
    }
  } catch (error) {
    response.cancel();
    if (isUpstreamError(error)) throw error;
    throw new UpstreamError({ status: 0, code: 'bad_response_body', message: 'the upstream answer could not be read', retryable: true, channelAtFault: false });
  }
  // One decode of the whole body (a code point split across chunks decodes as it would in a streaming decode).
  if (parts.length === 1) return utf8.decode(parts[0]);
  const whole = new Uint8Array(total);
  let offset = 0;
  for (const part of parts) {
    whole.set(part, offset);
    offset += part.byteLength;
  }
  return utf8.decode(whole);
}

const utf8 = new TextDecoder();

/**
 * The next non-empty chunk of a dispatched body, undefined at its end: the dispatcher's direct read when it has
 * one (no wrapper stream), else the body's reader. Empty chunks are skipped either way.
 */
function chunkSource(response: DispatchResponse): () => Promise<Uint8Array | undefined> {
  if (response.read !== undefined) return response.read.bind(response);
  const reader = response.body.getReader();
  return async () => {
    for (;;) {
      const result = await reader.read();
      if (result.done) return undefined;
      if (result.value.byteLength > 0) return result.value;
    }
  };
}

/** Passes a body through untouched and reports once how it ended. */
function observeBody(response: DispatchResponse, ended: (state: WholeEnd['state'], errorCode: string | undefined) => void): ReadableStream<Uint8Array> {
  const reader = response.body.getReader();
  let reported = false;
  const report = (state: WholeEnd['state'], errorCode: string | undefined): void => {
    if (reported) return;
    reported = true;
    ended(state, errorCode);
  };
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        try {
          const result = await reader.read();
          if (result.done) {
            report('completed', undefined);
            controller.close();
          } else {
            controller.enqueue(result.value);
          }
        } catch (error) {
          report('upstream_error', isUpstreamError(error) ? error.code : 'stream_failed');
          controller.error(error);
        }
      },
      cancel() {
        response.cancel();
        report('client_gone', 'client_gone');
      },
    },
    { highWaterMark: 0 },
  );
}

/** Local estimate when the upstream reported no usage: the prompt, plus the answer's text when there is one. */
function estimateWhole(request: RelayRequest, promptTokens: () => number, text: string | undefined): Usage {
  const usage = emptyUsage(true);
  usage.promptTokens = promptTokens();
  if (text !== undefined) usage.completionTokens = countText(request.requestedModel, answerText(text));
  usage.totalTokens = usage.promptTokens + usage.completionTokens;
  return usage;
}

/** The generated text of a chat or completions answer (content, reasoning and tool arguments). */
function answerText(json: string): string {
  let parsed: unknown;
  try {
    parsed = JSON.parse(json);
  } catch {
    return '';
  }
  const choices = (parsed as { choices?: unknown }).choices;
  if (!Array.isArray(choices)) return '';
  const parts: string[] = [];
  for (const choice of choices as { text?: unknown; message?: { content?: unknown; reasoning_content?: unknown; tool_calls?: unknown } }[]) {
    if (typeof choice.text === 'string') parts.push(choice.text);
    const message = choice.message;
    if (message === undefined) continue;
    if (typeof message.content === 'string') parts.push(message.content);
    if (typeof message.reasoning_content === 'string') parts.push(message.reasoning_content);
    if (Array.isArray(message.tool_calls)) {
      for (const call of message.tool_calls as { function?: { arguments?: unknown } }[]) {
        if (typeof call.function?.arguments === 'string') parts.push(call.function.arguments);
      }
    }
  }
  return parts.join('');
}

export type Pipeline = ReturnType<typeof createPipeline>;
