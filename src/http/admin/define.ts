/**
 * How an admin API route is declared. Each route under /api is one `defineRoute({...})`: method, path, the
 * role it needs, a summary, TypeBox schemas (Elysia's `t`) for params, query, body and the `data` it answers,
 * and a handler. The declarations are collected in ./registry.ts; the plugin (./plugin.ts) mounts exactly
 * those, the OpenAPI document (./openapi.ts) is generated from them, and the route-table test
 * (test/http/admin-route-table.test.ts) fails for a declared route without an authorization case.
 *
 * The plugin does, in this order, for every request: authenticate (session cookie or `Bearer gpat_…`; public
 * routes skip it), check the role, check CSRF for cookie-authenticated changes, validate params, query and
 * body (strict: unknown body fields are refused), run the handler, check the answer against `response`
 * (its schemas refuse unknown fields, so a field that is not on the allowlist fails loudly instead of leaking),
 * write the route's audit row (`audit`, see AuditSpec), and wrap it in the envelope (see ./envelope.ts).
 * Handlers get plain values and the services; they never see Elysia's context.
 *
 * Adding a resource: write `routes/<resource>.ts` with its `defineRoute`s and a mapping function per view
 * (field allowlist, snake_case), put any rule in the service (so the CLI gets it too), add the array to
 * ./registry.ts, and add each route to the table in test/http/admin-route-table.test.ts.
 */
import type { Static, TSchema } from 'elysia';
import type { Clock } from '../../clock.ts';
import type { UserRow } from '../../db/repos/users.ts';
import type { ErrorCode } from '../../errors/gateway-error.ts';
import type { AccessTokenService } from '../../services/access-tokens.ts';
import type { Actor } from '../../services/actor.ts';
import type { AuditFacts, AuditService, AuditTarget } from '../../services/audit.ts';
import type { ChannelKeyService } from '../../services/channel-keys.ts';
import type { ChannelTagService } from '../../services/channel-tags.ts';
import type { ChannelTestRunner } from '../../services/channel-test-runner.ts';
import type { ChannelService } from '../../services/channels.ts';
import type { SessionService } from '../../services/sessions.ts';
import type { RegistrationService } from '../../services/registration.ts';
import type { TokenService } from '../../services/tokens.ts';
import type { TwoFactorService } from '../../services/two-factor.ts';
import type { UpstreamModelService } from '../../services/upstream-models.ts';
import type { UserService } from '../../services/users.ts';
import type { LedgerReport } from '../../services/ledger-check.ts';
import type { LogQueryService } from '../../services/log-queries.ts';
import type { ActivityReader } from '../../services/logs.ts';
import type { ModelAliasService } from '../../services/model-aliases.ts';
import type { PriceService } from '../../services/prices.ts';
import type { RedeemLimiter, RedemptionService } from '../../services/redemptions.ts';
import type { ServedModelView } from '../../services/served-models.ts';
import type { SettingsService } from '../../services/settings.ts';
import type { UsageService } from '../../services/usage.ts';
import type { PageInfo } from './envelope.ts';

/** Who may call a route: anyone, or a signed-in user with at least this role (user < admin < root). */
export type RouteRole = 'public' | 'user' | 'admin' | 'root';

export type HttpMethod = 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';

/**
 * Whose object an `:id` in the path may name; anything else answers 404 as if it did not exist. Declared so
 * the table says it and the tests check it; enforced by the service the handler calls with the actor.
 * - `own`: only the caller's own objects (its sign-ins, access tokens);
 * - `own-or-below`: the caller's own and those of users below its role (API keys);
 * - `below`: only accounts below the caller's role (users; a higher or equal role answers 403);
 * - `global`: objects no user owns (channels): every caller with the route's role reaches each of them, and
 *   an unknown id answers 404.
 */
export type Ownership = 'own' | 'own-or-below' | 'below' | 'global';

/** The signed-in caller, read fresh from the database on this request. */
export interface Principal {
  readonly actor: Actor;
  readonly user: UserRow;
  readonly via: 'session' | 'access_token';
  /** The sign-in's row id (the id's digest), when the request came with the session cookie. */
  readonly sessionId?: string;
}

/** What handlers get besides the request's values: the services, never the framework. */
export interface AdminServices {
  readonly users: UserService;
  readonly tokens: TokenService;
  readonly sessions: SessionService;
  readonly accessTokens: AccessTokenService;
  readonly twoFactor: TwoFactorService;
  readonly registration: RegistrationService;
  readonly channels: ChannelService;
  readonly channelKeys: ChannelKeyService;
  readonly channelTags: ChannelTagService;
  readonly channelTests: ChannelTestRunner;
  readonly upstreamModels: UpstreamModelService;
  readonly audit: AuditService;
  readonly prices: PriceService;
  readonly redemptions: RedemptionService;
  /** Failed redemption codes per user and address (POST /api/user/self/redeem). */
  readonly redeemLimiter: RedeemLimiter;
  readonly settings: SettingsService;
  readonly logs: LogQueryService;
  readonly usage: UsageService;
  readonly modelAliases: ModelAliasService;
  /** The models enabled channels serve (GET /api/models, `gateway model list`). */
  readonly servedModels: { list(): Promise<ServedModelView[]> };
  /** Per-minute sums of the request log (GET /api/activity). */
  readonly activity: ActivityReader;
  /** The G4 checker on the gateway's database (GET /api/ledger/check). */
  readonly ledger: { check(): Promise<LedgerReport> };
  readonly clock: Clock;
}

export interface HandlerContext<Params, Query, Body, Role extends RouteRole> {
  readonly params: Params;
  readonly query: Query;
  readonly body: Body;
  readonly principal: Role extends 'public' ? Principal | undefined : Principal;
  readonly services: AdminServices;
  /** Every declared route (the OpenAPI document is built from them). */
  readonly routes: readonly AdminRoute[];
  readonly clientIp: string | undefined;
  readonly userAgent: string | undefined;
  /** Whether the client reached the gateway over https (directly, or through a trusted proxy that says so). */
  readonly secure: boolean;
  /** Adds a Set-Cookie header to the answer. */
  setCookie(value: string): void;
}

/** A handler's answer: `data` goes into the envelope, `page` too for lists. */
export interface Reply<Data> {
  data: Data;
  page?: PageInfo;
}

interface RouteCommon<Role extends RouteRole> {
  readonly method: HttpMethod;
  /** Elysia's syntax: `/api/tokens/:id`. */
  readonly path: string;
  readonly role: Role;
  readonly summary: string;
  readonly description?: string;
  /** Groups the route in the OpenAPI document and the docs page. */
  readonly tag: string;
  readonly ownership?: Ownership;
  /**
   * The API's names for fields the service reports by its CLI name (`--quota` → `quota_usd`), so
   * `error.field` names the body field. `--kebab-case` names map to snake_case without an entry.
   */
  readonly fieldNames?: Readonly<Record<string, string>>;
}

/** What an audit declaration's functions see: the request's checked values, the caller and the answer. */
export interface AuditContext<Params, Query, Body, Data> {
  readonly params: Params;
  readonly query: Query;
  readonly body: Body;
  readonly principal: Principal | undefined;
  /** The answer's `data`; undefined when a failed attempt is recorded. */
  readonly data: Data | undefined;
  /** The error of a failed attempt (see `failures`). */
  readonly error?: { readonly code: ErrorCode; readonly field?: string };
}

/**
 * The audit row a route writes (src/services/audit.ts). The plugin writes it after the handler succeeded and
 * its answer passed the allowlist check, before the answer leaves: the caller (user id and name), the action,
 * the target, the client address (through the trusted-proxy resolver), the request id, and the *names* of the
 * fields the request changed — never their values. Declare it on every route that changes something or shows
 * a secret, and on the security events of sign-in; reading routes have none.
 */
export interface AuditSpec<Params, Query, Body, Data> {
  /** `<resource>.<verb>` in lower case: `channel.update`, `user.topup`, `auth.login`. Failures: `<action>.failed`. */
  readonly action: string;
  /** The object acted on; default: the action's first word and the `:id` path parameter (`channel` 3). */
  readonly target?: (context: AuditContext<Params, Query, Body, Data>) => AuditTarget;
  /** Names of the fields changed; default: the body's top-level field names. Names only, never values. */
  readonly fields?: (context: AuditContext<Params, Query, Body, Data>) => readonly string[];
  /** A few short, non-secret facts worth keeping: a count, an amount, a test result. Never a secret. */
  readonly facts?: (context: AuditContext<Params, Query, Body, Data>) => AuditFacts;
  /** Who acted when it is not the signed-in caller (a sign-in: the account that signed in). */
  readonly actor?: (context: AuditContext<Params, Query, Body, Data>) => { userId: number; username: string } | undefined;
  /** Error codes whose failed attempts are recorded too (security events: a wrong password); others are not. */
  readonly failures?: readonly ErrorCode[];
  /** When the row cannot be written the answer is withheld (500): a key reveal never goes unrecorded. */
  readonly required?: boolean;
}

const AUDIT_ACTION = /^[a-z][a-z0-9_]*(?:\.[a-z][a-z0-9_]*)+$/;

export interface JsonRouteSpec<P extends TSchema, Q extends TSchema, B extends TSchema, R extends TSchema, Role extends RouteRole>
  extends RouteCommon<Role> {
  readonly params?: P;
  readonly query?: Q;
  readonly body?: B;
  /** The schema of `data` (for lists: of the array). */
  readonly response: R;
  /** 201 for routes that create something; 200 otherwise. */
  readonly successStatus?: 201;
  /** The audit row this route writes when it succeeds (see AuditSpec); absent on routes that only read. */
  readonly audit?: AuditSpec<Static<P>, Static<Q>, Static<B>, Static<R>>;
  readonly handler: (context: HandlerContext<Static<P>, Static<Q>, Static<B>, Role>) => Promise<Reply<Static<R>>>;
}

/** A route whose answer is not the JSON envelope (the OpenAPI document itself, the docs page). */
export interface RawRouteSpec<Role extends RouteRole> extends RouteCommon<Role> {
  readonly contentType: string;
  readonly handler: (context: HandlerContext<Record<string, never>, Record<string, never>, undefined, Role>) => Promise<Response>;
}

/** A declared route with its types erased, as the registry and the plugin hold it. */
export type AdminRoute =
  | ({ readonly kind: 'json' } & RouteCommon<RouteRole> & {
        readonly params?: TSchema;
        readonly query?: TSchema;
        readonly body?: TSchema;
        readonly response: TSchema;
        readonly successStatus?: 201;
        readonly audit?: AuditSpec<unknown, unknown, unknown, unknown>;
        readonly handler: (context: HandlerContext<unknown, unknown, unknown, RouteRole>) => Promise<Reply<unknown>>;
      })
  | ({ readonly kind: 'raw' } & RouteCommon<RouteRole> & {
        readonly contentType: string;
        readonly handler: (context: HandlerContext<unknown, unknown, unknown, RouteRole>) => Promise<Response>;
      });

function checkDeclaration(spec: RouteCommon<RouteRole>): void {
  if (!spec.path.startsWith('/api/')) throw new Error(`admin route ${spec.method} ${spec.path}: the path must start with /api/`);
  if (spec.path.includes('/:') && spec.ownership === undefined) {
    throw new Error(`admin route ${spec.method} ${spec.path}: a route taking an id must declare its ownership`);
  }
}

export function defineRoute<
  P extends TSchema = TSchema,
  Q extends TSchema = TSchema,
  B extends TSchema = TSchema,
  R extends TSchema = TSchema,
  Role extends RouteRole = RouteRole,
>(spec: JsonRouteSpec<P, Q, B, R, Role>): AdminRoute {
  checkDeclaration(spec);
  if (spec.audit !== undefined && !AUDIT_ACTION.test(spec.audit.action)) {
    throw new Error(`admin route ${spec.method} ${spec.path}: audit action "${spec.audit.action}" must be <resource>.<verb> in lower case`);
  }
  // The handler's parameter types are erased here; the plugin validates every value against these same schemas first.
  return { kind: 'json', ...spec } as unknown as AdminRoute;
}

export function defineRawRoute<Role extends RouteRole>(spec: RawRouteSpec<Role>): AdminRoute {
  checkDeclaration(spec);
  return { kind: 'raw', ...spec } as unknown as AdminRoute;
}
