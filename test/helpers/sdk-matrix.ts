/**
 * What the SDK matrix files (test/http/sdk-matrix*.e2e.test.ts) share: one channel of each native kind on the
 * mock upstream, each serving a priced model of its own, and the checks every cell of the matrix makes the same
 * way — usage billed exactly as the upstream reported it (outcome, ledger debit and request-log row), and
 * Anthropic's stream grammar.
 *
 * The checks read what the client saw and what the mock upstream received, never how the gateway got from one
 * to the other, so they hold whether a request is converted through the hub or passed through raw.
 */
import { expect } from 'bun:test';
import { eq, inArray } from 'drizzle-orm';
import type { RelayOutcome } from '../../src/relay/outcome.ts';
import type { UsageReport } from './mock-upstream/types.ts';
import type { RelayHarness } from './relay-harness.ts';

export const CHANNEL_KINDS = ['openai', 'anthropic', 'gemini'] as const;
export type ChannelKind = (typeof CHANNEL_KINDS)[number];

/** The model each channel sends upstream. */
export const UPSTREAM_MODELS: Readonly<Record<ChannelKind, string>> = {
  openai: 'gpt-4o-mini',
  anthropic: 'claude-sonnet-4-5',
  gemini: 'gemini-2.5-flash',
};

/** What every mock answer says, whatever its dialect (test/helpers/mock-upstream/generation.ts). */
export const MOCK_TEXT = 'Hello from the mock upstream with a quick';

/** $2 per 1M input tokens and $8 per 1M output tokens: 2 and 8 micro-USD a token, so costs are exact integers. */
export const PRICE = { input: 2, output: 8 } as const;

/** A 1×1 transparent PNG. */
export const PNG_BASE64 = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII=';

/** The model a client names to reach the channel of `kind` (with a `prefix` per file, so names stay apart). */
export function matrixModel(prefix: string, kind: ChannelKind): string {
  return `${prefix}-${kind}`;
}

/** One channel of each kind serving `${prefix}-${kind}`, mapped to its upstream model and priced at PRICE; their ids. */
export async function addMatrixChannels(harness: RelayHarness, prefix: string): Promise<Record<ChannelKind, number>> {
  const ids: Partial<Record<ChannelKind, number>> = {};
  for (const kind of CHANNEL_KINDS) {
    const model = matrixModel(prefix, kind);
    const channel = await harness.addChannel({ name: `${prefix}-${kind}`, type: kind, models: [model], modelMapping: { [model]: UPSTREAM_MODELS[kind] } });
    await harness.deps.prices.set(model, { input: String(PRICE.input), output: String(PRICE.output) });
    ids[kind] = channel.id;
  }
  await harness.reload();
  return { openai: ids.openai ?? 0, anthropic: ids.anthropic ?? 0, gemini: ids.gemini ?? 0 };
}

/** The JSON body the mock upstream received in its request number `index` (0-based). */
export function upstreamBody(harness: RelayHarness, index: number): Record<string, unknown> {
  const json = harness.mock.requests[index]?.json;
  if (typeof json !== 'object' || json === null || Array.isArray(json)) throw new Error(`the mock upstream received no JSON body in request ${index}`);
  // Checked to be a non-array object above.
  return json as Record<string, unknown>;
}

/** The path each channel kind must have called, for a stream or not. */
export function expectUpstreamPath(harness: RelayHarness, index: number, kind: ChannelKind, stream: boolean): void {
  const request = harness.mock.requests[index];
  const method = stream ? 'streamGenerateContent' : 'generateContent';
  // Gemini's `v1beta` or `v1`: a Gemini client's own request passed through may keep the version it used.
  const expected = { openai: /^\/v1\/chat\/completions$/, anthropic: /^\/v1\/messages$/, gemini: new RegExp(`^/v1(?:beta)?/models/${UPSTREAM_MODELS.gemini}:${method}$`) }[kind];
  expect(request?.path ?? '').toMatch(expected);
  expect(request?.apiKey).toStartWith('sk-CANARY-CH-');
}

/** The usage the mock reported for its completed reply number `index`. */
export function reportedUsage(harness: RelayHarness, index: number): UsageReport {
  const usage = harness.mock.completedReplies[index]?.usage;
  if (usage === undefined) throw new Error(`the mock recorded no usage for its completed reply ${index}`);
  return usage;
}

/**
 * The first `count` requests were served by the channel `channelId` and billed from the upstream's own usage, to
 * the unit: each outcome carries the reported tokens (not an estimate) and their cost at PRICE, its hold was
 * settled with one ledger debit of that amount, and the request log has one consume row (type 2) that says the
 * same. Outcome `n` belongs to the mock's completed reply `n`: the cells send their requests one after another.
 * Cached and cache-write tokens bill at the input rate (no cache price is set), so the cost formula holds with
 * them too.
 */
export async function expectBilledAsReported(harness: RelayHarness, count: number, requestedModel: string, channelId: number): Promise<RelayOutcome[]> {
  const outcomes = await harness.waitForOutcomes(count);
  expect(harness.mock.completedReplies).toHaveLength(count);
  await harness.server.relay.billing.idle();
  await harness.server.relay.logWriter.flush();
  const { logs, ledgerEntries } = harness.deps.store.tables;
  const debits = await harness.deps.store.db
    .select()
    .from(ledgerEntries)
    .where(inArray(ledgerEntries.externalId, outcomes.map((outcome) => outcome.ledgerId)));
  for (const [index, outcome] of outcomes.entries()) {
    const usage = reportedUsage(harness, index);
    const cost = usage.promptTokens * PRICE.input + usage.completionTokens * PRICE.output;
    expect(outcome).toMatchObject({ requestedModel, channelId, status: 200, endState: 'completed', partial: false, cost });
    const cache = { cachedTokens: usage.cachedTokens, cacheWriteTokens: usage.cacheWriteTokens ?? 0 };
    expect(outcome.usage).toMatchObject({ promptTokens: usage.promptTokens, completionTokens: usage.completionTokens, ...cache, estimated: false });
    expect(cost).toBeGreaterThan(0);
    expect(outcome.billing).toMatchObject({ state: 'settled', cost, overrun: 0 });
    expect(debits.filter((row) => row.externalId === outcome.ledgerId && row.kind === 'debit').map((row) => row.amount)).toEqual([cost]);
    const rows = await harness.deps.store.db.select().from(logs).where(eq(logs.requestId, outcome.requestId));
    expect(rows.map((row) => [row.type, row.modelName, row.channelId, row.isStream, row.promptTokens, row.completionTokens, row.cachedTokens, row.cacheWriteTokens, row.cost])).toEqual([
      [2, requestedModel, channelId, outcome.stream, usage.promptTokens, usage.completionTokens, cache.cachedTokens, cache.cacheWriteTokens, cost],
    ]);
  }
  return outcomes;
}

/** An Anthropic stream event as the SDK yields it, reduced to what the grammar check reads. */
export interface AnthropicEvent {
  readonly type: string;
  readonly index?: number;
  readonly content_block?: { readonly type: string };
  readonly delta?: { readonly type?: string };
}

/**
 * Anthropic's stream grammar (https://platform.claude.com/docs/en/build-with-claude/streaming#event-types):
 * message_start, then blocks that never overlap — content_block_start, its deltas (of the block's own kind),
 * content_block_stop — with indexes counting up from 0, then message_delta and message_stop, nothing after.
 * The SDK drops `ping`. Returns the block types in order.
 */
export function expectAnthropicGrammar(events: readonly AnthropicEvent[]): string[] {
  const deltaTypes: Readonly<Record<string, readonly string[]>> = {
    text: ['text_delta', 'citations_delta'],
    thinking: ['thinking_delta', 'signature_delta'],
    tool_use: ['input_json_delta'],
  };
  expect(events[0]?.type).toBe('message_start');
  expect(events.slice(-2).map((event) => event.type)).toEqual(['message_delta', 'message_stop']);
  const blocks: string[] = [];
  let open: { index: number; type: string } | undefined;
  for (const event of events.slice(1, -2)) {
    switch (event.type) {
      case 'content_block_start':
        expect(open).toBeUndefined();
        expect(event.index).toBe(blocks.length);
        open = { index: event.index ?? -1, type: event.content_block?.type ?? '' };
        blocks.push(open.type);
        break;
      case 'content_block_delta':
        expect(event.index).toBe(open?.index);
        expect(deltaTypes[open?.type ?? ''] ?? []).toContain(event.delta?.type ?? '');
        break;
      case 'content_block_stop':
        expect(event.index).toBe(open?.index);
        open = undefined;
        break;
      default:
        throw new Error(`unexpected ${event.type} event between message_start and message_delta`);
    }
  }
  expect(open).toBeUndefined();
  expect(blocks.length).toBeGreaterThan(0);
  return blocks;
}

/** The `partial_json` fragments of one tool_use block, in order (empty ones included). */
export function inputJsonFragments(events: readonly AnthropicEvent[], blockIndex: number): string[] {
  return events.flatMap((event) => {
    if (event.type !== 'content_block_delta' || event.index !== blockIndex || event.delta?.type !== 'input_json_delta') return [];
    // The SDK's InputJSONDelta: `partial_json` is a string.
    return [(event.delta as { partial_json: string }).partial_json];
  });
}

function record(value: unknown): Record<string, unknown> {
  // A non-null, non-array object: its keys can be read as a record.
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}

function list(value: unknown): Record<string, unknown>[] {
  return Array.isArray(value) ? value.map(record) : [];
}

/** The text of a content value in any of the three dialects: a string, text parts/blocks, or Gemini parts. */
export function textOf(content: unknown): string {
  if (typeof content === 'string') return content;
  return list(content)
    .map((part) => (typeof part.text === 'string' && part.thought !== true ? part.text : ''))
    .join('');
}

/** A conversation as the upstream received it, in one shape whatever its dialect. */
export interface NativeConversation {
  readonly system: string;
  /** `user` / `assistant` turns (Gemini's `model` is `assistant`; OpenAI's `tool` messages are their own role). */
  readonly turns: { role: string; text: string; raw: Record<string, unknown> }[];
}

/** Reads the system prompt and the turns out of a native request body of the channel's `kind`. */
export function nativeConversation(kind: ChannelKind, body: Record<string, unknown>): NativeConversation {
  switch (kind) {
    case 'openai': {
      const messages = list(body.messages);
      const system = messages.filter((message) => message.role === 'system' || message.role === 'developer').map((message) => textOf(message.content));
      const turns = messages.filter((message) => message.role !== 'system' && message.role !== 'developer');
      return { system: system.join('\n'), turns: turns.map((message) => ({ role: String(message.role), text: textOf(message.content), raw: message })) };
    }
    case 'anthropic':
      return { system: textOf(body.system), turns: list(body.messages).map((message) => ({ role: String(message.role), text: textOf(message.content), raw: message })) };
    case 'gemini':
      return {
        system: textOf(record(body.systemInstruction).parts),
        turns: list(body.contents).map((content) => ({ role: content.role === 'model' ? 'assistant' : String(content.role ?? 'user'), text: textOf(content.parts), raw: content })),
      };
  }
}

/** A tool call the client answered: its id as the client saw it, the tool, the arguments and the result text. */
export interface AnsweredCall {
  readonly id: string;
  readonly name: string;
  readonly args: Record<string, unknown>;
  readonly result: string;
}

/**
 * The upstream's last two turns are the round trip in its own form: the assistant's call with the arguments the
 * model gave, then the result answering it — by id where the dialect carries one (Gemini's mock calls have none).
 */
export function expectToolResultReceived(kind: ChannelKind, body: Record<string, unknown>, call: AnsweredCall): void {
  const [asked, answer] = nativeConversation(kind, body)
    .turns.slice(-2)
    .map((turn) => turn.raw);
  switch (kind) {
    case 'openai': {
      expect(asked).toMatchObject({ role: 'assistant', tool_calls: [{ id: call.id, type: 'function', function: { name: call.name } }] });
      expect(JSON.parse(String(record(list(asked?.tool_calls)[0]?.function).arguments))).toEqual(call.args);
      expect(answer).toMatchObject({ role: 'tool', tool_call_id: call.id });
      expect(textOf(answer?.content)).toBe(call.result);
      break;
    }
    case 'anthropic': {
      expect(asked?.role).toBe('assistant');
      expect(list(asked?.content).filter((block) => block.type === 'tool_use')).toMatchObject([{ type: 'tool_use', id: call.id, name: call.name, input: call.args }]);
      expect(answer?.role).toBe('user');
      const results = list(answer?.content).filter((block) => block.type === 'tool_result');
      expect(results.map((block) => [block.tool_use_id, textOf(block.content)])).toEqual([[call.id, call.result]]);
      break;
    }
    case 'gemini': {
      expect(asked?.role).toBe('model');
      expect(list(asked?.parts).flatMap((part) => (part.functionCall === undefined ? [] : [part.functionCall]))).toMatchObject([{ name: call.name, args: call.args }]);
      expect(answer?.role).toBe('user');
      const responses = list(answer?.parts).map((part) => record(part.functionResponse));
      expect(responses.map((response) => response.name)).toEqual([call.name]);
      // Google's functionResponse.response is an object; the result text is inside it, however it is wrapped.
      expect(JSON.stringify(responses[0]?.response)).toContain(JSON.stringify(call.result).slice(1, -1));
      break;
    }
  }
}

/** One tool call of a conversation the upstream received, with the result the upstream will read as its answer. */
export interface ReceivedCall {
  readonly name: string;
  readonly args: Record<string, unknown>;
  /** The answer's text (Gemini: its `response.content`, else the response object as JSON); undefined when unanswered. */
  readonly result: string | undefined;
}

/**
 * Every tool call of a native conversation paired with its result as that upstream pairs them: OpenAI and
 * Anthropic by id; Gemini by id when both sides carry one, else by position within the next user turn (which is
 * how Gemini reads parallel calls of one function: by order).
 */
export function receivedCalls(kind: ChannelKind, body: Record<string, unknown>): ReceivedCall[] {
  const turns = nativeConversation(kind, body).turns.map((turn) => turn.raw);
  const calls: ReceivedCall[] = [];
  switch (kind) {
    case 'openai': {
      const results = new Map(turns.filter((turn) => turn.role === 'tool').map((turn) => [String(turn.tool_call_id), textOf(turn.content)]));
      for (const call of turns.flatMap((turn) => list(turn.tool_calls))) {
        const fn = record(call.function);
        calls.push({ name: String(fn.name), args: record(JSON.parse(String(fn.arguments))), result: results.get(String(call.id)) });
      }
      return calls;
    }
    case 'anthropic': {
      const blocks = turns.flatMap((turn) => list(turn.content));
      const results = new Map(blocks.filter((block) => block.type === 'tool_result').map((block) => [String(block.tool_use_id), textOf(block.content)]));
      for (const block of blocks.filter((candidate) => candidate.type === 'tool_use')) calls.push({ name: String(block.name), args: record(block.input), result: results.get(String(block.id)) });
      return calls;
    }
    case 'gemini': {
      turns.forEach((turn, index) => {
        const asked = list(turn.parts).flatMap((part) => (part.functionCall === undefined ? [] : [record(part.functionCall)]));
        const answers = list(turns[index + 1]?.parts).flatMap((part) => (part.functionResponse === undefined ? [] : [record(part.functionResponse)]));
        asked.forEach((call, position) => {
          const answer = (call.id === undefined ? undefined : answers.find((candidate) => candidate.id === call.id)) ?? answers[position];
          const response = record(answer?.response);
          const result = answer === undefined ? undefined : typeof response.content === 'string' ? response.content : JSON.stringify(response);
          calls.push({ name: String(call.name), args: record(call.args), result });
        });
      });
      return calls;
    }
  }
}
