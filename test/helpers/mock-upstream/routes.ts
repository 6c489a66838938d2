/**
 * Which endpoint a request path names, in the three forms a channel may use:
 *   OpenAI  `/v1/{task}` (Cohere's `/v2/rerank` too),
 *   Azure   `/openai/deployments/{deployment}/{task}?api-version=…`, or Azure's `/openai/v1/{task}` and
 *           `/openai/{task}` (https://learn.microsoft.com/azure/ai-foundry/openai/reference),
 *   custom  `/custom/<anything>/{task}`: a full endpoint URL as an admin would paste it.
 * and the native dialects, matched first:
 *   Anthropic `/v1/messages`, `/v1/messages/count_tokens` (anthropic.ts),
 *   Gemini    `/{v1beta|v1}/models/{model}:{generateContent|streamGenerateContent|countTokens|embedContent|batchEmbedContents}` (gemini.ts).
 */
import { ANTHROPIC_DIALECT, anthropicCountTokens, anthropicMessages, matchAnthropicRoute } from './anthropic.ts';
import { chatCompletions, completions } from './chat.ts';
import {
  GEMINI_DIALECT,
  geminiBatchEmbedContents,
  geminiCountTokens,
  geminiEmbedContent,
  geminiGenerateContent,
  geminiStreamGenerateContent,
  matchGeminiRoute,
} from './gemini.ts';
import { imageEdits, imageGenerations, speech, transcription } from './media.ts';
import { responses } from './responses-api.ts';
import { embeddings, moderations, rerank } from './retrieval.ts';
import type { Dialect, HandlerContext, MockEndpoint, MockReply, RouteForm, RouteMatch } from './types.ts';

interface Task {
  readonly path: string;
  readonly endpoint: MockEndpoint;
  readonly method: 'GET' | 'POST';
}

/** Longest paths first, so `chat/completions` wins over `completions`. */
const TASKS: readonly Task[] = [
  { path: 'chat/completions', endpoint: 'chat-completions', method: 'POST' },
  { path: 'audio/transcriptions', endpoint: 'audio-transcriptions', method: 'POST' },
  { path: 'audio/translations', endpoint: 'audio-translations', method: 'POST' },
  { path: 'images/generations', endpoint: 'images-generations', method: 'POST' },
  { path: 'images/edits', endpoint: 'images-edits', method: 'POST' },
  { path: 'audio/speech', endpoint: 'audio-speech', method: 'POST' },
  { path: 'completions', endpoint: 'completions', method: 'POST' },
  { path: 'embeddings', endpoint: 'embeddings', method: 'POST' },
  { path: 'moderations', endpoint: 'moderations', method: 'POST' },
  { path: 'responses', endpoint: 'responses', method: 'POST' },
  { path: 'rerank', endpoint: 'rerank', method: 'POST' },
  { path: 'models', endpoint: 'models', method: 'GET' },
];

function task(rest: string, method: string, suffixMatch: boolean): Task | undefined {
  return TASKS.find((candidate) => candidate.method === method && (rest === candidate.path || (suffixMatch && rest.endsWith(`/${candidate.path}`))));
}

export type RouteResult = { readonly kind: 'matched'; readonly route: RouteMatch } | { readonly kind: 'not-found' };

export function matchRoute(method: string, pathname: string): RouteResult {
  const native = matchAnthropicRoute(method, pathname) ?? matchGeminiRoute(method, pathname);
  if (native !== undefined) return { kind: 'matched', route: native };
  const deployment = /^\/openai\/deployments\/([^/]+)\/(.+)$/.exec(pathname);
  if (deployment !== null) {
    const found = task(deployment[2] ?? '', method, false);
    return found === undefined ? { kind: 'not-found' } : { kind: 'matched', route: { endpoint: found.endpoint, form: 'azure', deployment: decodeURIComponent(deployment[1] ?? '') } };
  }
  const azure = /^\/openai\/(?:v1\/)?(.+)$/.exec(pathname);
  if (azure !== null) {
    const found = task(azure[1] ?? '', method, false);
    return found === undefined ? { kind: 'not-found' } : { kind: 'matched', route: { endpoint: found.endpoint, form: 'azure', deployment: undefined } };
  }
  const openAi = /^\/v[12]\/(.+)$/.exec(pathname);
  if (openAi !== null) {
    const found = task(openAi[1] ?? '', method, false);
    if (found !== undefined && (pathname.startsWith('/v1/') || found.endpoint === 'rerank')) {
      return { kind: 'matched', route: { endpoint: found.endpoint, form: 'openai', deployment: undefined } };
    }
    return { kind: 'not-found' };
  }
  const custom = /^\/custom\/(.+)$/.exec(pathname);
  if (custom !== null) {
    const found = task(custom[1] ?? '', method, true);
    return found === undefined ? { kind: 'not-found' } : { kind: 'matched', route: { endpoint: found.endpoint, form: 'custom', deployment: undefined } };
  }
  return { kind: 'not-found' };
}

/** Endpoints whose body is multipart/form-data. */
export const MULTIPART_ENDPOINTS: ReadonlySet<MockEndpoint> = new Set<MockEndpoint>(['images-edits', 'audio-transcriptions', 'audio-translations']);

type Handler = (context: HandlerContext) => MockReply;

export const HANDLERS: Readonly<Record<Exclude<MockEndpoint, 'models'>, Handler>> = {
  'chat-completions': chatCompletions,
  completions,
  embeddings,
  moderations,
  'images-generations': imageGenerations,
  'images-edits': imageEdits,
  'audio-speech': speech,
  'audio-transcriptions': (context) => transcription(context, 'transcribe'),
  'audio-translations': (context) => transcription(context, 'translate'),
  rerank,
  responses,
  'anthropic-messages': anthropicMessages,
  'anthropic-count-tokens': anthropicCountTokens,
  'gemini-generate-content': geminiGenerateContent,
  'gemini-stream-generate-content': geminiStreamGenerateContent,
  'gemini-count-tokens': geminiCountTokens,
  'gemini-embed-content': geminiEmbedContent,
  'gemini-batch-embed-contents': geminiBatchEmbedContents,
};

/** The route forms that are wire dialects of their own: key, errors and reply headers as the provider's. */
export const DIALECTS: Readonly<Partial<Record<RouteForm, Dialect>>> = { anthropic: ANTHROPIC_DIALECT, gemini: GEMINI_DIALECT };
