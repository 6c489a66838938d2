/**
 * Hub `chat.completion` objects (https://platform.openai.com/docs/api-reference/chat/object) → Anthropic Messages
 * (https://docs.anthropic.com/en/api/messages, "Response"), and errors in Anthropic's shape
 * (https://platform.claude.com/docs/en/api/errors).
 */
import { describe, expect, test } from 'bun:test';
import { anthropicInbound } from '../../../../src/relay/dialects/anthropic/inbound.ts';
import type { JsonBody } from '../../../../src/relay/types.ts';
import { expectValidOpenAi } from './fixtures.ts';

const context = { model: 'claude-sonnet-4-5', stream: false };

function completion(message: JsonBody, finishReason: string, usage?: JsonBody): JsonBody {
  const body: JsonBody = {
    id: 'chatcmpl-B9MHDbslfkBeAs8l4bebGdFOJ6PeG',
    object: 'chat.completion',
    created: 1741570283,
    model: 'gpt-4o-2024-08-06',
    choices: [{ index: 0, message: { role: 'assistant', refusal: null, annotations: [], ...message }, logprobs: null, finish_reason: finishReason }],
    service_tier: 'default',
    system_fingerprint: 'fp_fc9f1d7035',
  };
  if (usage !== undefined) body.usage = usage;
  expectValidOpenAi('CreateChatCompletionResponse', body);
  return body;
}

const openAiUsage = {
  prompt_tokens: 1117,
  completion_tokens: 46,
  total_tokens: 1163,
  prompt_tokens_details: { cached_tokens: 1024, audio_tokens: 0 },
  completion_tokens_details: { reasoning_tokens: 0, audio_tokens: 0, accepted_prediction_tokens: 0, rejected_prediction_tokens: 0 },
};

describe('hub completion → Anthropic message', () => {
  test('text with cached tokens', () => {
    const answer = anthropicInbound.fromHubResponse(completion({ content: 'The image shows a wooden boardwalk.' }, 'stop', openAiUsage), context);
    expect(answer).toEqual({
      id: 'msg_B9MHDbslfkBeAs8l4bebGdFOJ6PeG',
      type: 'message',
      role: 'assistant',
      model: 'claude-sonnet-4-5',
      content: [{ type: 'text', text: 'The image shows a wooden boardwalk.' }],
      stop_reason: 'end_turn',
      stop_sequence: null,
      usage: { input_tokens: 93, output_tokens: 46, cache_creation_input_tokens: 0, cache_read_input_tokens: 1024 },
    });
  });

  test('cache writes are taken out of input_tokens', () => {
    const usage = { prompt_tokens: 188107, completion_tokens: 393, total_tokens: 188500, prompt_tokens_details: { cached_tokens: 0, cache_write_tokens: 188086 } };
    expect(anthropicInbound.fromHubResponse(completion({ content: 'ok' }, 'stop', usage), context).usage).toEqual({
      input_tokens: 21,
      output_tokens: 393,
      cache_creation_input_tokens: 188086,
      cache_read_input_tokens: 0,
    });
  });

  test('tool calls become tool_use blocks after the text; arguments that are not JSON are kept under raw_arguments', () => {
    const message = {
      content: null,
      tool_calls: [
        { id: 'call_abc123', type: 'function', function: { name: 'get_current_weather', arguments: '{\n"location": "Boston, MA"\n}' } },
        { id: 'call_def456', type: 'function', function: { name: 'get_current_weather', arguments: '{"location": "Bos' } },
        { id: 'call_ghi789', type: 'function', function: { name: 'list_cities', arguments: '' } },
      ],
    };
    const answer = anthropicInbound.fromHubResponse(completion(message, 'tool_calls'), context);
    expect(answer.content).toEqual([
      { type: 'tool_use', id: 'call_abc123', name: 'get_current_weather', input: { location: 'Boston, MA' } },
      { type: 'tool_use', id: 'call_def456', name: 'get_current_weather', input: { raw_arguments: '{"location": "Bos' } },
      { type: 'tool_use', id: 'call_ghi789', name: 'list_cities', input: {} },
    ]);
    expect(answer.stop_reason).toBe('tool_use');
    expect(answer.usage).toEqual({ input_tokens: 0, output_tokens: 0, cache_creation_input_tokens: 0, cache_read_input_tokens: 0 });
  });

  test('reasoning_content comes first as a thinking block with an empty signature', () => {
    const answer = anthropicInbound.fromHubResponse(completion({ content: 'The answer is 21.', reasoning_content: 'GCD by Euclid: 1071 = 2 × 462 + 147 …' }, 'stop'), context);
    expect(answer.content).toEqual([
      { type: 'thinking', thinking: 'GCD by Euclid: 1071 = 2 × 462 + 147 …', signature: '' },
      { type: 'text', text: 'The answer is 21.' },
    ]);
  });

  test('stop reasons', () => {
    const reason = (finish: string, extra: JsonBody = {}) => {
      const body = completion({ content: 'x' }, finish);
      const choices = body.choices as JsonBody[];
      Object.assign(choices[0] ?? {}, extra);
      return anthropicInbound.fromHubResponse(body, context);
    };
    expect(reason('stop').stop_reason).toBe('end_turn');
    expect(reason('length').stop_reason).toBe('max_tokens');
    expect(reason('tool_calls').stop_reason).toBe('tool_use');
    expect(reason('content_filter').stop_reason).toBe('refusal');
    // vLLM reports the matched stop string as choices[].stop_reason.
    expect(reason('stop', { stop_reason: '\n\nHuman:' })).toMatchObject({ stop_reason: 'stop_sequence', stop_sequence: '\n\nHuman:' });
  });

  test('a refusal becomes text with stop_reason refusal', () => {
    const answer = anthropicInbound.fromHubResponse(completion({ content: null, refusal: "I'm sorry, I can't help with that." }, 'stop'), context);
    expect(answer).toMatchObject({ content: [{ type: 'text', text: "I'm sorry, I can't help with that." }], stop_reason: 'refusal' });
  });
});

describe('errors in Anthropic shape', () => {
  test.each([
    ['invalid_request', 400, 400, 'invalid_request_error'],
    ['unauthorized', 401, 401, 'authentication_error'],
    ['forbidden', 403, 403, 'permission_error'],
    ['model_not_allowed', 403, 403, 'permission_error'],
    ['model_not_priced', 403, 403, 'permission_error'],
    ['insufficient_quota', 403, 403, 'permission_error'],
    ['not_found', 404, 404, 'not_found_error'],
    ['payload_too_large', 413, 413, 'request_too_large'],
    ['rate_limited', 429, 429, 'rate_limit_error'],
    ['quota_exhausted', 429, 429, 'rate_limit_error'],
    ['internal_error', 500, 500, 'api_error'],
    ['shutting_down', 503, 503, 'api_error'],
    ['server_error', 502, 502, 'api_error'],
    ['overloaded_error', 529, 529, 'overloaded_error'],
    ['invalid_api_key', 401, 401, 'authentication_error'],
    ['insufficient_balance', 402, 402, 'billing_error'],
    ['context_length_exceeded', 422, 422, 'invalid_request_error'],
    ['first_byte_timeout', 0, 504, 'timeout_error'],
    ['connection_failed', 0, 502, 'api_error'],
  ])('%s (status %d) → %d %s', (code, status, expectedStatus, type) => {
    const rendered = anthropicInbound.renderError({ status, code, message: 'what went wrong and how to fix it' });
    expect(rendered).toEqual({ status: expectedStatus, body: { type: 'error', error: { type, message: 'what went wrong and how to fix it' } } });
  });
});
