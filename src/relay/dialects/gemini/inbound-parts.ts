/**
 * One part of a Gemini client's user turn (https://ai.google.dev/api/caching#Part) → one hub content part
 * (https://platform.openai.com/docs/api-reference/chat/create#chat-create-messages):
 * - `text` → `{type: "text"}`;
 * - `inlineData` image → `image_url` with a `data:` URL; WAV or MP3 audio → `input_audio`; anything else
 *   (PDF, plain text …) → a `file` part with a `data:` URL;
 * - `fileData` of an image (or of no stated type) → `image_url` with the file's URI; other files by URI have no
 *   hub form (OpenAI takes files by upload id or inline only).
 */
import type { JsonBody } from '../../types.ts';
import { asRecord, invalidRequest, readString } from '../json-fields.ts';

const audioFormats: Readonly<Record<string, string>> = {
  'audio/wav': 'wav',
  'audio/x-wav': 'wav',
  'audio/wave': 'wav',
  'audio/mp3': 'mp3',
  'audio/mpeg': 'mp3',
};

/** The hub part for a user part; undefined for parts that carry nothing to send (an empty text, metadata). */
export function userContentPart(part: Record<string, unknown>, field: string): JsonBody | undefined {
  if (typeof part.text === 'string') return part.text === '' ? undefined : { type: 'text', text: part.text };
  const inline = asRecord(part.inlineData);
  if (inline !== undefined) return inlinePart(inline, `${field}.inlineData`);
  const file = asRecord(part.fileData);
  if (file !== undefined) return filePart(file, `${field}.fileData`);
  if (part.functionCall !== undefined) {
    throw invalidRequest(`${field}.functionCall`, 'belongs in a turn with role "model"; only the model calls functions');
  }
  if (part.thoughtSignature !== undefined) return undefined;
  throw invalidRequest(field, 'must hold text, inlineData, fileData or functionResponse');
}

function inlinePart(inline: Record<string, unknown>, field: string): JsonBody {
  const mimeType = readString(inline.mimeType)?.toLowerCase();
  const data = readString(inline.data);
  if (mimeType === undefined) throw invalidRequest(`${field}.mimeType`, 'is required, e.g. "image/png"');
  if (data === undefined) throw invalidRequest(`${field}.data`, 'is required: the base64 bytes');
  if (mimeType.startsWith('image/')) return { type: 'image_url', image_url: { url: `data:${mimeType};base64,${data}` } };
  const audio = audioFormats[mimeType];
  if (audio !== undefined) return { type: 'input_audio', input_audio: { data, format: audio } };
  const extension = mimeType.split('/')[1]?.split(/[+;]/)[0] ?? 'bin';
  return { type: 'file', file: { filename: `file.${extension}`, file_data: `data:${mimeType};base64,${data}` } };
}

function filePart(file: Record<string, unknown>, field: string): JsonBody {
  const uri = readString(file.fileUri);
  if (uri === undefined) throw invalidRequest(`${field}.fileUri`, 'is required');
  const mimeType = readString(file.mimeType)?.toLowerCase();
  if (mimeType === undefined || mimeType.startsWith('image/')) return { type: 'image_url', image_url: { url: uri } };
  throw invalidRequest(`${field}.mimeType`, `${mimeType} by URI cannot be passed to this model; send the bytes inline as inlineData`);
}
