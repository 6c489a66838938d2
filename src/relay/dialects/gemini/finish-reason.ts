/**
 * Gemini `finishReason` (https://ai.google.dev/api/generate-content#FinishReason) ⇄ the hub's `finish_reason`
 * (stop, length, tool_calls, content_filter).
 */

/** Reasons that mean Google's filters withheld or cut the answer (prompt or output, text or image). */
const filteredReasons: ReadonlySet<string> = new Set([
  'SAFETY',
  'RECITATION',
  'BLOCKLIST',
  'PROHIBITED_CONTENT',
  'SPII',
  'IMAGE_SAFETY',
  'IMAGE_PROHIBITED_CONTENT',
  'IMAGE_RECITATION',
]);

/**
 * Gemini → hub. Gemini ends a function-calling turn with STOP, so STOP with function calls is `tool_calls`.
 * MAX_TOKENS → `length`; the filter reasons → `content_filter`; everything else (OTHER, LANGUAGE,
 * MALFORMED_FUNCTION_CALL, reasons added later) → `stop`, the hub having no better word.
 */
export function hubFinishReason(reason: string, hasFunctionCalls: boolean): string {
  if (reason === 'MAX_TOKENS') return 'length';
  if (filteredReasons.has(reason)) return 'content_filter';
  return hasFunctionCalls ? 'tool_calls' : 'stop';
}

/** Hub → Gemini: a tool-calling turn is STOP, as Gemini's own; an unknown reason is OTHER. */
export function geminiFinishReason(reason: unknown): string {
  switch (reason) {
    case 'stop':
    case 'tool_calls':
    case 'function_call':
      return 'STOP';
    case 'length':
      return 'MAX_TOKENS';
    case 'content_filter':
      return 'SAFETY';
    default:
      return 'OTHER';
  }
}
