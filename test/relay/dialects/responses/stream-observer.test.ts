/**
 * The Responses passthrough observer with the API reference's streams: usage and the end from the terminal event
 * only, the text delivered (for a local count) from the text, reasoning and argument deltas, the last
 * sequence_number, and an in-band error or response.failed thrown before it counts as relayed.
 */
import { describe, expect, test } from 'bun:test';
import { createResponsesObserver } from '../../../../src/relay/dialects/responses/stream-observer.ts';
import { UpstreamError } from '../../../../src/relay/errors.ts';
import { inspect } from '../../../../src/relay/stream/chunk-facts.ts';
import type { NativeObserver } from '../../../../src/relay/types.ts';
import { errorEvent, failedEvent, functionCallStream, incompleteEvent, parseSse, reasoningStream, textStream } from './fixtures.ts';

/** Feeds the events; returns what the relay would count from the chunks the observer handed back. */
function observe(observer: NativeObserver, stream: string): { text: string; toolCalls: number } {
  let text = '';
  let toolCalls = 0;
  for (const event of parseSse(stream)) {
    for (const chunk of observer.push(event)) {
      const facts = inspect(chunk);
      text += facts.text;
      toolCalls += facts.toolCalls;
    }
  }
  return { text, toolCalls };
}

describe('Responses stream observer', () => {
  test('text: completed on response.completed, usage in the hub semantics, the deltas counted', () => {
    const observer = createResponsesObserver();
    const seen = observe(observer, textStream);
    expect(observer.completed).toBe(true);
    expect(observer.usage()).toMatchObject({ promptTokens: 37, completionTokens: 11, totalTokens: 48, estimated: false });
    expect(seen).toEqual({ text: 'Hi there! How can I assist you today?', toolCalls: 0 });
    expect(observer.lastSequenceNumber).toBe(9);
  });

  test('before the end: not completed, no usage, the last sequence_number so far', () => {
    const observer = createResponsesObserver();
    const events = parseSse(textStream);
    for (const event of events.slice(0, 5)) observer.push(event);
    expect(observer.completed).toBe(false);
    expect(observer.usage()).toBeUndefined();
    expect(observer.lastSequenceNumber).toBe(4);
  });

  test('a function call (data-only events): one tool call with its name, the argument fragments counted', () => {
    const observer = createResponsesObserver();
    const seen = observe(observer, functionCallStream);
    expect(seen).toEqual({ text: 'get_weather{"location":"Paris, France"}', toolCalls: 1 });
    expect(observer.usage()).toMatchObject({ promptTokens: 291, completionTokens: 23 });
    expect(observer.lastSequenceNumber).toBe(10);
  });

  test('reasoning summaries are delivered text; reasoning tokens are reported', () => {
    const observer = createResponsesObserver();
    const seen = observe(observer, reasoningStream);
    expect(seen.text).toBe('**Responding to a greeting**\n\nThe user just said, "Hello!"**Greeting back**Hello!');
    expect(observer.usage()).toMatchObject({ completionTokens: 150, reasoningTokens: 128 });
  });

  test('response.incomplete ends the stream too', () => {
    const observer = createResponsesObserver();
    observe(observer, incompleteEvent);
    expect(observer.completed).toBe(true);
    // Its example reports `usage: null`: the relay estimates.
    expect(observer.usage()).toBeUndefined();
    expect(observer.lastSequenceNumber).toBe(1);
  });

  test('an error event or response.failed throws, and does not count as relayed', () => {
    for (const stream of [errorEvent, failedEvent]) {
      const observer = createResponsesObserver();
      observer.push(parseSse(textStream)[0] ?? { event: undefined, data: '' });
      expect(() => observe(observer, stream)).toThrow(UpstreamError);
      expect(observer.lastSequenceNumber).toBe(0);
      expect(observer.completed).toBe(false);
    }
  });

  test('a malformed event throws malformed_event; empty data and [DONE] are ignored; nothing counts after the end', () => {
    const observer = createResponsesObserver();
    expect(observer.push({ event: undefined, data: '' })).toEqual([]);
    expect(observer.push({ event: undefined, data: '[DONE]' })).toEqual([]);
    expect(() => observer.push({ event: 'response.output_text.delta', data: 'not json' })).toThrow(expect.objectContaining({ code: 'malformed_event' }));
    observe(observer, textStream);
    expect(observer.push({ event: 'response.output_text.delta', data: '{"type":"response.output_text.delta","delta":"late","sequence_number":99}' })).toEqual([]);
    expect(observer.lastSequenceNumber).toBe(9);
  });

  test('audio deltas (base64) and built-in tool progress are not counted as text', () => {
    const observer = createResponsesObserver();
    const chunks = [
      ...observer.push({ event: 'response.audio.delta', data: '{"type":"response.audio.delta","delta":"UklGRiQAAABXQVZF","sequence_number":3}' }),
      ...observer.push({ event: 'response.web_search_call.searching', data: '{"type":"response.web_search_call.searching","item_id":"ws_1","output_index":0,"sequence_number":4}' }),
    ];
    expect(chunks).toEqual([]);
    expect(observer.lastSequenceNumber).toBe(4);
  });
});
