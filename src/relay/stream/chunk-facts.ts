/**
 * What relay-stream.ts reads from an OpenAI-format chunk (chat/completions) without the adapter: the generated
 * text and tool calls to count, whether it is a usage-only chunk, and whether it may carry usage at all (a
 * cheap text check before any JSON.parse).
 */

export interface ChunkFacts {
  usageOnly: boolean;
  text: string;
  toolCalls: number;
}

/** What a chat/completions chunk or a Responses event adds: generated text (for counting) and whether it is usage only. */
export function inspect(json: unknown): ChunkFacts {
  const facts: ChunkFacts = { usageOnly: false, text: '', toolCalls: 0 };
  if (json === null || typeof json !== 'object') return facts;
  const record = json as Record<string, unknown>;
  if (typeof record.type === 'string') {
    // Responses API: output_text / reasoning / function-call argument deltas.
    if (typeof record.delta === 'string' && /\.delta$/.test(record.type)) facts.text = record.delta;
    return facts;
  }
  const choices = record.choices;
  if (Array.isArray(choices)) {
    facts.usageOnly = choices.length === 0 && record.usage !== undefined && record.usage !== null;
    for (const choice of choices as Record<string, unknown>[]) {
      if (typeof choice.text === 'string') facts.text += choice.text;
      const delta = choice.delta as Record<string, unknown> | undefined;
      if (delta === undefined || delta === null) continue;
      if (typeof delta.content === 'string') facts.text += delta.content;
      if (typeof delta.reasoning_content === 'string') facts.text += delta.reasoning_content;
      if (Array.isArray(delta.tool_calls)) {
        for (const call of delta.tool_calls as { id?: unknown; function?: { arguments?: unknown; name?: unknown } }[]) {
          if (typeof call.id === 'string') facts.toolCalls++;
          if (typeof call.function?.name === 'string') facts.text += call.function.name;
          if (typeof call.function?.arguments === 'string') facts.text += call.function.arguments;
        }
      }
    }
  }
  return facts;
}

/** The parsed JSON text, or undefined when it is not JSON. */
export function parseJson(data: string): unknown {
  try {
    return JSON.parse(data);
  } catch {
    return undefined;
  }
}

/** Skips JSON whitespace from `index`. */
function skipWhitespace(text: string, index: number): number {
  let at = index;
  for (;;) {
    const code = text.charCodeAt(at);
    if (code !== 0x20 && code !== 0x09 && code !== 0x0a && code !== 0x0d) return at;
    at++;
  }
}

/**
 * False only when the chunk certainly has no usage for `readUsage` (and so is not a usage-only chunk either):
 * no `"usage"` key other than `"usage": null`, and no `\u` escape that could spell the key another way. A
 * false true costs only a JSON.parse.
 */
export function mayCarryUsage(data: string): boolean {
  if (data.includes('\\u')) return true;
  let at = data.indexOf('"usage"');
  while (at !== -1) {
    let next = skipWhitespace(data, at + 7);
    if (data.charCodeAt(next) !== 0x3a) return true;
    next = skipWhitespace(data, next + 1);
    if (!data.startsWith('null', next)) return true;
    at = data.indexOf('"usage"', next + 4);
  }
  return false;
}
