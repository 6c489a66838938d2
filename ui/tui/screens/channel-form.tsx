/**
 * The channel add/edit form. Values are parsed exactly as `gateway channel add` parses its flags (cli/flags.ts,
 * parsePairsFlag) and checked by the channel service itself, so a value is refused here for the same reason,
 * with the same message, as on the command line; the message appears under the field it is about.
 */
import { parseIntegerFlag, parseListFlag } from '../../../cli/flags.ts';
import { parsePairsFlag } from '../../../cli/commands/channel/flags.ts';
import { channelKinds } from '../../../src/services/channel-types.ts';
import { keyModes } from '../../../src/services/channel-validation.ts';
import { type FieldSpec, Form, type FormValues } from '../components/form.tsx';
import type { ChannelInput, ChannelPatch, ChannelView } from '../data/source.ts';

export const channelFields: readonly FieldSpec[] = [
  { id: 'name', label: 'name', placeholder: 'openai-main', errorFields: ['--name'] },
  { id: 'type', label: 'type', kind: 'choice', choices: channelKinds, errorFields: ['--type'] },
  { id: 'baseUrl', label: 'base url', placeholder: "the type's default (required for azure, custom, openai-compatible)", errorFields: ['--base-url'] },
  { id: 'keys', label: 'key(s)', kind: 'secret', placeholder: 'sk-…  (several: separate with spaces)', errorFields: ['--key'] },
  { id: 'models', label: 'models', placeholder: 'gpt-4o,gpt-4o-mini', errorFields: ['--models'] },
  { id: 'groups', label: 'groups', placeholder: 'default', errorFields: ['--group'] },
  { id: 'priority', label: 'priority', placeholder: '0 (higher is tried first)', errorFields: ['--priority'] },
  { id: 'weight', label: 'weight', placeholder: '1', errorFields: ['--weight'] },
  { id: 'modelMap', label: 'model map', placeholder: 'gpt-4o=gpt-4o-2024-11-20,…', errorFields: ['--model-map'] },
  { id: 'testModel', label: 'test model', placeholder: 'the first model', errorFields: ['--test-model'] },
  { id: 'keyMode', label: 'key mode', kind: 'choice', choices: keyModes, errorFields: ['--key-mode'] },
  { id: 'allowPrivate', label: 'allow private', placeholder: 'host:port of a LAN upstream, e.g. localhost:11434', errorFields: ['--allow-private'] },
  { id: 'tag', label: 'tag', errorFields: ['--tag'] },
  { id: 'remark', label: 'remark', errorFields: ['--remark'] },
];

function pairsText(mapping: Readonly<Record<string, string>>): string {
  return Object.entries(mapping)
    .map(([from, to]) => `${from}=${to}`)
    .join(',');
}

/** The form's starting values: empty for a new channel, the channel's own values (never its keys) for an edit. */
export function channelFormValues(channel?: ChannelView): FormValues {
  if (channel === undefined) {
    return { name: '', type: 'openai', baseUrl: '', keys: '', models: '', groups: '', priority: '', weight: '', modelMap: '', testModel: '', keyMode: 'random', allowPrivate: '', tag: '', remark: '' };
  }
  return {
    name: channel.name,
    type: channel.type,
    baseUrl: channel.baseUrl,
    keys: '',
    models: channel.models.join(','),
    groups: channel.groups.join(','),
    priority: String(channel.priority),
    weight: String(channel.weight),
    modelMap: pairsText(channel.modelMapping),
    testModel: channel.testModel ?? '',
    keyMode: channel.keyMode,
    allowPrivate: channel.allowPrivate ?? '',
    tag: channel.tag ?? '',
    remark: channel.remark,
  };
}

/** Only the fields that were filled in (add) or changed (edit) become input, exactly as absent flags stay absent. */
export function channelPatchFromForm(values: FormValues, before: FormValues): ChannelPatch {
  const changed = (id: string): string | undefined => {
    const value = values[id] ?? '';
    return value === (before[id] ?? '') ? undefined : value;
  };
  const patch: ChannelPatch = {};
  const name = changed('name');
  if (name !== undefined) patch.name = name;
  const type = changed('type');
  if (type !== undefined) patch.type = type;
  const baseUrl = changed('baseUrl');
  if (baseUrl !== undefined) patch.baseUrl = baseUrl;
  const keys = values.keys ?? '';
  if (keys.trim() !== '') patch.keys = keys.split(/\s+/).filter((key) => key !== '');
  const models = changed('models');
  if (models !== undefined) patch.models = parseListFlag(models);
  const groups = changed('groups');
  if (groups !== undefined && (groups.trim() !== '' || before.groups !== '')) patch.groups = parseListFlag(groups);
  const priority = changed('priority');
  if (priority !== undefined && priority.trim() !== '') patch.priority = parseIntegerFlag(priority, '--priority');
  const weight = changed('weight');
  if (weight !== undefined && weight.trim() !== '') patch.weight = parseIntegerFlag(weight, '--weight');
  const modelMap = changed('modelMap');
  if (modelMap !== undefined) patch.modelMapping = parsePairsFlag(modelMap, '--model-map');
  for (const id of ['testModel', 'keyMode', 'allowPrivate', 'tag', 'remark'] as const) {
    const value = changed(id);
    if (value !== undefined) patch[id] = value;
  }
  return patch;
}

/** A new channel needs what `channel add` requires; the service names the first missing one. */
export function channelInputFromForm(values: FormValues): ChannelInput {
  const patch = channelPatchFromForm(values, channelFormValues());
  return { ...patch, name: patch.name ?? '', type: values.type ?? 'openai', keys: patch.keys ?? [], models: patch.models ?? [] };
}

export function ChannelForm({ channel, onSaved, onCancel, save }: { channel?: ChannelView; save(values: FormValues, before: FormValues): Promise<ChannelView>; onSaved(channel: ChannelView): void; onCancel(): void }) {
  const initial = channelFormValues(channel);
  return (
    <Form
      title={channel === undefined ? 'Add a channel' : `Edit channel ${channel.name} (id ${channel.id})`}
      note={channel === undefined ? 'Checked like `gateway channel add`. Keys are encrypted at rest and never shown again.' : 'Leave key(s) empty to keep the current keys; a new value replaces them all.'}
      fields={channelFields}
      initial={initial}
      submitLabel={channel === undefined ? 'add' : 'save'}
      onSubmit={async (values) => onSaved(await save(values, initial))}
      onCancel={onCancel}
    />
  );
}
