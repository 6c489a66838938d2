/** Human renderings of channels: one table row per channel for `list`, key/value lines for the others. */
import type { ChannelView } from '../../../src/services/channels.ts';
import { renderRecord, renderTable, shortList } from '../../output.ts';

function describeKey(key: ChannelView['keys'][number]): string {
  const shown = key.hint === '' ? '…' : `…${key.hint}`;
  return key.status === 'enabled' ? `#${key.position} ${shown}` : `#${key.position} ${shown} (${key.status})`;
}

function describeMap(mapping: Readonly<Record<string, string>>): string[] {
  return Object.entries(mapping).map(([from, to]) => `${from} → ${to}`);
}

export function renderChannelTable(channels: readonly ChannelView[]): string {
  if (channels.length === 0) return 'No channels. Add one with: gateway channel add --name NAME --type TYPE --key KEY --models MODEL';
  return renderTable(
    ['ID', 'NAME', 'TYPE', 'STATUS', 'PRIORITY', 'WEIGHT', 'KEYS', 'GROUPS', 'MODELS'],
    channels.map((channel) => [
      channel.id,
      channel.name,
      channel.type,
      channel.status,
      channel.priority,
      channel.weight,
      channel.keys.length,
      shortList(channel.groups),
      shortList(channel.models),
    ]),
  );
}

export function renderChannel(channel: ChannelView): string {
  return renderRecord({
    id: channel.id,
    name: channel.name,
    type: channel.type,
    status: channel.disabledReason === null ? channel.status : `${channel.status} (${channel.disabledReason})`,
    'base url': channel.baseUrl,
    'allow private': channel.allowPrivate,
    priority: channel.priority,
    weight: channel.weight,
    models: channel.models,
    groups: channel.groups,
    'model map': describeMap(channel.modelMapping),
    'status code map': describeMap(channel.statusCodeMapping),
    'test model': channel.testModel,
    settings: Object.entries(channel.settings).map(([name, value]) => `${name}=${typeof value === 'string' ? value : JSON.stringify(value)}`),
    tag: channel.tag,
    keys: channel.keys.map(describeKey),
    'key mode': channel.keyMode,
    'used (USD)': channel.usedUsd,
    requests: channel.requestCount,
    'response time': channel.responseTimeMs === null ? null : `${channel.responseTimeMs} ms`,
    'tested at': channel.testedAt,
    'created at': channel.createdAt,
    'updated at': channel.updatedAt,
    remark: channel.remark,
  });
}
