import { afterAll, beforeAll, beforeEach, expect, test } from 'bun:test';
import { type MockUpstream, startMockUpstream } from '../../helpers/mock-upstream.ts';
import { expectFits, keys, openSeeded, renderApp, type Seeded } from './harness.tsx';

let seeded: Seeded;
let mock: MockUpstream;

beforeAll(async () => {
  seeded = await openSeeded();
  mock = await startMockUpstream();
});

afterAll(async () => {
  await mock.stop();
  await seeded.cleanup();
});

beforeEach(async () => {
  for (const channel of await seeded.deps.channels.list()) await seeded.deps.channels.remove(String(channel.id));
});

test('the add form refuses what `gateway channel add` refuses, with the message under the field, then adds the channel', async () => {
  const app = renderApp(seeded.source, { screen: 'channels' });
  try {
    await app.waitFor('No channels yet: press n to add one.');
    await app.press('n');
    await app.waitFor('Add a channel');
    // Nothing filled in: the service's first complaint, under the name field.
    await app.press(keys.enter);
    let frame = await app.waitFor('--name must be 1 to 64 characters');
    expect(frame.split('\n').findIndex((line) => line.includes('--name must'))).toBe(frame.split('\n').findIndex((line) => line.includes('› name')) + 1);
    await app.type('1234');
    await app.press(keys.enter);
    await app.waitFor('is all digits');
    await app.press(keys.backspace, keys.backspace, keys.backspace, keys.backspace);
    await app.type('mock-main');
    // type: ←/→ cycles the channel types; stay on openai. base url: the mock, which is private.
    await app.press(keys.down, keys.down);
    await app.type(`${mock.url}/v1`);
    await app.press(keys.down);
    await app.type('sk-mock-key-1234');
    await app.press(keys.down);
    await app.type('gpt-4o-mini');
    await app.press(keys.enter);
    frame = await app.waitFor('--base-url');
    expect(frame).toMatch(/base url .*\n\s+✗ .*--base-url/);
    // The form says how: allow exactly this private host:port.
    for (let index = 0; index < 9; index += 1) await app.press(keys.down);
    await app.waitFor('› allow private');
    await app.type(`127.0.0.1:${mock.port}`);
    await app.press(keys.down);
    await app.type('x');
    await app.press(keys.up, keys.up, keys.up, keys.up, keys.up);
    await app.waitFor('› weight');
    await app.type('-1');
    await app.press(keys.enter);
    await app.waitFor('--weight must be a whole number from 0');
    await app.press(keys.backspace, keys.backspace);
    await app.press(keys.enter);
    frame = await app.waitFor('added channel mock-main');
    expect(frame).toMatch(/mock-main\s+enabled/);
    expectFits(frame);
    const [channel] = await seeded.deps.channels.list();
    expect(channel).toMatchObject({ name: 'mock-main', baseUrl: `${mock.url}/v1`, models: ['gpt-4o-mini'], allowPrivate: `127.0.0.1:${mock.port}`, tag: 'x' });
    expect(await seeded.deps.channels.decryptKeys(channel?.id ?? 0)).toEqual(['sk-mock-key-1234']);
  } finally {
    app.unmount();
  }
}, 20_000);

test('edit, disable, enable, test with live results, test all, and delete after confirmation', async () => {
  const common = { type: 'openai', baseUrl: `${mock.url}/v1`, allowPrivate: `127.0.0.1:${mock.port}`, keys: ['sk-mock-key-1234'] };
  await seeded.deps.channels.add({ ...common, name: 'alpha', models: ['gpt-4o-mini'] });
  await seeded.deps.channels.add({ ...common, name: 'broken', models: ['mock/invalid-key'] });
  const app = renderApp(seeded.source, { screen: 'channels' });
  try {
    await app.waitFor('broken');
    // Edit the first channel's priority.
    await app.press('e');
    await app.waitFor('Edit channel alpha');
    for (let index = 0; index < 6; index += 1) await app.press(keys.down);
    await app.waitFor('› priority');
    await app.press(keys.backspace);
    await app.type('7');
    await app.press(keys.enter);
    await app.waitFor('saved channel alpha');
    expect((await seeded.deps.channels.get('alpha')).priority).toBe(7);
    // Disable and enable again.
    await app.press('s');
    await app.waitFor(/alpha\s+disabled/);
    await app.press('s');
    await app.waitFor(/alpha\s+enabled/);
    // Test one.
    await app.press('t');
    let frame = await app.waitFor(/✓ alpha\s+gpt-4o-mini \d+ ms/);
    expect(frame).toContain('1/1');
    await app.press(keys.escape);
    await app.waitFor('A test all');
    // Test all: one passes, one fails with the upstream's status.
    await app.press('A');
    frame = await app.waitFor('2/2');
    expect(frame).toMatch(/✓ alpha/);
    expect(frame).toMatch(/✗ broken\s+mock\/invalid-key 401 invalid_api_key/);
    expect(frame).toContain('1 failed');
    await app.press('q');
    await app.waitFor('A test all');
    expect((await seeded.deps.channels.get('alpha')).responseTimeMs).not.toBeNull();
    // Delete: n keeps it, y removes it.
    await app.press('x');
    await app.waitFor('Delete channel alpha');
    await app.press('n');
    await app.waitFor('A test all');
    await app.press('x', 'y');
    await app.waitFor('deleted channel alpha');
    expect((await seeded.deps.channels.list()).map((channel) => channel.name)).toEqual(['broken']);
  } finally {
    app.unmount();
  }
}, 20_000);

test('/ filters the list', async () => {
  await seeded.deps.channels.add({ name: 'north', type: 'openai', keys: ['sk-1-aaaaaaaa'], models: ['gpt-4o'] });
  await seeded.deps.channels.add({ name: 'south', type: 'anthropic', keys: ['sk-2-aaaaaaaa'], models: ['claude-sonnet-4-5'] });
  const app = renderApp(seeded.source, { screen: 'channels' });
  try {
    await app.waitFor('south');
    await app.press('/');
    await app.type('claude');
    const frame = await app.waitFor((text) => !text.includes('north'));
    expect(frame).toContain('south');
    await app.press(keys.escape);
    await app.waitFor('north');
  } finally {
    app.unmount();
  }
}, 20_000);
