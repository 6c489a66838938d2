/**
 * The channel kinds the gateway knows. A kind decides the default base URL and, later, the provider adapter
 * (the adapter registry will be `satisfies Record<ChannelKind, ProviderAdapter>`, so adding a kind here
 * without an adapter fails to compile). Default base URLs and New API type ids come from docs/domain.md 3.1.
 */

export const channelKinds = [
  'openai',
  'azure',
  'anthropic',
  'gemini',
  'openai-compatible',
  'deepseek',
  'ollama',
  'openrouter',
  'mistral',
  'xai',
  'moonshot',
  'siliconflow',
  'custom',
] as const;

export type ChannelKind = (typeof channelKinds)[number];

export interface ChannelTypeInfo {
  readonly label: string;
  /** Used when `--base-url` is omitted; undefined means the operator must give one. */
  readonly defaultBaseUrl: string | undefined;
  /** New API's integer `channels.type`, for import and export (docs/domain.md 3.1). */
  readonly legacyType: number;
  readonly notes: string;
}

export const channelTypes = {
  openai: {
    label: 'OpenAI',
    defaultBaseUrl: 'https://api.openai.com',
    legacyType: 1,
    notes: 'OpenAI JSON forwarded with a Bearer key.',
  },
  azure: {
    label: 'Azure OpenAI',
    defaultBaseUrl: undefined,
    legacyType: 3,
    notes: 'Needs --base-url (https://RESOURCE.openai.azure.com); models are deployment names; sends the api-key header.',
  },
  anthropic: {
    label: 'Anthropic',
    defaultBaseUrl: 'https://api.anthropic.com',
    legacyType: 14,
    notes: 'Native Messages API (x-api-key, anthropic-version); OpenAI chat requests are converted both ways, streams included.',
  },
  gemini: {
    label: 'Google Gemini',
    defaultBaseUrl: 'https://generativelanguage.googleapis.com',
    legacyType: 24,
    notes: 'Native generateContent API with an API key (x-goog-api-key; not Vertex AI); OpenAI chat requests are converted both ways, streams included, and embeddings go to batchEmbedContents.',
  },
  'openai-compatible': {
    label: 'OpenAI-compatible',
    defaultBaseUrl: undefined,
    // New API has no such type; an export writes OpenAI (1) with the base URL kept (docs/domain.md 9.4).
    legacyType: 1,
    notes: 'Any server that speaks the OpenAI API (vLLM, LM Studio, LiteLLM, …); needs --base-url.',
  },
  deepseek: {
    label: 'DeepSeek',
    defaultBaseUrl: 'https://api.deepseek.com',
    legacyType: 43,
    notes: 'OpenAI-compatible with reasoning content.',
  },
  ollama: {
    label: 'Ollama',
    defaultBaseUrl: 'http://localhost:11434',
    legacyType: 4,
    notes: 'Usually on a private address: add --allow-private HOST:PORT (for example localhost:11434).',
  },
  openrouter: {
    label: 'OpenRouter',
    defaultBaseUrl: 'https://openrouter.ai/api',
    legacyType: 20,
    notes: 'OpenAI-compatible; sends the referer and title headers OpenRouter asks for.',
  },
  mistral: {
    label: 'Mistral',
    defaultBaseUrl: 'https://api.mistral.ai',
    legacyType: 42,
    notes: 'OpenAI-compatible with parameter fixes.',
  },
  xai: {
    label: 'xAI',
    defaultBaseUrl: 'https://api.x.ai',
    legacyType: 48,
    notes: 'OpenAI-compatible (Grok models).',
  },
  moonshot: {
    label: 'Moonshot',
    defaultBaseUrl: 'https://api.moonshot.cn',
    legacyType: 25,
    notes: 'OpenAI-compatible (Kimi models).',
  },
  siliconflow: {
    label: 'SiliconFlow',
    defaultBaseUrl: 'https://api.siliconflow.cn',
    legacyType: 40,
    notes: 'OpenAI-compatible.',
  },
  custom: {
    label: 'Custom',
    defaultBaseUrl: undefined,
    legacyType: 8,
    notes: 'The base URL is the full endpoint; {model} in it is replaced by the upstream model name.',
  },
} as const satisfies Record<ChannelKind, ChannelTypeInfo>;

export function isChannelKind(value: string): value is ChannelKind {
  return (channelKinds as readonly string[]).includes(value);
}

/** For help texts and error messages: "openai, azure, anthropic, …". */
export const channelKindList = channelKinds.join(', ');
