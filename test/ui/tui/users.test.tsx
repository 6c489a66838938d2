import { afterAll, beforeAll, expect, test } from 'bun:test';
import { expectFits, keys, openSeeded, renderApp, type Seeded } from './harness.tsx';

let seeded: Seeded;

beforeAll(async () => {
  seeded = await openSeeded();
});

afterAll(async () => {
  await seeded.cleanup();
});

test('create a user (generated password shown once), top up, disable', async () => {
  const app = renderApp(seeded.source, { screen: 'users' });
  try {
    await app.waitFor('root');
    await app.press('n');
    await app.waitFor('Create a user');
    await app.type('bad name');
    await app.press(keys.enter);
    await app.waitFor(/username .*\n\s+✗ username "bad name" must be 1-32 characters/);
    await app.press('\u0015');
    await app.type('bob');
    await app.press(keys.enter);
    const secret = await app.waitFor('the generated password');
    expect(secret).toContain('shown only once');
    await app.press(keys.escape);
    await app.waitFor('bob');
    await app.press(keys.down);
    await app.press('+');
    await app.waitFor('Top up bob');
    await app.type('-3');
    await app.press(keys.enter);
    await app.waitFor('must not be negative');
    await app.press('\u0015');
    await app.type('12.5');
    await app.press(keys.enter);
    const frame = await app.waitFor('balance is now $12.5');
    expect(frame).toMatch(/bob\s+user\s+enabled\s+default\s+\$12\.5/);
    expectFits(frame);
    await app.press('s');
    await app.waitFor(/bob\s+user\s+disabled/);
    expect((await seeded.deps.users.get('bob')).status).toBe('disabled');
  } finally {
    app.unmount();
  }
}, 20_000);

test('redemption codes: create a batch (shown once), list by prefix, disable', async () => {
  const app = renderApp(seeded.source, { screen: 'codes' });
  try {
    await app.waitFor('No redemption codes');
    await app.press('n');
    await app.waitFor('Create redemption codes');
    await app.type('5');
    await app.press(keys.down);
    await app.type('500');
    await app.press(keys.enter);
    await app.waitFor(/count .*\n\s+✗ --count/);
    await app.press(keys.backspace, keys.backspace);
    await app.press(keys.down);
    await app.type('launch');
    await app.press(keys.enter);
    const frame = await app.waitFor('Created 5 codes worth $5 each');
    const codes = frame.match(/\b[A-Za-z0-9]{32}\b/g) ?? [];
    expect(codes).toHaveLength(5);
    await app.press(keys.enter);
    const list = await app.waitFor('launch');
    expect(list.match(/unused/g)).toHaveLength(5);
    for (const code of codes) expect(list).not.toContain(code);
    await app.press('x');
    await app.waitFor('disabled');
    expect((await seeded.deps.redemptions.list()).filter((code) => code.status === 'disabled')).toHaveLength(1);
  } finally {
    app.unmount();
  }
}, 20_000);
