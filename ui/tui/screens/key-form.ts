/**
 * The API key create/edit form, parsed like `gateway token create|update` flags (lists split on commas, an
 * empty quota meaning unlimited) and checked by the token service, whose messages appear under their field.
 */
import { parseListFlag } from '../../../cli/flags.ts';
import type { CreateTokenInput, TokenPatch } from '../../../src/services/tokens.ts';
import type { FieldSpec, FormValues } from '../components/form.tsx';
import type { TokenView } from '../data/source.ts';

export function keyFields(mode: 'create' | 'edit'): FieldSpec[] {
  return [
    { id: 'name', label: 'name', placeholder: 'laptop', errorFields: ['--name'] },
    ...(mode === 'create' ? [{ id: 'user', label: 'owner', placeholder: 'root (id or username)', errorFields: ['--user'] }] : []),
    { id: 'quota', label: 'quota USD', placeholder: mode === 'create' ? 'unlimited (the owner’s balance still applies)' : 'unlimited', errorFields: ['--quota', 'patch'] },
    { id: 'expires', label: 'expires', placeholder: 'never  (30d, 12h, 2w, YYYY-MM-DD)', errorFields: ['--expires'] },
    { id: 'models', label: 'models', placeholder: 'all  (gpt-4o,claude-sonnet-4)', errorFields: ['--models'] },
    { id: 'allowIps', label: 'allowed IPs', placeholder: 'any  (203.0.113.0/24,…)', errorFields: ['--allow-ips'] },
    { id: 'group', label: 'group', placeholder: "the owner's", errorFields: ['--group'] },
  ];
}

export function keyFormValues(token?: TokenView): FormValues {
  if (token === undefined) return { name: '', user: '', quota: '', expires: '', models: '', allowIps: '', group: '' };
  return {
    name: token.name,
    quota: token.quotaUsd ?? '',
    expires: token.expiresAt === null ? '' : token.expiresAt.slice(0, 10),
    models: token.models.join(','),
    allowIps: token.allowIps.join(','),
    group: token.group ?? '',
  };
}

export function keyInputFromForm(values: FormValues): CreateTokenInput {
  const text = (id: string): string | undefined => {
    const value = (values[id] ?? '').trim();
    return value === '' ? undefined : value;
  };
  const input: CreateTokenInput = { name: values.name ?? '' };
  const user = text('user');
  if (user !== undefined) input.user = user;
  const quota = text('quota');
  if (quota !== undefined) input.quotaUsd = quota;
  const expires = text('expires');
  if (expires !== undefined) input.expires = expires;
  const models = text('models');
  if (models !== undefined) input.models = parseListFlag(models);
  const allowIps = text('allowIps');
  if (allowIps !== undefined) input.allowIps = parseListFlag(allowIps);
  const group = text('group');
  if (group !== undefined) input.group = group;
  return input;
}

/** The fields that changed; an emptied quota makes the key unlimited, an emptied expiry never expiring. */
export function keyPatchFromForm(values: FormValues, before: FormValues): TokenPatch {
  const changed = (id: string): string | undefined => {
    const value = (values[id] ?? '').trim();
    return value === (before[id] ?? '').trim() ? undefined : value;
  };
  const patch: TokenPatch = {};
  const name = changed('name');
  if (name !== undefined) patch.name = name;
  const quota = changed('quota');
  if (quota !== undefined) {
    if (quota === '') patch.unlimited = true;
    else patch.quotaUsd = quota;
  }
  const expires = changed('expires');
  if (expires !== undefined) patch.expires = expires === '' ? 'never' : expires;
  const models = changed('models');
  if (models !== undefined) patch.models = parseListFlag(models);
  const allowIps = changed('allowIps');
  if (allowIps !== undefined) patch.allowIps = parseListFlag(allowIps);
  const group = changed('group');
  if (group !== undefined) patch.group = group;
  return patch;
}
