/**
 * Deterministic answers and token counts. Every word is one token for OpenAI's tokenizers (o200k_base and
 * cl100k_base), so `completion_tokens` equals what gpt-tokenizer counts for the text, and a billing test can
 * compare the gateway's estimate with the mock's figure.
 */
import type { MockControls } from './controls.ts';
import { isRecord, readString, type UsageReport } from './types.ts';

const WORDS = [' from', ' the', ' mock', ' upstream', ' with', ' a', ' quick', ' brown', ' fox', ' that', ' jumps', ' over', ' the', ' lazy', ' dog', '.', ' Hello'];

export const DEFAULT_CHUNKS = 8;

/** The content chunk at `index`: "Hello", " from", " the", … */
export function word(index: number): string {
  return index === 0 ? 'Hello' : (WORDS[(index - 1) % WORDS.length] ?? '');
}

export function words(count: number): string[] {
  return Array.from({ length: count }, (_, index) => word(index));
}

/**
 * Padding of exactly `bytes` bytes that costs `paddingTokens(bytes)`: " the" is one token and four bytes.
 * Used by `line-bytes` to build one giant line.
 */
export function padding(bytes: number): string {
  return ' the'.repeat(Math.floor(bytes / 4)) + 'a'.repeat(bytes % 4);
}

export function paddingTokens(bytes: number): number {
  return Math.floor(bytes / 4) + (bytes % 4 > 0 ? 1 : 0);
}

/** Every string inside a request value (messages, input, prompt), concatenated. */
export function collectText(value: unknown): string {
  if (typeof value === 'string') return value;
  if (Array.isArray(value)) return value.map(collectText).join(' ');
  if (isRecord(value)) {
    return Object.entries(value)
      .filter(([key]) => key !== 'type' && key !== 'role' && key !== 'detail')
      .map(([, inner]) => collectText(inner))
      .join(' ');
  }
  return '';
}

/** OpenAI's rule of thumb, "one token is about four characters", rounded up, at least 1. */
export function estimateTokens(text: string): number {
  return Math.max(1, Math.ceil(text.length / 4));
}

/** The text of the last user message (string content or text parts). */
export function lastUserText(messages: unknown): string {
  if (!Array.isArray(messages)) return '';
  for (let index = messages.length - 1; index >= 0; index -= 1) {
    const message: unknown = messages[index];
    if (isRecord(message) && message.role === 'user') return collectText(message.content);
  }
  return '';
}

export interface ToolChoice {
  readonly name: string;
  readonly arguments: string;
}

/**
 * A tool call is made when the request offers tools and the user's last message says "call a tool", when
 * `tool_choice` is "required" or names a function, or when the `tool-call` control asks; never when
 * `tool_choice` is "none".
 */
export function pickTool(controls: MockControls, userText: string, tools: unknown, toolChoice: unknown): ToolChoice | undefined {
  if (toolChoice === 'none') return undefined;
  const wanted = controls.toolCall === true || userText.toLowerCase().includes('call a tool') || toolChoice === 'required' || isRecord(toolChoice);
  return wanted ? chooseTool(tools, toolChoice) : undefined;
}

/**
 * The function to call: the one `tool_choice` names, else the first function tool. Chat tools nest the
 * function (`{type:"function", function:{name, parameters}}`); Responses tools are flat
 * (`{type:"function", name, parameters}`), per the API references of both.
 */
function chooseTool(tools: unknown, toolChoice: unknown): ToolChoice | undefined {
  if (!Array.isArray(tools)) return undefined;
  const functions = tools.flatMap((tool: unknown) => {
    if (!isRecord(tool) || tool.type !== 'function') return [];
    const definition = isRecord(tool.function) ? tool.function : tool;
    const name = readString(definition, 'name');
    return name === undefined ? [] : [{ name, parameters: definition.parameters }];
  });
  const forced = isRecord(toolChoice) ? (readString(isRecord(toolChoice.function) ? toolChoice.function : toolChoice, 'name')) : undefined;
  const chosen = functions.find((candidate) => candidate.name === forced) ?? functions[0];
  if (chosen === undefined) return undefined;
  return { name: chosen.name, arguments: JSON.stringify(sampleArguments(chosen.parameters)) };
}

/** A value for every required property of a JSON schema (all properties when none is required). */
function sampleArguments(parameters: unknown): Record<string, unknown> {
  if (!isRecord(parameters) || !isRecord(parameters.properties)) return {};
  const required = Array.isArray(parameters.required) ? parameters.required.filter((name): name is string => typeof name === 'string') : Object.keys(parameters.properties);
  const result: Record<string, unknown> = {};
  for (const name of required) result[name] = sampleValue(parameters.properties[name]);
  return result;
}

function sampleValue(schema: unknown): unknown {
  if (!isRecord(schema)) return 'mock';
  if (Array.isArray(schema.enum) && schema.enum.length > 0) return schema.enum[0];
  switch (schema.type) {
    case 'integer':
    case 'number':
      return 1;
    case 'boolean':
      return true;
    case 'array':
      return [];
    case 'object':
      return sampleArguments(schema);
    default:
      return 'mock';
  }
}

/** Splits `text` into `count` nearly equal fragments (tool-call arguments arrive this way). */
export function fragments(text: string, count: number): string[] {
  const size = Math.max(1, Math.ceil(text.length / Math.max(1, count)));
  const result: string[] = [];
  for (let offset = 0; offset < text.length; offset += size) result.push(text.slice(offset, offset + size));
  return result.length === 0 ? [''] : result;
}

/**
 * The usage a reply reports, after the `usage` fault (B9 in reliability.md: prompt −1 000 000, 10¹², 12.5,
 * absent). Completion tokens include reasoning tokens, as OpenAI counts them.
 */
export function reportUsage(promptTokens: number, visibleCompletionTokens: number, controls: MockControls): UsageReport | undefined {
  const reasoningTokens = controls.reasoningTokens ?? 0;
  let prompt = controls.promptTokens ?? promptTokens;
  const completion = controls.completionTokens ?? visibleCompletionTokens + reasoningTokens;
  switch (controls.usage) {
    case 'absent':
      return undefined;
    case 'negative':
      prompt = -1_000_000;
      break;
    case 'huge':
      prompt = 1_000_000_000_000;
      break;
    case 'fractional':
      prompt = 12.5;
      break;
    default:
      break;
  }
  return {
    promptTokens: prompt,
    completionTokens: completion,
    totalTokens: prompt + completion,
    cachedTokens: Math.min(controls.cachedTokens ?? 0, Math.max(0, prompt)),
    reasoningTokens,
  };
}

/** Chat Completions' `usage` object (CompletionUsage in OpenAI's OpenAPI document). */
export function chatUsageJson(usage: UsageReport): Record<string, unknown> {
  return {
    prompt_tokens: usage.promptTokens,
    completion_tokens: usage.completionTokens,
    total_tokens: usage.totalTokens,
    prompt_tokens_details: { cached_tokens: usage.cachedTokens, audio_tokens: 0 },
    completion_tokens_details: { reasoning_tokens: usage.reasoningTokens, audio_tokens: 0, accepted_prediction_tokens: 0, rejected_prediction_tokens: 0 },
  };
}

/** The Responses API's `usage` object (ResponseUsage). */
export function responsesUsageJson(usage: UsageReport): Record<string, unknown> {
  return {
    input_tokens: usage.promptTokens,
    input_tokens_details: { cached_tokens: usage.cachedTokens, cache_write_tokens: 0 },
    output_tokens: usage.completionTokens,
    output_tokens_details: { reasoning_tokens: usage.reasoningTokens },
    total_tokens: usage.totalTokens,
  };
}

/** A short id suffix derived from the request sequence: deterministic, and shaped like OpenAI's. */
export function mockId(prefix: string, sequence: number, suffix = ''): string {
  return `${prefix}mock${String(sequence).padStart(6, '0')}${suffix}`;
}
