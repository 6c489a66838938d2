/**
 * Channel kind → provider adapter. The map is checked against every ChannelKind, so a kind added to
 * services/channel-types.ts without an adapter fails to compile (style.md rule 8). Kinds whose native adapter
 * comes with a later issue are listed in `pendingKinds` and map to `undefined` on purpose; the pipeline then
 * answers that the channel type cannot serve OpenAI requests yet.
 */
import type { ChannelKind } from '../../services/channel-types.ts';
import type { ProviderAdapter } from '../types.ts';
import { anthropicAdapter } from './anthropic.ts';
import { azureOpenAIAdapter } from './azure-openai.ts';
import { customAdapter } from './custom.ts';
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

/** Kinds without an adapter yet, each with the reason an operator sees. */
export const pendingKinds = {
  gemini: 'the Gemini generateContent adapter (OpenAI ⇄ Gemini conversion) is not built yet',
} as const;

export type PendingKind = keyof typeof pendingKinds;

export const providers = {
  openai: openaiAdapter,
  azure: azureOpenAIAdapter,
  anthropic: anthropicAdapter,
  gemini: undefined,
  'openai-compatible': openaiCompatibleAdapter,
  deepseek: deepseekAdapter,
  ollama: ollamaAdapter,
  openrouter: openrouterAdapter,
  mistral: mistralAdapter,
  xai: xaiAdapter,
  moonshot: moonshotAdapter,
  siliconflow: siliconflowAdapter,
  custom: customAdapter,
} as const satisfies { [Kind in ChannelKind]: Kind extends PendingKind ? undefined : ProviderAdapter };

/** The adapter for a channel kind, or undefined for a pending kind (see `pendingReason`). */
export function adapterFor(kind: ChannelKind): ProviderAdapter | undefined {
  return providers[kind];
}

/** Why a kind has no adapter, for the error the client gets; undefined when it has one. */
export function pendingReason(kind: ChannelKind): string | undefined {
  return isPendingKind(kind) ? pendingKinds[kind] : undefined;
}

export function isPendingKind(kind: ChannelKind): kind is PendingKind {
  return Object.hasOwn(pendingKinds, kind);
}
