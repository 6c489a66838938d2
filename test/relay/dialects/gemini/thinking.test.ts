import { describe, expect, test } from 'bun:test';
import { budgetForEffort, effortForBudget, effortForLevel, geminiModelAndThinking } from '../../../../src/relay/dialects/gemini/thinking.ts';

describe('geminiModelAndThinking', () => {
  test('the documented suffixes are stripped and name a budget', () => {
    expect(geminiModelAndThinking('gemini-2.5-flash-thinking')).toEqual({ model: 'gemini-2.5-flash', thinkingBudget: -1 });
    expect(geminiModelAndThinking('gemini-2.5-pro-thinking-128')).toEqual({ model: 'gemini-2.5-pro', thinkingBudget: 128 });
    expect(geminiModelAndThinking('gemini-2.5-flash-thinking-0')).toEqual({ model: 'gemini-2.5-flash', thinkingBudget: 0 });
    expect(geminiModelAndThinking('gemini-2.5-flash-low')).toEqual({ model: 'gemini-2.5-flash', thinkingBudget: 1024 });
    expect(geminiModelAndThinking('gemini-2.5-pro-medium')).toEqual({ model: 'gemini-2.5-pro', thinkingBudget: 8192 });
    expect(geminiModelAndThinking('gemini-2.5-flash-high')).toEqual({ model: 'gemini-2.5-flash', thinkingBudget: 24576 });
    expect(geminiModelAndThinking('gemini-2.5-flash-lite')).toEqual({ model: 'gemini-2.5-flash-lite' });
    expect(geminiModelAndThinking('gemini-2.5-flash-nothinking')).toEqual({ model: 'gemini-2.5-flash', thinkingBudget: 0 });
  });

  test('names without a suffix are unchanged and carry no budget', () => {
    expect(geminiModelAndThinking('gemini-2.5-flash')).toEqual({ model: 'gemini-2.5-flash' });
    expect(geminiModelAndThinking('gemini-2.0-flash-thinking-exp')).toEqual({ model: 'gemini-2.0-flash-thinking-exp' });
    expect(geminiModelAndThinking('gemini-2.5-flash-lite')).toEqual({ model: 'gemini-2.5-flash-lite' });
  });
});

describe('effort and budget', () => {
  test('reasoning_effort → budget follows Google’s OpenAI layer', () => {
    expect(budgetForEffort('none')).toBe(0);
    expect(budgetForEffort('minimal')).toBe(1024);
    expect(budgetForEffort('low')).toBe(1024);
    expect(budgetForEffort('medium')).toBe(8192);
    expect(budgetForEffort('high')).toBe(24576);
    expect(budgetForEffort('xhigh')).toBe(24576);
    expect(budgetForEffort(undefined)).toBeUndefined();
    expect(budgetForEffort('turbo')).toBeUndefined();
  });

  test('budget → reasoning_effort thresholds, dynamic left to the upstream', () => {
    expect(effortForBudget(0)).toBe('none');
    expect(effortForBudget(1)).toBe('low');
    expect(effortForBudget(1024)).toBe('low');
    expect(effortForBudget(1025)).toBe('medium');
    expect(effortForBudget(8192)).toBe('medium');
    expect(effortForBudget(8193)).toBe('high');
    expect(effortForBudget(-1)).toBeUndefined();
  });

  test('Gemini 3 thinking levels map by name', () => {
    expect(effortForLevel('LOW')).toBe('low');
    expect(effortForLevel('high')).toBe('high');
    expect(effortForLevel('THINKING_LEVEL_UNSPECIFIED')).toBeUndefined();
  });
});
