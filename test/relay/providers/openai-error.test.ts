/**
 * Error mapping of the OpenAI family, with fixtures written from https://platform.openai.com/docs/guides/error-codes
 * and the error bodies OpenAI-compatible servers send.
 */
import { describe, expect, test } from 'bun:test';
import { UpstreamError } from '../../../src/relay/errors.ts';
import { openaiAdapter } from '../../../src/relay/providers/openai.ts';
import { defaultRetryStatusRanges } from '../../../src/relay/providers/openai-error.ts';
import { REDACTED } from '../../../src/security/redact.ts';
import { parseStatusRanges } from '../../../src/services/settings.ts';
import { channelKey, headers } from './provider-fixtures.ts';

describe('OpenAI error mapping', () => {
  const openaiError = (message: string, type: string, code: string | null, param: string | null = null) =>
    JSON.stringify({ error: { message, type, param, code } });

  const table: { name: string; status: number; body: string; code: string; retryable: boolean; fault: 'key' | 'channel' | false }[] = [
    {
      name: '400 context length',
      status: 400,
      body: openaiError("This model's maximum context length is 128000 tokens.", 'invalid_request_error', 'context_length_exceeded', 'messages'),
      code: 'context_length_exceeded',
      retryable: false,
      fault: false,
    },
    {
      name: '401 invalid key',
      status: 401,
      body: openaiError('Incorrect API key provided: sk-proj-********************abcd.', 'invalid_request_error', 'invalid_api_key'),
      code: 'invalid_api_key',
      retryable: true,
      fault: 'key',
    },
    { name: '401 without code', status: 401, body: openaiError('Invalid Authentication', 'invalid_request_error', null), code: 'invalid_request_error', retryable: true, fault: 'key' },
    {
      name: '403 region',
      status: 403,
      body: openaiError('Country, region, or territory not supported', 'request_forbidden', 'unsupported_country_region_territory'),
      code: 'unsupported_country_region_territory',
      retryable: true,
      fault: 'channel',
    },
    {
      name: '403 deactivated account',
      status: 403,
      body: openaiError('This account has been deactivated.', 'invalid_request_error', 'account_deactivated'),
      code: 'account_deactivated',
      retryable: true,
      fault: 'key',
    },
    {
      name: '404 model not found',
      status: 404,
      body: openaiError('The model `gpt-9` does not exist or you do not have access to it.', 'invalid_request_error', 'model_not_found', 'model'),
      code: 'model_not_found',
      retryable: true,
      fault: false,
    },
    { name: '408 timeout', status: 408, body: openaiError('Request timed out.', 'timeout', null), code: 'timeout', retryable: false, fault: false },
    {
      name: '429 rate limit',
      status: 429,
      body: openaiError('Rate limit reached for gpt-4o in organization org-x on requests per min (RPM): Limit 500.', 'requests', 'rate_limit_exceeded'),
      code: 'rate_limit_exceeded',
      retryable: true,
      fault: false,
    },
    {
      name: '429 insufficient quota',
      status: 429,
      body: openaiError('You exceeded your current quota, please check your plan and billing details.', 'insufficient_quota', 'insufficient_quota'),
      code: 'insufficient_quota',
      retryable: true,
      fault: 'key',
    },
    {
      name: '400 billing hard limit',
      status: 400,
      body: openaiError('Billing hard limit has been reached', 'invalid_request_error', 'billing_hard_limit_reached'),
      code: 'billing_hard_limit_reached',
      retryable: true,
      fault: 'key',
    },
    { name: '500 server error', status: 500, body: openaiError('The server had an error while processing your request.', 'server_error', null), code: 'server_error', retryable: true, fault: false },
    { name: '503 overloaded', status: 503, body: openaiError('The engine is currently overloaded, please try again later.', 'server_error', null), code: 'server_error', retryable: true, fault: false },
    { name: '504 gateway timeout', status: 504, body: '<html><body>504 Gateway Time-out</body></html>', code: 'http_504', retryable: false, fault: false },
    { name: '524 Cloudflare timeout', status: 524, body: '<!DOCTYPE html><title>api.openai.com | 524: A timeout occurred</title>', code: 'http_524', retryable: false, fault: false },
    { name: '502 non-JSON', status: 502, body: '<html>Bad Gateway</html>', code: 'http_502', retryable: true, fault: false },
  ];

  for (const row of table) {
    test(row.name, () => {
      const error = openaiAdapter.parseError(row.status, headers(), row.body);
      expect(error).toBeInstanceOf(UpstreamError);
      expect({ status: error.status, code: error.code, retryable: error.retryable, fault: error.channelAtFault }).toEqual({
        status: row.status,
        code: row.code,
        retryable: row.retryable,
        fault: row.fault,
      });
    });
  }

  test('the default ranges are New API’s AutomaticRetryStatusCodes', () => {
    expect(defaultRetryStatusRanges).toEqual([
      [100, 199],
      [300, 399],
      [401, 407],
      [409, 499],
      [500, 503],
      [505, 523],
      [525, 599],
    ]);
  });

  test('operator ranges replace the defaults; statuses outside 100-599 always fail over', () => {
    const ranges = parseStatusRanges('500-503', 'retry_status_codes');
    const body = JSON.stringify({ error: { message: 'slow down', type: 'requests', code: 'rate_limit_exceeded' } });
    expect(openaiAdapter.parseError(429, headers(), body, { retryStatusRanges: ranges }).retryable).toBe(false);
    expect(openaiAdapter.parseError(600, headers(), '', { retryStatusRanges: ranges }).retryable).toBe(true);
  });

  test('messages: the upstream message when there is one, a plain sentence for non-JSON or empty bodies', () => {
    expect(openaiAdapter.parseError(500, headers(), '{"error":{"message":"boom","type":"server_error"}}').message).toBe('boom');
    expect(openaiAdapter.parseError(502, headers(), '<html>Bad Gateway</html>').message).toBe('the upstream answered HTTP 502');
    const empty = openaiAdapter.parseError(503, headers(), '');
    expect(empty.message).toBe('the upstream answered HTTP 503 with an empty body');
    expect(empty.upstreamBody).toBeUndefined();
  });

  test('OpenAI-compatible variants: error as a string, vLLM objects, FastAPI detail, arrays', () => {
    expect(openaiAdapter.parseError(401, headers(), '{"error":"Unauthorized"}')).toMatchObject({ message: 'Unauthorized', code: 'http_401', channelAtFault: 'key' });
    const vllm = '{"object":"error","message":"The model `x` does not exist.","type":"NotFoundError","param":null,"code":404}';
    expect(openaiAdapter.parseError(404, headers(), vllm)).toMatchObject({ message: 'The model `x` does not exist.', code: 'NotFoundError' });
    expect(openaiAdapter.parseError(422, headers(), '{"detail":"Not authenticated"}').message).toBe('Not authenticated');
    expect(openaiAdapter.parseError(429, headers(), '[{"error":{"message":"quota","code":"insufficient_quota"}}]').channelAtFault).toBe('key');
  });

  test('Retry-After in seconds or as a date, and retry-after-ms first', () => {
    const rateLimited = '{"error":{"message":"slow down","type":"requests","code":"rate_limit_exceeded"}}';
    expect(openaiAdapter.parseError(429, headers({ 'Retry-After': '20' }), rateLimited).retryAfterMs).toBe(20_000);
    const now = Date.parse('2025-01-01T00:00:00Z');
    expect(openaiAdapter.parseError(429, headers({ 'Retry-After': 'Wed, 01 Jan 2025 00:00:30 GMT' }), rateLimited, { now }).retryAfterMs).toBe(30_000);
    expect(openaiAdapter.parseError(429, headers({ 'retry-after-ms': '1500', 'Retry-After': '20' }), rateLimited).retryAfterMs).toBe(1500);
    expect(openaiAdapter.parseError(429, headers(), rateLimited).retryAfterMs).toBeUndefined();
    expect(openaiAdapter.parseError(429, headers({ 'Retry-After': 'soon' }), rateLimited).retryAfterMs).toBeUndefined();
  });

  test('the channel key and sk- shapes are redacted from the message and the logged body, cut to 2 KiB', () => {
    const echoed = JSON.stringify({
      error: { message: `Incorrect API key provided: ${channelKey}. Also tried sk-other0123456789abcdefABCDEF.`, type: 'invalid_request_error', code: 'invalid_api_key' },
      padding: 'x'.repeat(4000),
    });
    const error = openaiAdapter.parseError(401, headers(), echoed, { secrets: [channelKey] });
    for (const text of [error.message, error.upstreamBody ?? '']) {
      expect(text).not.toContain(channelKey.slice(-12));
      expect(text).not.toContain('sk-other0123456789');
      expect(text).toContain(REDACTED);
    }
    expect(new TextEncoder().encode(error.upstreamBody).length).toBeLessThanOrEqual(2048);
  });
});
