/**
 * Azure OpenAI: the OpenAI wire format behind deployment URLs and an `api-key` header.
 * - Deployment routes: `{base}/openai/deployments/{deployment}/{task}?api-version=…`, the deployment being the
 *   channel's upstream model (https://learn.microsoft.com/azure/ai-foundry/openai/reference). The version is the
 *   channel's `api_version` setting, else New API's `AZURE_DEFAULT_API_VERSION` 2025-04-01-preview (domain.md 3).
 * - Responses exist only on the v1 API: `{base}/openai/v1/responses` with the deployment in the body's `model`;
 *   "api-version is no longer a required parameter in the v1 GA API"
 *   (https://learn.microsoft.com/azure/ai-foundry/openai/api-version-lifecycle). A channel that still needs the
 *   preview surface sets `responses_api_version` (for example `preview`).
 * - Older New API channels named deployments without dots (`gpt-35-turbo` for `gpt-3.5-turbo`); the channel
 *   setting `strip_model_dots: true` keeps that behaviour.
 */
import type { ChannelTarget, Endpoint } from '../types.ts';
import { createOpenAIAdapter, settingText } from './openai.ts';
import { encodePathValue, openaiPaths, trimBaseUrl } from './openai-url.ts';

export const AZURE_DEFAULT_API_VERSION = '2025-04-01-preview';

/** Azure has no moderations and no rerank (https://learn.microsoft.com/azure/ai-foundry/openai/reference). */
const azureEndpoints: readonly Endpoint[] = [
  'chat-completions',
  'completions',
  'embeddings',
  'images-generations',
  'images-edits',
  'audio-speech',
  'audio-transcriptions',
  'audio-translations',
  'responses',
];

/** `https://res.openai.azure.com/` and `https://res.openai.azure.com/openai` both name the resource. */
function resourceBase(baseUrl: string): string {
  return trimBaseUrl(baseUrl).replace(/\/openai$/, '');
}

export function azureUrl(endpoint: Endpoint, target: ChannelTarget, model: string): string {
  const base = resourceBase(target.baseUrl);
  if (endpoint === 'responses') {
    const version = settingText(target, 'responses_api_version');
    return `${base}/openai/v1/responses${version === undefined ? '' : `?api-version=${encodeURIComponent(version)}`}`;
  }
  const version = settingText(target, 'api_version') ?? AZURE_DEFAULT_API_VERSION;
  return `${base}/openai/deployments/${encodePathValue(model, false)}${openaiPaths[endpoint]}?api-version=${encodeURIComponent(version)}`;
}

export const azureOpenAIAdapter = createOpenAIAdapter({
  endpoints: azureEndpoints,
  streamUsage: true,
  url: azureUrl,
  // https://learn.microsoft.com/azure/ai-foundry/openai/reference#authentication
  authHeaders: (target) => ({ 'api-key': target.key }),
  upstreamModel: (model, target) => (target.settings.strip_model_dots === true ? model.replaceAll('.', '') : model),
});
