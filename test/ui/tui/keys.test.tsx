import { afterAll, beforeAll, expect, test } from 'bun:test';
import { expectFits, keys, openSeeded, renderApp, type Seeded } from './harness.tsx';

let seeded: Seeded;

beforeAll(async () => {
  seeded = await openSeeded();
  await seeded.deps.users.create({ username: 'alice', password: 'alice-password' });
  await seeded.deps.tokens.create({ name: 'ci', user: 'alice', quotaUsd: '5', expires: '2099-01-01', models: ['gpt-4o'], allowIps: ['10.0.0.0/8'] });
});

afterAll(async () => {
  await seeded.cleanup();
});

test('the list shows owner, remaining quota, expiry and limits', async () => {
  const app = renderApp(seeded.source, { screen: 'keys' });
  try {
    const frame = await app.waitFor('ci');
    expect(frame).toMatch(/ci\s+alice\s+enabled\s+\$5\s+2099-01-01\s+gpt-4o; 1 IP rule/);
    expectFits(frame);
  } finally {
    app.unmount();
  }
}, 20_000);

test('create shows the full key once with a copy hint; validation errors appear under their field', async () => {
  const app = renderApp(seeded.source, { screen: 'keys' });
  try {
    await app.waitFor('ci');
    await app.press('n');
    await app.waitFor('Create an API key');
    await app.type('laptop');
    await app.press(keys.down);
    await app.type('nobody');
    await app.press(keys.enter);
    await app.waitFor(/owner .*\n\s+✗ --user: no user "nobody"/);
    await app.press(keys.backspace, keys.backspace, keys.backspace, keys.backspace, keys.backspace, keys.backspace);
    await app.press(keys.down);
    await app.type('abc');
    await app.press(keys.enter);
    await app.waitFor(/quota USD .*\n\s+✗ --quota must be an amount in USD/);
    await app.press(keys.backspace, keys.backspace, keys.backspace);
    await app.type('2.5');
    await app.press(keys.down);
    await app.type('30d');
    await app.press(keys.enter);
    const frame = await app.waitFor('shown only once');
    const key = /sk-[A-Za-z0-9]{48}/.exec(frame)?.[0];
    expect(key).toBeDefined();
    expect(frame).toContain('press c');
    await app.press('c');
    expect(app.copied).toEqual([key as string]);
    await app.press(keys.enter);
    const list = await app.waitFor('laptop');
    expect(list).not.toContain(key as string);
    const created = await seeded.deps.tokens.verify(key as string);
    expect(created?.token.name).toBe('laptop');
  } finally {
    app.unmount();
  }
}, 20_000);

test('edit changes quota, expiry, models and IPs; s disables; x deletes after confirmation', async () => {
  const app = renderApp(seeded.source, { screen: 'keys' });
  try {
    await app.waitFor('ci');
    await app.press('e');
    await app.waitFor('Edit key ci');
    await app.press(keys.down);
    await app.press(keys.backspace);
    await app.type('9');
    await app.press(keys.down, '\u0015');
    await app.type('never');
    await app.press(keys.down, '\u0015');
    await app.press(keys.down, '\u0015');
    await app.type('192.0.2.1');
    await app.press(keys.enter);
    await app.waitFor('saved key ci');
    expect(await seeded.deps.tokens.get('ci')).toMatchObject({ quotaUsd: '9', expiresAt: null, models: [], allowIps: ['192.0.2.1'] });
    await app.press('s');
    await app.waitFor(/ci\s+alice\s+disabled/);
    await app.press('x');
    await app.waitFor('Delete key ci');
    await app.press('y');
    await app.waitFor('deleted key ci');
    expect((await seeded.deps.tokens.list()).map((token) => token.name)).not.toContain('ci');
  } finally {
    app.unmount();
  }
}, 20_000);
