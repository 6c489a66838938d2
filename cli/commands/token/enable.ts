/** `gateway token enable REF`: a disabled key works again (unless expired or out of quota). */
import type { Command } from 'commander';
import { withServices } from '../../context.ts';
import { output } from '../../output.ts';

export function registerTokenEnableCommand(token: Command): void {
  token
    .command('enable')
    .argument('<ref>', 'key id or name')
    .description('Enable a disabled API key.')
    .option('--user <user>', 'owner of the key, when several users have a key with this name')
    .option('--json', 'print JSON only')
    .addHelpText(
      'after',
      `
Examples:
  $ gateway token enable ci
  $ gateway token enable 7 --json`,
    )
    .action(async (ref: string, flags: { user?: string; json?: boolean }, self: Command) => {
      await withServices(self, async (deps) => {
        const updated = await deps.tokens.setEnabled(ref, true, { user: flags.user });
        const fixes = { expired: '--expires 30d', exhausted: '--quota 5' } as const;
        const note =
          updated.status === 'expired' || updated.status === 'exhausted'
            ? `, but ${updated.status}; fix it with: gateway token update ${updated.id} ${fixes[updated.status]}`
            : '.';
        output(flags.json, updated, () => `Key ${updated.name} (id ${updated.id}) is enabled${note}`);
      });
    });
}
