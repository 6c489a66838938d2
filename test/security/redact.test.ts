import { describe, expect, test } from 'bun:test';
import { cutToBytes, REDACTED, redact, redactUpstreamBody, UPSTREAM_BODY_LIMIT_BYTES } from '../../src/security/redact.ts';

const channelKey = '3f9c2a7d41b84e0f9a6c5d2e8b1f7a30';

describe('redact', () => {
  test('the channel key is replaced whole', () => {
    expect(redact(`bad key ${channelKey} given`, [channelKey])).toBe(`bad key ${REDACTED} given`);
  });

  test('fragments of 8+ characters of the channel key are replaced; shorter ones stay', () => {
    const fragment = channelKey.slice(5, 17);
    expect(redact(`key ends in …${fragment}`, [channelKey])).toBe(`key ends in …${REDACTED}`);
    const short = channelKey.slice(-7);
    expect(redact(`key ends in ${short}`, [channelKey])).toBe(`key ends in ${short}`);
  });

  test('every occurrence is replaced, including one at the very start', () => {
    expect(redact(`${channelKey}:${channelKey}`, [channelKey])).toBe(`${REDACTED}:${REDACTED}`);
  });

  test('secrets shorter than 8 characters are not searched for', () => {
    expect(redact('ollama says hello to ollama', ['ollama'])).toBe('ollama says hello to ollama');
  });

  test('provider key shapes are replaced without being told the key', () => {
    const samples = [
      'sk-proj-abcdefghijklmnopqrstuvwxyz0123456789',
      'sk-ant-api03-abcdefghijklmnopqrstuvwxyz012345',
      'sk-or-v1-0123456789abcdef0123456789abcdef',
      'xai-abcdefghijklmnopqrstuvwxyz0123',
      'gsk_abcdefghijklmnopqrstuvwxyz0123',
      'AIzaSyA-abcdefghijklmnopqrstuvwxyz01234',
      'hf_abcdefghijklmnopqrstuvwxyz',
    ];
    for (const sample of samples) expect(redact(`key: ${sample}.`)).toBe(`key: ${REDACTED}.`);
  });

  test('bearer tokens, key-named fields and key query parameters are masked', () => {
    expect(redact('Authorization: Bearer abc.def-ghi_jkl')).toBe(`Authorization: Bearer ${REDACTED}`);
    expect(redact('{"api_key": "plainsecretvalue", "model": "gpt-4o"}')).toBe(`{"api_key": "${REDACTED}", "model": "gpt-4o"}`);
    expect(redact('x-api-key: abcd1234wxyz')).toBe(`x-api-key: ${REDACTED}`);
    expect(redact('GET https://host/v1beta/models?key=AQ.secret123&alt=sse')).toBe(`GET https://host/v1beta/models?key=${REDACTED}&alt=sse`);
  });

  test('ordinary text passes unchanged', () => {
    const text = 'Rate limit reached for gpt-4o in organization org-123 on tokens per min (TPM): Limit 30000. task-manager ok.';
    expect(redact(text, [channelKey])).toBe(text);
  });
});

describe('cutToBytes and redactUpstreamBody', () => {
  test('text within the limit is unchanged; longer text is cut and marked', () => {
    expect(cutToBytes('short', 10)).toBe('short');
    const cut = cutToBytes('a'.repeat(100), 10);
    expect(new TextEncoder().encode(cut).length).toBeLessThanOrEqual(10);
    expect(cut.endsWith('…')).toBe(true);
  });

  test('a multi-byte character is never split', () => {
    const cut = cutToBytes('é'.repeat(50), 12);
    expect(cut).not.toContain('\uFFFD');
    expect(new TextEncoder().encode(cut).length).toBeLessThanOrEqual(12);
  });

  test('upstream bodies are redacted, then cut to 2 KiB', () => {
    const body = `${JSON.stringify({ error: { message: `Incorrect API key provided: ${channelKey}` } })}${' '.repeat(5000)}`;
    const result = redactUpstreamBody(body, [channelKey]);
    expect(result).not.toContain(channelKey.slice(0, 8));
    expect(result).toContain(REDACTED);
    expect(new TextEncoder().encode(result).length).toBeLessThanOrEqual(UPSTREAM_BODY_LIMIT_BYTES);
  });
});
