/**
 * Every admin API route, in one list: the plugin mounts exactly these, the OpenAPI document lists exactly
 * these, and test/http/admin-route-table.test.ts fails when one of them has no authorization case.
 */
import type { AdminRoute } from './define.ts';
import { accessTokenRoutes } from './routes/access-tokens.ts';
import { authRoutes } from './routes/auth.ts';
import { docsRoutes } from './routes/docs.ts';
import { selfRoutes } from './routes/self.ts';
import { tokenRoutes } from './routes/tokens.ts';
import { userRoutes } from './routes/users.ts';

export const adminRoutes: readonly AdminRoute[] = [
  ...authRoutes,
  ...selfRoutes,
  ...accessTokenRoutes,
  ...tokenRoutes,
  ...userRoutes,
  ...docsRoutes,
];
