/** `gateway user 2fa-reset REF`: turns off a user's two-factor sign-in, for someone who lost their phone. */
import type { Command } from 'commander';
import { withServices } from '../../context.ts';
import { output } from '../../output.ts';

export function registerUserTwoFactorResetCommand(user: Command): void {
  user
    .command('2fa-reset')
    .argument('<ref>', 'user id or username')
    .description("Turn off a user's two-factor sign-in and delete its recovery codes; the user's sign-ins end.")
    .option('--json', 'print JSON only')
    .addHelpText(
      'after',
      `
The user then signs in with the password alone and can turn 2FA on again in the console
(or with POST /api/user/self/2fa/setup). Works for every role, root included.

Examples:
  $ gateway user 2fa-reset alice
  $ gateway user 2fa-reset 2 --json`,
    )
    .action(async (ref: string, flags: { json?: boolean }, self: Command) => {
      await withServices(self, async (deps) => {
        const reset = await deps.twoFactor.reset(ref);
        const { user: target, wasEnabled } = reset;
        output(flags.json, { ...target, twoFactorWasEnabled: wasEnabled }, () =>
          wasEnabled
            ? `Two-factor sign-in of ${target.username} (id ${target.id}) is off; their sign-ins ended. They sign in with the password alone now.`
            : `User ${target.username} (id ${target.id}) did not have two-factor sign-in on; nothing changed.`,
        );
      });
    });
}
