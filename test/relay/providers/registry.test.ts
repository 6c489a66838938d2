import { describe, expect, test } from 'bun:test';
import { adapterFor } from '../../../src/relay/providers/registry.ts';
import { channelKinds } from '../../../src/services/channel-types.ts';

describe('provider registry', () => {
  test('every kind has an adapter that serves chat completions', () => {
    for (const kind of channelKinds) {
      expect(adapterFor(kind).endpoints.has('chat-completions')).toBe(true);
    }
  });

  test('gemini channels also serve embeddings; anthropic channels only chat', () => {
    expect(adapterFor('gemini').endpoints.has('embeddings')).toBe(true);
    expect(adapterFor('gemini').translate).toBeDefined();
    expect([...adapterFor('anthropic').endpoints]).toEqual(['chat-completions']);
  });
});
