/**
 * Anthropic Messages clients (Claude Code, the Anthropic SDK) on `anthropic` channels: the client's body goes
 * upstream as it came and the answer comes back untouched (architecture.md decision 1, passthrough), so every
 * field and block the hub cannot carry — cache_control, server tools, citations, signed thinking, documents,
 * fields added after this gateway was written — reaches Anthropic and the client.
 *
 * What the gateway still does, the same as for a converted request:
 * - `model` becomes the channel's upstream model (model mapping); the gateway's own `-thinking` suffix is cut
 *   from it and, when the client's body sets no `thinking`, turns on extended thinking with the budget of
 *   thinking-budget.ts under Anthropic's rules (no forced tool, the last tool-calling assistant turn must start
 *   with its signed thinking block; `max_tokens` above the budget; no temperature or top_k, top_p ≥ 0.95);
 * - the channel's key as `x-api-key`, the client's `anthropic-version` (a date; else 2023-06-01), and
 *   `anthropic-beta` as the channel's names plus the client's, each once; `?beta=true` is passed on.
 * What it does not do: the channel's `max_tokens` (a Messages body always has one) and `thinking_to_content`
 * (the client reads thinking blocks natively) apply to converted requests only.
 */
import { DEFAULT_MAX_TOKENS } from '../dialects/anthropic/outbound-request.ts';
import { renderAnthropicError, upstreamErrorFromStreamEvent } from '../dialects/anthropic/errors.ts';
import { budgetForEffort, SUFFIX_EFFORT } from '../dialects/anthropic/thinking-budget.ts';
import { asRecord, readNumber, readRecords, readString } from '../dialects/json-fields.ts';
import type { OutboundDialect } from '../dialects/types.ts';
import type { ChannelTarget, JsonBody, NativeCapability, NativeRequest, RelayRequest, UpstreamRequest } from '../types.ts';
import { ANTHROPIC_VERSION, anthropicBetaHeader, anthropicMessagesUrl } from './anthropic.ts';
import { settingText } from './openai.ts';

const THINKING_SUFFIX = '-thinking';
const VERSION_DATE = /^\d{4}-\d{2}-\d{2}$/;

/** The `-thinking` suffix's extended thinking, added to a body that sets none (see the header comment). */
function applySuffixThinking(body: JsonBody): void {
  if (body.thinking !== undefined && body.thinking !== null) return;
  const budget = budgetForEffort(SUFFIX_EFFORT);
  if (budget === undefined) return;
  const forced = asRecord(body.tool_choice)?.type;
  if (forced === 'any' || forced === 'tool') return;
  const lastAssistant = readRecords(body.messages).findLast((message) => message.role === 'assistant');
  const blocks = readRecords(lastAssistant?.content);
  const leading = blocks[0]?.type;
  if (blocks.some((block) => block.type === 'tool_use') && leading !== 'thinking' && leading !== 'redacted_thinking') return;
  body.thinking = { type: 'enabled', budget_tokens: budget };
  const requested = readNumber(body.max_tokens) ?? DEFAULT_MAX_TOKENS;
  if (requested <= budget) body.max_tokens = budget + requested;
  delete body.temperature;
  delete body.top_k;
  const topP = readNumber(body.top_p);
  if (topP !== undefined && topP < 0.95) delete body.top_p;
}

/** The client's text when the model already is the upstream's; else its body with the model (and suffix) applied. */
export function anthropicNativeBody(native: NativeRequest, upstreamModel: string): string {
  const suffixed = upstreamModel.endsWith(THINKING_SUFFIX);
  const model = suffixed ? upstreamModel.slice(0, -THINKING_SUFFIX.length) : upstreamModel;
  if (!suffixed && native.body.model === model) return native.text;
  // The spread keeps `model` where the client put it.
  const body: JsonBody = { ...native.body, model };
  if (suffixed) applySuffixThinking(body);
  return JSON.stringify(body);
}

/** The generated text of a Message (text, thinking, tool input), for a local count when it reports no usage. */
function messageText(message: Record<string, unknown> | undefined): string {
  let text = '';
  for (const block of readRecords(message?.content)) {
    text += readString(block.text) ?? readString(block.thinking) ?? '';
    if (block.type === 'tool_use') text += `${readString(block.name) ?? ''}${JSON.stringify(block.input ?? {})}`;
  }
  return text;
}

export function createAnthropicNative(dialect: OutboundDialect): NativeCapability {
  const context = (request: RelayRequest, target: ChannelTarget) => ({ upstreamModel: target.upstreamModel, stream: request.stream, settings: target.settings });
  return {
    accepts: (native) => native.dialect === 'anthropic' && native.operation === 'messages',
    buildRequest(request: RelayRequest, native: NativeRequest, target: ChannelTarget): UpstreamRequest {
      const version = native.headers['anthropic-version'];
      const headers: Record<string, string> = {
        'x-api-key': target.key,
        'anthropic-version': version !== undefined && VERSION_DATE.test(version) ? version : ANTHROPIC_VERSION,
        'content-type': 'application/json',
        accept: request.stream ? 'text/event-stream' : 'application/json',
      };
      const beta = anthropicBetaHeader(settingText(target, 'anthropic_beta'), request.anthropicBeta);
      if (beta !== undefined) headers['anthropic-beta'] = beta;
      const url = anthropicMessagesUrl(target.baseUrl) + (native.query.beta === 'true' ? '?beta=true' : '');
      return { url, method: 'POST', headers, body: anthropicNativeBody(native, target.upstreamModel) };
    },
    observe: (request, target) => dialect.createStream(context(request, target)),
    readWhole(json) {
      const message = asRecord(json);
      if (message?.type === 'error') throw upstreamErrorFromStreamEvent(message);
      return { usage: dialect.readUsage(json), text: messageText(message) };
    },
    errorEvent: (error) => ({ event: 'error', data: JSON.stringify(renderAnthropicError(error).body) }),
  };
}
