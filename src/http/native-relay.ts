/**
 * What the Anthropic, Gemini and Responses routes share for the passthrough (architecture.md decision 1): the
 * client's own request rides along with the hub request, and a channel of the client's dialect takes it raw. The
 * hub request is still made up front — it sizes the reservation and serves every channel that needs it converted —
 * but a body the converter refuses (a block or tool only the client's own provider knows, such as Google Search
 * grounding, cachedContent or previous_response_id) no longer ends the request there: a channel of the same dialect
 * can still take it, and the refusal is the client's 400 only when none did (the pipeline skips converted channels
 * with it).
 */
import { isGatewayError, type GatewayError } from '../errors/gateway-error.ts';
import { asRecord } from '../relay/dialects/json-fields.ts';
import type { JsonBody } from '../relay/types.ts';

export interface HubRequestOrRefusal {
  /** The hub request; for a refused body, a text-only stand-in that only sizes the reservation. */
  readonly body: JsonBody;
  readonly refusal: GatewayError | undefined;
}

/**
 * The hub request `convert` makes, or — when it refuses the body as a 400 — the stand-in `standIn` makes and the
 * refusal. Any other error is thrown.
 */
export function hubRequestOrRefusal(convert: () => JsonBody, standIn: () => JsonBody): HubRequestOrRefusal {
  try {
    return { body: convert(), refusal: undefined };
  } catch (error) {
    if (!isGatewayError(error) || error.code !== 'invalid_request') throw error;
    return { body: standIn(), refusal: error };
  }
}

/**
 * Keys whose strings are generated or shown text; base64 data, ids and signatures are left out of the estimate.
 * `instructions`, `input`, `output` and `arguments` are the Responses API's (a string input, function call items).
 */
const TEXT_KEYS: ReadonlySet<string> = new Set([
  'text',
  'system',
  'content',
  'thinking',
  'description',
  'instructions',
  'input',
  'output',
  'arguments',
]);

/** The prompt text of a native body, for the stand-in's estimate: every string under a text-like key. */
export function promptTextOf(value: unknown, key = ''): string {
  if (typeof value === 'string') return TEXT_KEYS.has(key) ? value : '';
  if (Array.isArray(value)) return value.map((item) => promptTextOf(item, key)).filter((text) => text !== '').join('\n');
  const record = asRecord(value);
  if (record === undefined) return '';
  const texts: string[] = [];
  for (const [name, item] of Object.entries(record)) {
    const text = promptTextOf(item, name);
    if (text !== '') texts.push(text);
  }
  return texts.join('\n');
}

/** A chat stand-in: the prompt as one user message, and the output limit the client set (for the hold). */
export function chatStandIn(model: string, body: JsonBody, maxTokens: unknown): JsonBody {
  const standIn: JsonBody = { model, messages: [{ role: 'user', content: promptTextOf(body) }] };
  if (typeof maxTokens === 'number' && Number.isInteger(maxTokens) && maxTokens > 0) standIn.max_tokens = maxTokens;
  return standIn;
}
