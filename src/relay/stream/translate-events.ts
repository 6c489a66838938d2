/**
 * The translation of a native upstream stream (the adapter's `translate` hook: Anthropic, Gemini) into the hub
 * chunks relay-stream.ts relays as it would an OpenAI upstream's, with the converter's end marker as `[DONE]`.
 */
import type { NativeToHubStream } from '../dialects/types.ts';
import type { Usage } from '../types.ts';
import type { SseEvent } from './sse-parser.ts';
import type { UpstreamEvents } from './upstream-reader.ts';

export function translatedEvents(
  upstream: UpstreamEvents,
  native: NativeToHubStream | undefined,
  reportUsage: (usage: Usage) => void,
): () => Promise<SseEvent[] | undefined> {
  const { next: nextEvents, close: closeReader } = upstream;
  /**
   * A native stream (Anthropic, Gemini) converted to hub events: one `data:` event per hub chunk, and a
   * `[DONE]` once the converter saw the provider's end marker. Usage comes from the converter (reportedUsage),
   * not from the chunks: its usage chunk is only the client's copy, and is left out when the upstream reported
   * none, so that the local estimate takes its place. An in-band error event throws its UpstreamError.
   */
  const toHub = (events: SseEvent[]): SseEvent[] => {
    if (native === undefined) return events;
    const hub: SseEvent[] = [];
    for (const event of events) {
      for (const chunk of native.push(event)) {
        const usageOnly = Array.isArray(chunk.choices) && chunk.choices.length === 0 && chunk.usage !== undefined;
        if (usageOnly && native.usage() === undefined) continue;
        hub.push({ event: undefined, data: JSON.stringify(chunk), id: undefined });
      }
      const usage = native.usage();
      if (usage !== undefined) reportUsage(usage);
      if (native.completed) {
        hub.push({ event: undefined, data: '[DONE]', id: undefined });
        break;
      }
    }
    return hub;
  };
  /** The next events to relay: as read for an OpenAI-format upstream; converted, and at least one, for a native one. */
  const nextRelayEvents = async (): Promise<SseEvent[] | undefined> => {
    for (;;) {
      const events = await nextEvents();
      if (events === undefined || native === undefined) return events;
      let hub: SseEvent[];
      try {
        hub = toHub(events);
      } catch (error) {
        closeReader();
        throw error;
      }
      if (hub.length > 0) return hub;
    }
  };
  return nextRelayEvents;
}
