/**
 * `gateway tui`: the terminal admin interface (dashboard, channels, keys, users, codes, live logs). It works
 * on the configured database through the same services as the other commands; Ink and React are imported
 * here, inside the action, so no other command pays for them.
 */
import type { Command } from 'commander';
import { invalidArgument } from '../../src/errors/gateway-error.ts';
import { withDeps } from '../context.ts';

interface TuiFlags {
  server?: string;
  token?: string;
}

export function registerTuiCommand(program: Command): void {
  program
    .command('tui')
    .description('Open the terminal admin interface: live dashboard, channels, keys, users, redemption codes and the request log.')
    .option('--server <url>', 'remote gateway admin API (not available yet: the TUI works on the local database)')
    .option('--token <pat>', 'personal access token for --server (not available yet)')
    .addHelpText(
      'after',
      `
Keys: 1-6 or Tab switch screens, ? help, / filter, q back or quit. Every screen shows its own keys at the
bottom. Works in 80x24 and uses larger terminals; NO_COLOR=1 turns colours off.

Examples:
  $ gateway tui
  $ gateway tui --data-dir /var/lib/gateway
  $ SQL_DSN=postgres://gateway@127.0.0.1/gateway gateway tui`,
    )
    .action(async (flags: TuiFlags, self: Command) => {
      if (flags.server !== undefined || flags.token !== undefined) {
        throw invalidArgument('--server', 'remote mode (--server/--token) is not available yet; run gateway tui on the gateway host, where it opens the configured database');
      }
      if (process.stdin.isTTY !== true || process.stdout.isTTY !== true) {
        throw invalidArgument('tui', 'gateway tui needs an interactive terminal; for scripts use the other commands (gateway channel list --json, gateway logs --follow …)');
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
