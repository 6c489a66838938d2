/**
 * Channel kind → provider adapter. The map is checked against every ChannelKind, so a kind added to
 * services/channel-types.ts without an adapter fails to compile (style.md rule 8).
 */
import type { ChannelKind } from '../../services/channel-types.ts';
import type { ProviderAdapter } from '../types.ts';
import { anthropicAdapter } from './anthropic.ts';
import { azureOpenAIAdapter } from './azure-openai.ts';
import { customAdapter } from './custom.ts';
import { geminiAdapter } from './gemini.ts';
import { openaiAdapter } from './openai.ts';
import {
  deepseekAdapter,
  mistralAdapter,
  moonshotAdapter,
  ollamaAdapter,
  openaiCompatibleAdapter,
  openrouterAdapter,
  siliconflowAdapter,
  xaiAdapter,
} from './openai-compatible.ts';

export const providers = {
  openai: openaiAdapter,
  azure: azureOpenAIAdapter,
  anthropic: anthropicAdapter,
  gemini: geminiAdapter,
  'openai-compatible': openaiCompatibleAdapter,
  deepseek: deepseekAdapter,
  ollama: ollamaAdapter,
  openrouter: openrouterAdapter,
  mistral: mistralAdapter,
  xai: xaiAdapter,
  moonshot: moonshotAdapter,
  siliconflow: siliconflowAdapter,
  custom: customAdapter,
} as const satisfies Record<ChannelKind, ProviderAdapter>;

/** The adapter for a channel kind; every kind has one. */
export function adapterFor(kind: ChannelKind): ProviderAdapter {
  return providers[kind];
}
