/**
 * Provider settings a channel may carry (`channels.settings`, read by the adapters as `target.settings`): the
 * names the relay reads, the kind of value each takes, and the parsing of `--setting NAME=VALUE`. Settings are
 * shown by `gateway channel show`, so a value that looks like an API key is refused: keys belong in `--key`,
 * where they are encrypted and never printed.
 */
import { invalidArgument } from '../errors/gateway-error.ts';

export type ChannelSettingKind = 'text' | 'integer' | 'boolean' | 'choice' | 'json-array' | 'json-object';
/** A stored setting value; `''` in an update removes the name. */
export type ChannelSettingValue = string | number | boolean | object;

export interface ChannelSettingSpec {
  readonly kind: ChannelSettingKind;
  /** Channel types whose adapter reads the setting. */
  readonly readBy: string;
  readonly description: string;
  /** Inclusive bounds of an integer setting. */
  readonly min?: number;
  readonly max?: number;
  /** The values a choice setting takes. */
  readonly choices?: readonly string[];
}

export const channelSettings = {
  api_version: { kind: 'text', readBy: 'azure', description: 'api-version of deployment routes (default 2025-04-01-preview)' },
  responses_api_version: { kind: 'text', readBy: 'azure', description: 'api-version for /openai/v1/responses, e.g. preview (default: none)' },
  strip_model_dots: { kind: 'boolean', readBy: 'azure', description: 'deployment names without dots (gpt-35-turbo for gpt-3.5-turbo)' },
  organization: { kind: 'text', readBy: 'openai', description: 'sent as the OpenAI-Organization header' },
  project: { kind: 'text', readBy: 'openai', description: 'sent as the OpenAI-Project header' },
  http_referer: { kind: 'text', readBy: 'openrouter', description: 'sent as the HTTP-Referer header (app attribution)' },
  x_title: { kind: 'text', readBy: 'openrouter', description: 'sent as the X-Title header (default "gateway")' },
  endpoint: { kind: 'text', readBy: 'custom', description: 'the one endpoint the channel serves, e.g. embeddings (default chat-completions)' },
  chat_api: {
    kind: 'choice',
    readBy: 'openai, azure, openai-compatible family, custom',
    description: 'chat (default) or responses: the upstream speaks only the Responses API, so chat completions go to its /responses, converted',
    choices: ['chat', 'responses'],
  },
  anthropic_beta: { kind: 'text', readBy: 'anthropic', description: 'comma-separated anthropic-beta names sent with every request' },
  max_tokens: { kind: 'integer', readBy: 'anthropic', description: 'max_tokens when the client sends none (default 8192)', min: 1, max: 1_000_000 },
  thinking_to_content: { kind: 'boolean', readBy: 'anthropic, gemini', description: 'put thinking inside <think> in the content' },
  safety_settings: { kind: 'json-array', readBy: 'gemini', description: 'sent verbatim as safetySettings' },
} as const satisfies Record<string, ChannelSettingSpec>;

export type ChannelSettingName = keyof typeof channelSettings;

const TEXT_MAX_LENGTH = 1000;
const JSON_MAX_LENGTH = 10_000;
// Header values are built from text settings, so CR/LF/NUL (and other controls) would inject headers.
const CONTROL = /[\u0000-\u001f\u007f]/;
/** Prefixes of provider keys (OpenAI/Anthropic `sk-`, Google `AIza`, Groq `gsk_`, xAI `xai-`) and bearer headers. */
const KEY_LIKE = /^\s*(sk-|sk_|AIza|gsk_|xai-|Bearer\s)/i;

export const channelSettingNames = Object.keys(channelSettings) as ChannelSettingName[];

export function isChannelSettingName(name: string): name is ChannelSettingName {
  return Object.hasOwn(channelSettings, name);
}

/** True when the value, or any string inside it, looks like an API key. */
export function looksLikeKey(value: unknown): boolean {
  if (typeof value === 'string') return KEY_LIKE.test(value);
  if (Array.isArray(value)) return value.some(looksLikeKey);
  if (value !== null && typeof value === 'object') return Object.values(value).some(looksLikeKey);
  return false;
}

function refuse(message: string): never {
  throw invalidArgument('--setting', message);
}

function refuseKey(name: string): never {
  return refuse(`--setting ${name} looks like an API key; settings are printed by channel show, so give keys with --key`);
}

function parseJson(name: string, text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return refuse(`--setting ${name} must be JSON, e.g. ${name}='[{"category": "HARM_CATEGORY_HARASSMENT", "threshold": "BLOCK_NONE"}]'`);
  }
}

/**
 * Checks one setting. A string for a non-text setting is read as `--setting` would read it ("8192", "true",
 * JSON text); `''` (or only spaces) is kept as `''`, which removes the name on update.
 */
export function normalizeChannelSetting(name: string, value: unknown): ChannelSettingValue {
  if (!isChannelSettingName(name)) {
    refuse(`unknown --setting "${name}"; known settings: ${channelSettingNames.join(', ')}`);
  }
  if (typeof value === 'string' && value.trim() === '') return '';
  const spec: ChannelSettingSpec = channelSettings[name];
  switch (spec.kind) {
    case 'text': {
      if (typeof value !== 'string') return refuse(`--setting ${name} must be text (got ${JSON.stringify(value)})`);
      const text = value.trim();
      if (looksLikeKey(text)) refuseKey(name);
      if (CONTROL.test(text)) refuse(`--setting ${name} must be one line without control characters`);
      if (text.length > TEXT_MAX_LENGTH) refuse(`--setting ${name} is longer than ${TEXT_MAX_LENGTH} characters`);
      return text;
    }
    case 'integer': {
      const number = typeof value === 'string' && /^\s*-?\d{1,15}\s*$/.test(value) ? Number(value) : value;
      const min = spec.min ?? Number.MIN_SAFE_INTEGER;
      const max = spec.max ?? Number.MAX_SAFE_INTEGER;
      if (typeof number !== 'number' || !Number.isInteger(number) || number < min || number > max) {
        return refuse(`--setting ${name} must be a whole number from ${min} to ${max} (got ${JSON.stringify(value)})`);
      }
      return number;
    }
    case 'boolean': {
      const text = typeof value === 'string' ? value.trim().toLowerCase() : value;
      if (text === true || text === 'true') return true;
      if (text === false || text === 'false') return false;
      return refuse(`--setting ${name} must be true or false (got ${JSON.stringify(value)})`);
    }
    case 'choice': {
      const choices = spec.choices ?? [];
      const text = typeof value === 'string' ? value.trim().toLowerCase() : value;
      const chosen = choices.find((choice) => choice === text);
      if (chosen === undefined) return refuse(`--setting ${name} must be one of ${choices.join(', ')} (got ${JSON.stringify(value)})`);
      return chosen;
    }
    case 'json-array':
    case 'json-object': {
      const parsed = typeof value === 'string' ? parseJson(name, value) : value;
      const wantArray = spec.kind === 'json-array';
      if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed) !== wantArray) {
        return refuse(`--setting ${name} must be a JSON ${wantArray ? 'array like [{…}]' : 'object like {…}'}`);
      }
      if (JSON.stringify(parsed).length > JSON_MAX_LENGTH) refuse(`--setting ${name} is longer than ${JSON_MAX_LENGTH} characters of JSON`);
      if (looksLikeKey(parsed)) refuseKey(name);
      return parsed;
    }
  }
}

/** `name=value` from `--setting`; `name=` gives `''`, which removes the setting on update. */
export function parseChannelSetting(text: string): { name: ChannelSettingName; value: ChannelSettingValue } {
  const separator = text.indexOf('=');
  if (separator === -1) refuse(`--setting "${text}" must look like NAME=VALUE, e.g. --setting api_version=2025-04-01-preview`);
  const name = text.slice(0, separator).trim();
  const value = normalizeChannelSetting(name, text.slice(separator + 1));
  // normalizeChannelSetting refused every other name.
  return { name: name as ChannelSettingName, value };
}
