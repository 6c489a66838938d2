/**
 * Providers that speak the OpenAI API with small differences: each preset names its endpoints, whether it
 * honours `stream_options.include_usage` (domain.md 5.1 lists which do), and any quirk, with the provider's
 * reference. URLs are `{base}/v1/{path}` unless said otherwise; a base already ending in `/v1` is kept.
 */
import type { Endpoint, JsonBody } from '../types.ts';
import { allEndpoints, createOpenAIAdapter, settingText } from './openai.ts';
import { openaiUrl, unversionedBaseUrl } from './openai-url.ts';

/**
 * DeepSeek: chat, and FIM completion, which lives only under the beta prefix
 * (`POST https://api.deepseek.com/beta/completions`, https://api-docs.deepseek.com/api/create-completion).
 */
export const deepseekAdapter = createOpenAIAdapter({
  endpoints: ['chat-completions', 'completions'],
  streamUsage: true,
  url: (endpoint, target) =>
    endpoint === 'completions' ? `${unversionedBaseUrl(target.baseUrl)}/beta/completions` : openaiUrl(target.baseUrl, endpoint),
});

/**
 * OpenRouter (https://openrouter.ai/docs/api-reference/overview). App attribution headers
 * (https://openrouter.ai/docs/app-attribution): `HTTP-Referer` from the channel's `http_referer` setting, sent
 * only when set (the gateway has no public URL of its own to claim), and `X-Title` from `x_title`, default
 * "gateway". Not in New API's list of stream-usage types.
 */
export const OPENROUTER_DEFAULT_TITLE = 'gateway';
export const openrouterAdapter = createOpenAIAdapter({
  endpoints: ['chat-completions', 'completions', 'embeddings', 'responses'],
  streamUsage: false,
  providerHeaders: (target) => {
    const referer = settingText(target, 'http_referer');
    return {
      ...(referer === undefined ? {} : { 'HTTP-Referer': referer }),
      'X-Title': settingText(target, 'x_title') ?? OPENROUTER_DEFAULT_TITLE,
    };
  },
});

/**
 * Ollama's OpenAI-compatible API under `/v1` on the server's base URL
 * (https://docs.ollama.com/api/openai-compatibility): chat, completions, embeddings, and stateless Responses.
 */
export const ollamaAdapter = createOpenAIAdapter({
  endpoints: ['chat-completions', 'completions', 'embeddings', 'responses'],
  streamUsage: true,
});

/**
 * Mistral (https://docs.mistral.ai/api/): chat and embeddings. Its schema refuses unknown fields with a 422
 * ("Extra inputs are not permitted"), `stream_options` and `max_completion_tokens` among them
 * (https://github.com/editor-code-assistant/eca/issues/231), so streams lose `stream_options` (it reports usage
 * in the last chunk anyway) and `max_completion_tokens` goes back to `max_tokens`.
 */
export const mistralAdapter = createOpenAIAdapter({
  endpoints: ['chat-completions', 'embeddings'],
  streamUsage: false,
  adjustBody: (body: JsonBody, endpoint: Endpoint): JsonBody => {
    if (endpoint !== 'chat-completions' || body.max_completion_tokens === undefined) return body;
    const { max_completion_tokens: maxCompletionTokens, ...rest } = body;
    return rest.max_tokens === undefined ? { ...rest, max_tokens: maxCompletionTokens } : rest;
  },
});

/** xAI (https://docs.x.ai/docs/api-reference): chat, Responses and image generation. */
export const xaiAdapter = createOpenAIAdapter({
  endpoints: ['chat-completions', 'responses', 'images-generations'],
  streamUsage: true,
});

/** Moonshot / Kimi (https://platform.moonshot.cn/docs/api/chat): chat only; Responses is not offered. */
export const moonshotAdapter = createOpenAIAdapter({
  endpoints: ['chat-completions'],
  streamUsage: true,
});

/**
 * SiliconFlow (https://docs.siliconflow.cn/cn/api-reference/chat-completions/chat-completions): chat,
 * embeddings, rerank (Jina/Cohere schema at `/v1/rerank`), image generation, speech and transcription.
 */
export const siliconflowAdapter = createOpenAIAdapter({
  endpoints: ['chat-completions', 'embeddings', 'rerank', 'images-generations', 'audio-speech', 'audio-transcriptions'],
  streamUsage: true,
});

/**
 * Any other server that speaks the OpenAI API (vLLM, Groq, LM Studio, LiteLLM …): every endpoint is tried and
 * the server answers what it lacks. `stream_options` is not sent, because some of these servers refuse it.
 */
export const openaiCompatibleAdapter = createOpenAIAdapter({
  endpoints: allEndpoints,
  streamUsage: false,
});
