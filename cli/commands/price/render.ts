/** Human renderings of prices. */
import type { PriceView } from '../../../src/services/prices.ts';
import { renderTable } from '../../output.ts';

export function renderPrices(prices: readonly PriceView[]): string {
  if (prices.length === 0) return 'No prices. Set one with: gateway price set MODEL --input USD --output USD, or restore the built-in list with: gateway price reset';
  return renderTable(
    ['MODEL', 'INPUT $/1M', 'OUTPUT $/1M', 'CACHED $/1M', 'CACHE WRITE $/1M', 'PER CALL $', 'MAX OUTPUT', 'SOURCE'],
    prices.map((price) => [
      price.model,
      price.inputUsdPerMillion,
      price.outputUsdPerMillion,
      price.cachedUsdPerMillion,
      price.cacheWriteUsdPerMillion,
      price.perCallUsd,
      price.maxOutputTokens,
      price.isDefault ? 'built-in' : 'custom',
    ]),
  );
}

/** One line: "$2.5 input / $10 output per 1M tokens" or "$0.04 per call". */
export function describePrice(price: PriceView): string {
  if (price.mode === 'per-call') return `$${price.perCallUsd ?? '0'} per call`;
  const parts = [`$${price.inputUsdPerMillion ?? '0'} input`, `$${price.outputUsdPerMillion ?? '0'} output`];
  if (price.cachedUsdPerMillion !== null) parts.push(`$${price.cachedUsdPerMillion} cached`);
  if (price.cacheWriteUsdPerMillion !== null) parts.push(`$${price.cacheWriteUsdPerMillion} cache write`);
  return `${parts.join(' / ')} per 1M tokens`;
}
