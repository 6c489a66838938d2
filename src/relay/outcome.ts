/**
 * What one relayed request did, handed to billing and the request log when it ends (the billing issue turns
 * usage into money; here it is recorded and logged). One outcome per client request, however many attempts.
 */
import type { Endpoint, Usage } from './types.ts';

export interface AttemptRecord {
  channelId: number;
  channelName: string;
  keyPosition: number;
  upstreamModel: string;
  /** Upstream status (after the channel's status-code mapping), 0 for transport failures, 200 for success. */
  status: number;
  /** Error code when it failed: the upstream's or the gateway's (first_byte_timeout, connection_failed …). */
  errorCode: string | undefined;
  retryable: boolean | undefined;
  durationMs: number;
}

/** How a response ended (reliability.md 2.4.2). */
export type EndState = 'completed' | 'upstream_error' | 'client_gone' | 'shutdown' | 'failed_before_output';

export interface RelayOutcome {
  requestId: string;
  endpoint: Endpoint;
  stream: boolean;
  tokenId: number;
  tokenName: string;
  userId: number;
  username: string;
  group: string;
  /** The name the client asked for (billed and shown). */
  requestedModel: string;
  /** The name sent upstream by the channel that answered, if any. */
  upstreamModel: string | undefined;
  channelId: number | undefined;
  channelName: string | undefined;
  status: number;
  endState: EndState;
  errorCode: string | undefined;
  usage: Usage;
  /** Usage is partial: the stream ended early and usage covers what was delivered. */
  partial: boolean;
  attempts: AttemptRecord[];
  latencyMs: number;
  firstTokenMs: number | undefined;
  clientIp: string | undefined;
}

export type OutcomeSink = (outcome: RelayOutcome) => void;

export function emptyUsage(estimated = true): Usage {
  return {
    promptTokens: 0,
    completionTokens: 0,
    totalTokens: 0,
    cachedTokens: 0,
    cacheWriteTokens: 0,
    reasoningTokens: 0,
    imageInputTokens: 0,
    audioInputTokens: 0,
    audioOutputTokens: 0,
    estimated,
    clamped: false,
  };
}
