/**
 * Responses (the reference's examples: text, functions, reasoning) → hub `chat.completion` objects, each held to
 * OpenAI's CreateChatCompletionResponse schema; usage in the hub's semantics.
 */
import { describe, expect, test } from 'bun:test';
import { createResponsesOutbound } from '../../../../src/relay/dialects/responses/outbound.ts';
import { UpstreamError } from '../../../../src/relay/errors.ts';
import type { JsonBody } from '../../../../src/relay/types.ts';
import { expectValidOpenAi, functionResponse, outboundContext, reasoningResponse, textResponse } from './fixtures.ts';

const outbound = createResponsesOutbound({ now: () => 1_700_000_000_000 });

/** The reference's examples predate fields the current schema requires (`logprobs`, `user` as a string), so only the result is validated. */
function toHub(native: JsonBody, settings: Record<string, unknown> = {}): JsonBody {
  const completion = outbound.toHubResponse(native, outboundContext(settings));
  expectValidOpenAi('CreateChatCompletionResponse', completion);
  return completion;
}

function thrown(run: () => unknown): UpstreamError {
  try {
    run();
  } catch (error) {
    if (error instanceof UpstreamError) return error;
    throw error;
  }
  throw new Error('expected an UpstreamError');
}

describe('Response → hub chat.completion', () => {
  test('"Text input": the message text, the response id and time, usage with its details', () => {
    expect(toHub(textResponse)).toEqual({
      id: 'resp_67ccd2bed1ec8190b14f964abc0542670bb6a6b452d3795b',
      object: 'chat.completion',
      created: 1741476542,
      model: 'gpt-5.4',
      choices: [
        {
          index: 0,
          message: {
            role: 'assistant',
            content: 'In a peaceful grove beneath a silver moon, a unicorn named Lumina discovered a hidden pool that reflected the stars.',
            refusal: null,
          },
          finish_reason: 'stop',
          logprobs: null,
        },
      ],
      usage: {
        prompt_tokens: 36,
        completion_tokens: 87,
        total_tokens: 123,
        prompt_tokens_details: { cached_tokens: 0, cache_write_tokens: 0 },
        completion_tokens_details: { reasoning_tokens: 0 },
      },
    });
    expect(outbound.readUsage(textResponse)).toMatchObject({ promptTokens: 36, completionTokens: 87, totalTokens: 123, estimated: false });
  });

  test('"Functions": a function_call item is a tool call whose id is the call_id; finish tool_calls', () => {
    const completion = toHub(functionResponse);
    expect((completion.choices as JsonBody[])[0]).toEqual({
      index: 0,
      message: {
        role: 'assistant',
        content: null,
        refusal: null,
        tool_calls: [{ id: 'call_unLAR8MvFNptuiZK6K6HCy5k', type: 'function', function: { name: 'get_current_weather', arguments: '{"location":"Boston, MA","unit":"celsius"}' } }],
      },
      finish_reason: 'tool_calls',
      logprobs: null,
    });
    expect(completion.usage).toMatchObject({ prompt_tokens: 291, completion_tokens: 23, prompt_tokens_details: { cached_tokens: 0 } });
  });

  test('a reasoning summary is reasoning_content, or a <think> prefix with thinking_to_content; reasoning tokens kept', () => {
    const completion = toHub(reasoningResponse);
    const message = ((completion.choices as JsonBody[])[0]?.message ?? {}) as JsonBody;
    expect(message.reasoning_content).toBe("**Answering a simple question**\n\nI'm looking at a straightforward question: the capital of France is Paris.");
    expect(message.content).toBe('The capital of France is Paris.');
    expect(completion.usage).toMatchObject({ completion_tokens: 1035, completion_tokens_details: { reasoning_tokens: 832 } });
    const inline = toHub(reasoningResponse, { thinking_to_content: true });
    const inlineMessage = ((inline.choices as JsonBody[])[0]?.message ?? {}) as JsonBody;
    expect(inlineMessage.content).toBe("<think>\n**Answering a simple question**\n\nI'm looking at a straightforward question: the capital of France is Paris.\n</think>\n\nThe capital of France is Paris.");
    expect(inlineMessage.reasoning_content).toBeUndefined();
    // Raw reasoning text (open models) when there is no summary.
    const raw = { ...reasoningResponse, output: [{ id: 'rs_1', type: 'reasoning', summary: [], content: [{ type: 'reasoning_text', text: 'Paris, obviously.' }] }, (reasoningResponse.output as JsonBody[])[1]] };
    expect(((toHub(raw).choices as JsonBody[])[0]?.message as JsonBody).reasoning_content).toBe('Paris, obviously.');
  });

  test('incomplete: length for max_output_tokens (and the example\'s max_tokens), content_filter for the filter', () => {
    const finish = (reason: string) => ((toHub({ ...textResponse, status: 'incomplete', incomplete_details: { reason } }).choices as JsonBody[])[0]?.finish_reason);
    expect(finish('max_output_tokens')).toBe('length');
    expect(finish('content_filter')).toBe('content_filter');
    expect(outbound.toHubResponse({ ...textResponse, status: 'incomplete', incomplete_details: { reason: 'max_tokens' } }, outboundContext())).toMatchObject({
      choices: [{ finish_reason: 'length' }],
    });
  });

  test('a refusal part is the message refusal; built-in tool items are left out', () => {
    const refused = toHub({ ...textResponse, output: [{ id: 'msg_1', type: 'message', status: 'completed', role: 'assistant', content: [{ type: 'refusal', refusal: "I'm sorry, I can't help with that." }] }] });
    expect((refused.choices as JsonBody[])[0]?.message).toEqual({ role: 'assistant', content: null, refusal: "I'm sorry, I can't help with that." });
    const searched = toHub({ ...textResponse, output: [{ type: 'web_search_call', id: 'ws_1', status: 'completed' }, ...(textResponse.output as JsonBody[])] });
    expect(((searched.choices as JsonBody[])[0]?.message as JsonBody).content).toStartWith('In a peaceful grove');
  });

  test('absent usage gives no usage (the relay estimates); a missing time or model falls back', () => {
    const bare = outbound.toHubResponse({ id: 'resp_1', object: 'response', status: 'completed', output: [] }, outboundContext());
    expect(bare).toMatchObject({ id: 'resp_1', created: 1_700_000_000, model: 'gpt-5.4' });
    expect(bare.usage).toBeUndefined();
    expect(outbound.readUsage({ id: 'resp_1', output: [] })).toBeUndefined();
  });

  test('a failed Response or one without output is an UpstreamError, not an answer', () => {
    const failed = thrown(() => outbound.toHubResponse({ ...textResponse, status: 'failed', output: [], error: { code: 'rate_limit_exceeded', message: 'Rate limit reached' } }, outboundContext()));
    expect(failed).toMatchObject({ status: 429, code: 'rate_limit_exceeded', retryable: true });
    expect(failed.message).toContain('Rate limit reached');
    const shapeless = thrown(() => outbound.toHubResponse({ id: 'resp_1', object: 'response' }, outboundContext()));
    expect(shapeless).toMatchObject({ code: 'bad_response_body', retryable: true, channelAtFault: false });
  });
});
