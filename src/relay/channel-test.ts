/**
 * Channel tests (domain.md 4.6): one real, minimal request to a channel with one of its keys — a chat
 * completion of "hi" capped at 16 tokens, or an embedding of "hello world" for embedding models — built by the
 * channel's own adapter and sent through the one outbound client, so a test exercises exactly what a relayed
 * request would (outbound guard, the channel's private exception, timeouts, error mapping).
 *
 * The result is recorded on the channel (`response_time_ms`, `tested_at`). A passing test re-enables a channel
 * the gateway auto-disabled when the setting `auto_enable_enabled` is on; a channel an operator disabled is
 * tested on request but never re-enabled (domain.md 4.5).
 */
import type { Clock } from '../clock.ts';
import type { Config } from '../config/schema.ts';
import type { Store } from '../db/client.ts';
import { findChannelById, listChannelKeys } from '../db/repos/channels.ts';
import { invalidArgument } from '../errors/gateway-error.ts';
import type { Cipher } from '../security/crypto.ts';
import { redact } from '../security/redact.ts';
import type { ChannelHealthService } from '../services/channel-health.ts';
import { isChannelKind } from '../services/channel-types.ts';
import type { ChannelService, ChannelStatus, ChannelView } from '../services/channels.ts';
import { followModelChain } from '../services/model-aliases.ts';
import type { SettingsService } from '../services/settings.ts';
import { type Dispatcher, readBodyText } from './dispatch.ts';
import { isUpstreamError } from './errors.ts';
import { asRecord } from './json-record.ts';
import { adapterFor } from './providers/registry.ts';
import { isGpt5Model, isOSeriesModel, parseReasoningSuffix } from './providers/reasoning-suffix.ts';
import type { ChannelTarget, JsonBody, ProviderAdapter, RelayRequest } from './types.ts';

export interface ChannelTestDeps {
  readonly store: Store;
  readonly cipher: Pick<Cipher, 'decrypt'>;
  readonly clock: Clock;
  readonly config: Pick<Config, 'firstByteTimeoutSeconds' | 'streamingTimeoutSeconds' | 'relayTimeoutSeconds'>;
  readonly channels: Pick<ChannelService, 'get'>;
  readonly settings: Pick<SettingsService, 'current'>;
  readonly dispatcher: Dispatcher;
  readonly health: Pick<ChannelHealthService, 'recordTest' | 'autoEnable'>;
}

export interface ChannelTestOptions {
  /** Model to test; default the channel's test model, else its first model. */
  readonly model?: string;
  /** Key to test; default the first enabled key, else the first auto-disabled one, else key 0. */
  readonly keyPosition?: number;
  /** Aborts the upstream call (the periodic tester stopping); an aborted test is not recorded. */
  readonly signal?: AbortSignal;
}

export type ChannelTestEndpoint = 'chat-completions' | 'embeddings';

export interface ChannelTestResult {
  readonly channelId: number;
  readonly channelName: string;
  /** The model tested (the channel's model mapping gives `upstreamModel`). */
  readonly model: string;
  readonly upstreamModel: string;
  readonly endpoint: ChannelTestEndpoint;
  /** The key tested; null when the channel has none. */
  readonly keyPosition: number | null;
  readonly ok: boolean;
  /** From sending the request to the end of the answer; null when nothing was sent. */
  readonly latencyMs: number | null;
  /** The upstream's HTTP status; 0 when no answer came (connection failure, timeout, nothing sent). */
  readonly status: number;
  readonly errorCode: string | null;
  /** Why the test failed, with the channel key redacted; null when it passed. */
  readonly message: string | null;
  /** The test brought an auto-disabled channel (or key) back into routing. */
  readonly reEnabled: boolean;
}

/** domain.md 4.6: the last resort when the channel names no model at all. */
const FALLBACK_TEST_MODEL = 'gpt-4o-mini';
const TEST_MAX_TOKENS = 16;
/** Error bodies are cut here before the adapter redacts them (the same size the relay reads). */
const ERROR_BODY_BYTES = 8 * 1024;
/** A chat answer of 16 tokens or one embedding is far smaller; more than this is not a sane test answer. */
const ANSWER_BODY_BYTES = 4 * 1024 * 1024;

/** What a test needs to know about the channel, read once per run. */
interface ChannelSubject {
  readonly view: ChannelView;
  /** Provider settings (`api_version` for Azure …), as the routing index gives them to adapters. */
  readonly providerSettings: Readonly<Record<string, unknown>>;
  readonly keys: readonly { readonly position: number; readonly status: ChannelStatus; readonly ciphertext: string }[];
}

interface Attempt {
  readonly ok: boolean;
  readonly status: number;
  readonly errorCode: string | null;
  readonly message: string | null;
}

/** Tests one key of a channel (`ref` is an id or a name) and records the result. */
export async function testChannel(deps: ChannelTestDeps, ref: string | number, options: ChannelTestOptions = {}): Promise<ChannelTestResult> {
  const subject = await loadSubject(deps, ref);
  const position = options.keyPosition ?? defaultKeyPosition(subject);
  if (options.keyPosition !== undefined && !subject.keys.some((key) => key.position === options.keyPosition)) {
    const positions = subject.keys.map((key) => key.position).join(', ');
    throw invalidArgument('keyPosition', `channel "${subject.view.name}" has no key #${options.keyPosition} (its keys: ${positions || 'none'}); see them with: gateway channel show ${subject.view.id}`);
  }
  const result = await probe(deps, subject, position, options);
  const [finished] = await reEnableIfRecovered(deps, subject, [result], options.signal);
  return finished ?? result;
}

/** Tests every key of a channel, one after another, in position order. */
export async function testChannelKeys(deps: ChannelTestDeps, ref: string | number, options: Omit<ChannelTestOptions, 'keyPosition'> = {}): Promise<ChannelTestResult[]> {
  const subject = await loadSubject(deps, ref);
  const positions = subject.keys.length === 0 ? [undefined] : subject.keys.map((key) => key.position);
  const results: ChannelTestResult[] = [];
  for (const position of positions) {
    if (options.signal?.aborted === true) break;
    results.push(await probe(deps, subject, position, options));
  }
  return reEnableIfRecovered(deps, subject, results, options.signal);
}

/** The model a test uses: the caller's, else the channel's test model, else its first model. */
export function testModelFor(view: Pick<ChannelView, 'testModel' | 'models'>, requested?: string): string {
  const chosen = [requested, view.testModel ?? undefined, view.models[0]].find((name) => name !== undefined && name.trim() !== '');
  return chosen?.trim() ?? FALLBACK_TEST_MODEL;
}

/** Embedding models are tested on `/v1/embeddings`; the rest with a chat completion. */
export function testEndpointFor(model: string): ChannelTestEndpoint {
  return /embedding/i.test(model) ? 'embeddings' : 'chat-completions';
}

/**
 * The smallest request that proves the channel answers. o-series and gpt-5 models refuse `max_tokens`
 * ("not compatible with o-series models": https://platform.openai.com/docs/api-reference/chat/create#chat-create-max_tokens).
 */
export function testBodyFor(endpoint: ChannelTestEndpoint, upstreamModel: string): JsonBody {
  if (endpoint === 'embeddings') return { input: 'hello world' };
  const family = parseReasoningSuffix(upstreamModel).model;
  const limit = isOSeriesModel(family) || isGpt5Model(family) ? 'max_completion_tokens' : 'max_tokens';
  return { messages: [{ role: 'user', content: 'hi' }], [limit]: TEST_MAX_TOKENS };
}

async function loadSubject(deps: ChannelTestDeps, ref: string | number): Promise<ChannelSubject> {
  const view = await deps.channels.get(String(ref));
  const row = await findChannelById(deps.store, deps.store.db, view.id);
  const rows = await listChannelKeys(deps.store, deps.store.db, [view.id]);
  const statusOf = (position: number): ChannelStatus => view.keys.find((key) => key.position === position)?.status ?? 'enabled';
  return {
    view,
    providerSettings: parseSettings(row?.settings),
    keys: rows.map((key) => ({ position: key.position, status: statusOf(key.position), ciphertext: key.keyCiphertext })),
  };
}

function parseSettings(text: string | undefined): Readonly<Record<string, unknown>> {
  if (text === undefined) return {};
  try {
    return asRecord(JSON.parse(text)) ?? {};
  } catch {
    return {};
  }
}

/** An enabled key proves the channel works as routed; without one, an auto-disabled key may prove it recovered. */
function defaultKeyPosition(subject: ChannelSubject): number | undefined {
  return (
    subject.keys.find((key) => key.status === 'enabled')?.position ??
    subject.keys.find((key) => key.status === 'auto-disabled')?.position ??
    subject.keys[0]?.position
  );
}

async function probe(deps: ChannelTestDeps, subject: ChannelSubject, position: number | undefined, options: ChannelTestOptions): Promise<ChannelTestResult> {
  const { view } = subject;
  const model = testModelFor(view, options.model);
  const upstreamModel = followModelChain((name) => view.modelMapping[name], model);
  const endpoint = testEndpointFor(model);
  const base = { channelId: view.id, channelName: view.name, model, upstreamModel, endpoint, keyPosition: position ?? null, reEnabled: false };
  // Nothing is sent for these, so there is no latency to record either.
  const refuse = (errorCode: string, message: string): ChannelTestResult => ({ ...base, ok: false, latencyMs: null, status: 0, errorCode, message });

  if (!isChannelKind(view.type)) {
    return refuse('unsupported_channel_type', `channel type ${view.type} cannot be tested: the stored type "${view.type}" is unknown`);
  }
  const adapter = adapterFor(view.type);
  if (!adapter.endpoints.has(endpoint)) {
    return refuse('unsupported_endpoint', `channel type ${view.type} does not serve ${endpoint}; test another model with --model`);
  }
  const key = subject.keys.find((candidate) => candidate.position === position);
  if (key === undefined) return refuse('no_key', `channel "${view.name}" has no key; add one with: gateway channel update ${view.id} --key -`);
  let plaintext: string;
  try {
    plaintext = deps.cipher.decrypt(key.ciphertext, `channel_keys:${view.id}:${key.position}`);
  } catch {
    return refuse(
      'key_undecryptable',
      `key #${key.position} of channel "${view.name}" cannot be decrypted with this master key; set GATEWAY_SECRET to the original key, or replace the keys with: gateway channel update ${view.id} --key -`,
    );
  }

  const target: ChannelTarget = {
    channelId: view.id,
    channelName: view.name,
    type: view.type,
    baseUrl: view.baseUrl,
    key: plaintext,
    keyPosition: key.position,
    upstreamModel,
    settings: subject.providerSettings,
    allowPrivate: view.allowPrivate ?? undefined,
  };
  const request: RelayRequest = {
    endpoint,
    requestedModel: model,
    body: testBodyFor(endpoint, upstreamModel),
    stream: false,
    clientWantsStreamUsage: false,
  };
  // The latency is a duration, so it comes from the monotonic timer, not from the (injectable) wall clock.
  const startedAt = performance.now();
  const attempt = await send(deps, adapter, request, target, options.signal);
  const latencyMs = Math.round(performance.now() - startedAt);
  const result: ChannelTestResult = {
    ...base,
    ...attempt,
    latencyMs,
    // Adapters redact the key from upstream messages; this also covers transport messages and upstreams that
    // echo the key in a form the adapter did not recognise.
    message: attempt.message === null ? null : redact(attempt.message, [plaintext]),
  };
  // A test cut short by a shutdown says nothing about the channel.
  if (options.signal?.aborted !== true) await deps.health.recordTest(view.id, { ok: result.ok, latencyMs });
  return result;
}

async function send(deps: ChannelTestDeps, adapter: ProviderAdapter, request: RelayRequest, target: ChannelTarget, signal: AbortSignal | undefined): Promise<Attempt> {
  const totalMs = deps.config.relayTimeoutSeconds * 1000;
  try {
    const upstream = adapter.buildRequest(request, target);
    const response = await deps.dispatcher.dispatch(upstream, {
      allowPrivate: target.allowPrivate,
      signal,
      // A non-stream answer's headers arrive with the whole answer. A channel that cannot say "hi" within the
      // first-byte timeout would fail streaming requests over anyway, so the test is not allowed the full deadline.
      firstByteTimeoutMs: Math.min(deps.config.firstByteTimeoutSeconds * 1000, totalMs),
      idleTimeoutMs: deps.config.streamingTimeoutSeconds * 1000,
      totalTimeoutMs: totalMs,
    });
    if (response.status < 200 || response.status > 299) {
      const text = await readBodyText(response.body, ERROR_BODY_BYTES);
      const error = adapter.parseError(response.status, response.headers, text, { secrets: [target.key], now: deps.clock.now() });
      return { ok: false, status: error.status, errorCode: error.code, message: error.message };
    }
    const text = await readBodyText(response.body, ANSWER_BODY_BYTES);
    const problem = answerProblem(request.endpoint, hubAnswer(adapter, request, target, text));
    if (problem !== undefined) return { ok: false, status: response.status, errorCode: 'bad_response_body', message: problem };
    return { ok: true, status: response.status, errorCode: null, message: null };
  } catch (error) {
    if (isUpstreamError(error)) return { ok: false, status: error.status, errorCode: error.code, message: error.message };
    // An adapter refusing the channel's settings (a bad header value …) is a failed test, not a crash of the run.
    return { ok: false, status: 0, errorCode: 'test_failed', message: error instanceof Error ? error.message : String(error) };
  }
}

/** A native answer (Anthropic, Gemini) in the hub's format, so that one shape check serves every channel type. */
function hubAnswer(adapter: ProviderAdapter, request: RelayRequest, target: ChannelTarget, text: string): string {
  const translation = adapter.translate?.(request, target);
  if (translation === undefined) return text;
  let native: unknown;
  try {
    native = JSON.parse(text);
  } catch {
    return text;
  }
  const record = asRecord(native);
  return record === undefined ? text : JSON.stringify(translation.response(record));
}

/**
 * A 200 is not enough: a base URL pointing at a web page or a proxy's login screen answers 200 too. The answer
 * must have the shape of the endpoint's reply (`choices` for chat, `data` for embeddings).
 */
function answerProblem(endpoint: RelayRequest['endpoint'], text: string): string | undefined {
  const field = endpoint === 'embeddings' ? 'data' : 'choices';
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return `the upstream answered 2xx but not with JSON; check the channel's base URL`;
  }
  if (!Array.isArray(asRecord(parsed)?.[field])) return `the upstream answered 2xx without a "${field}" list; check the channel's base URL and type`;
  return undefined;
}

/**
 * Re-enables the channel after a passing test when it (or the tested key) was auto-disabled, the setting is on
 * and no operator disabled it. `autoEnable` lifts every auto-disabled key of the channel, so it is not called
 * when a key that was auto-disabled failed again in this run: that key must stay out.
 */
async function reEnableIfRecovered(
  deps: ChannelTestDeps,
  subject: ChannelSubject,
  results: readonly ChannelTestResult[],
  signal: AbortSignal | undefined,
): Promise<ChannelTestResult[]> {
  const { view } = subject;
  if (signal?.aborted === true || view.status === 'disabled' || !results.some((result) => result.ok)) return [...results];
  const autoDisabled = new Set(subject.keys.filter((key) => key.status === 'auto-disabled').map((key) => key.position));
  const wasDown = (result: ChannelTestResult): boolean => result.keyPosition !== null && autoDisabled.has(result.keyPosition);
  if (results.some((result) => !result.ok && wasDown(result))) return [...results];
  const recovered = view.status === 'auto-disabled' || results.some((result) => result.ok && wasDown(result));
  if (!recovered || !(await deps.settings.current()).auto_enable_enabled) return [...results];
  const reEnabled = await deps.health.autoEnable(view.id);
  return results.map((result) => ({ ...result, reEnabled: reEnabled && result.ok }));
}
