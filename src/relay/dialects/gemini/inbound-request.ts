/**
 * A Gemini client's generateContent request (https://ai.google.dev/api/generate-content#request-body) → a hub
 * request (OpenAI's CreateChatCompletionRequest, https://platform.openai.com/docs/api-reference/chat/create).
 * The model comes from the URL (`/v1beta/models/{model}:generateContent`), hence from the context.
 *
 * - `systemInstruction` → one system message (its text parts joined by newlines).
 * - `contents`: role `user` (or absent, or the legacy `function`) → user and tool messages; role `model` →
 *   assistant messages whose text parts are joined as generated (no separator: streamed history arrives in
 *   pieces). Thought parts are dropped: their text is a summary, and some upstreams refuse reasoning in input.
 * - `functionCall` parts → `tool_calls` with the call's own `id`, else `call_<n>` numbered through the request.
 * - `functionResponse` parts → tool messages, placed before the rest of their turn (OpenAI wants tool messages
 *   right after the assistant's calls). Matching rule: a response answers the call whose `id` it carries;
 *   without one, the earliest unanswered call of the same name in the latest model turn that has one — so
 *   parallel calls of one function are answered in order.
 * - `tools[].functionDeclarations` → function tools (Gemini Schema → JSON Schema); `toolConfig` → `tool_choice`.
 * - `generationConfig` → sampling parameters, `response_format`, `reasoning_effort` (see thinking.ts).
 * Not carried: `safetySettings` (no hub equivalent), `topK`, logprobs and speech/modality settings.
 */
import type { JsonBody } from '../../types.ts';
import type { InboundContext } from '../types.ts';
import { asRecord, copyNumbers, invalidRequest, readArray, readNumber, readString } from '../json-fields.ts';
import { jsonSchemaFromGemini } from './schema.ts';
import { effortForBudget, effortForLevel } from './thinking.ts';
import { userContentPart } from './inbound-parts.ts';

type Message = JsonBody;

interface OpenCall {
  readonly id: string;
  readonly name: string;
  readonly turn: number;
}

/** Issues tool-call ids and matches function responses to the calls they answer (rule in the file comment). */
class CallLedger {
  private next = 1;
  private open: OpenCall[] = [];

  issue(name: string, givenId: string | undefined, turn: number): string {
    const id = givenId ?? `call_${this.next++}`;
    this.open.push({ id, name, turn });
    return id;
  }

  answer(name: string, givenId: string | undefined): string | undefined {
    let call = givenId === undefined ? undefined : this.open.find((candidate) => candidate.id === givenId);
    if (call === undefined) {
      const named = this.open.filter((candidate) => candidate.name === name);
      const latestTurn = Math.max(...named.map((candidate) => candidate.turn));
      call = named.find((candidate) => candidate.turn === latestTurn);
    }
    if (call === undefined) return undefined;
    const answered = call;
    this.open = this.open.filter((candidate) => candidate !== answered);
    return answered.id;
  }
}

export function toHubRequest(body: JsonBody, context: InboundContext): JsonBody {
  const contents = readArray(body.contents);
  if (contents === undefined || contents.length === 0) {
    throw invalidRequest('contents', 'must be a non-empty array of turns, e.g. [{"role": "user", "parts": [{"text": "Hello"}]}]');
  }
  if (body.cachedContent !== undefined && body.cachedContent !== null) {
    throw invalidRequest('cachedContent', 'names a context cached at Google, which this model cannot read; send the content itself');
  }
  const messages: Message[] = [];
  const system = systemText(body.systemInstruction);
  if (system !== undefined) messages.push({ role: 'system', content: system });
  const ledger = new CallLedger();
  contents.forEach((raw, turn) => {
    const field = `contents[${turn}]`;
    const content = asRecord(raw);
    if (content === undefined) throw invalidRequest(field, 'must be an object {"role": "user" | "model", "parts": [...]}');
    const role = content.role ?? 'user';
    if (role !== 'user' && role !== 'model' && role !== 'function') {
      throw invalidRequest(`${field}.role`, `must be "user" or "model", not ${JSON.stringify(role)}`);
    }
    const parts = readArray(content.parts);
    if (parts === undefined || parts.length === 0) throw invalidRequest(`${field}.parts`, 'must be a non-empty array, e.g. [{"text": "Hello"}]');
    if (role === 'model') messages.push(...modelMessage(parts, field, turn, ledger));
    else messages.push(...userMessages(parts, field, ledger));
  });

  const request: JsonBody = { model: context.model, messages };
  if (context.stream) {
    request.stream = true;
    // The client's last event carries usageMetadata; the hub only reports usage when asked.
    request.stream_options = { include_usage: true };
  }
  const tools = readTools(body.tools);
  Object.assign(request, toolChoice(body.toolConfig, tools));
  Object.assign(request, generationParameters(body.generationConfig));
  return request;
}

function systemText(value: unknown): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'string') return value;
  const texts = (readArray(asRecord(value)?.parts) ?? []).map((part) => readString(asRecord(part)?.text));
  if (texts.some((text) => text === undefined)) throw invalidRequest('systemInstruction', 'must be {"parts": [{"text": "…"}]}: only text parts');
  const text = texts.join('\n');
  return text === '' ? undefined : text;
}

function modelMessage(parts: readonly unknown[], field: string, turn: number, ledger: CallLedger): Message[] {
  let text = '';
  const toolCalls: JsonBody[] = [];
  parts.forEach((raw, index) => {
    const part = asRecord(raw);
    if (part === undefined) throw invalidRequest(`${field}.parts[${index}]`, 'must be an object');
    const call = asRecord(part.functionCall);
    if (call !== undefined) {
      const name = readString(call.name);
      if (name === undefined) throw invalidRequest(`${field}.parts[${index}].functionCall.name`, 'is required');
      const id = ledger.issue(name, readString(call.id), turn);
      const args = JSON.stringify(asRecord(call.args) ?? {});
      toolCalls.push({ id, type: 'function', function: { name, arguments: args } });
    } else if (part.thought !== true && typeof part.text === 'string') {
      text += part.text;
    }
    // Thoughts, and media the model generated (inlineData), have no place in an assistant message.
  });
  if (text === '' && toolCalls.length === 0) return [];
  const message: Message = { role: 'assistant', content: text === '' ? null : text };
  if (toolCalls.length > 0) message.tool_calls = toolCalls;
  return [message];
}

function userMessages(parts: readonly unknown[], field: string, ledger: CallLedger): Message[] {
  const toolMessages: Message[] = [];
  const contentParts: JsonBody[] = [];
  parts.forEach((raw, index) => {
    const partField = `${field}.parts[${index}]`;
    const part = asRecord(raw);
    if (part === undefined) throw invalidRequest(partField, 'must be an object');
    const response = asRecord(part.functionResponse);
    if (response !== undefined) {
      const name = readString(response.name);
      if (name === undefined) throw invalidRequest(`${partField}.functionResponse.name`, 'is required');
      const id = ledger.answer(name, readString(response.id));
      if (id === undefined) {
        throw invalidRequest(`${partField}.functionResponse.name`, `answers no earlier functionCall named "${name}"; send the model turn that called it first`);
      }
      toolMessages.push({ role: 'tool', tool_call_id: id, content: functionResponseText(response.response) });
      return;
    }
    if (part.thought === true) return;
    const converted = userContentPart(part, partField);
    if (converted !== undefined) contentParts.push(converted);
  });
  if (contentParts.length === 0) return toolMessages;
  const only = contentParts[0];
  const content = contentParts.length === 1 && only?.type === 'text' ? only.text : contentParts;
  return [...toolMessages, { role: 'user', content }];
}

/** `{content: "…"}` or `{output: "…"}` alone is unwrapped (what gateways and Google's guide send); else JSON. */
function functionResponseText(response: unknown): string {
  const record = asRecord(response) ?? {};
  const keys = Object.keys(record);
  const only = keys.length === 1 ? keys[0] : undefined;
  if ((only === 'content' || only === 'output') && typeof record[only] === 'string') return record[only];
  return JSON.stringify(record);
}

function readTools(value: unknown): JsonBody[] {
  if (value === undefined || value === null) return [];
  const tools = readArray(value);
  if (tools === undefined) throw invalidRequest('tools', 'must be an array of {"functionDeclarations": [...]}');
  const functions: JsonBody[] = [];
  tools.forEach((raw, index) => {
    const tool = asRecord(raw) ?? {};
    for (const key of Object.keys(tool)) {
      if (key !== 'functionDeclarations' && key !== 'function_declarations') {
        throw invalidRequest(`tools[${index}].${key}`, 'is a tool Google runs itself, which this model cannot use; remove it or choose a model served by a Gemini channel');
      }
    }
    const declarations = readArray(tool.functionDeclarations ?? tool.function_declarations) ?? [];
    declarations.forEach((rawDeclaration, position) => {
      const field = `tools[${index}].functionDeclarations[${position}]`;
      const declaration = asRecord(rawDeclaration) ?? {};
      const name = readString(declaration.name);
      if (name === undefined) throw invalidRequest(`${field}.name`, 'is required');
      const definition: JsonBody = { name };
      const description = readString(declaration.description);
      if (description !== undefined) definition.description = description;
      if (declaration.parametersJsonSchema !== undefined) definition.parameters = declaration.parametersJsonSchema;
      else if (declaration.parameters !== undefined) definition.parameters = jsonSchemaFromGemini(declaration.parameters);
      functions.push({ type: 'function', function: definition });
    });
  });
  return functions;
}

/**
 * `functionCallingConfig` (https://ai.google.dev/api/caching#FunctionCallingConfig): AUTO → `auto`, NONE →
 * `none`, ANY → `required`, VALIDATED → `auto`. `allowedFunctionNames` narrows the tools sent (every
 * OpenAI-compatible upstream understands a shorter list; few know `allowed_tools`); one allowed name under
 * ANY becomes a named tool choice.
 */
function toolChoice(config: unknown, tools: JsonBody[]): JsonBody {
  const calling = asRecord(asRecord(config)?.functionCallingConfig);
  if (calling === undefined) return tools.length > 0 ? { tools } : {};
  const mode = calling.mode ?? 'AUTO';
  const choices: Readonly<Record<string, string>> = { AUTO: 'auto', VALIDATED: 'auto', ANY: 'required', NONE: 'none', MODE_UNSPECIFIED: 'auto' };
  const choice = typeof mode === 'string' ? choices[mode] : undefined;
  if (choice === undefined) throw invalidRequest('toolConfig.functionCallingConfig.mode', 'must be AUTO, ANY, NONE or VALIDATED');
  const allowed = (readArray(calling.allowedFunctionNames) ?? []).filter((name): name is string => typeof name === 'string');
  const offered = allowed.length === 0 ? tools : tools.filter((tool) => allowed.includes(String(asRecord(tool.function)?.name)));
  if (offered.length === 0) return {};
  const only = allowed.length === 1 ? allowed[0] : undefined;
  if (choice === 'required' && only !== undefined) return { tools: offered, tool_choice: { type: 'function', function: { name: only } } };
  return { tools: offered, tool_choice: choice };
}

function generationParameters(value: unknown): JsonBody {
  if (value === undefined || value === null) return {};
  const config = asRecord(value);
  if (config === undefined) throw invalidRequest('generationConfig', 'must be an object');
  const output: JsonBody = {};
  const renames: readonly [string, string][] = [
    ['temperature', 'temperature'],
    ['topP', 'top_p'],
    ['maxOutputTokens', 'max_tokens'],
    ['candidateCount', 'n'],
    ['presencePenalty', 'presence_penalty'],
    ['frequencyPenalty', 'frequency_penalty'],
    ['seed', 'seed'],
  ];
  copyNumbers(config, output, renames, 'generationConfig.');
  if (config.stopSequences !== undefined && config.stopSequences !== null) {
    const stops = readArray(config.stopSequences);
    if (stops === undefined || stops.some((stop) => typeof stop !== 'string')) {
      throw invalidRequest('generationConfig.stopSequences', 'must be an array of strings');
    }
    if (stops.length > 0) output.stop = [...stops];
  }
  const format = responseFormat(config);
  if (format !== undefined) output.response_format = format;
  const thinking = asRecord(config.thinkingConfig);
  const budget = readNumber(thinking?.thinkingBudget);
  const effort = budget !== undefined ? effortForBudget(budget) : effortForLevel(thinking?.thinkingLevel);
  if (effort !== undefined) output.reasoning_effort = effort;
  return output;
}

/** `responseMimeType: application/json` with a schema → `json_schema`, without one → `json_object`. */
function responseFormat(config: Record<string, unknown>): JsonBody | undefined {
  if (config.responseMimeType !== 'application/json') return undefined;
  const schema = config.responseJsonSchema ?? (config.responseSchema === undefined ? undefined : jsonSchemaFromGemini(config.responseSchema));
  if (schema === undefined) return { type: 'json_object' };
  return { type: 'json_schema', json_schema: { name: 'response', schema } };
}
