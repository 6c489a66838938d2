/**
 * Reads a relay request body: capped before parsing (after decompression, so a gzip bomb cannot grow past the
 * cap), JSON parsed leniently (unknown fields pass through to the upstream), multipart kept as FormData.
 * Every problem is a 4xx in OpenAI's shape, never a 5xx (reliability.md 2.8.5).
 */
import { GatewayError } from '../errors/gateway-error.ts';
import type { JsonBody } from '../relay/types.ts';

function tooLarge(limitBytes: number): GatewayError {
  return new GatewayError({
    code: 'payload_too_large',
    message: `the request body is larger than ${Math.round(limitBytes / 1024 / 1024)} MiB; send a smaller one (the operator sets the limit with MAX_REQUEST_BODY_MB)`,
  });
}

/** Reads at most `limitBytes` of the (decompressed) body; throws 413 past it. */
export async function readCappedBody(request: Request, limitBytes: number): Promise<Uint8Array> {
  const declared = Number(request.headers.get('content-length') ?? '0');
  const encoding = (request.headers.get('content-encoding') ?? 'identity').trim().toLowerCase();
  if (encoding === 'identity' && declared > limitBytes) throw tooLarge(limitBytes);
  if (request.body === null) return new Uint8Array();
  if (encoding === 'identity' && request.headers.has('content-length') && Number.isFinite(declared) && declared <= limitBytes) {
    // A declared length within the cap (checked above): the server frames the body by it, so it is read whole.
    let buffer: ArrayBuffer;
    try {
      buffer = await request.arrayBuffer();
    } catch (error) {
      throw new GatewayError({ code: 'invalid_request', message: `the request body could not be read: ${(error as Error).message}` });
    }
    if (buffer.byteLength > limitBytes) throw tooLarge(limitBytes);
    return new Uint8Array(buffer);
  }
  let stream: ReadableStream<Uint8Array> = request.body;
  if (encoding === 'gzip' || encoding === 'deflate') {
    stream = stream.pipeThrough(new DecompressionStream(encoding) as unknown as ReadableWritablePair<Uint8Array, Uint8Array>);
  } else if (encoding !== 'identity') {
    throw new GatewayError({
      code: 'invalid_request',
      message: `Content-Encoding "${encoding}" is not supported; send the body uncompressed, or gzip or deflate`,
    });
  }
  const reader = stream.getReader();
  const parts: Uint8Array[] = [];
  let total = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      total += value.byteLength;
      if (total > limitBytes) {
        await reader.cancel();
        throw tooLarge(limitBytes);
      }
      parts.push(value);
    }
  } catch (error) {
    if (error instanceof GatewayError) throw error;
    throw new GatewayError({ code: 'invalid_request', message: `the request body could not be read: ${(error as Error).message}` });
  }
  const body = new Uint8Array(total);
  let offset = 0;
  for (const part of parts) {
    body.set(part, offset);
    offset += part.byteLength;
  }
  return body;
}

/** Without `stream`, every decode stands alone, so one decoder serves every request. */
const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

export async function readJsonBody(request: Request, limitBytes: number): Promise<JsonBody> {
  return (await readJsonBodyAndText(request, limitBytes)).body;
}

/** The JSON body and the text it was parsed from (a passthrough forwards the client's own text). */
export async function readJsonBodyAndText(request: Request, limitBytes: number): Promise<{ body: JsonBody; text: string }> {
  const bytes = await readCappedBody(request, limitBytes);
  let parsed: unknown;
  let text: string;
  try {
    text = strictUtf8.decode(bytes);
    parsed = JSON.parse(text);
  } catch (error) {
    throw new GatewayError({
      code: 'invalid_request',
      message: `the request body is not valid JSON (${(error as Error).message}); send a JSON object with Content-Type: application/json`,
    });
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new GatewayError({ code: 'invalid_request', message: 'the request body must be a JSON object' });
  }
  return { body: parsed as JsonBody, text };
}

export async function readFormBody(request: Request, limitBytes: number): Promise<FormData> {
  const contentType = request.headers.get('content-type') ?? '';
  if (!contentType.toLowerCase().startsWith('multipart/form-data')) {
    throw new GatewayError({ code: 'invalid_request', message: 'this endpoint takes multipart/form-data (a file upload)' });
  }
  const bytes = await readCappedBody(request, limitBytes);
  try {
    // undici's and the DOM's FormData types differ only in iterator typings; Bun returns one object either way.
    return (await new Response(bytes, { headers: { 'content-type': contentType } }).formData()) as unknown as FormData;
  } catch (error) {
    throw new GatewayError({ code: 'invalid_request', message: `the multipart body could not be parsed: ${(error as Error).message}` });
  }
}

/** Optional integer field within a range; absent stays absent (an explicit 0 is kept and checked). */
export function checkInteger(body: JsonBody, field: string, min: number, max: number): void {
  const value = body[field];
  if (value === undefined || value === null) return;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new GatewayError({
      code: 'invalid_request',
      field,
      message: `"${field}" must be a whole number from ${min} to ${max} (got ${JSON.stringify(value).slice(0, 40)})`,
    });
  }
}
