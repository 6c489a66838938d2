/** `gateway token create --name NAME`: a new API key, printed in full this once. */
import type { Command } from 'commander';
import { withServices } from '../../context.ts';
import { output } from '../../output.ts';
import { addTokenFieldOptions, type TokenFlags, tokenFieldsFromFlags } from './flags.ts';
import { renderToken } from './render.ts';

export function registerTokenCreateCommand(token: Command): void {
  const command = token
    .command('create')
    .description('Create an API key. The key is printed only now; the gateway keeps just its hash.');
  addTokenFieldOptions(command, 'create')
    .addHelpText(
      'after',
      `
Without --quota the key is unlimited: it spends from its owner's balance with no budget of its own.

Examples:
  $ gateway token create --name ci --quota 5 --expires 30d
  $ gateway token create --name laptop --user alice --models gpt-4o,claude-sonnet-4 --allow-ips 203.0.113.0/24
  $ gateway token create --name bot --unlimited --expires 2026-12-31 --json`,
    )
    .action(async (flags: TokenFlags & { name: string }, self: Command) => {
      const fields = tokenFieldsFromFlags(flags);
      await withServices(self, async (deps) => {
        const created = await deps.tokens.create({
          name: flags.name,
          user: flags.user,
          quotaUsd: fields.quotaUsd,
          unlimited: fields.unlimited,
          expires: fields.expires,
          models: fields.models,
          allowIps: fields.allowIps,
          group: fields.group,
        });
        output(flags.json, { ...created.token, key: created.key }, () =>
          [
            `Created key ${created.token.name} (id ${created.token.id}) for ${created.token.username}:`,
            '',
            `  ${created.key}`,
            '',
            'Store it now: it is shown only once and cannot be recovered.',
            '',
            renderToken(created.token),
          ].join('\n'),
        );
      });
    });
}
