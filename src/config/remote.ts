/**
 * Where the CLI's remote mode points: `--server` / `GATEWAY_SERVER` and `--token` / `GATEWAY_TOKEN` (a flag wins
 * over the environment, as everywhere). Read apart from the rest of the configuration: a remote command has
 * nothing to do with the local data directory or config file, so a broken local setup never stops it.
 * The token is checked for its shape only (the gateway checks it for real) and never appears in a message.
 */
import { invalidArgument } from '../errors/gateway-error.ts';
import { optionSpecs } from './schema.ts';

export interface RemoteFlags {
  server?: string;
  token?: string;
}

export interface RemoteTarget {
  /** The gateway's address without a trailing slash: `https://gateway.example.com` or `…/prefix`. */
  readonly server: string;
  readonly token: string;
}

function fromEnv(names: readonly string[], env: Readonly<Record<string, string | undefined>>): string | undefined {
  for (const name of names) {
    const value = env[name];
    if (value !== undefined && value !== '') return value;
  }
  return undefined;
}

function pick(flags: RemoteFlags, env: Readonly<Record<string, string | undefined>>): RemoteFlags {
  return {
    server: flags.server ?? fromEnv(optionSpecs.server.env, env),
    token: flags.token ?? fromEnv(optionSpecs.token.env, env),
  };
}

/** Whether remote mode was asked for at all (either value given), before anything is checked. */
export function remoteRequested(flags: RemoteFlags, env: Readonly<Record<string, string | undefined>>): boolean {
  const given = pick(flags, env);
  return given.server !== undefined || given.token !== undefined;
}

function parseServer(text: string): string {
  let url: URL;
  try {
    url = new URL(text.trim());
  } catch {
    throw invalidArgument('--server', `--server must be the gateway's address, like https://gateway.example.com (got "${text}")`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw invalidArgument('--server', `--server must be an http:// or https:// address, like https://gateway.example.com (got "${url.protocol}")`);
  }
  if (url.username !== '' || url.password !== '') {
    throw invalidArgument('--server', '--server must not hold a user or password; give the access token with --token or GATEWAY_TOKEN');
  }
  if (url.search !== '' || url.hash !== '') throw invalidArgument('--server', '--server must not have a query or a fragment');
  return `${url.origin}${url.pathname.replace(/\/+$/, '')}`;
}

function checkToken(token: string): string {
  const value = token.trim();
  if (value.startsWith('sk-')) {
    throw invalidArgument(
      '--token',
      '--token takes a personal access token (gpat_…), not an API key (sk-…), which works only on the relay; create one with POST /api/user/access-tokens',
    );
  }
  if (!/^gpat_[A-Za-z0-9]{8,128}$/.test(value)) {
    throw invalidArgument('--token', '--token must be a personal access token (gpat_ and letters and digits); create one with POST /api/user/access-tokens');
  }
  return value;
}

/** The checked target, or undefined when neither value is given (local mode). */
export function loadRemoteTarget(flags: RemoteFlags, env: Readonly<Record<string, string | undefined>>): RemoteTarget | undefined {
  const given = pick(flags, env);
  if (given.server === undefined && given.token === undefined) return undefined;
  if (given.server === undefined) {
    throw invalidArgument('--server', "--token is for remote mode; give the gateway's address too: --server URL (or GATEWAY_SERVER)");
  }
  const server = parseServer(given.server);
  if (given.token === undefined) {
    throw invalidArgument('--token', '--server needs a personal access token: --token gpat_… or GATEWAY_TOKEN (create one with POST /api/user/access-tokens)');
  }
  return { server, token: checkToken(given.token) };
}
