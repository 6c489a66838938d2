/**
 * Server-sent events as OpenAI sends them (https://html.spec.whatwg.org/multipage/server-sent-events.html):
 * Chat Completions and Completions send `data: {json}` events and end with `data: [DONE]`; the Responses
 * API names each event with an `event:` line and ends with `response.completed`, no `[DONE]`.
 */
import type { LineEnding, MockControls } from './controls.ts';
import { utf8, type MockReply, type UsageReport } from './types.ts';

const LINE_ENDINGS: Readonly<Record<LineEnding, string>> = { lf: '\n', crlf: '\r\n', cr: '\r' };

export class SseWriter {
  readonly parts: Uint8Array[] = [];
  private readonly end: string;

  constructor(controls: MockControls) {
    this.end = LINE_ENDINGS[controls.sse ?? 'lf'];
  }

  /** `data: <json>` (the line itself, without its line ending, is what `line-bytes` measures). */
  data(payload: unknown): void {
    this.parts.push(utf8(`${dataLine(payload)}${this.end}${this.end}`));
  }

  event(type: string, payload: unknown): void {
    this.parts.push(utf8(`event: ${type}${this.end}${dataLine(payload)}${this.end}${this.end}`));
  }

  done(): void {
    this.parts.push(utf8(`data: [DONE]${this.end}${this.end}`));
  }

  reply(usage: UsageReport | undefined, text: string): MockReply {
    return {
      status: 200,
      // OpenAI streams carry no-cache; the gateway must not rely on either header.
      headers: { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache' },
      parts: this.parts,
      streaming: true,
      usage,
      text,
    };
  }
}

export function dataLine(payload: unknown): string {
  return `data: ${JSON.stringify(payload)}`;
}

/**
 * Chat chunks carry `obfuscation`, random padding that hides token lengths, unless the request sets
 * `stream_options.include_obfuscation: false` (CreateChatCompletionStreamResponse in OpenAI's OpenAPI
 * document). The mock pads deterministically.
 */
export function obfuscation(index: number): string {
  return 'mockpad0123456789'.slice(0, 2 + (index % 8));
}

export interface ParsedEvent {
  readonly event: string | undefined;
  readonly data: string;
}

/** Splits a whole SSE body into events (any line ending; comments skipped; multi-line `data:` joined). */
export function parseSse(text: string): ParsedEvent[] {
  const events: ParsedEvent[] = [];
  let event: string | undefined;
  let data: string[] = [];
  for (const line of text.split(/\r\n|\r|\n/)) {
    if (line === '') {
      if (data.length > 0) events.push({ event, data: data.join('\n') });
      event = undefined;
      data = [];
    } else if (line.startsWith('data:')) {
      data.push(line.slice(5).replace(/^ /, ''));
    } else if (line.startsWith('event:')) {
      event = line.slice(6).trim();
    }
  }
  if (data.length > 0) events.push({ event, data: data.join('\n') });
  return events;
}
