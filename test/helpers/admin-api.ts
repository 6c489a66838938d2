/**
 * An admin API on a fresh database (SQLite or PostgreSQL) driven through `app.handle`: sign in as anyone,
 * call any route with a cookie or a personal access token, read the envelope. Users `alice` (user), `bob`
 * (user), `adam` (admin) and `ada` (admin) exist besides `root`; every password is `<name>-password`
 * (root's: test-root-password).
 */
import { afterAll, beforeAll, describe } from 'bun:test';
import { createApp } from '../../src/app.ts';
import type { Dialect } from '../../src/db/client.ts';
import type { Deps } from '../../src/deps.ts';
import { type AdminRuntime, createAdminRuntime } from '../../src/http/admin/runtime.ts';
import { SESSION_COOKIE } from '../../src/http/admin/session-cookie.ts';
import type { Logger } from '../../src/log/logger.ts';
import { createDispatcher, type Dispatcher } from '../../src/relay/dispatch.ts';
import type { RegistrationLimits } from '../../src/services/registration.ts';
import type { SignInLimits } from '../../src/services/sign-in-limiter.ts';
import { createTestEnvironment, dialects, openDeps, type TestEnvironment } from './stores.ts';

export const ROOT_PASSWORD = 'test-root-password';

export interface Caller {
  /** `gateway_session=…` for the Cookie header. */
  cookie?: string;
  /** A `gpat_…` or any other bearer credential. */
  bearer?: string;
  /** Sends X-Requested-With on cookie requests unless false. */
  csrf?: boolean;
  headers?: Record<string, string>;
}

export interface ApiAnswer {
  status: number;
  headers: Headers;
  /** The parsed JSON body (envelope), or the text when it is not JSON. */
  body: any;
}

export interface AdminApiHarness {
  readonly deps: Deps;
  readonly admin: AdminRuntime;
  readonly environment: TestEnvironment;
  readonly app: ReturnType<typeof createApp>;
  call(method: string, path: string, options?: { caller?: Caller; body?: unknown; rawBody?: string; contentType?: string }): Promise<ApiAnswer>;
  /** Signs in and returns the caller (cookie) for that user. */
  signIn(username: string, password?: string, headers?: Record<string, string>): Promise<Caller>;
  /** A caller with a fresh personal access token of that user. */
  withToken(username: string, password?: string): Promise<Caller>;
  userId(username: string): Promise<number>;
}

export function passwordOf(username: string): string {
  return username === 'root' ? ROOT_PASSWORD : `${username}-password`;
}

export interface AdminApiHarnessOptions {
  signInLimits?: SignInLimits;
  registrationLimits?: RegistrationLimits;
  /** Receives the app's log lines (default: silent). */
  logger?: Logger;
  /** The outbound client of channel tests and model lists (default: offlineDispatcher). */
  dispatcher?: Dispatcher;
}

/**
 * A production dispatcher whose resolver knows no host name except `localhost`: a test that forgets to point a
 * channel at the mock upstream fails fast with connection_failed instead of reaching the internet. IP literals
 * (the mock on 127.0.0.1) need no resolver and are judged by the production outbound guard.
 */
export function offlineDispatcher(): Dispatcher {
  return createDispatcher({
    resolver: async (hostname) => {
      if (hostname === 'localhost') return ['127.0.0.1'];
      throw Object.assign(new Error(`${hostname}: no such host in tests`), { code: 'ENOTFOUND' });
    },
  });
}

export async function createAdminApiHarness(dialect: Dialect, options: AdminApiHarnessOptions = {}): Promise<AdminApiHarness & { close(): Promise<void> }> {
  const environment = await createTestEnvironment(dialect);
  const deps = await openDeps(environment);
  const admin = await createAdminRuntime(deps, { signInLimits: options.signInLimits, registrationLimits: options.registrationLimits, logger: options.logger, dispatcher: options.dispatcher ?? offlineDispatcher() });
  const app = createApp(deps, { admin, logger: options.logger });
  for (const [username, role] of [
    ['alice', 'user'],
    ['bob', 'user'],
    ['adam', 'admin'],
    ['ada', 'admin'],
  ] as const) {
    await deps.users.create({ username, password: passwordOf(username), role });
  }

  const call: AdminApiHarness['call'] = async (method, path, callOptions = {}) => {
    const headers = new Headers(callOptions.caller?.headers ?? {});
    if (callOptions.caller?.cookie !== undefined) {
      headers.set('cookie', callOptions.caller.cookie);
      if (callOptions.caller.csrf !== false) headers.set('x-requested-with', 'test');
    }
    if (callOptions.caller?.bearer !== undefined) headers.set('authorization', `Bearer ${callOptions.caller.bearer}`);
    let body: string | undefined;
    if (callOptions.rawBody !== undefined || callOptions.body !== undefined) {
      body = callOptions.rawBody ?? JSON.stringify(callOptions.body);
      headers.set('content-type', callOptions.contentType ?? 'application/json');
    }
    const response = await app.handle(new Request(`http://localhost${path}`, { method, headers, body }));
    const text = await response.text();
    let parsed: unknown = text;
    try {
      parsed = JSON.parse(text);
    } catch {
      // Not JSON (the docs page).
    }
    return { status: response.status, headers: response.headers, body: parsed };
  };

  const signIn: AdminApiHarness['signIn'] = async (username, password = passwordOf(username), headers) => {
    const answer = await call('POST', '/api/auth/login', { body: { username, password }, caller: { headers } });
    if (answer.status !== 200) throw new Error(`sign-in of ${username} failed: ${answer.status} ${JSON.stringify(answer.body)}`);
    return { cookie: cookieOf(answer.headers) };
  };

  return {
    deps,
    admin,
    environment,
    app,
    call,
    signIn,
    async withToken(username, password) {
      const caller = await signIn(username, password);
      const answer = await call('POST', '/api/user/access-tokens', { caller, body: { name: `t-${Math.random().toString(36).slice(2, 8)}` } });
      if (answer.status !== 201) throw new Error(`access token for ${username} failed: ${JSON.stringify(answer.body)}`);
      return { bearer: answer.body.data.token as string };
    },
    userId: async (username) => (await deps.users.get(username)).id,
    close: async () => {
      await deps.close();
      await environment.cleanup();
    },
  };
}

/** `gateway_session=<value>` from a Set-Cookie header. */
export function cookieOf(headers: Headers): string {
  const setCookie = headers.get('set-cookie') ?? '';
  const match = new RegExp(`${SESSION_COOKIE}=([^;]*)`).exec(setCookie);
  if (match === null) throw new Error(`no session cookie in ${setCookie}`);
  return `${SESSION_COOKIE}=${match[1]}`;
}

/** Runs `body` once per dialect with its own harness. */
export function forEachAdminDialect(name: string, body: (harness: () => AdminApiHarness) => void, options: AdminApiHarnessOptions & { only?: readonly Dialect[] } = {}): void {
  for (const dialect of options.only ?? dialects) {
    describe(`${name} [${dialect}]`, () => {
      let harness: (AdminApiHarness & { close(): Promise<void> }) | undefined;
      beforeAll(async () => {
        harness = await createAdminApiHarness(dialect, options);
      });
      afterAll(async () => {
        await harness?.close();
      });
      body(() => {
        if (harness === undefined) throw new Error('harness not ready');
        return harness;
      });
    });
  }
}
