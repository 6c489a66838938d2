/**
 * Upstream URLs for the OpenAI family. Base URLs come from the channel, never from the request body
 * (reliability.md 2.3.5); a model name that lands in a URL path is encoded as one path segment.
 */
import { UpstreamError } from '../errors.ts';
import type { Endpoint } from '../types.ts';

/** Paths below the API version (https://platform.openai.com/docs/api-reference); rerank is Jina's / Cohere's. */
export const openaiPaths: Readonly<Record<Endpoint, string>> = {
  'chat-completions': '/chat/completions',
  completions: '/completions',
  embeddings: '/embeddings',
  moderations: '/moderations',
  'images-generations': '/images/generations',
  'images-edits': '/images/edits',
  'audio-speech': '/audio/speech',
  'audio-transcriptions': '/audio/transcriptions',
  'audio-translations': '/audio/translations',
  rerank: '/rerank',
  responses: '/responses',
};

/** `https://host/api/` → `https://host/api`. */
export function trimBaseUrl(baseUrl: string): string {
  return baseUrl.trim().replace(/\/+$/, '');
}

/**
 * The versioned API root: `https://api.openai.com` and `https://openrouter.ai/api` get `/v1` appended;
 * `http://host:11434/v1` (or any base already ending in a version segment such as `/v4`) is used as given.
 */
export function versionedBaseUrl(baseUrl: string): string {
  const base = trimBaseUrl(baseUrl);
  return /\/v\d+$/.test(base) ? base : `${base}/v1`;
}

/** The base without a trailing version segment: `https://api.deepseek.com/v1` → `https://api.deepseek.com`. */
export function unversionedBaseUrl(baseUrl: string): string {
  return trimBaseUrl(baseUrl).replace(/\/v\d+$/, '');
}

/** `{base}/v1/chat/completions` and friends. */
export function openaiUrl(baseUrl: string, endpoint: Endpoint): string {
  return versionedBaseUrl(baseUrl) + openaiPaths[endpoint];
}

/**
 * Encodes a value (a model or deployment name) as URL path text. A client chooses the model name, so it must
 * not be able to climb out of the path the channel names (`../`, `?`, `#`): each part is percent-encoded
 * (`@` and `:` stay, as in `qwen2.5:7b`), `/` is kept only when asked, and empty or dot segments are refused
 * because URL parsers resolve them.
 */
export function encodePathValue(value: string, keepSlashes: boolean): string {
  const parts = keepSlashes ? value.split('/') : [value];
  if (parts.some((part) => part === '' || part === '.' || part === '..')) {
    throw new UpstreamError({
      status: 400,
      code: 'invalid_model_name',
      message: `the model name "${value}" cannot be placed in this channel's URL (empty or dot path segment)`,
      retryable: false,
      channelAtFault: false,
    });
  }
  return parts.map((part) => encodeURIComponent(part).replace(/%40/g, '@').replace(/%3A/gi, ':')).join('/');
}
