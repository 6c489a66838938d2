/**
 * Runtime settings (`gateway setting …`): administrators read them, root changes them — as in New API, where
 * system options are root's (`PUT /api/option/`): they decide failover, auto-disable, billing of unpriced
 * models, who may register and whether request bodies are logged, for every user at once. A change is checked
 * by the settings service exactly as `gateway setting set` checks it, several at once, all or none, and a
 * running relay applies it within a second. No setting holds a secret; process secrets (GATEWAY_SECRET,
 * SESSION_SECRET, the root password) are configuration, never settings, and never appear here.
 */
import { t } from 'elysia';
import { type SettingInput, settingNames } from '../../../services/settings.ts';
import { defineRoute } from '../define.ts';
import { settingSchema, settingView } from '../views.ts';

const TAG = 'Settings';

const valueInput = t.Union(
  [t.String({ maxLength: 4096 }), t.Number(), t.Boolean(), t.Array(t.String({ maxLength: 256 }), { maxItems: 256 }), t.Null()],
  { description: 'As gateway setting set takes it (a number, true/false, status ranges like "429,500-503", a list as an array or comma text); null restores the default.' },
);

export const settingRoutes = [
  defineRoute({
    method: 'GET',
    path: '/api/settings',
    role: 'admin',
    tag: TAG,
    summary: 'Every runtime setting with its value, default, kind and description',
    response: t.Array(settingSchema),
    handler: async ({ services }) => ({ data: (await services.settings.list()).map(settingView) }),
  }),

  defineRoute({
    method: 'PATCH',
    path: '/api/settings',
    role: 'root',
    tag: TAG,
    summary: 'Change several settings at once: all or none (root)',
    description: 'Every value is checked before anything is written; one invalid value changes nothing and names its setting in error.field. Answers every setting.',
    body: t.Object(Object.fromEntries(settingNames.map((name) => [name, t.Optional(valueInput)])), { additionalProperties: false, minProperties: 1 }),
    response: t.Array(settingSchema),
    audit: { action: 'setting.update', target: () => ({ type: 'setting', id: null }) },
    handler: async ({ body, services }) => {
      // The schema admits only setting names, so the keys are those.
      const changes: Record<string, SettingInput | null> = {};
      for (const [name, value] of Object.entries(body)) if (value !== undefined) changes[name] = value;
      return { data: (await services.settings.update(changes)).map(settingView) };
    },
  }),
];
