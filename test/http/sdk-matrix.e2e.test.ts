/**
 * The three official SDKs — `openai`, `@anthropic-ai/sdk` and `@google/genai` — against a channel of each native
 * kind (openai, anthropic, gemini) on the mock upstream: nine pairs, each checked for the text of a whole answer,
 * a streamed answer (the events in the order the SDK expects, the final usage), an answer cut by the token limit
 * (the SDK's own stop reason), and a tool-call round trip (the model asks for get_weather, the client sends the
 * result back, the model answers). Every request is billed from the usage the upstream reported, to the unit
 * (outcome, ledger debit, request-log row).
 *
 * Assertions read what the client saw and what the upstream received in its own format, so they hold whether
 * the gateway converts through the hub or passes a same-dialect request through raw. The Claude Code scenario
 * is in sdk-matrix-claude-code.e2e.test.ts, images in sdk-matrix-images.e2e.test.ts.
 */
import Anthropic from '@anthropic-ai/sdk';
import { type Content, FinishReason, type FunctionDeclaration, GoogleGenAI, Type } from '@google/genai';
import { afterAll, beforeEach, describe, expect, test } from 'bun:test';
import type OpenAI from 'openai';
import { expectConforms } from '../helpers/openai-schema.ts';
import { startRelayHarness, type RelayHarness } from '../helpers/relay-harness.ts';
import {
  addMatrixChannels,
  type AnthropicEvent,
  CHANNEL_KINDS,
  expectAnthropicGrammar,
  expectBilledAsReported,
  expectToolResultReceived,
  expectUpstreamPath,
  inputJsonFragments,
  matrixModel,
  MOCK_TEXT,
  nativeConversation,
  reportedUsage,
  upstreamBody,
} from '../helpers/sdk-matrix.ts';

const harness: RelayHarness = await startRelayHarness();
afterAll(() => harness.stop());
beforeEach(() => harness.reset());

const PREFIX = 'matrix';
const channels = await addMatrixChannels(harness, PREFIX);

const openai = harness.client();
const anthropic = new Anthropic({ apiKey: harness.key, baseURL: harness.url, maxRetries: 0, timeout: 10_000 });
const gemini = new GoogleGenAI({ apiKey: harness.key, httpOptions: { baseUrl: harness.url, timeout: 10_000 } });

const SYSTEM = 'Be brief.';
/** "call a tool" makes every mock dialect answer with a call of the first tool offered. */
const QUESTION = 'What is the weather in Paris? Please call a tool.';
const RESULT = 'Sunny, 21 °C';
const WEATHER_SCHEMA = { type: 'object' as const, properties: { city: { type: 'string' } }, required: ['city'] };

/** The upstream received the system prompt and the one user turn, in its own format. */
function expectPromptReceived(kind: (typeof CHANNEL_KINDS)[number], index: number, stream: boolean): void {
  expectUpstreamPath(harness, index, kind, stream);
  const conversation = nativeConversation(kind, upstreamBody(harness, index));
  expect(conversation.system).toBe(SYSTEM);
  expect(conversation.turns.map((turn) => [turn.role, turn.text])).toEqual([['user', 'Hi']]);
}

describe.each(CHANNEL_KINDS)('OpenAI SDK → %s channel', (kind) => {
  const model = matrixModel(PREFIX, kind);
  const messages: OpenAI.ChatCompletionMessageParam[] = [
    { role: 'system', content: SYSTEM },
    { role: 'user', content: 'Hi' },
  ];
  const tools: OpenAI.ChatCompletionTool[] = [{ type: 'function', function: { name: 'get_weather', description: 'The weather in a city', parameters: WEATHER_SCHEMA } }];

  test('whole answer: the text, usage as the upstream reported it, billed', async () => {
    const completion = await openai.chat.completions.create({ model, max_tokens: 256, messages });
    expectConforms('CreateChatCompletionResponse', completion);
    expect(completion.choices[0]?.message.content).toBe(MOCK_TEXT);
    expect(completion.choices[0]?.finish_reason).toBe('stop');
    const usage = reportedUsage(harness, 0);
    expect(completion.usage).toMatchObject({ prompt_tokens: usage.promptTokens, completion_tokens: usage.completionTokens });
    expectPromptReceived(kind, 0, false);
    await expectBilledAsReported(harness, 1, model, channels[kind]);
  });

  test('stream: role chunk first, text deltas, one finish chunk, then the usage chunk last', async () => {
    const stream = await openai.chat.completions.create({ model, stream: true, stream_options: { include_usage: true }, messages });
    const chunks: OpenAI.ChatCompletionChunk[] = [];
    for await (const chunk of stream) {
      expectConforms('CreateChatCompletionStreamResponse', chunk);
      chunks.push(chunk);
    }
    const answer = chunks.filter((chunk) => chunk.choices.length > 0);
    expect(answer[0]?.choices[0]?.delta.role).toBe('assistant');
    expect(answer.map((chunk) => chunk.choices[0]?.delta.content ?? '').join('')).toBe(MOCK_TEXT);
    expect(answer.map((chunk) => chunk.choices[0]?.finish_reason ?? null)).toEqual([...answer.slice(1).map(() => null), 'stop']);
    const usage = reportedUsage(harness, 0);
    expect(chunks.filter((chunk) => chunk.usage !== null && chunk.usage !== undefined)).toHaveLength(1);
    expect(chunks.at(-1)).toMatchObject({ choices: [], usage: { prompt_tokens: usage.promptTokens, completion_tokens: usage.completionTokens } });
    expectPromptReceived(kind, 0, true);
    await expectBilledAsReported(harness, 1, model, channels[kind]);
  });

  test('an answer cut by the token limit: finish_reason "length", usage billed', async () => {
    const completion = await openai.chat.completions.create({ model, max_tokens: 3, messages });
    expect(completion.choices[0]?.message.content).toBe('Hello from the');
    expect(completion.choices[0]?.finish_reason).toBe('length');
    expect(completion.usage?.completion_tokens).toBe(3);
    await expectBilledAsReported(harness, 1, model, channels[kind]);
  });

  test('tool round trip: the call whole and streamed (arguments reassembled), then the result answered', async () => {
    const question: OpenAI.ChatCompletionMessageParam = { role: 'user', content: QUESTION };
    const called = await openai.chat.completions.create({ model, tools, messages: [question] });
    expectConforms('CreateChatCompletionResponse', called);
    const call = called.choices[0]?.message.tool_calls?.[0];
    if (call?.type !== 'function') throw new Error('no function call');
    expect([call.function.name, JSON.parse(call.function.arguments)]).toEqual(['get_weather', { city: 'mock' }]);
    expect(called.choices[0]?.finish_reason).toBe('tool_calls');

    const runner = openai.chat.completions.stream({ model, tools, messages: [question] });
    runner.on('chunk', (chunk) => expectConforms('CreateChatCompletionStreamResponse', chunk));
    const streamed = await runner.finalChatCompletion();
    const streamedCall = streamed.choices[0]?.message.tool_calls?.[0];
    expect(streamedCall?.type === 'function' ? [streamedCall.function.name, JSON.parse(streamedCall.function.arguments)] : []).toEqual(['get_weather', { city: 'mock' }]);
    expect(streamed.choices[0]?.finish_reason).toBe('tool_calls');

    const message = called.choices[0]?.message;
    if (message === undefined) throw new Error('no message');
    const answered = await openai.chat.completions.create({ model, tools, messages: [question, message, { role: 'tool', tool_call_id: call.id, content: RESULT }] });
    expect(answered.choices[0]?.message.content).toBe(MOCK_TEXT);
    expect(answered.choices[0]?.finish_reason).toBe('stop');
    expectToolResultReceived(kind, upstreamBody(harness, 2), { id: call.id, name: 'get_weather', args: { city: 'mock' }, result: RESULT });
    await expectBilledAsReported(harness, 3, model, channels[kind]);
  });
});

describe.each(CHANNEL_KINDS)('Anthropic SDK → %s channel', (kind) => {
  const model = matrixModel(PREFIX, kind);
  const tools: Anthropic.Tool[] = [{ name: 'get_weather', description: 'The weather in a city', input_schema: WEATHER_SCHEMA }];

  function textOfMessage(message: Anthropic.Message): string {
    return message.content.map((block) => (block.type === 'text' ? block.text : '')).join('');
  }

  /** input + cache reads + cache writes: Anthropic's three disjoint parts of the prompt. */
  function promptOf(usage: Anthropic.Usage | Anthropic.MessageDeltaUsage): number {
    return (usage.input_tokens ?? 0) + (usage.cache_read_input_tokens ?? 0) + (usage.cache_creation_input_tokens ?? 0);
  }

  test('whole answer: the text, usage as the upstream reported it, billed', async () => {
    const message = await anthropic.messages.create({ model, max_tokens: 256, system: SYSTEM, messages: [{ role: 'user', content: 'Hi' }] });
    expect(message).toMatchObject({ type: 'message', role: 'assistant', stop_reason: 'end_turn' });
    expect(message.id).toStartWith('msg_');
    expect(textOfMessage(message)).toBe(MOCK_TEXT);
    const usage = reportedUsage(harness, 0);
    expect(promptOf(message.usage)).toBe(usage.promptTokens);
    expect(message.usage.output_tokens).toBe(usage.completionTokens);
    expectPromptReceived(kind, 0, false);
    await expectBilledAsReported(harness, 1, model, channels[kind]);
  });

  test('stream: message_start, one text block, message_delta with the usage, message_stop', async () => {
    const stream = anthropic.messages.stream({ model, max_tokens: 256, system: SYSTEM, messages: [{ role: 'user', content: 'Hi' }] });
    const events: Anthropic.MessageStreamEvent[] = [];
    for await (const event of stream) events.push(event);
    const final = await stream.finalMessage();
    expect(expectAnthropicGrammar(events as AnthropicEvent[])).toEqual(['text']);
    const text = events.map((event) => (event.type === 'content_block_delta' && event.delta.type === 'text_delta' ? event.delta.text : '')).join('');
    expect(text).toBe(MOCK_TEXT);
    expect(textOfMessage(final)).toBe(MOCK_TEXT);
    const usage = reportedUsage(harness, 0);
    const delta = events.at(-2);
    if (delta?.type !== 'message_delta') throw new Error('no message_delta');
    expect(delta.delta.stop_reason).toBe('end_turn');
    expect(delta.usage.output_tokens).toBe(usage.completionTokens);
    expect(final.stop_reason).toBe('end_turn');
    expect(final.usage.output_tokens).toBe(usage.completionTokens);
    expect(promptOf(final.usage)).toBe(usage.promptTokens);
    expectPromptReceived(kind, 0, true);
    await expectBilledAsReported(harness, 1, model, channels[kind]);
  });

  test('an answer cut by the token limit: stop_reason "max_tokens", usage billed', async () => {
    const message = await anthropic.messages.create({ model, max_tokens: 3, system: SYSTEM, messages: [{ role: 'user', content: 'Hi' }] });
    expect(textOfMessage(message)).toBe('Hello from the');
    expect(message.stop_reason).toBe('max_tokens');
    expect(message.usage.output_tokens).toBe(3);
    await expectBilledAsReported(harness, 1, model, channels[kind]);
  });

  test('tool round trip: tool_use whole and streamed (input_json_delta reassembled), then the tool_result answered', async () => {
    const question: Anthropic.MessageParam = { role: 'user', content: QUESTION };
    const called = await anthropic.messages.create({ model, max_tokens: 256, tools, messages: [question] });
    expect(called.stop_reason).toBe('tool_use');
    const toolUse = called.content.find((block) => block.type === 'tool_use');
    if (toolUse?.type !== 'tool_use') throw new Error('no tool_use block');
    expect(toolUse).toMatchObject({ name: 'get_weather', input: { city: 'mock' } });

    const stream = anthropic.messages.stream({ model, max_tokens: 256, tools, messages: [question] });
    const events: Anthropic.MessageStreamEvent[] = [];
    for await (const event of stream) events.push(event);
    const streamed = await stream.finalMessage();
    const blocks = expectAnthropicGrammar(events as AnthropicEvent[]);
    expect(blocks).toContain('tool_use');
    const fragments = inputJsonFragments(events as AnthropicEvent[], blocks.indexOf('tool_use'));
    expect(JSON.parse(fragments.join(''))).toEqual({ city: 'mock' });
    expect(streamed.stop_reason).toBe('tool_use');
    expect(streamed.content.find((block) => block.type === 'tool_use')).toMatchObject({ name: 'get_weather', input: { city: 'mock' } });

    const answered = await anthropic.messages.create({
      model,
      max_tokens: 256,
      tools,
      messages: [question, { role: 'assistant', content: called.content }, { role: 'user', content: [{ type: 'tool_result', tool_use_id: toolUse.id, content: RESULT }] }],
    });
    expect(answered.stop_reason).toBe('end_turn');
    expect(textOfMessage(answered)).toBe(MOCK_TEXT);
    expectToolResultReceived(kind, upstreamBody(harness, 2), { id: toolUse.id, name: 'get_weather', args: { city: 'mock' }, result: RESULT });
    await expectBilledAsReported(harness, 3, model, channels[kind]);
  });
});

describe.each(CHANNEL_KINDS)('Google GenAI SDK → %s channel', (kind) => {
  const model = matrixModel(PREFIX, kind);
  const weather: FunctionDeclaration = {
    name: 'get_weather',
    description: 'The weather in a city',
    parameters: { type: Type.OBJECT, properties: { city: { type: Type.STRING } }, required: ['city'] },
  };
  const tools = [{ functionDeclarations: [weather] }];

  test('whole answer: the text, usageMetadata as the upstream reported it, billed', async () => {
    const response = await gemini.models.generateContent({ model, contents: 'Hi', config: { systemInstruction: SYSTEM, maxOutputTokens: 256 } });
    expect(response.text).toBe(MOCK_TEXT);
    expect(response.candidates?.[0]?.finishReason).toBe(FinishReason.STOP);
    const usage = reportedUsage(harness, 0);
    expect(response.usageMetadata?.promptTokenCount).toBe(usage.promptTokens);
    expect((response.usageMetadata?.candidatesTokenCount ?? 0) + (response.usageMetadata?.thoughtsTokenCount ?? 0)).toBe(usage.completionTokens);
    expectPromptReceived(kind, 0, false);
    await expectBilledAsReported(harness, 1, model, channels[kind]);
  });

  test('stream: text in order, finishReason only on the last event, which has the full usageMetadata', async () => {
    const chunks = [];
    for await (const chunk of await gemini.models.generateContentStream({ model, contents: 'Hi', config: { systemInstruction: SYSTEM } })) chunks.push(chunk);
    expect(chunks.length).toBeGreaterThan(1);
    expect(chunks.map((chunk) => chunk.text ?? '').join('')).toBe(MOCK_TEXT);
    expect(chunks.map((chunk) => chunk.candidates?.[0]?.finishReason)).toEqual([...chunks.slice(1).map(() => undefined), FinishReason.STOP]);
    const usage = reportedUsage(harness, 0);
    const last = chunks.at(-1)?.usageMetadata;
    expect(last?.promptTokenCount).toBe(usage.promptTokens);
    expect((last?.candidatesTokenCount ?? 0) + (last?.thoughtsTokenCount ?? 0)).toBe(usage.completionTokens);
    expect(last?.totalTokenCount).toBe(usage.promptTokens + usage.completionTokens);
    expectPromptReceived(kind, 0, true);
    await expectBilledAsReported(harness, 1, model, channels[kind]);
  });

  test('an answer cut by the token limit: finishReason MAX_TOKENS, usage billed', async () => {
    const response = await gemini.models.generateContent({ model, contents: 'Hi', config: { systemInstruction: SYSTEM, maxOutputTokens: 3 } });
    expect(response.text).toBe('Hello from the');
    expect(response.candidates?.[0]?.finishReason).toBe(FinishReason.MAX_TOKENS);
    expect(response.usageMetadata?.candidatesTokenCount).toBe(3);
    await expectBilledAsReported(harness, 1, model, channels[kind]);
  });

  test('function calling round trip: the call whole and streamed, then the functionResponse answered', async () => {
    const question: Content = { role: 'user', parts: [{ text: QUESTION }] };
    const called = await gemini.models.generateContent({ model, contents: [question], config: { tools } });
    const call = called.functionCalls?.[0];
    expect(call).toMatchObject({ name: 'get_weather', args: { city: 'mock' } });

    const streamedCalls: unknown[] = [];
    for await (const chunk of await gemini.models.generateContentStream({ model, contents: [question], config: { tools } })) streamedCalls.push(...(chunk.functionCalls ?? []));
    expect(streamedCalls).toMatchObject([{ name: 'get_weather', args: { city: 'mock' } }]);

    const modelTurn = called.candidates?.[0]?.content;
    if (modelTurn === undefined || call?.name === undefined) throw new Error('no function call');
    const answered = await gemini.models.generateContent({
      model,
      contents: [question, modelTurn, { role: 'user', parts: [{ functionResponse: { id: call.id, name: call.name, response: { output: RESULT } } }] }],
      config: { tools },
    });
    expect(answered.text).toBe(MOCK_TEXT);
    expect(answered.functionCalls).toBeUndefined();
    expectToolResultReceived(kind, upstreamBody(harness, 2), { id: call.id ?? '', name: 'get_weather', args: { city: 'mock' }, result: RESULT });
    await expectBilledAsReported(harness, 3, model, channels[kind]);
  });
});
