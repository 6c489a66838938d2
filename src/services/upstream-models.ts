/**
 * The model list an upstream offers (New API's "fetch models" button): `GET {base}/v1/models` for the OpenAI
 * family and Anthropic (https://platform.openai.com/docs/api-reference/models/list,
 * https://docs.anthropic.com/en/api/models-list), `GET {base}/v1beta/models` for Gemini
 * (https://ai.google.dev/api/models#method:-models.list). For a saved channel with its own key, or for a channel
 * being filled in (type, base URL and key from the form) — both through the one outbound client, so the
 * outbound guard, the channel's allow-private exception, redirects refused and the timeouts apply exactly as
 * for a relayed request. Nothing here calls fetch.
 *
 * A request that cannot be made (unknown type, a base URL the guard refuses) is the caller's error; whatever
 * the upstream answers (an error status, a connection failure, a private address behind a public name) is a
 * result with `ok: false`, its message redacted of the key, as `gateway channel test` reports it.
 */
import type { Config } from '../config/schema.ts';
import { invalidArgument } from '../errors/gateway-error.ts';
import { type Dispatcher, readBodyText } from '../relay/dispatch.ts';
import { isUpstreamError } from '../relay/errors.ts';
import { ANTHROPIC_VERSION } from '../relay/providers/anthropic.ts';
import { trimBaseUrl, versionedBaseUrl } from '../relay/providers/openai-url.ts';
import { adapterFor } from '../relay/providers/registry.ts';
import type { UpstreamRequest } from '../relay/types.ts';
import { redact } from '../security/redact.ts';
import type { ChannelKind } from './channel-types.ts';
import { normalizeAllowPrivate, normalizeKeys, normalizeKind, resolveBaseUrl } from './channel-validation.ts';
import type { ChannelService } from './channels.ts';

export interface UpstreamModelsResult {
  readonly ok: boolean;
  /** Model ids, sorted, without duplicates; empty when the request failed. */
  readonly models: string[];
  /** The upstream's HTTP status; 0 when no answer came. */
  readonly status: number;
  readonly errorCode: string | null;
  /** Why it failed, with the key redacted; null when it worked. */
  readonly message: string | null;
  readonly latencyMs: number | null;
}

export interface UpstreamProbe {
  type: string;
  baseUrl?: string;
  key: string;
  allowPrivate?: string;
}

export interface UpstreamModelService {
  /** The list of a saved channel, asked with its first enabled key (or the key at `keyPosition`). */
  ofChannel(ref: string, keyPosition?: number): Promise<UpstreamModelsResult>;
  /** The list of a channel not saved yet; the values are checked as `channel add` checks them. */
  probe(input: UpstreamProbe): Promise<UpstreamModelsResult>;
}

export interface UpstreamModelDeps {
  readonly dispatcher: Dispatcher;
  readonly channels: Pick<ChannelService, 'get' | 'decryptKeys'>;
  readonly config: Pick<Config, 'firstByteTimeoutSeconds' | 'relayTimeoutSeconds'>;
}

/** A model list is a few hundred KB at most (OpenRouter lists ~400 models with descriptions). */
const ANSWER_BODY_BYTES = 8 * 1024 * 1024;
const ERROR_BODY_BYTES = 8 * 1024;
const MAX_MODELS = 5000;
const MAX_MODEL_LENGTH = 256;
/** Nobody waits a relay deadline for a list. */
const MAX_TOTAL_MS = 30_000;
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;

/** The request that lists models for a channel type, or undefined when the type has no such list. */
export function modelListRequest(kind: ChannelKind, baseUrl: string, key: string): UpstreamRequest | undefined {
  switch (kind) {
    case 'azure':
    // Azure lists deployments only through its management API; an Azure channel's models are deployment names.
    case 'custom':
      // A custom channel's base URL is one full endpoint, not an API root.
      return undefined;
    case 'anthropic':
      return {
        url: `${versionedBaseUrl(baseUrl)}/models?limit=1000`,
        method: 'GET',
        headers: { 'x-api-key': key, 'anthropic-version': ANTHROPIC_VERSION, accept: 'application/json' },
        body: undefined,
      };
    case 'gemini': {
      const base = trimBaseUrl(baseUrl);
      const root = /\/v1(?:alpha|beta)?$/.test(base) ? base : `${base}/v1beta`;
      // The key goes in a header, never as `?key=`: URLs reach logs and error messages.
      return { url: `${root}/models?pageSize=1000`, method: 'GET', headers: { 'x-goog-api-key': key, accept: 'application/json' }, body: undefined };
    }
    default:
      return { url: `${versionedBaseUrl(baseUrl)}/models`, method: 'GET', headers: { Authorization: `Bearer ${key}`, accept: 'application/json' }, body: undefined };
  }
}

/** Model ids from a list answer: OpenAI's and Anthropic's `data[].id`, Gemini's `models[].name` without `models/`. */
export function readModelIds(json: unknown): string[] | undefined {
  if (json === null || typeof json !== 'object') return undefined;
  const record = json as Record<string, unknown>;
  const entries = Array.isArray(record.data) ? record.data : Array.isArray(record.models) ? record.models : undefined;
  if (entries === undefined) return undefined;
  const ids = new Set<string>();
  for (const entry of entries) {
    if (entry === null || typeof entry !== 'object') continue;
    const item = entry as Record<string, unknown>;
    const raw = typeof item.id === 'string' ? item.id : typeof item.name === 'string' ? item.name.replace(/^models\//, '') : undefined;
    const id = raw?.trim();
    if (id === undefined || id === '' || id.length > MAX_MODEL_LENGTH || CONTROL.test(id) || id.includes(',')) continue;
    ids.add(id);
    if (ids.size >= MAX_MODELS) break;
  }
  return [...ids].sort();
}

export function createUpstreamModelService(deps: UpstreamModelDeps): UpstreamModelService {
  async function fetchList(kind: ChannelKind, baseUrl: string, key: string, allowPrivate: string | undefined): Promise<UpstreamModelsResult> {
    const request = modelListRequest(kind, baseUrl, key);
    if (request === undefined) {
      throw invalidArgument('type', `a ${kind} channel has no model list to fetch; type its model${kind === 'azure' ? ' (deployment)' : ''} names`);
    }
    const adapter = adapterFor(kind);
    const totalMs = Math.min(deps.config.relayTimeoutSeconds * 1000, MAX_TOTAL_MS);
    const failed = (status: number, errorCode: string, message: string, latencyMs: number | null): UpstreamModelsResult => ({
      ok: false,
      models: [],
      status,
      errorCode,
      message: redact(message, [key]),
      latencyMs,
    });
    const startedAt = performance.now();
    const elapsed = (): number => Math.round(performance.now() - startedAt);
    try {
      const response = await deps.dispatcher.dispatch(request, {
        allowPrivate,
        firstByteTimeoutMs: Math.min(deps.config.firstByteTimeoutSeconds * 1000, totalMs),
        idleTimeoutMs: totalMs,
        totalTimeoutMs: totalMs,
      });
      if (response.status < 200 || response.status > 299) {
        const text = await readBodyText(response.body, ERROR_BODY_BYTES);
        const error = adapter.parseError(response.status, response.headers, text, { secrets: [key] });
        return failed(error.status, error.code, error.message, elapsed());
      }
      const text = await readBodyText(response.body, ANSWER_BODY_BYTES);
      let json: unknown;
      try {
        json = JSON.parse(text);
      } catch {
        return failed(response.status, 'bad_response_body', "the upstream answered 2xx but not with a JSON model list; check the channel's base URL", elapsed());
      }
      const models = readModelIds(json);
      if (models === undefined) return failed(response.status, 'bad_response_body', "the upstream's answer has no model list (data or models); check the base URL and type", elapsed());
      return { ok: true, models, status: response.status, errorCode: null, message: null, latencyMs: elapsed() };
    } catch (error) {
      if (isUpstreamError(error)) return failed(error.status, error.code, error.message, elapsed());
      return failed(0, 'fetch_failed', error instanceof Error ? error.message : String(error), elapsed());
    }
  }

  return {
    async ofChannel(ref, keyPosition) {
      const view = await deps.channels.get(ref);
      const kind = normalizeKind(view.type);
      const position = keyPosition ?? view.keys.find((key) => key.status === 'enabled')?.position ?? view.keys[0]?.position;
      const keys = await deps.channels.decryptKeys(view.id);
      const key = position === undefined ? undefined : keys[position];
      if (key === undefined) {
        throw invalidArgument('key_position', `channel "${view.name}" has no key${position === undefined ? '' : ` #${position}`}; add one first`);
      }
      return fetchList(kind, view.baseUrl, key, view.allowPrivate ?? undefined);
    },

    async probe(input) {
      const kind = normalizeKind(input.type);
      const allowPrivate = input.allowPrivate === undefined ? null : normalizeAllowPrivate(input.allowPrivate);
      const baseUrl = resolveBaseUrl(kind, input.baseUrl, allowPrivate);
      const [key] = normalizeKeys([input.key]);
      return fetchList(kind, baseUrl, key as string, allowPrivate ?? undefined);
    },
  };
}
