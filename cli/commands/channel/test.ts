/** `gateway channel test`: sends a channel one minimal real request and reports whether it answered. */
import type { Command } from 'commander';
import { invalidArgument } from '../../../src/errors/gateway-error.ts';
import type { ChannelTestResult } from '../../../src/relay/channel-test.ts';
import { withServices } from '../../context.ts';
import { exitCodes, output, renderTable } from '../../output.ts';

interface TestFlags {
  model?: string;
  allKeys?: boolean;
  all?: boolean;
  json?: boolean;
}

/** Upstream messages can be long; the table keeps one line per test (the JSON has the whole message). */
const TABLE_MESSAGE_CHARACTERS = 100;

function describeOutcome(result: ChannelTestResult): string {
  if (result.ok) return String(result.status);
  const message = result.message ?? '';
  const shown = message.length > TABLE_MESSAGE_CHARACTERS ? `${message.slice(0, TABLE_MESSAGE_CHARACTERS)}…` : message;
  const status = result.status === 0 ? '' : `${result.status} `;
  return `${status}${result.errorCode ?? 'failed'}: ${shown}`.replace(/\s+/g, ' ');
}

function renderResults(results: readonly ChannelTestResult[]): string {
  if (results.length === 0) return 'No channels to test. Add one with: gateway channel add --name NAME --type TYPE --key KEY --models MODEL';
  const table = renderTable(
    ['CHANNEL', 'KEY', 'MODEL', 'OK', 'LATENCY MS', 'STATUS/ERROR'],
    results.map((result) => [
      result.channelName,
      result.keyPosition === null ? null : `#${result.keyPosition}`,
      result.model,
      result.ok ? 'yes' : 'no',
      result.latencyMs,
      describeOutcome(result),
    ]),
  );
  const reEnabled = [...new Set(results.filter((result) => result.reEnabled).map((result) => result.channelName))];
  const notes = reEnabled.map((name) => `Channel ${name} was auto-disabled and is enabled again.`);
  const failed = results.filter((result) => !result.ok).length;
  const summary = failed === 0 ? `All ${results.length} passed.` : `${failed} of ${results.length} failed.`;
  return [table, '', ...notes, summary].join('\n');
}

export function registerChannelTestCommand(channel: Command): void {
  channel
    .command('test')
    .argument('[ref]', 'channel id or name')
    .description('Send a channel a minimal real request ("hi", or "hello world" to embedding models) and report whether it answered and how fast.')
    .option('--model <model>', "model to test (default: the channel's --test-model, else its first model)")
    .option('--all-keys', 'test every key of a multi-key channel (default: the first enabled key)')
    .option('--all', 'test every enabled and auto-disabled channel; manually disabled ones are skipped')
    .option('--json', 'print JSON only: an array with one result per test')
    .addHelpText(
      'after',
      `
The latency is recorded on the channel (see: gateway channel show). When the setting auto_enable_enabled
is true, a passing test puts an auto-disabled channel back into routing; a channel disabled with
"gateway channel disable" stays disabled. A test is a real request and may be billed by the provider.

Exit status: 0 when every test passed, 1 when any test failed, 2 for bad input (unknown channel, flags).

Examples:
  $ gateway channel test openai-main
  $ gateway channel test openai-main --model gpt-4o --all-keys
  $ gateway channel test --all --json`,
    )
    .action(async (ref: string | undefined, flags: TestFlags, self: Command) => {
      if (ref === undefined && flags.all !== true) throw invalidArgument('ref', 'name the channel to test (gateway channel test REF), or test them all with --all');
      if (ref !== undefined && flags.all === true) throw invalidArgument('--all', 'give either a channel or --all, not both');
      if (flags.all === true && flags.model !== undefined) {
        throw invalidArgument('--model', "--model applies to one channel; with --all each channel is tested with its own --test-model or first model");
      }
      const options = { model: flags.model, allKeys: flags.allKeys };
      const results = await withServices(self, (services) =>
        ref !== undefined ? services.channelTests.test(ref, options) : services.channelTests.testAll(options),
      );
      output(flags.json, results, () => renderResults(results));
      if (results.some((result) => !result.ok)) process.exitCode = exitCodes.failure;
    });
}
