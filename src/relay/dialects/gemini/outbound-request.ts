/**
 * A hub request (OpenAI's CreateChatCompletionRequest) → a Gemini generateContent body
 * (https://ai.google.dev/api/generate-content#request-body) for `gemini` channels. The model goes in the URL,
 * not the body: the caller builds `models/{geminiModelAndThinking(upstreamModel).model}:generateContent`.
 *
 * - system and developer messages → `systemInstruction` (Gemini has no mid-conversation system turn, so every
 *   one of them lands there, in order);
 * - user → role `user`; assistant → role `model` (text, then one `functionCall` part per tool call; its
 *   `reasoning_content` stays behind: Gemini takes earlier reasoning back only as thought signatures);
 *   tool → a role `user` `functionResponse` named after the earlier tool call with that id (the message's
 *   `name` when the id is unknown), its response the JSON object the tool returned or `{content: text}`;
 * - consecutive turns of one role are merged (Gemini wants parallel function responses in one turn), and the
 *   function responses of a turn are put in the order of the calls they answer: the calls go without ids, so
 *   Gemini pairs parallel calls of one function with their responses by position, and clients answer them in
 *   the order their tools finish (Claude Code does);
 * - tools → `functionDeclarations` with cleaned parameters (schema.ts); `tool_choice` → `toolConfig`;
 * - sampling, `stop`, `n`, `response_format` and thinking → `generationConfig`;
 * - the channel setting `safety_settings` → `safetySettings`, verbatim (absent: Google's defaults).
 *
 * Thought signatures (https://ai.google.dev/gemini-api/docs/thought-signatures): Gemini 3 answers 400 when the
 * first function call of a model turn lacks the signature it was issued with. The hub carries it where Google's
 * own OpenAI layer does, `tool_calls[].extra_content.google.thought_signature`; when a client dropped it (or the
 * calls came from another model) the first call gets the documented placeholder `skip_thought_signature_validator`.
 */
import { GatewayError } from '../../../errors/gateway-error.ts';
import type { JsonBody } from '../../types.ts';
import type { OutboundContext } from '../types.ts';
import { asRecord, copyNumbers, invalidRequest, parseToolArguments, readArray, readRecords, readString } from '../json-fields.ts';
import { contentParts, contentText } from './outbound-parts.ts';
import { cleanSchemaForGemini } from './schema.ts';
import { budgetForEffort, geminiModelAndThinking } from './thinking.ts';

export const SKIP_THOUGHT_SIGNATURE = 'skip_thought_signature_validator';

interface Content {
  role: 'user' | 'model';
  parts: JsonBody[];
}

export function fromHubRequest(request: JsonBody, context: OutboundContext): JsonBody {
  const messages = readArray(request.messages);
  if (messages === undefined || messages.length === 0) throw invalidRequest('messages', 'must be a non-empty array of messages');
  const system: JsonBody[] = [];
  const contents: Content[] = [];
  const calls = new Map<string, CallRecord>();
  /** Each function response part → the position of the call it answers, among all calls of the request. */
  const answered = new Map<JsonBody, number>();
  const append = (role: Content['role'], parts: JsonBody[]): void => {
    if (parts.length === 0) return;
    const last = contents.at(-1);
    if (last?.role === role) last.parts.push(...parts);
    else contents.push({ role, parts });
  };
  messages.forEach((raw, index) => {
    const field = `messages[${index}]`;
    const message = asRecord(raw);
    if (message === undefined) throw invalidRequest(field, 'must be an object with a role');
    switch (message.role) {
      case 'system':
      case 'developer': {
        const text = contentText(message.content, field);
        if (text !== '') system.push({ text });
        break;
      }
      case 'user':
        append('user', contentParts(message.content, field));
        break;
      case 'assistant':
        append('model', assistantParts(message, field, calls));
        break;
      case 'tool': {
        const part = functionResponsePart(message, field, calls);
        const call = calls.get(readString(message.tool_call_id) ?? '');
        if (call !== undefined) answered.set(part, call.position);
        append('user', [part]);
        break;
      }
      default:
        throw invalidRequest(`${field}.role`, `${JSON.stringify(message.role)} is not a role Gemini channels take; use system, user, assistant or tool`);
    }
  });
  if (contents.length === 0) throw invalidRequest('messages', 'holds no user or assistant message; Gemini needs at least one turn besides the system prompt');
  for (const content of contents) if (content.role === 'user') putResponsesInCallOrder(content.parts, answered);

  const body: JsonBody = { contents };
  if (system.length > 0) body.systemInstruction = { parts: system };
  const declarations = functionDeclarations(request.tools);
  const { toolConfig, offered } = toolConfiguration(request.tool_choice, declarations);
  if (offered.length > 0) body.tools = [{ functionDeclarations: offered }];
  if (toolConfig !== undefined && offered.length > 0) body.toolConfig = toolConfig;
  const generationConfig = generationConfiguration(request, context);
  if (Object.keys(generationConfig).length > 0) body.generationConfig = generationConfig;
  const safety = context.settings.safety_settings;
  if (safety !== undefined) {
    if (!Array.isArray(safety)) {
      throw new GatewayError({
        code: 'invalid_config',
        field: 'safety_settings',
        message: 'the channel setting safety_settings must be an array like [{"category": "HARM_CATEGORY_HARASSMENT", "threshold": "BLOCK_NONE"}]; fix the channel\'s settings',
      });
    }
    body.safetySettings = safety;
  }
  return body;
}

/** A tool call of an earlier assistant message: its function's name, and its position among all the request's calls. */
interface CallRecord {
  readonly name: string;
  readonly position: number;
}

function assistantParts(message: Record<string, unknown>, field: string, calls: Map<string, CallRecord>): JsonBody[] {
  const parts = contentParts(message.content, field);
  readRecords(message.tool_calls).forEach((call, index) => {
    const fn = asRecord(call.function);
    const name = readString(fn?.name);
    if (name === undefined) throw invalidRequest(`${field}.tool_calls[${index}].function.name`, 'is required');
    const id = readString(call.id);
    if (id !== undefined) calls.set(id, { name, position: calls.size });
    const part: JsonBody = { functionCall: { name, args: parseToolArguments(readString(fn?.arguments) ?? '') } };
    const signature = readString(asRecord(asRecord(call.extra_content)?.google)?.thought_signature);
    if (signature !== undefined) part.thoughtSignature = signature;
    else if (index === 0) part.thoughtSignature = SKIP_THOUGHT_SIGNATURE;
    parts.push(part);
  });
  return parts;
}

function functionResponsePart(message: Record<string, unknown>, field: string, calls: ReadonlyMap<string, CallRecord>): JsonBody {
  const id = readString(message.tool_call_id);
  const name = (id === undefined ? undefined : calls.get(id)?.name) ?? readString(message.name);
  if (name === undefined) {
    throw invalidRequest(`${field}.tool_call_id`, `${JSON.stringify(id)} matches no tool call of an earlier assistant message; send that assistant message first`);
  }
  const text = contentText(message.content, field);
  let response: Record<string, unknown> | undefined;
  try {
    response = asRecord(JSON.parse(text));
  } catch {
    // Plain text: wrapped below.
  }
  return { functionResponse: { name, response: response ?? { content: text } } };
}

/**
 * Puts the function responses of one user turn in the order of the calls they answer, in the places responses
 * hold (other parts stay where they are; a response whose call is unknown keeps its place among the rest).
 * Gemini reads the responses of parallel calls by position, since the calls carry no id here
 * (https://ai.google.dev/gemini-api/docs/function-calling#parallel_function_calling).
 */
function putResponsesInCallOrder(parts: JsonBody[], answered: ReadonlyMap<JsonBody, number>): void {
  const slots = parts.flatMap((part, index) => (answered.has(part) ? [index] : []));
  if (slots.length < 2) return;
  const position = (part: JsonBody | undefined): number => (part === undefined ? 0 : (answered.get(part) ?? 0));
  const ordered = slots.map((slot) => parts[slot]).sort((first, second) => position(first) - position(second));
  slots.forEach((slot, index) => {
    const part = ordered[index];
    if (part !== undefined) parts[slot] = part;
  });
}

/**
 * Function tools → declarations. Parameters that clean to an object without properties are left out: Gemini
 * refuses an empty OBJECT schema, and "for a function with no parameters, this can be left unset"
 * (https://ai.google.dev/api/caching#FunctionDeclaration).
 */
function functionDeclarations(value: unknown): JsonBody[] {
  if (value === undefined || value === null) return [];
  const tools = readArray(value);
  if (tools === undefined) throw invalidRequest('tools', 'must be an array of function tools');
  return tools.map((raw, index) => {
    const tool = asRecord(raw) ?? {};
    if (tool.type !== 'function') {
      throw invalidRequest(`tools[${index}].type`, `${JSON.stringify(tool.type)} tools cannot be sent to a Gemini channel; only "function" tools`);
    }
    const fn = asRecord(tool.function) ?? {};
    const name = readString(fn.name);
    if (name === undefined) throw invalidRequest(`tools[${index}].function.name`, 'is required');
    const declaration: JsonBody = { name };
    const description = readString(fn.description);
    if (description !== undefined) declaration.description = description;
    if (fn.parameters !== undefined && fn.parameters !== null) {
      const parameters = cleanSchemaForGemini(fn.parameters);
      const empty = (parameters.type === undefined || parameters.type === 'object') && parameters.properties === undefined;
      if (!empty) declaration.parameters = parameters;
    }
    return declaration;
  });
}

/**
 * `tool_choice` → `functionCallingConfig` (https://ai.google.dev/api/caching#FunctionCallingConfig): none → NONE,
 * auto → AUTO, required → ANY, a named function → ANY limited to it. `allowed_tools` in `required` mode → ANY
 * limited to its names; in `auto` mode → AUTO with only those functions declared (allowedFunctionNames is
 * honoured under ANY only).
 */
function toolConfiguration(choice: unknown, declarations: JsonBody[]): { toolConfig: JsonBody | undefined; offered: JsonBody[] } {
  const config = (mode: string, names?: string[]): JsonBody => ({
    functionCallingConfig: names === undefined ? { mode } : { mode, allowedFunctionNames: names },
  });
  if (choice === undefined || choice === null) return { toolConfig: undefined, offered: declarations };
  if (choice === 'none') return { toolConfig: config('NONE'), offered: declarations };
  if (choice === 'auto') return { toolConfig: config('AUTO'), offered: declarations };
  if (choice === 'required') return { toolConfig: config('ANY'), offered: declarations };
  const record = asRecord(choice);
  const named = readString(asRecord(record?.function)?.name);
  if (record?.type === 'function' && named !== undefined) return { toolConfig: config('ANY', [named]), offered: declarations };
  const allowed = asRecord(record?.allowed_tools);
  if (record?.type === 'allowed_tools' && allowed !== undefined) {
    const names = readRecords(allowed.tools)
      .map((tool) => readString(asRecord(tool.function)?.name))
      .filter((name): name is string => name !== undefined);
    if (allowed.mode === 'required') return { toolConfig: config('ANY', names), offered: declarations };
    return { toolConfig: config('AUTO'), offered: declarations.filter((declaration) => names.includes(String(declaration.name))) };
  }
  throw invalidRequest('tool_choice', 'must be "none", "auto", "required" or {"type": "function", "function": {"name": "…"}}');
}

function generationConfiguration(request: JsonBody, context: OutboundContext): JsonBody {
  const config: JsonBody = {};
  // max_completion_tokens comes after max_tokens, so it wins when a client sends both.
  const renames: readonly [string, string][] = [
    ['temperature', 'temperature'],
    ['top_p', 'topP'],
    ['top_k', 'topK'],
    ['max_tokens', 'maxOutputTokens'],
    ['max_completion_tokens', 'maxOutputTokens'],
    ['n', 'candidateCount'],
    ['presence_penalty', 'presencePenalty'],
    ['frequency_penalty', 'frequencyPenalty'],
    ['seed', 'seed'],
  ];
  copyNumbers(request, config, renames);
  const stop = request.stop;
  if (typeof stop === 'string') config.stopSequences = [stop];
  else if (Array.isArray(stop) && stop.length > 0) config.stopSequences = stop;

  const format = asRecord(request.response_format);
  if (format?.type === 'json_object') config.responseMimeType = 'application/json';
  if (format?.type === 'json_schema') {
    config.responseMimeType = 'application/json';
    const schema = asRecord(format.json_schema)?.schema;
    if (schema !== undefined) config.responseSchema = cleanSchemaForGemini(schema);
  }

  // The model-name suffix is the operator's choice (and priced as such), so it wins over the body's effort.
  const budget = geminiModelAndThinking(context.upstreamModel).thinkingBudget ?? budgetForEffort(request.reasoning_effort);
  if (budget !== undefined) config.thinkingConfig = budget === 0 ? { thinkingBudget: 0 } : { thinkingBudget: budget, includeThoughts: true };
  return config;
}
