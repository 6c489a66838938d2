/**
 * Error bodies as the providers send them. OpenAI: `{"error":{"message","type","param","code"}}` with the
 * codes of https://platform.openai.com/docs/guides/error-codes (ErrorResponse in the OpenAPI document).
 * Azure OpenAI answers some failures in its own dialect, `{"error":{"code","message"}}` with a string
 * status as code (https://learn.microsoft.com/azure/ai-foundry/openai/reference), which adapters must read too.
 */
import { jsonReply, utf8, type MockReply, type RouteForm } from './types.ts';

export interface ErrorDetails {
  readonly message: string;
  readonly type: string;
  readonly param: string | null;
  readonly code: string | null;
}

export interface ErrorOptions {
  readonly status: number;
  readonly model: string;
  readonly key: string | undefined;
  /** Put the full key in a 401 message (real OpenAI masks it: "sk-ab***yz"). */
  readonly echoKey: boolean;
  readonly code: string | undefined;
  readonly input: string | undefined;
  readonly form: RouteForm | undefined;
}

function maskKey(key: string): string {
  return key.length <= 8 ? '***' : `${key.slice(0, 3)}***${key.slice(-4)}`;
}

const QUOTA_MESSAGE = 'You exceeded your current quota, please check your plan and billing details. For more information on this error, read the docs: https://platform.openai.com/docs/guides/error-codes/api-errors.';

export function openAiErrorDetails(options: ErrorOptions): ErrorDetails {
  const { status, model, code } = options;
  if (code === 'insufficient_quota') return { message: QUOTA_MESSAGE, type: 'insufficient_quota', param: null, code };
  switch (status) {
    case 400:
      return { message: options.input === undefined ? 'Invalid request.' : `Invalid request: ${options.input}`, type: 'invalid_request_error', param: null, code: code ?? null };
    case 401: {
      const shown = options.key === undefined ? undefined : options.echoKey ? options.key : maskKey(options.key);
      return shown === undefined
        ? { message: "You didn't provide an API key. You need to provide your API key in an Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY).", type: 'invalid_request_error', param: null, code: code ?? null }
        : { message: `Incorrect API key provided: ${shown}. You can find your API key at https://platform.openai.com/account/api-keys.`, type: 'invalid_request_error', param: null, code: code ?? 'invalid_api_key' };
    }
    case 403:
      return { message: 'Country, region, or territory not supported', type: 'request_forbidden', param: null, code: code ?? 'unsupported_country_region_territory' };
    case 404:
      return { message: `The model \`${model}\` does not exist or you do not have access to it.`, type: 'invalid_request_error', param: null, code: code ?? 'model_not_found' };
    case 429:
      return { message: `Rate limit reached for ${model} in organization org-mock on requests per min (RPM): Limit 3, Used 3, Requested 1. Please try again in 20s.`, type: 'requests', param: null, code: code ?? 'rate_limit_exceeded' };
    case 500:
      return { message: 'The server had an error while processing your request. Sorry about that!', type: 'server_error', param: null, code: code ?? 'server_error' };
    case 503:
      return { message: 'The server is overloaded or not ready yet.', type: 'server_error', param: null, code: code ?? null };
    default:
      return { message: `Mock error ${status}.`, type: status >= 500 ? 'server_error' : 'invalid_request_error', param: null, code: code ?? null };
  }
}

/** Azure's own shape for the failures its gateway answers before the model runs. */
function azureError(options: ErrorOptions): { code: string; message: string } | undefined {
  if (options.form !== 'azure' || options.code !== undefined) return undefined;
  if (options.status === 401) {
    const detail = options.echoKey && options.key !== undefined ? ` (key ${options.key})` : '';
    return { code: '401', message: `Access denied due to invalid subscription key or wrong API endpoint${detail}. Make sure to provide a valid key for an active subscription and use a correct regional API endpoint for your resource.` };
  }
  if (options.status === 404) return { code: 'DeploymentNotFound', message: 'The API deployment for this resource does not exist. If you created the deployment within the last 5 minutes, please wait a moment and try again.' };
  if (options.status === 429) return { code: '429', message: 'Requests to the ChatCompletions_Create Operation under Azure OpenAI API version 2024-10-21 have exceeded token rate limit of your current OpenAI S0 pricing tier. Please retry after 6 seconds.' };
  return undefined;
}

export function errorReply(options: ErrorOptions): MockReply {
  const azure = azureError(options);
  return jsonReply(options.status, { error: azure ?? openAiErrorDetails(options) });
}

/** A request the mock itself rejects (bad control, missing field): OpenAI's invalid_request_error. */
export function invalidRequest(message: string, param: string | null = null, status = 400): MockReply {
  return jsonReply(status, { error: { message, type: 'invalid_request_error', param, code: null } });
}

/** A `body` control: JSON when it parses, otherwise plain text. */
export function rawReply(status: number, body: string): MockReply {
  let json = true;
  try {
    JSON.parse(body);
  } catch {
    json = false;
  }
  return { status, headers: { 'content-type': json ? 'application/json' : 'text/plain; charset=utf-8' }, parts: [utf8(body)], streaming: false };
}
