/**
 * Key self-service billing (domain.md 7.3), in New API's shapes so dashboards and clients written for it work:
 * - `GET /v1/dashboard/billing/subscription` and `/usage` (also without `/v1`): OpenAI's old billing API.
 *   The key passes the relay's checks in the relay's order (disabled and expired keys 401, no quota left 429,
 *   IP allowlist and owner 403), so these answer only for a key that could make a request now.
 * - `GET /api/usage/token`: also answers for an expired or exhausted key (its owner wants to see why it
 *   stopped). A missing, unknown, removed or disabled key gets exactly the relay's 401, and counts towards the
 *   relay's limit on failed keys per address; the key's IP allowlist still applies.
 * Errors come in OpenAI's shape through the errors plugin.
 */
import { Elysia } from 'elysia';
import { GatewayError } from '../../errors/gateway-error.ts';
import type { AuthContext, AuthResult } from '../../relay/auth.ts';
import { extractCredential } from '../../relay/credentials.ts';
import { compileAllowlist } from '../../relay/ip-allowlist.ts';
import { type KeyBillingService, type KeyStats, subscriptionBody, tokenUsageBody, usageBody } from '../../services/key-billing.ts';
import type { ClientIpResolver } from '../client-ip.ts';
import { requestPath } from '../request-path.ts';

export interface BillingRoutesOptions {
  /** The relay's key authentication. */
  readonly authenticate: (request: Request, context: AuthContext) => Promise<AuthResult>;
  readonly keyBilling: KeyBillingService;
  /** display_token_stat_enabled: true reports the key's own figures, false its owner's wallet. */
  readonly showKeyStats: () => Promise<boolean>;
  /** The client's address from the socket and, behind trusted proxies, X-Forwarded-For. */
  readonly clientIp: ClientIpResolver;
}

type Server = { requestIP(request: Request): { address: string } | null } | null;

function keyGone(): GatewayError {
  return new GatewayError({ code: 'unauthorized', message: 'this API key was removed or disabled a moment ago; use another key' });
}

export function billingRoutes(options: BillingRoutesOptions) {
  const app = new Elysia({ name: 'billing-routes' });

  const contextOf = (server: Server, request: Request): AuthContext => ({
    path: requestPath(request),
    clientIp: options.clientIp(server?.requestIP(request)?.address, request.headers),
  });

  /** The authenticated key's figures, read fresh after the relay's checks passed. */
  const authenticatedStats = async (server: Server, request: Request): Promise<KeyStats> => {
    const auth = await options.authenticate(request, contextOf(server, request));
    const stats = await options.keyBilling.byTokenId(auth.tokenId);
    if (stats === undefined) throw keyGone();
    return stats;
  };

  for (const prefix of ['/v1', '']) {
    app.get(`${prefix}/dashboard/billing/subscription`, async ({ request, server }) =>
      subscriptionBody(await authenticatedStats(server, request), await options.showKeyStats()),
    );
    app.get(`${prefix}/dashboard/billing/usage`, async ({ request, server }) =>
      usageBody(await authenticatedStats(server, request), await options.showKeyStats()),
    );
  }

  app.get('/api/usage/token', async ({ request, server }) => {
    const context = contextOf(server, request);
    const credential = extractCredential(request, context.path);
    const stats = credential === undefined ? undefined : await options.keyBilling.byKey(credential.value);
    if (stats === undefined || stats.token.status === 'disabled') {
      // The relay's own answer (and its failed-key accounting) for a key that does not count.
      await options.authenticate(request, context);
      // Reached only when the relay still holds the key as enabled in its one-second cache.
      throw keyGone();
    }
    if (!compileAllowlist(stats.token.allowIps).allows(context.clientIp)) {
      throw new GatewayError({
        code: 'forbidden',
        message: `API key ${JSON.stringify(stats.token.name)} does not accept requests from ${context.clientIp ?? 'an unknown address'}; allow it with: gateway token update ${JSON.stringify(stats.token.name)} --allow-ips …`,
      });
    }
    return tokenUsageBody(stats);
  });
  return app;
}
