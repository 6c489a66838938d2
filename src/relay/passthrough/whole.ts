/**
 * A whole (non-stream) native answer handed to a client of the same dialect as the bytes the upstream sent.
 * It is read to its end first, as whole-answer.ts reads a JSON answer: for its usage, and so that a body cut
 * short, a 2xx that is not JSON, or a 2xx carrying an error (Gemini's JSON-array stream ending with one) is a
 * failed attempt the next channel may still answer instead of a broken 200.
 */
import { redactUpstreamBody } from '../../security/redact.ts';
import type { DispatchResponse } from '../dispatch.ts';
import { UpstreamError } from '../errors.ts';
import type { ChannelTarget, NativeCapability, RelayRequest, Usage } from '../types.ts';
import { estimatedUsage, readWholeBytes } from '../whole-answer.ts';

const utf8 = new TextDecoder();

export async function answerPassthroughWhole(
  request: RelayRequest,
  response: DispatchResponse,
  native: NativeCapability,
  target: ChannelTarget,
  promptTokens: () => number,
): Promise<{ response: Response; usage: Usage }> {
  const bytes = await readWholeBytes(response);
  const text = utf8.decode(bytes);
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  if (json === null || typeof json !== 'object') {
    throw new UpstreamError({
      status: 0,
      code: 'bad_response_body',
      message: 'the upstream answered 2xx without a JSON body',
      retryable: true,
      channelAtFault: false,
      upstreamBody: redactUpstreamBody(text, [target.key]),
    });
  }
  const read = native.readWhole(json, request, target);
  return {
    response: new Response(bytes, { status: response.status, headers: { 'content-type': response.headers.get('content-type') ?? 'application/json' } }),
    usage: read.usage ?? estimatedUsage(request, promptTokens, read.text),
  };
}
