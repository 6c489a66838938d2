/** Human renderings of redemption codes: one table row per code (the full code is never stored). */
import type { RedemptionView } from '../../../src/services/redemptions.ts';
import { renderTable } from '../../output.ts';

export function renderRedemptionTable(redemptions: readonly RedemptionView[]): string {
  if (redemptions.length === 0) return 'No redemption codes match. Create some with: gateway redeem create --amount USD';
  return renderTable(
    ['ID', 'CODE', 'NAME', 'STATUS', 'AMOUNT (USD)', 'USED BY', 'REDEEMED', 'EXPIRES', 'CREATED'],
    redemptions.map((redemption) => [
      redemption.id,
      redemption.prefix,
      redemption.name === '' ? null : redemption.name,
      redemption.status,
      redemption.amountUsd,
      redemption.usedBy,
      redemption.redeemedAt?.slice(0, 16).replace('T', ' '),
      redemption.expiresAt?.slice(0, 16).replace('T', ' ') ?? 'never',
      redemption.createdAt.slice(0, 10),
    ]),
  );
}
