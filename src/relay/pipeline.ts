/**
 * The relay pipeline for OpenAI-shaped requests: choose a channel, reserve the request's cost (the billing
 * session), build the upstream request with the channel's adapter, dispatch it, fail over while nothing has
 * reached the client, then hand the answer back (streamed chunk by chunk by stream/relay-stream.ts, or whole by
 * whole-answer.ts), settle, and report one outcome. The error for a request no attempt answered is chosen in
 * failure.ts.
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
import type { AuthResult } from './auth.ts';
import { parseStatusRanges, type Settings, statusInRanges } from '../services/settings.ts';
import { estimatePromptTokens, quickPromptEstimate } from '../tokenizer/count.ts';
import type { Dispatcher, DispatchResponse } from './dispatch.ts';
import { readBodyText } from './dispatch.ts';
import { ClientInputError, endpointNotSupported, isUpstreamError, UpstreamError } from './errors.ts';
import { type FailedAttempt, failureFor, type OutcomeBase, unanswered } from './failure.ts';
import type { ChannelHealth } from './health.ts';
import type { ImageInliner } from './inline-images.ts';
import type { AttemptRecord, OutcomeSink, RelayOutcome } from './outcome.ts';
import { adapterFor } from './providers/registry.ts';
import type { Router } from './router.ts';
import { openPassthroughStream } from './passthrough/stream.ts';
import { answerPassthroughWhole } from './passthrough/whole.ts';
import { openRelayStream, type StreamEnd } from './stream/relay-stream.ts';
import type { ChannelTarget, JsonBody, NativeCapability, NativeRequest, ProviderAdapter, RelayRequest, Usage } from './types.ts';
import { answerWhole } from './whole-answer.ts';

/** Error bodies from upstreams are read up to this size (then redacted and cut by the adapter). */
const ERROR_BODY_BYTES = 8 * 1024;
/** Channels skipped because their type cannot serve the endpoint; they do not use up retries. */
const MAX_SKIPPED_CHANNELS = 32;

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
  /** Fetches image URLs for channels that take images inline (the adapter's `inlineImages`). */
  readonly images: ImageInliner;
  /** The most output tokens a model may be asked for, when the price list knows it (`--max-output-tokens`). */
  readonly outputLimit?: (model: string) => number | undefined;
}

/** What the pipeline answers: the client's Response, and whether it already is in the client's own dialect. */
export interface RelayAnswer {
  readonly response: Response;
  /**
   * True when the attempt that answered took the client's request raw (`request.native`, a channel of the same
   * dialect): the body is the upstream's, untouched, and goes back as it is. False: the hub's (OpenAI) answer.
   */
  readonly native: boolean;
}

/** The passthrough of one attempt: the client's request and the channel's way of forwarding it. */
interface Passthrough {
  readonly capability: NativeCapability;
  readonly native: NativeRequest;
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

/** The caller of a relay route, from its key's authentication and the request around it. */
export function relayCallerOf(
  auth: Pick<AuthResult, 'tokenId' | 'tokenName' | 'userId' | 'username' | 'group' | 'pinnedChannelId'>,
  request: { requestId: string; clientIp: string | undefined; affinityKey: string | undefined },
): RelayCaller {
  return {
    requestId: request.requestId,
    tokenId: auth.tokenId,
    tokenName: auth.tokenName,
    userId: auth.userId,
    username: auth.username,
    group: auth.group,
    pinnedChannelId: auth.pinnedChannelId,
    clientIp: request.clientIp,
    affinityKey: request.affinityKey,
  };
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
    passthrough?: Passthrough,
  ): Promise<DispatchResponse> {
    const upstream =
      passthrough !== undefined
        ? passthrough.capability.buildRequest(request, passthrough.native, target)
        : adapter.buildRequest(await deps.images.prepare(convertedOutputLimit(request, adapter, target), adapter, target, { signal, remainingMs }), target);
    const response = await deps.dispatcher.dispatch(upstream, {
      allowPrivate: target.allowPrivate,
      signal,
      ...timeouts(request.stream, remainingMs),
    });
    if (response.status >= 200 && response.status < 300) return response;
    const text = await readBodyText(response.body, ERROR_BODY_BYTES);
    throw adapter.parseError(response.status, response.headers, text, { secrets: [target.key], now: deps.now() });
  }

  /**
   * A request converted between dialects (Claude Code's `max_tokens: 32000` on a DeepSeek or gpt-4o-mini channel,
   * an OpenAI client on a Claude channel) asks for as many output tokens as the client's own model takes: the
   * limit is brought down to the channel's model's maximum when the price list knows it, instead of the
   * upstream's 400. A request in the channel's own dialect is left as sent.
   */
  const convertedOutputLimit = (request: RelayRequest, adapter: ProviderAdapter, target: ChannelTarget): RelayRequest => {
    if (request.body instanceof FormData || deps.outputLimit === undefined) return request;
    if (request.native === undefined && adapter.translate?.(request, target) === undefined) return request;
    const limit = deps.outputLimit(target.upstreamModel);
    if (limit === undefined) return request;
    let body: JsonBody | undefined;
    for (const field of ['max_tokens', 'max_completion_tokens'] as const) {
      const value = request.body[field];
      if (typeof value === 'number' && value > limit) {
        body ??= { ...request.body };
        body[field] = limit;
      }
    }
    return body === undefined ? request : { ...request, body };
  };

  return {
    async relay(request: RelayRequest, caller: RelayCaller, signal: AbortSignal): Promise<RelayAnswer> {
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
      // Counted with the encoding at most once, and only for a local usage estimate (the upstream reported
      // none); the hold is sized with the quick estimate, so a process whose upstreams report usage never
      // loads the encoding tables.
      let promptEstimate: number | undefined;
      const promptTokens = (): number => {
        promptEstimate ??= estimatePromptTokens(request.requestedModel, request.body, request.endpoint);
        return promptEstimate;
      };

      const baseOutcome = (): OutcomeBase => ({
        requestId: caller.requestId,
        ledgerId,
        endpoint: request.clientEndpoint ?? request.endpoint,
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
          promptTokens: () => quickPromptEstimate(request.body, request.endpoint),
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
            ...(passthrough === undefined ? {} : { passthrough: true as const }),
          });
        };

        const adapter = adapterFor(target.type);
        // Decided per attempt: the client's own dialect goes raw to a channel that speaks it, converted to others.
        const passthrough = passthroughFor(request, adapter, target);
        /**
         * A channel that cannot serve this endpoint at all (its type does not offer it, or a custom URL naming
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
        if (passthrough === undefined && !adapter.endpoints.has(request.endpoint)) {
          if (skipChannel(endpointNotSupported(`channel type ${target.type} cannot serve ${request.endpoint} requests`))) break;
          continue;
        }
        const refusal = request.native?.refusal;
        if (passthrough === undefined && refusal !== undefined) {
          // The body holds what only its own dialect's upstreams take: this channel would need it converted.
          // The refusal is the answer only when no raw attempt failed for a reason of its own.
          const earlier = lastFailure;
          const stop = skipChannel(new UpstreamError({ status: refusal.status, code: refusal.code, message: refusal.message, retryable: true, channelAtFault: false }));
          if (earlier !== undefined) lastFailure = earlier;
          if (stop) break;
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
          const response = await attemptOnce(request, target, adapter, signal, deadline - performance.now(), passthrough);
          const onStreamEnd = (end: StreamEnd): void =>
            report({
              status: response.status,
              endState: end.state,
              errorCode: end.errorCode,
              usage: end.usage,
              partial: end.state !== 'completed',
              firstTokenMs: end.firstTokenMs === undefined ? undefined : Math.round(end.firstTokenMs - startedAt),
            });
          // Native answers (Anthropic, Gemini) are converted to the hub's; OpenAI-format ones pass through.
          const translation = passthrough === undefined ? adapter.translate?.(request, target) : undefined;
          if (passthrough !== undefined && request.stream && isEventStream(response.headers)) {
            // The client's own dialect: the upstream's events go back byte for byte, usage observed on the side.
            committed = await openPassthroughStream({
              request,
              response,
              native: passthrough.capability,
              target,
              maxLineBytes: deps.config.streamMaxLineMb * 1024 * 1024,
              keepAliveMs: deps.config.keepAliveSeconds * 1000,
              commitBy: attemptStarted + timeouts(true, deadline - attemptStarted).firstByteTimeoutMs,
              promptTokens,
              onEnd: onStreamEnd,
            });
          } else if (passthrough !== undefined) {
            const whole = await answerPassthroughWhole(request, response, passthrough.capability, target, promptTokens);
            committed = whole.response;
            wholeUsage = whole.usage;
          } else if (request.stream && isEventStream(response.headers)) {
            committed = await openRelayStream({
              request,
              response,
              adapter,
              maxLineBytes: deps.config.streamMaxLineMb * 1024 * 1024,
              keepAliveMs: deps.config.keepAliveSeconds * 1000,
              commitBy: attemptStarted + timeouts(true, deadline - attemptStarted).firstByteTimeoutMs,
              promptTokens,
              translation,
              onEnd: onStreamEnd,
            });
          } else {
            const whole = await answerWhole(request, response, adapter, promptTokens, (end) =>
              report({ status: response.status, endState: end.state, errorCode: end.errorCode, usage: end.usage, partial: end.state !== 'completed', firstTokenMs: undefined }),
              translation,
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
          if (error instanceof ClientInputError) {
            // The client's input (an image URL that could not be fetched): no channel would do better, none is at fault.
            record(error.status, error.code, false);
            lastFailure = { target, error };
            break;
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
        return { response: committed, native: passthrough !== undefined };
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

/**
 * Body logging (off by default): the JSON text — the client's own for a request in a native dialect — or a
 * form's field names (never file contents), cut and redacted.
 */
function bodyForLog(request: RelayRequest): string {
  const text =
    request.native !== undefined
      ? request.native.text
      : request.body instanceof FormData
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

/** The passthrough of an attempt whose channel speaks the client's own dialect; undefined when it must be converted. */
function passthroughFor(request: RelayRequest, adapter: ProviderAdapter, target: ChannelTarget): Passthrough | undefined {
  const native = request.native;
  const capability = adapter.native;
  if (native === undefined || capability === undefined || !capability.accepts(native, target)) return undefined;
  return { capability, native };
}

function isEventStream(headers: Headers): boolean {
  return (headers.get('content-type') ?? '').toLowerCase().includes('text/event-stream');
}

export type Pipeline = ReturnType<typeof createPipeline>;
