/**
 * Images and audio, per OpenAI's API reference: images/create and images/createEdit
 * (https://platform.openai.com/docs/api-reference/images, ImagesResponse), audio/createSpeech (binary audio,
 * streamed), audio/createTranscription and audio/createTranslation (multipart in; `json`, `text`, `srt`,
 * `vtt` or `verbose_json` out).
 */
import { invalidRequest } from './errors.ts';
import { DEFAULT_CHUNKS, estimateTokens } from './generation.ts';
import { jsonReply, readNumber, readString, utf8, type HandlerContext, type MockReply, type ParsedFormData, type UsageReport } from './types.ts';

/** A 1×1 transparent PNG, the image every image route returns. */
export const PNG_BYTES: Uint8Array = Uint8Array.from(
  Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==', 'base64'),
);

interface ImageRequest {
  readonly prompt: string | undefined;
  readonly model: string;
  readonly count: number;
  readonly responseFormat: string | undefined;
  readonly size: string | undefined;
  readonly quality: string | undefined;
}

function images(context: HandlerContext, request: ImageRequest): MockReply {
  if (request.prompt === undefined || request.prompt === '') return invalidRequest("'prompt' is a required property", 'prompt');
  // gpt-image models always answer base64 and report token usage; DALL·E answers URLs unless asked for b64_json.
  const gptImage = request.model.startsWith('gpt-image');
  const base64 = gptImage || request.responseFormat === 'b64_json';
  const data = Array.from({ length: Math.min(Math.max(request.count, 1), 10) }, (_, index) => ({
    ...(base64 ? { b64_json: Buffer.from(PNG_BYTES).toString('base64') } : { url: `${context.baseUrl}/mock-files/image-${context.sequence}-${index}.png` }),
    ...(request.model === 'dall-e-3' ? { revised_prompt: `A mock rendering of: ${request.prompt}` } : {}),
  }));
  if (!gptImage) return jsonReply(200, { created: context.createdAt, data }, { text: '' });
  const textTokens = estimateTokens(request.prompt);
  const outputTokens = 1056 * data.length;
  const usage: UsageReport | undefined = context.controls.usage === 'absent' ? undefined : { promptTokens: textTokens, completionTokens: outputTokens, totalTokens: textTokens + outputTokens, cachedTokens: 0, reasoningTokens: 0 };
  return jsonReply(
    200,
    {
      created: context.createdAt,
      data,
      background: 'opaque',
      output_format: 'png',
      size: request.size === '1024x1536' || request.size === '1536x1024' ? request.size : '1024x1024',
      quality: request.quality === 'low' || request.quality === 'high' ? request.quality : 'medium',
      ...(usage === undefined ? {} : { usage: { input_tokens: textTokens, output_tokens: outputTokens, total_tokens: textTokens + outputTokens, input_tokens_details: { text_tokens: textTokens, image_tokens: 0 } } }),
    },
    { usage, text: '' },
  );
}

export function imageGenerations(context: HandlerContext): MockReply {
  const body = context.json ?? {};
  return images(context, {
    prompt: readString(body, 'prompt'),
    model: readString(body, 'model') ?? 'dall-e-2',
    count: readNumber(body, 'n') ?? 1,
    responseFormat: readString(body, 'response_format'),
    size: readString(body, 'size'),
    quality: readString(body, 'quality'),
  });
}

function formText(form: ParsedFormData, name: string): string | undefined {
  const value = form.get(name);
  return typeof value === 'string' ? value : undefined;
}

function formFile(form: ParsedFormData, ...names: string[]): File | undefined {
  for (const name of names) {
    const value = form.get(name);
    if (value instanceof File) return value;
  }
  return undefined;
}

export function imageEdits(context: HandlerContext): MockReply {
  const form = context.formData;
  if (form === undefined) return invalidRequest('This endpoint expects multipart/form-data.');
  if (formFile(form, 'image', 'image[]') === undefined) return invalidRequest("'image' is a required property", 'image');
  return images(context, {
    prompt: formText(form, 'prompt'),
    model: formText(form, 'model') ?? 'dall-e-2',
    count: Number(formText(form, 'n') ?? '1'),
    responseFormat: formText(form, 'response_format'),
    size: formText(form, 'size'),
    quality: formText(form, 'quality'),
  });
}

const AUDIO_TYPES: Readonly<Record<string, string>> = { mp3: 'audio/mpeg', opus: 'audio/opus', aac: 'audio/aac', flac: 'audio/flac', wav: 'audio/wav', pcm: 'audio/pcm' };

/** One silent MPEG-1 Layer III frame (128 kbit/s, 44.1 kHz: 417 bytes). */
const MP3_FRAME: Uint8Array = (() => {
  const frame = new Uint8Array(417);
  frame.set([0xff, 0xfb, 0x90, 0x64]);
  return frame;
})();

/** Speech arrives as binary audio in chunks as it is synthesised (chunked transfer encoding). */
export function speech(context: HandlerContext): MockReply {
  const body = context.json ?? {};
  const input = readString(body, 'input');
  if (input === undefined || input === '') return invalidRequest("'input' is a required property", 'input');
  const format = readString(body, 'response_format') ?? 'mp3';
  const contentType = AUDIO_TYPES[format];
  if (contentType === undefined) return invalidRequest(`Invalid value for 'response_format': ${format}.`, 'response_format');
  const frames = Array.from({ length: context.controls.chunks ?? DEFAULT_CHUNKS }, () => MP3_FRAME);
  return { status: 200, headers: { 'content-type': contentType }, parts: frames, streaming: true, text: input };
}

function subtitle(text: string, seconds: number, separator: ',' | '.'): string {
  return `00:00:00${separator}000 --> 00:00:${String(Math.min(seconds, 59)).padStart(2, '0')}${separator}000\n${text}\n\n`;
}

/** Transcriptions (`task` "transcribe") and translations (always English, `task` "translate"). */
export function transcription(context: HandlerContext, task: 'transcribe' | 'translate'): MockReply {
  const form = context.formData;
  if (form === undefined) return invalidRequest('This endpoint expects multipart/form-data.');
  const file = formFile(form, 'file');
  if (file === undefined) return invalidRequest("'file' is a required property", 'file');
  const model = formText(form, 'model') ?? 'whisper-1';
  const format = formText(form, 'response_format') ?? 'json';
  const text = `Mock ${task === 'translate' ? 'translation' : 'transcript'} of ${file.size} bytes of audio.`;
  const seconds = Math.max(1, Math.ceil(file.size / 16_000));
  const plain = (body: string, contentType: string): MockReply => ({ status: 200, headers: { 'content-type': contentType }, parts: [utf8(body)], streaming: false, text });
  switch (format) {
    case 'text':
      return plain(`${text}\n`, 'text/plain; charset=utf-8');
    case 'srt':
      return plain(`1\n${subtitle(text, seconds, ',')}`, 'text/plain; charset=utf-8');
    case 'vtt':
      return plain(`WEBVTT\n\n${subtitle(text, seconds, '.')}`, 'text/vtt; charset=utf-8');
    case 'verbose_json':
      return jsonReply(200, {
        task,
        language: 'english',
        duration: seconds,
        text,
        segments: [{ id: 0, seek: 0, start: 0, end: seconds, text, tokens: [], temperature: 0, avg_logprob: -0.2, compression_ratio: 1, no_speech_prob: 0.01 }],
        usage: { type: 'duration', seconds },
      }, { text });
    case 'json':
      break;
    default:
      return invalidRequest(`Invalid value for 'response_format': ${format}.`, 'response_format');
  }
  if (task === 'translate') return jsonReply(200, { text }, { text });
  // gpt-4o transcription models bill tokens; whisper-1 bills seconds (CreateTranscriptionResponseJson.usage).
  if (!model.startsWith('gpt-')) return jsonReply(200, { text, usage: { type: 'duration', seconds } }, { text });
  const inputTokens = seconds * 10;
  const outputTokens = estimateTokens(text);
  const usage: UsageReport = { promptTokens: inputTokens, completionTokens: outputTokens, totalTokens: inputTokens + outputTokens, cachedTokens: 0, reasoningTokens: 0 };
  return jsonReply(
    200,
    { text, usage: { type: 'tokens', input_tokens: inputTokens, input_token_details: { text_tokens: 0, audio_tokens: inputTokens }, output_tokens: outputTokens, total_tokens: inputTokens + outputTokens } },
    { text, usage },
  );
}
