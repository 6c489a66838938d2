/**
 * Session affinity: requests of one conversation go back to the channel and key that last served it, so the
 * upstream's prompt cache keeps paying off (a different account starts cold). The session is recognised by
 * what clients already send; nothing new is asked of them. Entries live in a bounded LRU with a TTL, so
 * memory stays flat however many sessions pass.
 */
import type { Clock } from '../clock.ts';
import { sha256Hex } from '../security/keys.ts';

export interface AffinityTarget {
  readonly channelId: number;
  readonly keyPosition: number;
}

/** Session ids longer than this are stored as their digest, so a huge header cannot bloat the cache. */
const MAX_STORED_LENGTH = 128;

function nonEmptyString(value: unknown): string | undefined {
  return typeof value === 'string' && value.trim() !== '' ? value : undefined;
}

function field(record: unknown, name: string): unknown {
  return record !== null && typeof record === 'object' && !Array.isArray(record) ? (record as Record<string, unknown>)[name] : undefined;
}

/**
 * The session a request belongs to, from (first found): OpenAI's `prompt_cache_key`, Anthropic's
 * `metadata.user_id` (Claude Code puts its session there), the `X-Claude-Code-Session-Id` header, or the
 * Responses API's `previous_response_id`. Each source has its own prefix so equal values cannot collide.
 */
export function affinityKeyOf(body: unknown, headers: Headers): string | undefined {
  const sources: [string, string | undefined][] = [
    ['prompt_cache_key', nonEmptyString(field(body, 'prompt_cache_key'))],
    ['metadata.user_id', nonEmptyString(field(field(body, 'metadata'), 'user_id'))],
    ['claude_code_session', nonEmptyString(headers.get('x-claude-code-session-id'))],
    ['previous_response_id', nonEmptyString(field(body, 'previous_response_id'))],
  ];
  for (const [source, value] of sources) {
    if (value === undefined) continue;
    return `${source}:${value.length > MAX_STORED_LENGTH ? sha256Hex(value) : value}`;
  }
  return undefined;
}

export interface AffinityCache {
  get(key: string): AffinityTarget | undefined;
  set(key: string, target: AffinityTarget): void;
  delete(key: string): void;
  readonly size: number;
}

export const DEFAULT_AFFINITY_ENTRIES = 10_000;
export const DEFAULT_AFFINITY_TTL_MS = 3_600_000;

/** A Map keeps insertion order, so re-inserting on use makes its first entry the least recently used. */
export function createAffinityCache(options: { clock: Clock; maxEntries?: number; ttlMs?: number }): AffinityCache {
  const maxEntries = options.maxEntries ?? DEFAULT_AFFINITY_ENTRIES;
  const ttlMs = options.ttlMs ?? DEFAULT_AFFINITY_TTL_MS;
  const entries = new Map<string, { target: AffinityTarget; expiresAt: number }>();
  return {
    get(key) {
      const entry = entries.get(key);
      if (entry === undefined) return undefined;
      entries.delete(key);
      if (entry.expiresAt <= options.clock.now()) return undefined;
      entries.set(key, entry);
      return entry.target;
    },
    set(key, target) {
      entries.delete(key);
      entries.set(key, { target, expiresAt: options.clock.now() + ttlMs });
      while (entries.size > maxEntries) {
        const oldest = entries.keys().next();
        if (oldest.done === true) break;
        entries.delete(oldest.value);
      }
    },
    delete(key) {
      entries.delete(key);
    },
    get size() {
      return entries.size;
    },
  };
}
