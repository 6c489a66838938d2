/** Human renderings of keys: a table row per key for `list`, key/value lines for the others. Never the key. */
import type { TokenView } from '../../../src/services/tokens.ts';
import { renderRecord, renderTable, shortList } from '../../output.ts';

export function renderTokenTable(tokens: readonly TokenView[]): string {
  if (tokens.length === 0) return 'No keys. Create one with: gateway token create --name NAME';
  return renderTable(
    ['ID', 'NAME', 'USER', 'KEY', 'STATUS', 'QUOTA (USD)', 'USED (USD)', 'EXPIRES', 'MODELS'],
    tokens.map((token) => [
      token.id,
      token.name,
      token.username,
      token.keyPrefix,
      token.status,
      token.quotaUsd ?? 'unlimited',
      token.usedUsd,
      token.expiresAt === null ? 'never' : token.expiresAt.slice(0, 16).replace('T', ' '),
      shortList(token.models, 'all'),
    ]),
  );
}

export function renderToken(token: TokenView): string {
  return renderRecord({
    id: token.id,
    name: token.name,
    user: `${token.username} (id ${token.userId})`,
    key: token.keyPrefix,
    status: token.status,
    'quota (USD)': token.quotaUsd ?? 'unlimited',
    'used (USD)': token.usedUsd,
    requests: token.requestCount,
    models: token.models.length === 0 ? 'all' : token.models,
    'allowed IPs': token.allowIps.length === 0 ? 'any' : token.allowIps,
    group: token.group ?? "owner's group",
    expires: token.expiresAt ?? 'never',
    'created at': token.createdAt,
    'last used': token.accessedAt,
  });
}
