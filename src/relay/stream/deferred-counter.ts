/**
 * The completion-token counter of one relayed stream: counts what was delivered when the upstream reports no
 * usage (or is cut short), deferring JSON parsing and the tokenizer until the count may really be needed.
 */
import { createCompletionCounter } from '../../tokenizer/count.ts';
import { inspect, parseJson } from './chunk-facts.ts';

/** Generated text kept back before it is counted; bounds memory per stream while skipping most counting. */
const COUNT_BATCH_CHARACTERS = 16 * 1024;
/** Chat chunks kept unparsed until their text may be needed; bounds memory per stream like the text batch. */
const RAW_BATCH_CHARACTERS = 32 * 1024;

/**
 * Counts completion tokens only when they may be needed. Most upstreams report usage at the end, so chat
 * chunks are kept unparsed (at most 32 KiB) and their text held back in batches of at most 16 KiB, parsed and
 * counted only when a batch fills or the stream ends without usage: JSON parsing and the tokenizer (and its
 * encoding, ~80 MB, loaded on first use) cost nothing on the common path, and the whole response is never
 * accumulated. Text reaches the tokenizer in the order and batches it arrived, parsed early or late.
 */
export function deferredCounter(model: string): {
  add(text: string): void;
  addToolCall(): void;
  /** One chat/completions chunk's `data`, parsed only if its text is needed. */
  addRaw(data: string): void;
  total(): number;
  discard(): void;
} {
  let counter: ReturnType<typeof createCompletionCounter> | undefined;
  let pending = '';
  let pendingToolCalls = 0;
  let raw: string[] = [];
  let rawCharacters = 0;
  const flush = (): ReturnType<typeof createCompletionCounter> => {
    counter ??= createCompletionCounter(model);
    if (pending !== '') counter.add(pending);
    for (; pendingToolCalls > 0; pendingToolCalls--) counter.addToolCall();
    pending = '';
    return counter;
  };
  const add = (text: string): void => {
    pending += text;
    if (pending.length >= COUNT_BATCH_CHARACTERS) flush();
  };
  const drainRaw = (): void => {
    const chunks = raw;
    raw = [];
    rawCharacters = 0;
    for (const data of chunks) {
      const facts = inspect(parseJson(data));
      add(facts.text);
      pendingToolCalls += facts.toolCalls;
    }
  };
  return {
    add(text) {
      if (raw.length > 0) drainRaw();
      add(text);
    },
    addToolCall() {
      if (raw.length > 0) drainRaw();
      pendingToolCalls++;
    },
    addRaw(data) {
      raw.push(data);
      rawCharacters += data.length;
      if (rawCharacters >= RAW_BATCH_CHARACTERS) drainRaw();
    },
    total: () => {
      drainRaw();
      return flush().total();
    },
    discard() {
      pending = '';
      pendingToolCalls = 0;
      raw = [];
      rawCharacters = 0;
    },
  };
}
