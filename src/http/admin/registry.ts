/**
 * Every admin API route, in one list: the plugin mounts exactly these, the OpenAPI document lists exactly
 * these, and test/http/admin-route-table.test.ts fails when one of them has no authorization case.
 */
import type { AdminRoute } from './define.ts';
import { accessTokenRoutes } from './routes/access-tokens.ts';
import { activityRoutes } from './routes/activity.ts';
import { auditRoutes } from './routes/audit.ts';
import { authRoutes } from './routes/auth.ts';
import { channelKeyRoutes } from './routes/channel-keys.ts';
import { channelOperationRoutes } from './routes/channel-operations.ts';
import { channelRoutes } from './routes/channels.ts';
import { docsRoutes } from './routes/docs.ts';
import { ledgerRoutes } from './routes/ledger.ts';
import { logRoutes } from './routes/logs.ts';
import { modelAliasRoutes } from './routes/model-aliases.ts';
import { modelRoutes } from './routes/models.ts';
import { priceRoutes } from './routes/prices.ts';
import { redemptionRoutes } from './routes/redemptions.ts';
import { registrationRoutes } from './routes/registration.ts';
import { selfRoutes } from './routes/self.ts';
import { settingRoutes } from './routes/settings.ts';
import { tokenRoutes } from './routes/tokens.ts';
import { twoFactorRoutes } from './routes/two-factor.ts';
import { usageRoutes } from './routes/usage.ts';
import { userRoutes } from './routes/users.ts';

export const adminRoutes: readonly AdminRoute[] = [
  ...authRoutes,
  ...registrationRoutes,
  ...selfRoutes,
  ...twoFactorRoutes,
  ...accessTokenRoutes,
  ...tokenRoutes,
  ...userRoutes,
  ...channelRoutes,
  ...channelKeyRoutes,
  ...channelOperationRoutes,
  ...priceRoutes,
  ...modelAliasRoutes,
  ...modelRoutes,
  ...redemptionRoutes,
  ...settingRoutes,
  ...logRoutes,
  ...usageRoutes,
  ...activityRoutes,
  ...ledgerRoutes,
  ...auditRoutes,
  ...docsRoutes,
];
