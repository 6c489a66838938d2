/**
 * The non-generative JSON endpoints: embeddings (https://platform.openai.com/docs/api-reference/embeddings),
 * moderations (…/moderations), rerank (Jina https://jina.ai/reranker and Cohere
 * https://docs.cohere.com/reference/rerank) and the model list (…/models/list).
 */
import { createHash } from 'node:crypto';
import { invalidRequest } from './errors.ts';
import { collectText, estimateTokens, mockId } from './generation.ts';
import type { MockControls } from './controls.ts';
import { isRecord, jsonReply, readNumber, readString, type HandlerContext, type MockReply, type UsageReport } from './types.ts';

function usageOf(promptTokens: number, controls: MockControls): UsageReport | undefined {
  if (controls.usage === 'absent') return undefined;
  const prompt = controls.usage === 'negative' ? -1_000_000 : controls.usage === 'huge' ? 1_000_000_000_000 : controls.usage === 'fractional' ? 12.5 : controls.promptTokens ?? promptTokens;
  return { promptTokens: prompt, completionTokens: 0, totalTokens: prompt, cachedTokens: 0, reasoningTokens: 0 };
}

/** A unit vector of `dimensions` float32 values seeded by the input, so equal inputs embed equally. */
export function embeddingVector(input: unknown, dimensions: number): number[] {
  const seed = createHash('sha256').update(JSON.stringify(input)).digest();
  let state = seed.readUInt32LE(0) || 1;
  const values: number[] = [];
  for (let index = 0; index < dimensions; index += 1) {
    // xorshift32: small, fast and the same on every platform.
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    state >>>= 0;
    values.push(state / 0xffffffff - 0.5);
  }
  const norm = Math.sqrt(values.reduce((total, value) => total + value * value, 0)) || 1;
  return values.map((value) => Math.fround(value / norm));
}

/**
 * `encoding_format: "base64"` sends the float32 array's little-endian bytes in base64; the official SDKs
 * ask for it by default and decode it themselves.
 */
export function base64Floats(values: readonly number[]): string {
  const buffer = Buffer.alloc(values.length * 4);
  values.forEach((value, index) => buffer.writeFloatLE(value, index * 4));
  return buffer.toString('base64');
}

export function embeddings(context: HandlerContext): MockReply {
  const body = context.json ?? {};
  const input = body.input;
  if (input === undefined || input === null || input === '' || (Array.isArray(input) && input.length === 0)) {
    return invalidRequest("'input' is a required property and must not be empty", 'input');
  }
  // `input` is a string, an array of strings, an array of token ids, or an array of token-id arrays.
  const inputs: unknown[] = typeof input === 'string' || (Array.isArray(input) && typeof input[0] === 'number') ? [input] : Array.isArray(input) ? input : [input];
  const dimensions = Math.min(readNumber(body, 'dimensions') ?? 1536, 4096);
  const base64 = readString(body, 'encoding_format') === 'base64';
  const data = inputs.map((item, index) => {
    const vector = embeddingVector(item, dimensions);
    return { object: 'embedding', index, embedding: base64 ? base64Floats(vector) : vector };
  });
  const tokens = inputs.reduce<number>((total, item) => total + (Array.isArray(item) ? item.length : estimateTokens(collectText(item))), 0);
  const usage = usageOf(tokens, context.controls);
  return jsonReply(
    200,
    { object: 'list', data, model: context.model, ...(usage === undefined ? {} : { usage: { prompt_tokens: usage.promptTokens, total_tokens: usage.totalTokens } }) },
    { usage, text: '' },
  );
}

const MODERATION_CATEGORIES = ['harassment', 'harassment/threatening', 'hate', 'hate/threatening', 'illicit', 'illicit/violent', 'self-harm', 'self-harm/intent', 'self-harm/instructions', 'sexual', 'sexual/minors', 'violence', 'violence/graphic'] as const;

/** Text containing "mock:flagged" is flagged for violence; everything else passes. */
export function moderations(context: HandlerContext): MockReply {
  const input = context.json?.input;
  if (input === undefined) return invalidRequest("'input' is a required property", 'input');
  // Multimodal input (an array of text and image parts) is moderated as one item.
  const multimodal = Array.isArray(input) && input.some((item) => isRecord(item));
  const texts = multimodal ? [collectText(input)] : Array.isArray(input) ? input.map(collectText) : [collectText(input)];
  const results = texts.map((text) => {
    const flagged = text.includes('mock:flagged');
    const categories: Record<string, boolean> = {};
    const scores: Record<string, number> = {};
    const appliedTypes: Record<string, string[]> = {};
    for (const category of MODERATION_CATEGORIES) {
      categories[category] = flagged && category === 'violence';
      scores[category] = flagged && category === 'violence' ? 0.98 : 0.0001;
      appliedTypes[category] = ['text'];
    }
    return { flagged, categories, category_scores: scores, category_applied_input_types: appliedTypes };
  });
  return jsonReply(200, { id: mockId('modr-', context.sequence), model: context.model, results }, { text: '' });
}

function documentText(document: unknown): string {
  if (typeof document === 'string') return document;
  if (isRecord(document)) return readString(document, 'text') ?? JSON.stringify(document);
  return '';
}

/**
 * Rerank answers in the shape both Jina and Cohere clients read: `results` of `{index, relevance_score,
 * document}` sorted by score, Jina's `usage` and Cohere's `meta.billed_units`. The score is the share of
 * query words found in the document.
 */
export function rerank(context: HandlerContext): MockReply {
  const body = context.json ?? {};
  const query = readString(body, 'query');
  if (query === undefined) return invalidRequest("'query' is a required property", 'query');
  if (!Array.isArray(body.documents)) return invalidRequest("'documents' is a required property", 'documents');
  const queryWords = query.toLowerCase().split(/\W+/).filter((part) => part !== '');
  const scored = body.documents.map((document: unknown, index) => {
    const text = documentText(document);
    const lower = text.toLowerCase();
    const hits = queryWords.filter((part) => lower.includes(part)).length;
    const score = queryWords.length === 0 ? 0 : Math.round((hits / queryWords.length) * 0.9 * 1e6) / 1e6 + 0.05 / (index + 1);
    return { index, relevance_score: score, text };
  });
  scored.sort((left, right) => right.relevance_score - left.relevance_score || left.index - right.index);
  const topN = readNumber(body, 'top_n') ?? scored.length;
  const withDocuments = body.return_documents !== false;
  const results = scored.slice(0, topN).map(({ index, relevance_score, text }) => ({ index, relevance_score, ...(withDocuments ? { document: { text } } : {}) }));
  const tokens = estimateTokens(query) * scored.length + scored.reduce((total, item) => total + estimateTokens(item.text), 0);
  const usage = usageOf(tokens, context.controls);
  return jsonReply(
    200,
    {
      id: mockId('rerank-', context.sequence),
      model: context.model,
      results,
      ...(usage === undefined ? {} : { usage: { prompt_tokens: usage.promptTokens, total_tokens: usage.totalTokens } }),
      meta: { api_version: { version: '2' }, billed_units: { search_units: 1 } },
    },
    { usage, text: '' },
  );
}

export const DEFAULT_MODELS: readonly string[] = [
  'gpt-4o',
  'gpt-4o-mini',
  'o3-mini',
  'gpt-3.5-turbo-instruct',
  'text-embedding-3-small',
  'omni-moderation-latest',
  'dall-e-3',
  'gpt-image-1',
  'tts-1',
  'whisper-1',
  'gpt-4o-transcribe',
  'jina-reranker-v2-base-multilingual',
];

export function listModels(models: readonly string[], createdAt: number): MockReply {
  return jsonReply(200, { object: 'list', data: models.map((id) => ({ id, object: 'model', created: createdAt, owned_by: id.startsWith('jina') ? 'jina-ai' : 'system' })) });
}
