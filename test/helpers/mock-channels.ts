/**
 * Channels pointing at the mock upstream through their private exception (so the production outbound guard
 * runs), each with a unique name and a canary key that tests search outputs and logs for.
 */
import type { ChannelInput, ChannelService, ChannelView } from '../../src/services/channels.ts';
import type { MockUpstream } from './mock-upstream.ts';

let sequence = 0;

export type MockChannel = ChannelView & { readonly secret: string };

export async function addMockChannel(channels: Pick<ChannelService, 'add'>, mock: Pick<MockUpstream, 'url' | 'port'>, input: Partial<ChannelInput> = {}): Promise<MockChannel> {
  sequence += 1;
  const secret = `sk-CANARY-CH-${sequence}-${crypto.randomUUID()}`;
  const channel = await channels.add({
    name: `mock-channel-${sequence}`,
    type: 'openai',
    baseUrl: mock.url,
    allowPrivate: `127.0.0.1:${mock.port}`,
    keys: [secret],
    models: ['gpt-4o-mini'],
    ...input,
  });
  return { ...channel, secret };
}
