import { describe, expect, test } from 'bun:test';
import { adapterFor, isPendingKind, pendingReason } from '../../../src/relay/providers/registry.ts';
import { channelKinds } from '../../../src/services/channel-types.ts';

describe('provider registry', () => {
  test('every kind has an adapter except the pending ones, which say why', () => {
    for (const kind of channelKinds) {
      if (isPendingKind(kind)) {
        expect(adapterFor(kind)).toBeUndefined();
        expect(pendingReason(kind)).toContain('not built yet');
      } else {
        expect(adapterFor(kind)?.endpoints.has('chat-completions')).toBe(true);
        expect(pendingReason(kind)).toBeUndefined();
      }
    }
    expect(channelKinds.filter((kind) => isPendingKind(kind))).toEqual(['gemini']);
  });
});
