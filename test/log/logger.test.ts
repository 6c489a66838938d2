import { describe, expect, test } from 'bun:test';
import { createLogger, isSecretName, memorySink, redact } from '../../src/log/logger.ts';

const fixedTime = Date.UTC(2026, 0, 2, 3, 4, 5, 6);

function jsonLogger(level: 'debug' | 'info' | 'warn' | 'error' = 'info') {
  const sink = memorySink();
  const logger = createLogger({ level, format: 'json', sink, now: () => fixedTime });
  return { sink, logger, entries: () => sink.lines.map((line) => JSON.parse(line) as Record<string, unknown>) };
}

describe('json format', () => {
  test('one JSON object per line with time, level, msg and the fields', () => {
    const { logger, entries, sink } = jsonLogger();
    logger.info('listening', { url: 'http://127.0.0.1:3000', port: 3000, ok: true, missing: undefined });
    expect(sink.lines).toHaveLength(1);
    expect(sink.lines[0]).not.toContain('\n');
    expect(entries()[0]).toEqual({ time: '2026-01-02T03:04:05.006Z', level: 'info', msg: 'listening', url: 'http://127.0.0.1:3000', port: 3000, ok: true });
  });

  test('fields cannot overwrite time, level or msg', () => {
    const { logger, entries } = jsonLogger();
    logger.info('real', { msg: 'fake', level: 'error', time: 'never' });
    expect(entries()[0]).toEqual({ time: '2026-01-02T03:04:05.006Z', level: 'info', msg: 'real' });
  });

  test('an Error becomes name, message and stack', () => {
    const { logger, entries } = jsonLogger();
    logger.error('failed', { error: new TypeError('bad thing') });
    const error = entries()[0]?.error as Record<string, string>;
    expect(error.name).toBe('TypeError');
    expect(error.message).toBe('bad thing');
    expect(error.stack).toContain('bad thing');
  });

  test('child loggers add their fields to every entry', () => {
    const { logger, entries } = jsonLogger();
    logger.child({ requestId: 'abc' }).warn('slow', { durationMs: 12 });
    expect(entries()[0]).toMatchObject({ level: 'warn', requestId: 'abc', durationMs: 12 });
  });
});

describe('levels', () => {
  test('entries below the level are dropped', () => {
    const { logger, entries } = jsonLogger('warn');
    logger.debug('d');
    logger.info('i');
    logger.warn('w');
    logger.error('e');
    expect(entries().map((entry) => entry.level)).toEqual(['warn', 'error']);
    expect(logger.isEnabled('info')).toBe(false);
    expect(logger.isEnabled('error')).toBe(true);
  });

  test('debug writes everything', () => {
    const { logger, entries } = jsonLogger('debug');
    logger.debug('d');
    logger.info('i');
    expect(entries()).toHaveLength(2);
  });
});

describe('pretty format', () => {
  test('one readable line: time, level, message, key=value pairs', () => {
    const sink = memorySink();
    const logger = createLogger({ format: 'pretty', sink, now: () => fixedTime });
    logger.info('listening', { url: 'http://127.0.0.1:3000', note: 'two words', port: 3000 });
    expect(sink.lines).toHaveLength(1);
    expect(sink.lines[0]).toMatch(/^\d\d:\d\d:\d\d\.\d{3} INFO  listening url=http:\/\/127\.0\.0\.1:3000 note="two words" port=3000$/);
  });

  test('auto is pretty on a terminal and JSON otherwise', () => {
    const terminal = memorySink();
    createLogger({ format: 'auto', sink: terminal, isTerminal: true }).info('hello');
    expect(terminal.lines[0]).toContain('INFO  hello');
    const pipe = memorySink();
    createLogger({ format: 'auto', sink: pipe, isTerminal: false }).info('hello');
    expect(JSON.parse(pipe.lines[0] ?? '')).toMatchObject({ msg: 'hello' });
  });

  test('escape sequences from data never reach the terminal', () => {
    const sink = memorySink();
    createLogger({ format: 'pretty', sink }).info('channel \u001b]0;owned\u0007re\nloaded', { name: 'evil\u001b[31mred\u001b[0m\r\nX' });
    expect(sink.lines[0]).not.toContain('\u001b');
    expect(sink.lines[0]).not.toContain('\r');
    expect(sink.lines[0]).not.toContain('\n');
  });
});

describe('redaction', () => {
  const canary = 'CANARY-9f8e7d6c5b4a';

  test('fields named like secrets are redacted at any depth', () => {
    const { logger, sink } = jsonLogger();
    logger.info('request', {
      authorization: `Bearer ${canary}`,
      password: canary,
      apiKey: canary,
      api_key: canary,
      secret: canary,
      sessionSecret: canary,
      token: canary,
      accessToken: canary,
      headers: { 'x-api-key': canary, Cookie: canary, 'Proxy-Authorization': canary, 'x-goog-api-key': canary },
      nested: [{ key: canary }],
    });
    expect(sink.lines[0]).not.toContain(canary);
    expect(sink.lines[0]).toContain('[redacted]');
  });

  test('safe names that mention keys or tokens are kept', () => {
    const { logger, entries } = jsonLogger();
    logger.info('usage', { keyPrefix: 'sk-abc', tokenName: 'ci-bot', promptTokens: 12, completionTokens: 3, tokenId: 7 });
    expect(entries()[0]).toMatchObject({ keyPrefix: 'sk-abc', tokenName: 'ci-bot', promptTokens: 12, completionTokens: 3, tokenId: 7 });
  });

  test('secret-looking text is masked whatever the field is called', () => {
    const { logger, sink } = jsonLogger();
    logger.warn(`cannot connect to postgres://gateway:${canary}@db:5432/gw`, {
      database: `postgres://gateway:${canary}@db:5432/gw`,
      header: `Bearer ${canary}`,
      note: `client sent sk-${canary}abcdefgh`,
      error: new Error(`login failed for postgres://u:${canary}@h/d`),
    });
    expect(sink.lines[0]).not.toContain(canary);
    expect(sink.lines[0]).toContain('postgres://gateway:****@db:5432/gw');
  });

  test('redact leaves its input untouched', () => {
    const input = { password: 'x', inner: { token: 'y' } };
    expect(redact(input)).toEqual({ password: '[redacted]', inner: { token: '[redacted]' } });
    expect(input).toEqual({ password: 'x', inner: { token: 'y' } });
  });

  test('secret names', () => {
    for (const name of ['authorization', 'Authorization', 'password', 'root_password', 'key', 'apiKey', 'x-api-key', 'masterKey', 'secret', 'token', 'refresh_token', 'SQL_DSN', 'cookie']) {
      expect(isSecretName(name)).toBe(true);
    }
    for (const name of ['keyPrefix', 'tokenName', 'promptTokens', 'monkey', 'keys', 'tokenId', 'path', 'requestId']) {
      expect(isSecretName(name)).toBe(false);
    }
  });
});
