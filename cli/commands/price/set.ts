/** `gateway price set MODEL`: token rates in USD per 1M tokens, a per-call price, or New API ratios. */
import type { Command } from 'commander';
import type { PriceInput } from '../../../src/services/prices.ts';
import { withServices } from '../../context.ts';
import { output } from '../../output.ts';
import { describePrice } from './render.ts';

interface PriceSetFlags {
  input?: string;
  output?: string;
  cached?: string;
  cacheWrite?: string;
  imageInput?: string;
  audioInput?: string;
  audioOutput?: string;
  maxOutputTokens?: string;
  perCall?: string;
  ratio?: string;
  completionRatio?: string;
  cacheRatio?: string;
  createCacheRatio?: string;
  json?: boolean;
}

export function registerPriceSetCommand(price: Command): void {
  price
    .command('set')
    .argument('<model>', 'model name, or a prefix ending in * (gemini-2.5-pro-thinking-*)')
    .description('Set a model\'s price: --input/--output in USD per 1M tokens, or --per-call USD, or New API --ratio.')
    .option('--input <usd>', 'USD per 1M input tokens')
    .option('--output <usd>', 'USD per 1M output tokens (reasoning included)')
    .option('--cached <usd>', 'USD per 1M cached input tokens (cache reads; default: the input rate)')
    .option('--cache-write <usd>', 'USD per 1M cache-write tokens (default: the input rate)')
    .option('--image-input <usd>', 'USD per 1M image input tokens (default: the input rate)')
    .option('--audio-input <usd>', 'USD per 1M audio input tokens (default: the input rate)')
    .option('--audio-output <usd>', 'USD per 1M audio output tokens (default: the output rate)')
    .option('--max-output-tokens <n>', 'the model\'s output maximum, reserved when a request sets no max_tokens')
    .option('--per-call <usd>', 'USD per call (images, audio, rerank …) instead of token rates')
    .option('--ratio <r>', 'New API model ratio: 1 = $2 per 1M input tokens')
    .option('--completion-ratio <r>', 'New API completion ratio: output = input × r (default 1)')
    .option('--cache-ratio <r>', 'New API cache ratio: cache reads = input × r')
    .option('--create-cache-ratio <r>', 'New API create-cache ratio: cache writes = input × r')
    .option('--json', 'print JSON only')
    .addHelpText(
      'after',
      `
Examples:
  $ gateway price set gpt-4o --input 2.5 --output 10 --cached 1.25 --max-output-tokens 16384
  $ gateway price set claude-sonnet-4-5 --input 3 --output 15 --cached 0.3 --cache-write 3.75
  $ gateway price set dall-e-3 --per-call 0.04
  $ gateway price set 'my-finetune-*' --ratio 0.5 --completion-ratio 3 --json`,
    )
    .action(async (model: string, flags: PriceSetFlags, self: Command) => {
      const { json, ...fields } = flags;
      // The service tells the three forms apart by the fields given and refuses mixes, naming the flags.
      const input = fields as PriceInput;
      await withServices(self, async (deps) => {
        const view = await deps.prices.set(model, input);
        output(json, view, () => `Set the price of ${view.model}: ${describePrice(view)}.`);
      });
    });
}
