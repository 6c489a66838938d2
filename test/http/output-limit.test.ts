/**
 * A request converted between dialects asks for the output its client's own model takes (Claude Code sends
 * `max_tokens: 32000`); on a channel whose model takes less, the limit is brought down to that model's maximum
 * from the price list instead of the upstream's 400. A request in the channel's own dialect is left as sent.
 */
import Anthropic from '@anthropic-ai/sdk';
import { afterAll, beforeEach, describe, expect, test } from 'bun:test';
import { type RelayHarness, startRelayHarness } from '../helpers/relay-harness.ts';

const harness: RelayHarness = await startRelayHarness();
afterAll(() => harness.stop());
beforeEach(() => harness.reset());

// gpt-4o-mini takes at most 16 384 output tokens (the built-in price list); `llama-3-unpriced` has no known maximum.
await harness.addChannel({ name: 'openai-mini', models: ['sonnet-on-mini', 'gpt-4o-mini', 'sonnet-on-unknown'], modelMapping: { 'sonnet-on-mini': 'gpt-4o-mini', 'sonnet-on-unknown': 'llama-3-unpriced' } });
await harness.addChannel({ name: 'claude', type: 'anthropic', models: ['haiku-3'], modelMapping: { 'haiku-3': 'claude-3-haiku-20240307' } });
await harness.deps.prices.set('claude-3-haiku-20240307', { input: '0.25', output: '1.25', maxOutputTokens: '4096' });
await harness.reload();

const anthropic = new Anthropic({ apiKey: harness.key, baseURL: harness.url, maxRetries: 0, timeout: 10_000 });

describe('output limit of converted requests', () => {
  test('an Anthropic client on an OpenAI channel: max_tokens is brought down to the channel model\'s maximum', async () => {
    await anthropic.messages.create({ model: 'sonnet-on-mini', max_tokens: 32_000, messages: [{ role: 'user', content: 'Hi' }] });
    expect(harness.mock.requests[0]?.json).toMatchObject({ model: 'gpt-4o-mini', max_tokens: 16_384 });
  });

  test('a limit below the maximum, and a model without a known maximum, are left alone', async () => {
    await anthropic.messages.create({ model: 'sonnet-on-mini', max_tokens: 1000, messages: [{ role: 'user', content: 'Hi' }] });
    await anthropic.messages.create({ model: 'sonnet-on-unknown', max_tokens: 32_000, messages: [{ role: 'user', content: 'Hi' }] });
    expect(harness.mock.requests[0]?.json).toMatchObject({ max_tokens: 1000 });
    expect(harness.mock.requests[1]?.json).toMatchObject({ model: 'llama-3-unpriced', max_tokens: 32_000 });
  });

  test('an OpenAI client on an Anthropic channel: max_completion_tokens is brought down to the operator\'s --max-output-tokens', async () => {
    await harness.client().chat.completions.create({ model: 'haiku-3', max_completion_tokens: 10_000, messages: [{ role: 'user', content: 'Hi' }] });
    expect(harness.mock.requests[0]?.json).toMatchObject({ model: 'claude-3-haiku-20240307', max_tokens: 4096 });
  });

  test('an OpenAI client on an OpenAI channel sends what it asked for: its own dialect is not converted', async () => {
    await harness.client().chat.completions.create({ model: 'gpt-4o-mini', max_tokens: 32_000, messages: [{ role: 'user', content: 'Hi' }] });
    expect(harness.mock.requests[0]?.json).toMatchObject({ model: 'gpt-4o-mini', max_tokens: 32_000 });
  });
});
