/**
 * `gateway tui`: the terminal admin interface (dashboard, channels, keys, users, codes, live logs). It works
 * on the configured database through the same services as the other commands, or with `--server URL --token
 * PAT` on a remote gateway through its admin API (ui/tui/data/remote-source.ts); Ink and React are imported
 * here, inside the action, so no other command pays for them.
 */
import type { Command } from 'commander';
import { GatewayError, invalidArgument } from '../../src/errors/gateway-error.ts';
import { withDeps } from '../context.ts';
import { type ApiClient, createApiClient } from '../remote/client.ts';
import { remoteTargetFor } from '../remote/target.ts';

/** The access token works and its owner administers the gateway (the screens read admin routes only). */
async function checkedRemote(api: ApiClient): Promise<ApiClient> {
  const self = (await api.call('GET', '/api/user/self')) as { username: string; role: string };
  if (self.role !== 'admin' && self.role !== 'root') {
    throw new GatewayError({
      code: 'forbidden',
      field: '--token',
      message: `gateway tui needs an administrator's access token; ${self.username}'s account is a ${self.role} (create one as an admin in the web console or with gateway --server URL --token PAT)`,
    });
  }
  return api;
}

export function registerTuiCommand(program: Command): void {
  program
    .command('tui')
    .description('Open the terminal admin interface: live dashboard, channels, keys, users, redemption codes and the request log.')
    .addHelpText(
      'after',
      `
Keys: 1-6 or Tab switch screens, ? help, / filter, q back or quit. Every screen shows its own keys at the
bottom. Works in 80x24 and uses larger terminals; NO_COLOR=1 turns colours off.

Examples:
  $ gateway tui
  $ gateway tui --data-dir /var/lib/gateway
  $ SQL_DSN=postgres://gateway@127.0.0.1/gateway gateway tui
  $ gateway tui --server https://gateway.example.com --token gpat_…   (remote: an admin's access token)`,
    )
    .action(async (_flags: unknown, self: Command) => {
      const target = remoteTargetFor(self);
      // Remote mode: the server and the token are checked before the screen takes over, so a wrong one is one line.
      const api = target === undefined ? undefined : await checkedRemote(createApiClient(target));
      if (process.stdin.isTTY !== true || process.stdout.isTTY !== true) {
        throw invalidArgument('tui', 'gateway tui needs an interactive terminal; for scripts use the other commands (gateway channel list --json, gateway logs --follow …)');
      }
      if (api !== undefined) {
        const [{ runTui }, { createRemoteSource }, { colorWanted }] = await Promise.all([
          import('../../ui/tui/run.tsx'),
          import('../../ui/tui/data/remote-source.ts'),
          import('../../ui/tui/theme.ts'),
        ]);
        await runTui(createRemoteSource(api), { color: colorWanted(process.env) });
        return;
      }
      await withDeps(self, async (deps) => {
        const [{ runTui }, { createLocalSource }, { colorWanted }] = await Promise.all([
          import('../../ui/tui/run.tsx'),
          import('../../ui/tui/data/local-source.ts'),
          import('../../ui/tui/theme.ts'),
        ]);
        // The store is closed by withDeps; the source only borrows it.
        await runTui(createLocalSource(deps), { color: colorWanted(process.env) });
      });
    });
}
