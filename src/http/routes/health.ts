/**
 * Probes. `/healthz` says the process is up and touches nothing else, so a slow database never gets a live
 * process restarted. `/readyz` says this process should get traffic: the database answers, the schema is
 * current (no pending migrations), the SQLite pragmas read back as required (P2), and it is not draining.
 */
import { Elysia } from 'elysia';
import type { Store } from '../../db/client.ts';
import { migrationStatus } from '../../db/migrate.ts';
import { readRevisions } from '../../db/repos/revisions.ts';
import type { ChannelSnapshot } from '../../services/channel-snapshot.ts';
import type { Lifecycle } from '../plugins/lifecycle.ts';

export interface HealthOptions {
  store: Store;
  channels: ChannelSnapshot;
  lifecycle: Lifecycle;
}

function describeDatabase(store: Store, ok: boolean) {
  const settings = store.sqliteSettings;
  return {
    dialect: store.dialect,
    location: store.location,
    ok,
    ...(settings === undefined
      ? {}
      : {
          journal_mode: settings.journalMode,
          busy_timeout: settings.busyTimeoutMs,
          synchronous: settings.synchronous,
          foreign_keys: settings.foreignKeys,
        }),
  };
}

// Driver messages rarely carry credentials, but a URL in one must never reach a probe's response.
function errorText(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return text.replace(/(:\/\/[^:/?#@\s]*:)[^@/?#\s]+@/g, '$1****@');
}

export function healthRoutes(options: HealthOptions) {
  const { store, channels, lifecycle } = options;
  return new Elysia()
    .get('/healthz', ({ set }) => {
      set.headers['cache-control'] = 'no-store';
      return { status: 'ok' as const };
    })
    .get('/readyz', async ({ set }) => {
      set.headers['cache-control'] = 'no-store';
      if (lifecycle.draining) {
        set.status = 503;
        return { status: 'draining' as const };
      }
      try {
        await store.ping();
      } catch (error) {
        set.status = 503;
        return { status: 'not_ready' as const, reason: 'database_unavailable', database: { ...describeDatabase(store, false), error: errorText(error) } };
      }
      try {
        const migrations = await migrationStatus(store);
        if (migrations.pending.length > 0 || migrations.unknown.length > 0) {
          set.status = 503;
          return {
            status: 'not_ready' as const,
            reason: migrations.unknown.length > 0 ? 'database_newer_than_binary' : 'migrations_pending',
            hint: migrations.unknown.length > 0 ? 'run a gateway binary that knows these migrations' : 'run: gateway migrate',
            database: describeDatabase(store, true),
            migrations,
          };
        }
        const [revisions, view] = await Promise.all([readRevisions(store), channels.current()]);
        return {
          status: 'ready' as const,
          database: describeDatabase(store, true),
          migrations: { applied: migrations.applied, pending: migrations.pending },
          revisions,
          channels: view.total,
          enabled_channels: view.enabled.length,
        };
      } catch (error) {
        set.status = 503;
        return { status: 'not_ready' as const, reason: 'database_error', database: { ...describeDatabase(store, false), error: errorText(error) } };
      }
    });
}
