/**
 * The one place secrets are removed from text (reliability.md 2.6.4), used by the logger for every logged
 * string and by the adapters for upstream text before it is logged or shown to a client: the channel key itself, whole or in fragments of 8+ characters, provider key shapes (`sk-…` and
 * friends), bearer tokens, key-named fields and `key=` query parameters. Forwarded upstream errors have leaked
 * key fragments before (nyroway/nyro#67), so this runs on every upstream error body.
 */

export const REDACTED = '[redacted]';

/** Upstream error bodies are kept for the log at most this long, after redaction (reliability.md 2.6.4). */
export const UPSTREAM_BODY_LIMIT_BYTES = 2048;

/** Shorter fragments of a secret are left alone: 8 random characters do not occur in ordinary text by chance. */
const MIN_FRAGMENT_LENGTH = 8;

/**
 * Provider key shapes, whoever the key belongs to: OpenAI / Anthropic (`sk-ant-`) / DeepSeek / Moonshot /
 * SiliconFlow / OpenRouter (`sk-or-v1-`) and gateway keys (`sk-`), xAI (`xai-`), Groq (`gsk_`),
 * Google (`AIza`), Hugging Face (`hf_`).
 */
const keyShapes: readonly RegExp[] = [
  /\bsk-[A-Za-z0-9_-]{16,}/g,
  /\bxai-[A-Za-z0-9_-]{16,}/g,
  /\bgsk_[A-Za-z0-9]{16,}/g,
  /\bAIza[0-9A-Za-z_-]{30,}/g,
  /\bhf_[A-Za-z0-9]{16,}/g,
];

/** `Bearer <token>` / `Basic <credentials>` anywhere in the text. */
const authorizationValue = /\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]{8,}/gi;

/** `"api_key": "…"`, `x-api-key: …`, `access_token=…`, `client_secret: …` — the value after a key-like name. */
const labelledSecret = /\b((?:x-)?api[-_]?key|access[-_]?token|client[-_]?secret|secret[-_]?key|password)(["']?\s*[:=]\s*["']?)[^"'\s,;&}]{4,}/gi;

/** `scheme://user:password@host`: the password of a database or Redis URL. */
const urlPassword = /(\b[a-z][a-z0-9+.-]*:\/\/[^:/?#@\s]*:)[^@/?#\s]+@/gi;

/** `?key=…` / `&token=…` in URLs (Gemini puts its key in the query). */
const secretQueryParameter = /([?&](?:key|api[-_]?key|token|access_token)=)[^&\s"'#]+/gi;

/**
 * Returns `text` with every secret in `secrets` (whole, or any fragment of 8+ characters) and every key-like
 * value replaced by `[redacted]`. Secrets shorter than 8 characters are not searched for: they are not real
 * credentials (Ollama's placeholder key, for one) and masking them would mangle ordinary words.
 */
export function redact(text: string, secrets: readonly string[] = []): string {
  let result = text;
  for (const secret of secrets) result = redactSecret(result, secret.trim());
  for (const shape of keyShapes) result = result.replace(shape, REDACTED);
  return result
    .replace(urlPassword, '$1****@')
    .replace(authorizationValue, `$1 ${REDACTED}`)
    .replace(labelledSecret, `$1$2${REDACTED}`)
    .replace(secretQueryParameter, `$1${REDACTED}`);
}

/** Redacts an upstream error body and cuts it to 2 KiB for the log (redacting first, so no cut key survives). */
export function redactUpstreamBody(text: string, secrets: readonly string[] = []): string {
  return cutToBytes(redact(text, secrets), UPSTREAM_BODY_LIMIT_BYTES);
}

/** Cuts `text` to at most `maxBytes` of UTF-8, on a character boundary, marking the cut with `…`. */
export function cutToBytes(text: string, maxBytes: number): string {
  const encoder = new TextEncoder();
  const bytes = encoder.encode(text);
  if (bytes.length <= maxBytes) return text;
  const marker = '…';
  const room = Math.max(0, maxBytes - encoder.encode(marker).length);
  // A multi-byte character split by the cut decodes to U+FFFD; drop it rather than show a broken character.
  const head = new TextDecoder().decode(bytes.subarray(0, room)).replace(/\uFFFD$/, '');
  return head + marker;
}

/** Replaces every run of `text` that is a substring of `secret` and at least 8 characters long. */
function redactSecret(text: string, secret: string): string {
  if (secret.length < MIN_FRAGMENT_LENGTH || text.length < MIN_FRAGMENT_LENGTH) return text;
  const windows = new Set<string>();
  for (let start = 0; start + MIN_FRAGMENT_LENGTH <= secret.length; start++) {
    windows.add(secret.slice(start, start + MIN_FRAGMENT_LENGTH));
  }
  let output = '';
  let copiedUpTo = 0;
  let position = 0;
  while (position + MIN_FRAGMENT_LENGTH <= text.length) {
    if (!windows.has(text.slice(position, position + MIN_FRAGMENT_LENGTH))) {
      position++;
      continue;
    }
    let end = position + MIN_FRAGMENT_LENGTH;
    while (end < text.length && secret.includes(text.slice(position, end + 1))) end++;
    output += text.slice(copiedUpTo, position) + REDACTED;
    copiedUpTo = end;
    position = end;
  }
  return copiedUpTo === 0 ? text : output + text.slice(copiedUpTo);
}
