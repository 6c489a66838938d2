import { describe, expect, test } from 'bun:test';
import {
  AUDIO_TOKENS,
  countText,
  createCompletionCounter,
  encodingForModel,
  estimatePromptTokens,
  FILE_TOKENS,
  IMAGE_UNKNOWN_SIZE_TOKENS,
  imageTokens,
  quickCount,
  quickPromptEstimate,
  REPLY_PRIMING_TOKENS,
  TOKENS_PER_MESSAGE,
  TOKENS_PER_NAME,
  TOKENS_PER_TOOL,
  TOKENS_PER_TOOL_CALL,
} from '../../src/tokenizer/count.ts';
import { imageSizeFromDataUrl } from '../../src/tokenizer/image-size.ts';

/** A data URL holding just a PNG signature and IHDR chunk of the given size. */
function pngDataUrl(width: number, height: number): string {
  const bytes = Buffer.alloc(33);
  Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]).copy(bytes, 0);
  bytes.writeUInt32BE(13, 8);
  bytes.write('IHDR', 12, 'latin1');
  bytes.writeUInt32BE(width, 16);
  bytes.writeUInt32BE(height, 20);
  return `data:image/png;base64,${bytes.toString('base64')}`;
}

/** A JPEG with an APP0 segment before its SOF0 frame header. */
function jpegDataUrl(width: number, height: number): string {
  const app0 = [0xff, 0xe0, 0x00, 0x10, ...Array.from({ length: 14 }, () => 0)];
  const sof0 = [0xff, 0xc0, 0x00, 0x11, 0x08, height >> 8, height & 0xff, width >> 8, width & 0xff, 0x03, ...Array.from({ length: 9 }, () => 0)];
  return `data:image/jpeg;base64,${Buffer.from([0xff, 0xd8, ...app0, ...sof0]).toString('base64')}`;
}

describe('encodings', () => {
  test('o200k_base for gpt-4o, gpt-4.1, the o-series and gpt-5; cl100k_base otherwise', () => {
    for (const model of ['gpt-4o', 'gpt-4o-mini', 'gpt-4.1-nano', 'o1', 'o3-mini-high', 'o4-mini', 'gpt-5', 'gpt-5.1-codex', 'openai/gpt-4o', 'chatgpt-4o-latest']) {
      expect(encodingForModel(model)).toBe('o200k_base');
    }
    for (const model of ['gpt-4', 'gpt-4-turbo', 'gpt-3.5-turbo', 'text-embedding-3-small', 'claude-3-5-sonnet', 'deepseek-chat', 'llama-3-8b']) {
      expect(encodingForModel(model)).toBe('cl100k_base');
    }
  });

  test('known counts (OpenAI cookbook: "tiktoken is great!" is 6 tokens in both encodings)', () => {
    expect(countText('gpt-4', 'tiktoken is great!')).toBe(6);
    expect(countText('gpt-4o', 'tiktoken is great!')).toBe(6);
    expect(countText('gpt-4', 'hello world')).toBe(2);
    expect(countText('gpt-4o', 'The quick brown fox jumps over the lazy dog.')).toBe(10);
    expect(countText('gpt-4o', '')).toBe(0);
  });

  test('CJK text costs fewer tokens in o200k_base than in cl100k_base', () => {
    const text = '你好，世界！今天天气很好。';
    expect(countText('gpt-4o', text)).toBeLessThan(countText('gpt-4', text));
  });

  test('special-token text in user input is counted as ordinary text', () => {
    expect(countText('gpt-4o', '<|endoftext|>')).toBeGreaterThan(1);
  });
});

describe('image tokens', () => {
  test('OpenAI’s documented examples', () => {
    expect(imageTokens('high', 1024, 1024)).toBe(765);
    expect(imageTokens('high', 2048, 4096)).toBe(1105);
    expect(imageTokens('low', 4096, 8192)).toBe(85);
    expect(imageTokens('auto', 512, 512)).toBe(255);
    expect(imageTokens(undefined, undefined, undefined)).toBe(IMAGE_UNKNOWN_SIZE_TOKENS);
  });

  test('sizes are read from PNG and JPEG data URLs, not from other URLs', () => {
    expect(imageSizeFromDataUrl(pngDataUrl(1024, 1024))).toEqual({ width: 1024, height: 1024 });
    expect(imageSizeFromDataUrl(jpegDataUrl(640, 480))).toEqual({ width: 640, height: 480 });
    expect(imageSizeFromDataUrl('https://example.com/cat.png')).toBeUndefined();
    expect(imageSizeFromDataUrl('data:image/png;base64,AAAA')).toBeUndefined();
  });
});

describe('prompt estimates', () => {
  const text = (value: string) => countText('gpt-4o', value);

  test('chat: +3 per message (role and content counted), +3 priming', () => {
    const body = { model: 'gpt-4o', messages: [{ role: 'system', content: 'Be brief.' }, { role: 'user', content: 'Hello there' }] };
    expect(estimatePromptTokens('gpt-4o', body)).toBe(
      2 * TOKENS_PER_MESSAGE + text('system') + text('Be brief.') + text('user') + text('Hello there') + REPLY_PRIMING_TOKENS,
    );
  });

  test('chat: +3 per name plus the name, tool calls by name and arguments', () => {
    const base = { model: 'gpt-4o', messages: [{ role: 'user', content: 'hi' }] };
    const named = { model: 'gpt-4o', messages: [{ role: 'user', content: 'hi', name: 'alice' }] };
    expect(estimatePromptTokens('gpt-4o', named) - estimatePromptTokens('gpt-4o', base)).toBe(TOKENS_PER_NAME + text('alice'));
    const call = { role: 'assistant', content: null, tool_calls: [{ id: 'c1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } }] };
    const withCall = { model: 'gpt-4o', messages: [{ role: 'user', content: 'hi' }, call] };
    expect(estimatePromptTokens('gpt-4o', withCall) - estimatePromptTokens('gpt-4o', base)).toBe(
      TOKENS_PER_MESSAGE + text('assistant') + text('get_weather') + text('{"city":"Paris"}'),
    );
  });

  test('tools: +8 each plus name, description and parameters', () => {
    const parameters = { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] };
    const tools = [{ type: 'function', function: { name: 'get_weather', description: 'Weather for a city', parameters } }];
    const base = { model: 'gpt-4o', messages: [{ role: 'user', content: 'hi' }] };
    expect(estimatePromptTokens('gpt-4o', { ...base, tools }) - estimatePromptTokens('gpt-4o', base)).toBe(
      TOKENS_PER_TOOL + text('get_weather') + text('Weather for a city') + text(JSON.stringify(parameters)),
    );
  });

  test('content parts: text, images by detail and size, audio and files at flat rates', () => {
    const parts = [
      { type: 'text', text: 'What is this?' },
      { type: 'image_url', image_url: { url: 'https://example.com/a.png', detail: 'low' } },
      { type: 'image_url', image_url: { url: 'https://example.com/b.png' } },
      { type: 'image_url', image_url: { url: pngDataUrl(1024, 1024), detail: 'high' } },
      { type: 'input_audio', input_audio: { data: 'AAAA', format: 'wav' } },
      { type: 'file', file: { file_id: 'file-1' } },
    ];
    const body = { model: 'gpt-4o', messages: [{ role: 'user', content: parts }] };
    expect(estimatePromptTokens('gpt-4o', body)).toBe(
      TOKENS_PER_MESSAGE + text('user') + text('What is this?') + 85 + IMAGE_UNKNOWN_SIZE_TOKENS + 765 + AUDIO_TOKENS + FILE_TOKENS + REPLY_PRIMING_TOKENS,
    );
  });

  test('completions prompts and embeddings inputs: strings, lists, token ids; no overheads', () => {
    expect(estimatePromptTokens('gpt-3.5-turbo-instruct', { prompt: 'Say this is a test' })).toBe(countText('gpt-3.5-turbo-instruct', 'Say this is a test'));
    expect(estimatePromptTokens('text-embedding-3-small', { input: ['hello world', 'hello world'] })).toBe(4);
    expect(estimatePromptTokens('text-embedding-3-small', { input: [1, 2, 3] })).toBe(3);
    expect(estimatePromptTokens('text-embedding-3-small', { input: [[1, 2], [3]] })).toBe(3);
  });

  test('Responses: instructions and string input count as messages; items by kind', () => {
    const simple = estimatePromptTokens('gpt-4o', { instructions: 'Be brief.', input: 'Hello there' }, 'responses');
    expect(simple).toBe(2 * TOKENS_PER_MESSAGE + text('Be brief.') + text('Hello there') + REPLY_PRIMING_TOKENS);
    const items = [
      { role: 'user', content: [{ type: 'input_text', text: 'Weather in Paris?' }] },
      { type: 'function_call', call_id: 'c1', name: 'get_weather', arguments: '{"city":"Paris"}' },
      { type: 'function_call_output', call_id: 'c1', output: '{"temp":21}' },
    ];
    expect(estimatePromptTokens('gpt-4o', { input: items })).toBe(
      TOKENS_PER_MESSAGE + text('user') + text('Weather in Paris?') + text('get_weather') + text('{"city":"Paris"}') + text('{"temp":21}') + REPLY_PRIMING_TOKENS,
    );
  });

  test('multipart forms count their prompt field', () => {
    const form = new FormData();
    form.append('prompt', 'A cute baby sea otter');
    form.append('image', new File([new Uint8Array([0])], 'otter.png'));
    expect(estimatePromptTokens('gpt-image-1', form)).toBe(text('A cute baby sea otter'));
  });
});

describe('quick prompt estimate (hold sizing)', () => {
  // Fixed "random" bytes, so the corpus (and the test) is the same on every run.
  const bytes = Uint8Array.from({ length: 300 }, (_, index) => (index * 151 + 17) % 256);
  const samples: Record<string, string> = {
    prose: 'The gateway reserves the worst-case cost of a request before it calls any upstream, then settles the hold once the answer is complete. '.repeat(8),
    markdown: '# Title\n\n- item one\n- item two with **bold** text\n\n| a | b |\n| --- | --- |\n| 1 | 2 |\n'.repeat(5),
    typescript: 'export function add(a: number, b: number): number {\n  return a + b; // sum\n}\nconst items = [1, 2, 3].map((x) => x * 2);\n'.repeat(6),
    python: 'def fib(n):\n    if n < 2:\n        return n\n    return fib(n - 1) + fib(n - 2)\n\nprint([fib(i) for i in range(10)])\n'.repeat(5),
    json: JSON.stringify({ type: 'object', properties: { city: { type: 'string', description: 'City name' }, days: { type: 'integer', minimum: 1 } }, required: ['city'] }),
    url: 'https://example.com/path/to/resource?query=value&other=123 '.repeat(5),
    digits: '3141592653589793238462643383279502884197169399375105820974944592307816406286',
    base64: Buffer.from(bytes).toString('base64'),
    hex: Buffer.from(bytes).toString('hex'),
    uuids: '0192f3a4-7b1c-7d2e-9f30-4a5b6c7d8e9f,01930000-aaaa-7bbb-8ccc-dddddddddddd,'.repeat(5),
    punctuation: '!@#$%^&*()_+-=[]{}|;:,.<>?/~`'.repeat(5),
    french: 'Le passage de la passerelle réserve le coût maximal de la requête avant l’appel. '.repeat(5),
    russian: 'Шлюз резервирует максимальную стоимость запроса перед вызовом.'.repeat(5),
    chinese: '网关在调用上游之前预留请求的最高费用，然后在回答完成后结算。'.repeat(5),
    japanese: 'ゲートウェイはリクエストの最大コストを予約します。'.repeat(5),
    korean: '게이트웨이는 요청의 최대 비용을 예약합니다.'.repeat(5),
    emoji: '😀🎉🚀👍🏽'.repeat(10),
  };

  test('counts words, digit groups, identifiers, punctuation, line breaks and wide characters', () => {
    expect(quickCount('')).toBe(0);
    expect(quickCount('hello world')).toBe(4); // ⌈5/4⌉ + ⌈5/4⌉; the space joins the second word
    expect(quickCount('1234567')).toBe(3); // digit groups of three
    expect(quickCount('a1b2c3')).toBe(4); // ⌈6/1.5⌉
    expect(quickCount('a.b\n')).toBe(4);
    expect(quickCount('東京')).toBe(2);
    expect(quickCount('привет')).toBe(3); // ⌈6/2⌉
    expect(quickCount('😀')).toBe(3);
  });

  for (const model of ['gpt-4o', 'gpt-4']) {
    test(`stays within 0.9× and 2.5× of the ${encodingForModel(model)} count on prose, code, data and every script`, () => {
      for (const [name, text] of Object.entries(samples)) {
        const ratio = quickCount(text) / countText(model, text);
        expect({ name, inRange: ratio >= 0.9 && ratio <= 2.5 }).toEqual({ name, inRange: true });
      }
    });
  }

  test('walks the body like the exact estimate: overheads, images and tools are counted the same way', () => {
    const body = {
      messages: [
        { role: 'system', content: samples.prose },
        { role: 'user', content: [{ type: 'text', text: samples.chinese }, { type: 'image_url', image_url: { url: 'https://example.com/a.png' } }] },
      ],
      tools: [{ type: 'function', function: { name: 'weather', description: 'Weather by city', parameters: JSON.parse(samples.json ?? '{}') } }],
    };
    const exact = estimatePromptTokens('gpt-4o', body, 'chat-completions');
    const quick = quickPromptEstimate(body, 'chat-completions');
    expect(quick).toBeGreaterThanOrEqual(exact);
    expect(quick).toBeLessThanOrEqual(2 * exact);
    // Flat-rate parts are not text: an image URL costs the same in both.
    const imageOnly = { messages: [{ role: 'user', content: [{ type: 'image_url', image_url: { url: 'https://example.com/a.png' } }] }] };
    expect(quickPromptEstimate(imageOnly)).toBe(estimatePromptTokens('gpt-4o', imageOnly));
  });
});

describe('incremental completion counter', () => {
  const english = "The quick brown fox jumps over the lazy dog. It's 12345 o'clock!\nNew line,   spaces and\ttabs. Ünïcödé wörds: {\"a\": 1}. ".repeat(20);

  function countInPieces(model: string, text: string, size: number): number {
    const counter = createCompletionCounter(model);
    for (let start = 0; start < text.length; start += size) counter.add(text.slice(start, start + size));
    return counter.total();
  }

  test('word-separated text: the sum of deltas equals the whole-text count exactly', () => {
    for (const model of ['gpt-4o', 'gpt-4']) {
      for (const size of [1, 2, 3, 7, 64]) expect(countInPieces(model, english, size)).toBe(countText(model, english));
    }
  });

  test('text without spaces stays within a small bound of the whole-text count', () => {
    const chinese = '今天天气很好，我们去公园散步吧。'.repeat(60);
    for (const model of ['gpt-4o', 'gpt-4']) {
      for (const size of [1, 3, 7]) expect(Math.abs(countInPieces(model, chinese, size) - countText(model, chinese))).toBeLessThanOrEqual(4);
    }
  });

  test('total() can be read mid-stream without changing the result', () => {
    const counter = createCompletionCounter('gpt-4o');
    counter.add('Hello wor');
    const partial = counter.total();
    expect(partial).toBe(countText('gpt-4o', 'Hello wor'));
    counter.add('ld, again');
    expect(counter.total()).toBe(countText('gpt-4o', 'Hello world, again'));
  });

  test('each tool call adds 7 on top of its text', () => {
    const counter = createCompletionCounter('gpt-4o');
    counter.addToolCall();
    counter.add('get_weather');
    counter.add('{"city":"Paris"}');
    expect(counter.total()).toBe(TOKENS_PER_TOOL_CALL + countText('gpt-4o', 'get_weather{"city":"Paris"}'));
  });
});
