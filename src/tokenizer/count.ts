/**
 * Local token counts (domain.md 5.4), used when an upstream reports no usage and to size the pre-request
 * hold. gpt-tokenizer with OpenAI's encodings: `o200k_base` for gpt-4o / 4.1 / 4.5, the o-series and gpt-5,
 * `cl100k_base` for gpt-4 / 3.5 and, as an estimate, every other provider's models.
 * Overheads follow OpenAI's cookbook (https://github.com/openai/openai-cookbook/blob/main/examples/How_to_count_tokens_with_tiktoken.ipynb)
 * with New API's constants: +3 per message, +3 per name, +8 per tool, +3 reply priming, +7 per tool call.
 */
import { asRecord } from '../relay/json-record.ts';
import type { Endpoint, JsonBody } from '../relay/types.ts';
import { imageSizeFromDataUrl } from './image-size.ts';

export type EncodingName = 'o200k_base' | 'cl100k_base';

export const TOKENS_PER_MESSAGE = 3;
export const TOKENS_PER_NAME = 3;
export const TOKENS_PER_TOOL = 8;
export const REPLY_PRIMING_TOKENS = 3;
/** Added per tool call the model makes, on top of its name and argument text (domain.md 5.1). */
export const TOKENS_PER_TOOL_CALL = 7;

/** Media without text, priced as New API does (domain.md 5.4). */
export const IMAGE_LOW_DETAIL_TOKENS = 85;
export const IMAGE_TILE_TOKENS = 170;
export const IMAGE_UNKNOWN_SIZE_TOKENS = 520;
export const AUDIO_TOKENS = 256;
export const VIDEO_TOKENS = 8192;
export const FILE_TOKENS = 4096;

type EncodingModule = typeof import('gpt-tokenizer/encoding/cl100k_base');
type CountFunction = (text: string) => number;

/** Special-token text in user input (`<|endoftext|>`) is counted as ordinary text, never refused. */
const plainText = { disallowedSpecial: new Set<string>() };
const counters = new Map<EncodingName, CountFunction>();

/** o200k_base families, after tiktoken's model table (https://github.com/openai/tiktoken/blob/main/tiktoken/model.py). */
const o200kModels = /^(?:gpt-4o|gpt-4\.1|gpt-4\.5|gpt-5|gpt-oss|gpt-image|chatgpt-4o|codex-|omni-|o\d)/;

export function encodingForModel(model: string): EncodingName {
  // `openai/gpt-4o` (OpenRouter) is counted like `gpt-4o`.
  const name = model.slice(model.lastIndexOf('/') + 1).toLowerCase();
  return o200kModels.test(name) ? 'o200k_base' : 'cl100k_base';
}

/**
 * The encoding's counter, loaded on first use. `require` keeps the load lazy and synchronous: the o200k tables
 * are ~2.4 MB of JavaScript that take ~0.4 s to evaluate (and ~80 MB of memory), paid only by a process that
 * needs them: the relay counts only when an upstream reports no usage. Literal specifiers let `Bun.build` bundle them.
 */
function counterFor(encoding: EncodingName): CountFunction {
  const cached = counters.get(encoding);
  if (cached !== undefined) return cached;
  // `require` is typed `any`; the specifiers below are exactly the modules EncodingModule describes.
  const module: EncodingModule =
    encoding === 'o200k_base' ? require('gpt-tokenizer/encoding/o200k_base') : require('gpt-tokenizer/encoding/cl100k_base');
  const count: CountFunction = (text) => (text === '' ? 0 : module.countTokens(text, plainText));
  counters.set(encoding, count);
  return count;
}

/** Counts text with the model's encoding (loaded on first use). */
export function countText(model: string, text: string): number {
  return counterFor(encodingForModel(model))(text);
}

/**
 * OpenAI's image price (https://platform.openai.com/docs/guides/images-vision#calculating-costs): low detail is
 * 85; otherwise the image is fitted into 2048×2048, its shorter side brought down to 768, and each 512-px tile
 * costs 170 on top of 85. Without a known size, New API's flat 520.
 */
export function imageTokens(detail: string | undefined, width?: number, height?: number): number {
  if (detail === 'low') return IMAGE_LOW_DETAIL_TOKENS;
  if (width === undefined || height === undefined || !(width > 0) || !(height > 0)) return IMAGE_UNKNOWN_SIZE_TOKENS;
  const fit = Math.min(1, 2048 / Math.max(width, height));
  const shorter = Math.min(1, 768 / (Math.min(width, height) * fit));
  const scale = fit * shorter;
  const tiles = Math.ceil((width * scale) / 512) * Math.ceil((height * scale) / 512);
  return IMAGE_LOW_DETAIL_TOKENS + IMAGE_TILE_TOKENS * tiles;
}

/**
 * Estimates the prompt of a request body: chat `messages`, completions `prompt`, embeddings / moderations /
 * speech `input`, Responses `instructions` + `input`, rerank `query` + `documents`, and `tools`. `endpoint`
 * decides how a plain-string `input` is read (a Responses message, or bare text); without it, bare text.
 */
export function estimatePromptTokens(model: string, body: JsonBody | FormData, endpoint?: Endpoint): number {
  return promptTokensWith(counterFor(encodingForModel(model)), body, endpoint);
}

/**
 * A quick prompt estimate for sizing a request's hold (reliability.md G1: "prompt estimate plus `max_tokens`"):
 * the same walk over the body as `estimatePromptTokens`, with text counted by `quickCount` instead of the
 * encoding. It costs no encoding tables: a process whose upstreams report usage never loads them (~40 MB and
 * ~0.4 s), and it is several times faster than BPE. What is charged never comes from here.
 */
export function quickPromptEstimate(body: JsonBody | FormData, endpoint?: Endpoint): number {
  return promptTokensWith(quickCount, body, endpoint);
}

/** Character classes of `quickCount`. */
const enum Run {
  None,
  Letters,
  Digits,
  /** Letters and digits mixed (identifiers, hex, base64, UUIDs): BPE finds few merges in them. */
  Mixed,
  /** Two-byte UTF-8 letters (accented Latin, Greek, Cyrillic, Hebrew, Arabic). */
  Alphabetic,
}

/**
 * A token count that needs no encoding tables, at or somewhat above what o200k_base and cl100k_base give on
 * ordinary input (prose about ×1.3, code, JSON, random identifiers and CJK about ×1–1.5; checked against both
 * encodings in test/tokenizer/count.test.ts). Both pre-tokenizers cut text into words, digit groups of three,
 * punctuation and spaces, so it counts those pieces: an ASCII word ⌈length / 4⌉, a digit run ⌈length / 3⌉, a run
 * mixing letters and digits ⌈length / 1.5⌉, a word of two-byte letters ⌈length / 2⌉, a punctuation character,
 * a line break and other characters (CJK) one each, a character beyond the BMP three; a space joins the word after it.
 */
export function quickCount(text: string): number {
  let total = 0;
  let run = Run.None;
  let length = 0;
  const endRun = (): void => {
    if (run === Run.Letters) total += Math.ceil(length / 4);
    else if (run === Run.Digits) total += Math.ceil(length / 3);
    else if (run === Run.Mixed) total += Math.ceil(length / 1.5);
    else if (run === Run.Alphabetic) total += Math.ceil(length / 2);
    run = Run.None;
    length = 0;
  };
  for (let index = 0; index < text.length; index++) {
    const code = text.charCodeAt(index);
    let kind: Run;
    if ((code >= 0x61 && code <= 0x7a) || (code >= 0x41 && code <= 0x5a)) kind = Run.Letters;
    else if (code >= 0x30 && code <= 0x39) kind = Run.Digits;
    else if (code >= 0xc0 && code < 0x800 && code !== 0xd7 && code !== 0xf7) kind = Run.Alphabetic;
    else kind = Run.None;
    if (kind === Run.None) {
      endRun();
      // Spaces and tabs join the next word; a character beyond the BMP (an emoji: four UTF-8 bytes, which
      // cl100k_base often leaves as two to four tokens) counts three at its high surrogate; everything else is
      // a piece of its own.
      if (code >= 0xd800 && code <= 0xdbff) total += 3;
      else if (code < 0xdc00 || code > 0xdfff) {
        if (code !== 0x20 && code !== 0x09) total++;
      }
      continue;
    }
    if (run === Run.None) run = kind;
    else if (run !== kind) {
      const alphanumeric = (run === Run.Letters || run === Run.Digits || run === Run.Mixed) && (kind === Run.Letters || kind === Run.Digits);
      if (alphanumeric) run = Run.Mixed;
      else {
        endRun();
        run = kind;
      }
    }
    length++;
  }
  endRun();
  return total;
}

function promptTokensWith(count: CountFunction, body: JsonBody | FormData, endpoint: Endpoint | undefined): number {
  if (body instanceof FormData) {
    const prompt = body.get('prompt');
    return typeof prompt === 'string' ? count(prompt) : 0;
  }
  let total = 0;
  let conversation = false;
  if (Array.isArray(body.messages)) {
    conversation = true;
    for (const message of body.messages) total += messageTokens(count, message);
  }
  if (typeof body.instructions === 'string') {
    conversation = true;
    total += TOKENS_PER_MESSAGE + count(body.instructions);
  }
  if (body.input !== undefined) {
    if (endpoint === 'responses' || isItemList(body.input)) {
      conversation = true;
      total += responsesInputTokens(count, body.input);
    } else {
      total += plainInputTokens(count, body.input);
    }
  }
  if (body.prompt !== undefined) total += plainInputTokens(count, body.prompt);
  if (typeof body.query === 'string') total += count(body.query);
  if (Array.isArray(body.documents)) total += plainInputTokens(count, body.documents);
  total += toolsTokens(count, body.tools) + toolsTokens(count, body.functions);
  return conversation ? total + REPLY_PRIMING_TOKENS : total;
}

function messageTokens(count: CountFunction, value: unknown): number {
  const message = asRecord(value);
  if (message === undefined) return 0;
  let total = TOKENS_PER_MESSAGE + textTokens(count, message.role) + contentTokens(count, message.content);
  if (typeof message.name === 'string') total += TOKENS_PER_NAME + count(message.name);
  const calls = Array.isArray(message.tool_calls) ? message.tool_calls : [message.function_call];
  for (const call of calls) {
    const invoked = asRecord(asRecord(call)?.function) ?? asRecord(call);
    if (invoked !== undefined) total += textTokens(count, invoked.name) + textTokens(count, invoked.arguments);
  }
  return total;
}

/** A string, or content parts: text, images, audio, files, video (chat and Responses part types). */
function contentTokens(count: CountFunction, content: unknown): number {
  if (typeof content === 'string') return count(content);
  if (!Array.isArray(content)) return 0;
  let total = 0;
  for (const value of content) {
    const part = asRecord(value);
    if (part === undefined) continue;
    switch (part.type) {
      case 'image_url':
      case 'input_image':
        total += partImageTokens(part);
        break;
      case 'input_audio':
        total += AUDIO_TOKENS;
        break;
      case 'file':
      case 'input_file':
        total += FILE_TOKENS;
        break;
      case 'video_url':
        total += VIDEO_TOKENS;
        break;
      default:
        total += textTokens(count, part.text) + textTokens(count, part.refusal);
    }
  }
  return total;
}

/** Chat's `{ image_url: { url, detail } }` or Responses' `{ image_url, detail }`. */
function partImageTokens(part: Record<string, unknown>): number {
  const nested = asRecord(part.image_url);
  const url = nested?.url ?? part.image_url;
  const detail = nested?.detail ?? part.detail;
  const size = typeof url === 'string' ? imageSizeFromDataUrl(url) : undefined;
  return imageTokens(typeof detail === 'string' ? detail : undefined, size?.width, size?.height);
}

/** Responses `input`: a string (one user message) or items — messages, function calls and their outputs. */
function responsesInputTokens(count: CountFunction, input: unknown): number {
  if (typeof input === 'string') return TOKENS_PER_MESSAGE + count(input);
  if (!Array.isArray(input)) return 0;
  let total = 0;
  for (const value of input) {
    const item = asRecord(value);
    if (item === undefined) continue;
    if (item.type === 'function_call') {
      total += textTokens(count, item.name) + textTokens(count, item.arguments);
    } else if (item.type === 'function_call_output') {
      total += typeof item.output === 'string' ? count(item.output) : contentTokens(count, item.output);
    } else if (item.role !== undefined) {
      total += messageTokens(count, item);
    }
  }
  return total;
}

/** `prompt` / `input` / `documents`: a string, strings, token ids, lists of token ids, or `{ text }` objects. */
function plainInputTokens(count: CountFunction, value: unknown): number {
  if (typeof value === 'string') return count(value);
  if (typeof value === 'number') return 1;
  if (!Array.isArray(value)) return asRecord(value) === undefined ? 0 : contentTokens(count, [value]);
  let total = 0;
  for (const item of value) total += plainInputTokens(count, item);
  return total;
}

function toolsTokens(count: CountFunction, tools: unknown): number {
  if (!Array.isArray(tools)) return 0;
  let total = 0;
  for (const value of tools) {
    const tool = asRecord(value);
    if (tool === undefined) continue;
    // Chat nests the definition under `function`; Responses and legacy `functions` do not.
    const definition = asRecord(tool.function) ?? tool;
    total += TOKENS_PER_TOOL + textTokens(count, definition.name) + textTokens(count, definition.description);
    if (definition.parameters !== undefined) total += count(JSON.stringify(definition.parameters));
  }
  return total;
}

/** Responses input items are objects with a `role` or a `type`; embeddings input is strings or token ids. */
function isItemList(value: unknown): boolean {
  return Array.isArray(value) && value.some((item) => {
    const record = asRecord(item);
    return record !== undefined && (record.role !== undefined || record.type === 'function_call' || record.type === 'function_call_output');
  });
}

function textTokens(count: CountFunction, value: unknown): number {
  return typeof value === 'string' ? count(value) : 0;
}

/** Counts generated text delta by delta without keeping the whole text (reliability.md 2.4.3). */
export interface CompletionCounter {
  /** Text, reasoning or tool-argument delta. */
  add(textDelta: string): void;
  /** One tool call started: +7 (its name and arguments arrive through `add`). */
  addToolCall(): void;
  total(): number;
}

/** A pending word longer than this (text without spaces, such as CJK) is counted as it stands. */
const MAX_PENDING_CHARACTERS = 256;

/**
 * Deltas are counted as they arrive, holding back only the incomplete trailing word. The text is cut only
 * before a space that follows a non-space and precedes a letter: both encodings' pre-tokenizers always split
 * there (` word` is one piece), so the sum equals the whole-text count. Text with no such place (CJK, long
 * code tokens) is flushed every 256 characters, which may miscount a token or two at each flush.
 */
export function createCompletionCounter(model: string): CompletionCounter {
  const count = counterFor(encodingForModel(model));
  let counted = 0;
  let pending = '';
  return {
    add(textDelta) {
      if (textDelta === '') return;
      pending += textDelta;
      const cut = lastWordBoundary(pending);
      if (cut > 0) {
        counted += count(pending.slice(0, cut));
        pending = pending.slice(cut);
      }
      if (pending.length > MAX_PENDING_CHARACTERS) {
        counted += count(pending);
        pending = '';
      }
    },
    addToolCall() {
      counted += TOKENS_PER_TOOL_CALL;
    },
    total() {
      return counted + count(pending);
    },
  };
}

/** The last index i with text[i] a space, text[i-1] not whitespace and text[i+1] a letter; 0 when none. */
function lastWordBoundary(text: string): number {
  for (let index = text.length - 2; index > 0; index--) {
    if (text[index] !== ' ') continue;
    if (/\s/.test(text[index - 1] ?? ' ')) continue;
    if (/\p{L}/u.test(text[index + 1] ?? '')) return index;
  }
  return 0;
}
