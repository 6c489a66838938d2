/**
 * The keys of one channel, one at a time (domain.md 4.4, New API's multi-key management): list them (hint,
 * status and position only), add keys, enable, disable or remove one, and — root only, after the password
 * again — reveal them. `gateway channel update --key` still replaces the whole list.
 *
 * Positions are 0, 1, 2… without gaps (the relay addresses a key by position, and each ciphertext is bound to
 * `channel_keys:<channel id>:<position>`), so removing a key re-encrypts the keys after it at their new
 * positions, keeping their status and counters. Every change bumps the `channels` revision in its transaction,
 * so a running relay routes on the new keys within a second.
 */
import { verifyPassword } from '../security/password.ts';
import type { Db } from '../db/client.ts';
import { type ChannelKeyRow, type ChannelRow, insertChannelKeys, listChannelKeys, replaceChannelKeys, updateChannelKey } from '../db/repos/channels.ts';
import { bumpRevision } from '../db/repos/revisions.ts';
import { GatewayError, invalidArgument } from '../errors/gateway-error.ts';
import type { Actor } from './actor.ts';
import { keyHint, normalizeKeys } from './channel-validation.ts';
import { CHANNEL_STATUS_CODES, type ChannelKeyView, type ChannelView, findChannelRow, toChannelView } from './channels.ts';
import type { ServiceContext } from './context.ts';

/** A key shown in full: only through `reveal`. */
export interface RevealedKey extends ChannelKeyView {
  key: string;
}

export interface RevealProof {
  /** Must be root: checked here as well as by the route. */
  readonly actor: Actor;
  /** The password the caller typed again. */
  readonly password: string;
  /** The caller's password hash, read from the database on this request. */
  readonly passwordHash: string;
}

export interface ChannelKeyService {
  list(ref: string): Promise<{ channel: ChannelView; keys: ChannelKeyView[] }>;
  /** Appends keys after the last position; a key the channel already has is refused. */
  add(ref: string, keys: readonly string[]): Promise<ChannelView>;
  /** Enables or (manually) disables one key; a channel left without an enabled key is not routed to. */
  setEnabled(ref: string, position: number, enabled: boolean): Promise<ChannelView>;
  /** Removes one key; the last key of a channel cannot be removed (delete the channel instead). */
  remove(ref: string, position: number): Promise<ChannelView>;
  /** Every key in full (or the one at `position`), for root after proving the password. */
  reveal(ref: string, proof: RevealProof, position?: number): Promise<{ channel: ChannelView; keys: RevealedKey[] }>;
}

const MAX_KEYS_PER_CHANNEL = 1000;

function keyContext(channelId: number, position: number): string {
  return `channel_keys:${channelId}:${position}`;
}

export function createChannelKeyService(context: ServiceContext): ChannelKeyService {
  const { store, cipher, clock } = context;

  function requireKey(channel: ChannelRow, keys: readonly ChannelKeyRow[], position: number): ChannelKeyRow {
    const key = keys.find((row) => row.position === position);
    if (key !== undefined) return key;
    const positions = keys.map((row) => row.position).join(', ');
    throw new GatewayError({
      code: 'not_found',
      message: `channel "${channel.name}" has no key #${position} (its keys: ${positions || 'none'}); list them with GET /api/channels/${channel.id}/keys`,
    });
  }

  /** Rewrites the key rows (positions renumbered from 0) and bumps the revision. */
  async function rewrite(db: Db, channel: ChannelRow, kept: readonly { row: ChannelKeyRow | undefined; plaintext: string }[], now: number): Promise<ChannelView> {
    await replaceChannelKeys(
      store,
      db,
      channel.id,
      kept.map(({ row, plaintext }, position) => ({
        position,
        keyCiphertext: cipher.encrypt(plaintext, keyContext(channel.id, position)),
        keyHint: keyHint(plaintext),
        status: row?.status ?? CHANNEL_STATUS_CODES.enabled,
        disabledReason: row?.disabledReason ?? null,
        disabledAt: row?.disabledAt ?? null,
        usedAmount: row?.usedAmount ?? 0,
        requestCount: row?.requestCount ?? 0,
        createdAt: row?.createdAt ?? now,
      })),
    );
    await bumpRevision(store, db, 'channels', now);
    return toChannelView(channel, await listChannelKeys(store, db, [channel.id]));
  }

  function decrypt(channel: ChannelRow, row: ChannelKeyRow): string {
    try {
      return cipher.decrypt(row.keyCiphertext, keyContext(channel.id, row.position));
    } catch (error) {
      throw new GatewayError({
        code: 'invalid_config',
        message: `key #${row.position} of channel "${channel.name}" cannot be decrypted with this master key; set GATEWAY_SECRET to the original key, or replace the keys`,
        cause: error,
      });
    }
  }

  return {
    async list(ref) {
      const channel = await findChannelRow(store, store.db, ref);
      const view = toChannelView(channel, await listChannelKeys(store, store.db, [channel.id]));
      return { channel: view, keys: view.keys };
    },

    async add(ref, keys) {
      const added = normalizeKeys(keys);
      const now = clock.now();
      return store.transaction(async (db) => {
        const channel = await findChannelRow(store, db, ref);
        const rows = await listChannelKeys(store, db, [channel.id]);
        if (rows.length + added.length > MAX_KEYS_PER_CHANNEL) {
          throw invalidArgument('--key', `a channel holds at most ${MAX_KEYS_PER_CHANNEL} keys; "${channel.name}" has ${rows.length}`);
        }
        const existing = rows.map((row) => decrypt(channel, row));
        added.forEach((key, index) => {
          if (existing.includes(key)) throw invalidArgument('--key', `key #${index + 1} is already key #${existing.indexOf(key)} of channel "${channel.name}"`);
        });
        // Positions must stay contiguous: when they are not (a hand-edited database), renumber everything.
        if (rows.some((row, index) => row.position !== index)) {
          return rewrite(db, channel, [...rows.map((row, index) => ({ row, plaintext: existing[index] as string })), ...added.map((plaintext) => ({ row: undefined, plaintext }))], now);
        }
        const start = rows.length;
        await insertChannelKeys(
          store,
          db,
          channel.id,
          added.map((key, index) => ({
            position: start + index,
            keyCiphertext: cipher.encrypt(key, keyContext(channel.id, start + index)),
            keyHint: keyHint(key),
            status: CHANNEL_STATUS_CODES.enabled,
            createdAt: now,
          })),
        );
        await bumpRevision(store, db, 'channels', now);
        return toChannelView(channel, await listChannelKeys(store, db, [channel.id]));
      });
    },

    async setEnabled(ref, position, enabled) {
      const now = clock.now();
      return store.transaction(async (db) => {
        const channel = await findChannelRow(store, db, ref);
        requireKey(channel, await listChannelKeys(store, db, [channel.id]), position);
        await updateChannelKey(
          store,
          db,
          channel.id,
          position,
          enabled
            ? { status: CHANNEL_STATUS_CODES.enabled, disabledReason: null, disabledAt: null }
            : { status: CHANNEL_STATUS_CODES.disabled, disabledReason: null, disabledAt: now },
        );
        await bumpRevision(store, db, 'channels', now);
        return toChannelView(channel, await listChannelKeys(store, db, [channel.id]));
      });
    },

    async remove(ref, position) {
      const now = clock.now();
      return store.transaction(async (db) => {
        const channel = await findChannelRow(store, db, ref);
        const rows = await listChannelKeys(store, db, [channel.id]);
        requireKey(channel, rows, position);
        if (rows.length === 1) {
          throw new GatewayError({
            code: 'conflict',
            field: 'position',
            message: `key #${position} is the only key of channel "${channel.name}"; add another key first, or delete the channel`,
          });
        }
        const kept = rows.filter((row) => row.position !== position).map((row) => ({ row, plaintext: decrypt(channel, row) }));
        return rewrite(db, channel, kept, now);
      });
    },

    async reveal(ref, proof, position) {
      if (proof.actor.role !== 'root') {
        throw new GatewayError({ code: 'forbidden', message: 'only root can reveal a channel key' });
      }
      if (!(await verifyPassword(proof.password, proof.passwordHash))) {
        throw new GatewayError({ code: 'forbidden', field: 'password', message: 'the password is wrong; revealing a channel key needs your current password' });
      }
      const channel = await findChannelRow(store, store.db, ref);
      const rows = await listChannelKeys(store, store.db, [channel.id]);
      const chosen = position === undefined ? rows : [requireKey(channel, rows, position)];
      const view = toChannelView(channel, rows);
      const keys = chosen.map((row) => {
        const shown = view.keys.find((key) => key.position === row.position);
        return { position: row.position, hint: row.keyHint, status: shown?.status ?? 'enabled', key: decrypt(channel, row) };
      });
      return { channel: view, keys };
    },
  };
}
