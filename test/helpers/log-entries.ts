/** Request log entries for tests: a complete successful request, overridden field by field. */
import type { RequestLogEntry } from '../../src/services/logs.ts';

let sequence = 0;

export function logEntry(overrides: Partial<RequestLogEntry> = {}): RequestLogEntry {
  sequence += 1;
  return {
    createdAt: Date.UTC(2026, 0, 1, 12),
    type: 2,
    requestId: `req-${sequence}`,
    userId: 1,
    username: 'root',
    tokenId: 1,
    tokenName: 'default',
    channelId: undefined,
    channelName: undefined,
    group: 'default',
    modelName: 'gpt-4o',
    upstreamModel: undefined,
    isStream: false,
    status: 200,
    promptTokens: 10,
    completionTokens: 20,
    cachedTokens: 0,
    cacheWriteTokens: 0,
    reasoningTokens: 0,
    cost: 1_000,
    latencyMs: 100,
    firstTokenMs: undefined,
    errorCode: undefined,
    content: '',
    ip: '127.0.0.1',
    other: {},
    ...overrides,
  };
}
