/**
 * Hub message content (https://platform.openai.com/docs/api-reference/chat/create#chat-create-messages) → Gemini
 * parts (https://ai.google.dev/api/caching#Part):
 * - `text` and `refusal` → `{text}` (empty texts are left out: Gemini refuses empty parts);
 * - `image_url` with a `data:` URL → `inlineData`; any other URL → `fileData {fileUri, mimeType}`, the MIME type
 *   guessed from the file extension (JPEG when there is none). Through the relay only Google's own file URIs
 *   (Files API, gs://) get here: the pipeline fetches other http(s) images through the outbound guard first and
 *   hands over `data:` URLs (src/relay/inline-images.ts);
 * - `input_audio` → `inlineData` `audio/wav` or `audio/mp3` (https://ai.google.dev/gemini-api/docs/audio);
 * - `file` with `file_data` → `inlineData` (MIME type from the data URL, else from the file name, else PDF);
 *   a `file_id` names a file stored at OpenAI and has no Gemini form.
 */
import type { JsonBody } from '../../types.ts';
import { asRecord, invalidRequest, readArray, readRecords, readString } from '../json-fields.ts';

const imageTypes: Readonly<Record<string, string>> = {
  png: 'image/png',
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  webp: 'image/webp',
  gif: 'image/gif',
  heic: 'image/heic',
  heif: 'image/heif',
};

const fileTypes: Readonly<Record<string, string>> = {
  pdf: 'application/pdf',
  txt: 'text/plain',
  md: 'text/md',
  html: 'text/html',
  csv: 'text/csv',
  xml: 'text/xml',
  ...imageTypes,
};

/** `data:image/png;base64,AAAA` → `{mimeType: "image/png", data: "AAAA"}`; undefined for other URLs. */
export function parseDataUrl(url: string): { mimeType: string | undefined; data: string } | undefined {
  const match = /^data:([^;,]*)((?:;[^;,]*)*),(.*)$/s.exec(url);
  if (match === null) return undefined;
  const parameters = (match[2] ?? '').split(';');
  if (!parameters.includes('base64')) return undefined;
  const mimeType = match[1] === '' ? undefined : match[1]?.toLowerCase();
  return { mimeType, data: match[3] ?? '' };
}

function extensionOf(name: string): string {
  const path = name.split(/[?#]/)[0] ?? '';
  const dot = path.lastIndexOf('.');
  return dot < 0 ? '' : path.slice(dot + 1).toLowerCase();
}

/** The text of a message whose content is a string or text parts (system, developer, tool messages). */
export function contentText(content: unknown, field: string): string {
  if (typeof content === 'string') return content;
  if (content === undefined || content === null) return '';
  const parts = readArray(content);
  if (parts === undefined) throw invalidRequest(`${field}.content`, 'must be a string or an array of text parts');
  return parts
    .map((raw, index) => {
      const part = asRecord(raw);
      const text = readString(part?.text) ?? readString(part?.refusal);
      if (text === undefined) throw invalidRequest(`${field}.content[${index}]`, 'must be a text part here');
      return text;
    })
    .join('');
}

/** Parts for a user or assistant message's content. */
export function contentParts(content: unknown, field: string): JsonBody[] {
  if (typeof content === 'string') return content === '' ? [] : [{ text: content }];
  if (content === undefined || content === null) return [];
  if (!Array.isArray(content)) throw invalidRequest(`${field}.content`, 'must be a string or an array of content parts');
  const parts: JsonBody[] = [];
  readRecords(content).forEach((part, index) => {
    const converted = contentPart(part, `${field}.content[${index}]`);
    if (converted !== undefined) parts.push(converted);
  });
  return parts;
}

function contentPart(part: Record<string, unknown>, field: string): JsonBody | undefined {
  switch (part.type) {
    case 'text':
    case 'refusal': {
      const text = readString(part.text) ?? readString(part.refusal) ?? '';
      return text === '' ? undefined : { text };
    }
    case 'image_url': {
      const url = readString(asRecord(part.image_url)?.url) ?? readString(part.image_url);
      if (url === undefined) throw invalidRequest(`${field}.image_url.url`, 'is required');
      const inline = parseDataUrl(url);
      if (inline !== undefined) return { inlineData: { mimeType: inline.mimeType ?? 'image/jpeg', data: inline.data } };
      if (url.startsWith('data:')) throw invalidRequest(`${field}.image_url.url`, 'is a data: URL without ";base64"; send the image base64-encoded');
      return { fileData: { fileUri: url, mimeType: imageTypes[extensionOf(url)] ?? 'image/jpeg' } };
    }
    case 'input_audio': {
      const audio = asRecord(part.input_audio) ?? {};
      const data = readString(audio.data);
      const format = readString(audio.format);
      if (data === undefined || format === undefined) throw invalidRequest(`${field}.input_audio`, 'needs data (base64) and format (wav or mp3)');
      return { inlineData: { mimeType: `audio/${format}`, data } };
    }
    case 'file': {
      const file = asRecord(part.file) ?? {};
      const fileData = readString(file.file_data);
      if (fileData === undefined) {
        throw invalidRequest(`${field}.file`, 'refers to a file stored at OpenAI (file_id); send its bytes as file_data for Gemini channels');
      }
      const inline = parseDataUrl(fileData);
      const mimeType = inline?.mimeType ?? fileTypes[extensionOf(readString(file.filename) ?? '')] ?? 'application/pdf';
      return { inlineData: { mimeType, data: inline?.data ?? fileData } };
    }
    default:
      throw invalidRequest(`${field}.type`, `${JSON.stringify(part.type)} cannot be sent to a Gemini channel; use text, image_url, input_audio or file`);
  }
}
