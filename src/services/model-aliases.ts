/**
 * Global model aliases: a name clients send (`gpt-4`) → the model it means on every channel (`gpt-4o`).
 * Routing resolves the alias before choosing a channel; the log keeps both names. Chains (a → b → c) are
 * followed, so every write refuses a cycle, checked inside the transaction that first bumps the `channels`
 * counter: on PostgreSQL that upsert locks one row, so two concurrent adds cannot close a cycle between them,
 * and the bump makes running daemons reload their routing index.
 */
import { deleteModelAlias, insertModelAlias, listModelAliases, type ModelAliasRow } from '../db/repos/model-aliases.ts';
import { bumpRevision } from '../db/repos/revisions.ts';
import { conflict, invalidArgument, notFound } from '../errors/gateway-error.ts';
import type { ServiceContext } from './context.ts';

export interface ModelAliasView {
  alias: string;
  target: string;
  createdAt: string;
}

export interface ModelAliasService {
  add(alias: string, target: string): Promise<ModelAliasView>;
  /** Every alias, ordered by name. */
  list(): Promise<ModelAliasView[]>;
  /** Removes an alias; returns what was removed. */
  remove(alias: string): Promise<ModelAliasView>;
}

const MAX_NAME_LENGTH = 256;
// C0 controls, DEL and C1 controls: never part of a model name (CR/LF would also split log lines).
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;

/** A model name as channels store them: trimmed, 1-256 characters, no commas or control characters. */
export function normalizeModelName(text: string, field: string): string {
  const name = text.trim();
  if (name.length === 0 || name.length > MAX_NAME_LENGTH) {
    throw invalidArgument(field, `${field} must be a model name of 1 to ${MAX_NAME_LENGTH} characters (got ${name.length})`);
  }
  if (CONTROL.test(name) || name.includes(',')) throw invalidArgument(field, `${field} "${name}" must not contain commas or control characters`);
  return name;
}

/**
 * Follows `start` through a name → name map (aliases, or a channel's model mapping) to its end. A cycle stops
 * at the last name before it repeats, so imported data that loops can never hang a request.
 */
export function followModelChain(lookup: (name: string) => string | undefined, start: string): string {
  const seen = new Set([start]);
  let current = start;
  for (let next = lookup(current); next !== undefined && !seen.has(next); next = lookup(current)) {
    seen.add(next);
    current = next;
  }
  return current;
}

function toView(row: ModelAliasRow): ModelAliasView {
  return { alias: row.alias, target: row.target, createdAt: new Date(row.createdAt).toISOString() };
}

export function createModelAliasService(context: ServiceContext): ModelAliasService {
  const { store, clock } = context;

  return {
    async add(rawAlias, rawTarget) {
      const alias = normalizeModelName(rawAlias, 'ALIAS');
      const target = normalizeModelName(rawTarget, 'TARGET');
      if (alias === target) throw invalidArgument('TARGET', `alias "${alias}" cannot point to itself; give the model it should mean as TARGET`);
      return store.transaction(async (db) => {
        const now = clock.now();
        await bumpRevision(store, db, 'channels', now);
        const existing = new Map((await listModelAliases(store, db)).map((row) => [row.alias, row.target]));
        const current = existing.get(alias);
        if (current !== undefined) {
          throw conflict('ALIAS', `alias "${alias}" already points to "${current}"; remove it first with: gateway model alias rm ${alias}`);
        }
        const path = [alias, target];
        // `seen` also ends the walk on a cycle that imported rows might already hold.
        const seen = new Set(path);
        for (let next = existing.get(target); next !== undefined; next = existing.get(next)) {
          path.push(next);
          if (next === alias) {
            throw invalidArgument('TARGET', `alias "${alias}" → "${target}" would make a cycle: ${path.join(' → ')}; point it at a model that is not an alias of "${alias}"`);
          }
          if (seen.has(next)) break;
          seen.add(next);
        }
        const row = await insertModelAlias(store, db, { alias, target, createdAt: now });
        // Another process added the same alias between the read and the insert (SQLite writers are serialised,
        // PostgreSQL ones wait on the revision row, so this is belt and braces).
        if (row === undefined) throw conflict('ALIAS', `alias "${alias}" already exists; see it with: gateway model alias list`);
        return toView(row);
      });
    },

    async list() {
      return (await listModelAliases(store, store.db)).map(toView);
    },

    async remove(rawAlias) {
      const alias = normalizeModelName(rawAlias, 'ALIAS');
      return store.transaction(async (db) => {
        await bumpRevision(store, db, 'channels', clock.now());
        const removed = await deleteModelAlias(store, db, alias);
        if (removed === undefined) throw notFound(`no alias "${alias}"; list aliases with: gateway model alias list`);
        return toView(removed);
      });
    },
  };
}
