/**
 * `gateway tui`: the terminal admin interface (dashboard, channels, keys, users, codes, live logs). It works
 * on the configured database through the same services as the other commands; Ink and React are imported
 * here, inside the action, so no other command pays for them.
 */
import type { Command } from 'commander';
import { invalidArgument } from '../../src/errors/gateway-error.ts';
import { withDeps } from '../context.ts';

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
  $ SQL_DSN=postgres://gateway@127.0.0.1/gateway gateway tui`,
    )
    // --server/--token (remote mode) are refused before this runs, with the reason (cli/remote/target.ts).
    .action(async (_flags: unknown, self: Command) => {
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
