import { describe, expect, test } from 'bun:test';
import { isReasoningModel, parseReasoningSuffix, type ReasoningEffort } from '../../../src/relay/providers/reasoning-suffix.ts';

describe('reasoning suffix', () => {
  test('suffix parser', () => {
    const cases: [string, string, ReasoningEffort | undefined][] = [
      ['o3-mini-high', 'o3-mini', 'high'],
      ['o1-low', 'o1', 'low'],
      ['gpt-5-xhigh', 'gpt-5', 'xhigh'],
      ['gpt-5.1-none', 'gpt-5.1', 'none'],
      ['gpt-5-mini-medium', 'gpt-5-mini', 'medium'],
      ['gpt-5.1-codex-max', 'gpt-5.1-codex-max', undefined],
      ['gpt-5-chat-latest', 'gpt-5-chat-latest', undefined],
      ['gpt-4o-mini-high', 'gpt-4o-mini-high', undefined],
      ['omni-moderation-low', 'omni-moderation-low', undefined],
      ['o3-mini', 'o3-mini', undefined],
    ];
    for (const [input, model, effort] of cases) expect(parseReasoningSuffix(input)).toEqual({ model, effort });
  });

  test('reasoning models: o-series and gpt-5, not gpt-5-chat, gpt-4o or omni-moderation', () => {
    for (const model of ['o1', 'o1-mini', 'o3-pro', 'o4-mini', 'gpt-5', 'gpt-5-mini', 'gpt-5.1-codex']) expect(isReasoningModel(model)).toBe(true);
    for (const model of ['gpt-5-chat-latest', 'gpt-5.1-chat-latest', 'gpt-4o', 'omni-moderation-latest', 'gpt-50']) expect(isReasoningModel(model)).toBe(false);
  });
});
