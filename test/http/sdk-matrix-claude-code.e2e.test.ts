/**
 * A Claude Code-like session through the gateway with the official `@anthropic-ai/sdk`, streaming, shaped as
 * Claude Code sends it: the beta namespace (`?beta=true`) with its `anthropic-beta` features, `system` as text
 * blocks with `cache_control`, tools with `input_schema` (draft-07 `$schema`, `additionalProperties: false`),
 * `metadata.user_id`, extended thinking with `budget_tokens`, and a conversation that already holds a signed
 * thinking block, two parallel tool_use blocks of one tool and their tool_results (answered in the other order,
 * as Claude Code does when the second tool finishes first). The model calls a tool (its input streamed as
 * `input_json_delta` fragments that must join into valid JSON), the client runs it and sends the result, and the
 * model answers — on an anthropic channel, an OpenAI-type channel and a gemini channel, each reporting cached
 * prompt tokens, which reach the client in Anthropic's usage fields and the bill.
 *
 * As in sdk-matrix.e2e.test.ts, only what the client saw and what the upstream received is checked, so the
 * scenario holds whether an Anthropic client on an Anthropic channel is converted through the hub or passed
 * through raw.
 */
import Anthropic from '@anthropic-ai/sdk';
import { afterAll, beforeEach, describe, expect, test } from 'bun:test';
import { startRelayHarness, type RelayHarness } from '../helpers/relay-harness.ts';
import {
  addMatrixChannels,
  type AnthropicEvent,
  CHANNEL_KINDS,
  type ChannelKind,
  expectAnthropicGrammar,
  expectBilledAsReported,
  expectToolResultReceived,
  expectUpstreamPath,
  inputJsonFragments,
  matrixModel,
  MOCK_TEXT,
  nativeConversation,
  receivedCalls,
  reportedUsage,
  upstreamBody,
} from '../helpers/sdk-matrix.ts';

// A long session is mostly cached: every upstream reports cache reads (and Anthropic cache writes) in its usage.
const CACHE_READ = 30;
const CACHE_WRITE = 10;
const harness: RelayHarness = await startRelayHarness({ mock: { defaults: { cachedTokens: CACHE_READ, cacheWriteTokens: CACHE_WRITE } } });
afterAll(() => harness.stop());
beforeEach(() => harness.reset());

const PREFIX = 'claude-code';
const channels = await addMatrixChannels(harness, PREFIX);

const BETAS = ['claude-code-20250219', 'interleaved-thinking-2025-05-14', 'fine-grained-tool-streaming-2025-05-14'];
const USER_ID = `user_${'5f'.repeat(32)}_account_7b0e7a3c-0c3e-4a43-9d2d-9a3e4d0f6b11_session_1c9f0e3a-6a54-4c1b-8f55-2d8a0b1f7e42`;
const client = new Anthropic({
  apiKey: harness.key,
  baseURL: harness.url,
  maxRetries: 0,
  timeout: 10_000,
  defaultHeaders: { 'x-app': 'cli', 'user-agent': 'claude-cli/2.0.0 (external, cli)', 'anthropic-dangerous-direct-browser-access': 'true' },
});

const SYSTEM: Anthropic.Beta.BetaTextBlockParam[] = [
  { type: 'text', text: "You are Claude Code, Anthropic's official CLI for Claude.", cache_control: { type: 'ephemeral' } },
  { type: 'text', text: 'You are an interactive CLI tool that helps users with software engineering tasks.', cache_control: { type: 'ephemeral' } },
];

const draft07 = 'http://json-schema.org/draft-07/schema#';
const TOOLS: Anthropic.Beta.BetaTool[] = [
  {
    name: 'Bash',
    description: 'Executes a given bash command in a persistent shell session.',
    input_schema: {
      type: 'object',
      properties: { command: { type: 'string', description: 'The command to execute' }, timeout: { type: 'number' }, description: { type: 'string' } },
      required: ['command'],
      additionalProperties: false,
      $schema: draft07,
    },
  },
  {
    name: 'Read',
    description: 'Reads a file from the local filesystem.',
    input_schema: { type: 'object', properties: { file_path: { type: 'string' }, offset: { type: 'number' } }, required: ['file_path'], additionalProperties: false, $schema: draft07 },
    cache_control: { type: 'ephemeral' },
  },
];

/**
 * A session in progress: two files read by parallel calls of one tool, whose results came back in the other
 * order (Claude Code sends them as the tools finish), the model's summary, then a request that needs a tool.
 */
const HISTORY: Anthropic.Beta.BetaMessageParam[] = [
  {
    role: 'user',
    content: [
      { type: 'text', text: '<system-reminder>\nAs you answer the user, use the context below.\n</system-reminder>' },
      { type: 'text', text: 'What do src/a.ts and src/b.ts export?' },
    ],
  },
  {
    role: 'assistant',
    content: [
      { type: 'thinking', thinking: 'Both files are needed; read them in parallel.', signature: 'RXVnZW5pYS1zaWduYXR1cmUtZnJvbS1hbnRocm9waWM=' },
      { type: 'text', text: 'I will read both files.' },
      { type: 'tool_use', id: 'toolu_01ReadA000000000000000001', name: 'Read', input: { file_path: 'src/a.ts' } },
      { type: 'tool_use', id: 'toolu_01ReadB000000000000000002', name: 'Read', input: { file_path: 'src/b.ts' } },
    ],
  },
  {
    role: 'user',
    content: [
      { type: 'tool_result', tool_use_id: 'toolu_01ReadB000000000000000002', content: 'export const b = 2;' },
      { type: 'tool_result', tool_use_id: 'toolu_01ReadA000000000000000001', content: [{ type: 'text', text: 'export const a = 1;' }] },
    ],
  },
  { role: 'assistant', content: [{ type: 'text', text: 'src/a.ts exports a, src/b.ts exports b.' }] },
  { role: 'user', content: [{ type: 'text', text: 'Run the tests: call a tool.', cache_control: { type: 'ephemeral' } }] },
];

/** Which file each of the history's Read calls was answered with, as the upstream will understand the pairing. */
const READ_PAIRS = [
  ['src/a.ts', 'export const a = 1;'],
  ['src/b.ts', 'export const b = 2;'],
];

const TOOL_OUTPUT = '42 pass\n0 fail';

interface Turn {
  readonly events: Anthropic.Beta.BetaRawMessageStreamEvent[];
  readonly final: Anthropic.Beta.BetaMessage;
}

async function streamTurn(model: string, messages: Anthropic.Beta.BetaMessageParam[]): Promise<Turn> {
  const stream = client.beta.messages.stream({
    model,
    max_tokens: 32_000,
    betas: BETAS,
    system: SYSTEM,
    tools: TOOLS,
    metadata: { user_id: USER_ID },
    thinking: { type: 'enabled', budget_tokens: 31_999 },
    messages,
  });
  const events: Anthropic.Beta.BetaRawMessageStreamEvent[] = [];
  for await (const event of stream) events.push(event);
  return { events, final: await stream.finalMessage() };
}

/** What Claude Code's request must have become upstream, in the channel's own format. */
function expectSessionReceived(kind: ChannelKind, index: number): void {
  expectUpstreamPath(harness, index, kind, true);
  const request = harness.mock.requests[index];
  const body = upstreamBody(harness, index);
  const conversation = nativeConversation(kind, body);
  for (const block of SYSTEM) expect(conversation.system).toContain(block.text);
  // The session so far, in order (OpenAI has a message per tool result); the first and last user texts intact.
  const roles = conversation.turns.map((turn) => turn.role);
  expect(roles).toEqual(kind === 'openai' ? ['user', 'assistant', 'tool', 'tool', 'assistant', 'user'] : ['user', 'assistant', 'user', 'assistant', 'user']);
  expect(conversation.turns[0]?.text).toContain('What do src/a.ts and src/b.ts export?');
  expect(conversation.turns.at(-1)?.text).toBe('Run the tests: call a tool.');
  // Each parallel Read is answered with its own file, whatever order the results came in.
  expect(receivedCalls(kind, body).map((call) => [call.name, call.args.file_path, call.result])).toEqual(READ_PAIRS.map(([path, text]) => ['Read', path, text]));
  const toolNames = TOOLS.map((tool) => tool.name);
  switch (kind) {
    case 'anthropic': {
      const beta = (request?.headers['anthropic-beta'] ?? '').split(',');
      expect(beta).toEqual(expect.arrayContaining(BETAS));
      expect(body).toMatchObject({ stream: true, metadata: { user_id: USER_ID }, thinking: { type: 'enabled' } });
      const thinking = body.thinking as { budget_tokens: number };
      expect(thinking.budget_tokens).toBeGreaterThanOrEqual(1024);
      expect(thinking.budget_tokens).toBeLessThan(Number(body.max_tokens));
      expect(body.tools).toMatchObject(TOOLS.map((tool) => ({ name: tool.name, input_schema: { type: 'object', required: tool.input_schema.required } })));
      break;
    }
    case 'openai':
      expect(body).toMatchObject({ stream: true, user: USER_ID });
      // The channel's gpt-4o-mini does not reason: the converted thinking request goes without reasoning_effort,
      // which that model would refuse with a 400.
      expect('reasoning_effort' in body).toBe(false);
      expect(body.tools).toMatchObject(TOOLS.map((tool) => ({ type: 'function', function: { name: tool.name, parameters: { type: 'object', required: tool.input_schema.required } } })));
      break;
    case 'gemini':
      expect(body).toMatchObject({ tools: [{ functionDeclarations: toolNames.map((name) => ({ name })) }], generationConfig: { thinkingConfig: { includeThoughts: true } } });
      break;
  }
}

describe.each(CHANNEL_KINDS)('Claude Code through the Anthropic SDK → %s channel', (kind) => {
  const model = matrixModel(PREFIX, kind);

  test('the tool call streams as input_json_delta fragments of valid JSON; the tool result gets the final answer', async () => {
    const first = await streamTurn(model, HISTORY);
    const blocks = expectAnthropicGrammar(first.events as AnthropicEvent[]);
    // Thinking (when the channel's model thinks) comes first, then the one tool call.
    expect(blocks.at(-1)).toBe('tool_use');
    expect(blocks.slice(0, -1).every((type) => type === 'thinking')).toBe(true);
    const toolIndex = blocks.length - 1;
    const start = first.events.find((event) => event.type === 'content_block_start' && event.index === toolIndex);
    expect(start).toMatchObject({ content_block: { type: 'tool_use', name: 'Bash', input: {} } });
    const fragments = inputJsonFragments(first.events as AnthropicEvent[], toolIndex);
    // Gemini sends a function call whole; the other two stream its arguments in pieces.
    if (kind !== 'gemini') expect(fragments.filter((fragment) => fragment !== '').length).toBeGreaterThan(1);
    expect(JSON.parse(fragments.join(''))).toEqual({ command: 'mock' });

    const toolUse = first.final.content.find((block) => block.type === 'tool_use');
    if (toolUse?.type !== 'tool_use') throw new Error('no tool_use block');
    expect(toolUse).toMatchObject({ name: 'Bash', input: { command: 'mock' } });
    expect(toolUse.id).not.toBe('');
    expect(first.final.stop_reason).toBe('tool_use');
    const firstDelta = first.events.at(-2);
    if (firstDelta?.type !== 'message_delta') throw new Error('no message_delta');
    expect(firstDelta.delta.stop_reason).toBe('tool_use');
    expect(firstDelta.usage.output_tokens).toBe(reportedUsage(harness, 0).completionTokens);
    expectSessionReceived(kind, 0);

    // Claude Code sends the whole assistant turn back (thinking blocks included) with the tool's output.
    const second = await streamTurn(model, [
      ...HISTORY,
      { role: 'assistant', content: first.final.content as Anthropic.Beta.BetaContentBlockParam[] },
      { role: 'user', content: [{ type: 'tool_result', tool_use_id: toolUse.id, content: TOOL_OUTPUT }] },
    ]);
    const answerBlocks = expectAnthropicGrammar(second.events as AnthropicEvent[]);
    expect(answerBlocks.at(-1)).toBe('text');
    expect(second.final.content.map((block) => (block.type === 'text' ? block.text : '')).join('')).toBe(MOCK_TEXT);
    expect(second.final.stop_reason).toBe('end_turn');
    // The cache counts reach the client in Anthropic's three disjoint input fields (Gemini and OpenAI report no writes).
    const usage = reportedUsage(harness, 1);
    const cacheWrite = kind === 'anthropic' ? CACHE_WRITE : 0;
    expect([usage.cachedTokens, usage.cacheWriteTokens ?? 0]).toEqual([CACHE_READ, cacheWrite]);
    expect(second.final.usage).toMatchObject({
      input_tokens: usage.promptTokens - CACHE_READ - cacheWrite,
      cache_read_input_tokens: CACHE_READ,
      cache_creation_input_tokens: cacheWrite,
      output_tokens: usage.completionTokens,
    });

    expectToolResultReceived(kind, upstreamBody(harness, 1), { id: toolUse.id, name: 'Bash', args: { command: 'mock' }, result: TOOL_OUTPUT });
    await expectBilledAsReported(harness, 2, model, channels[kind]);
  });
});
