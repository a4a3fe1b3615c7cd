/**
 * Read-modify-write for connections. Several writers touch a connection concurrently (the sync worker,
 * the webhook worker, the API); each write is conditional on the version it read, and on a conflict the
 * change is re-applied to the fresh row instead of overwriting what another writer just stored.
 */
import { ConflictError, NotFoundError } from '../errors/app-error';
import type { Connection } from './model';
import type { ConnectionStore } from './ports';

const MAX_ATTEMPTS = 5;

/**
 * Applies `change` to the stored connection and saves it conditionally on the version it was applied to;
 * returns what was stored, or null when the connection does not exist. `held` is a copy the caller already
 * has and believes current (it read or wrote it itself): the first attempt applies the change to it without
 * reading, and only if the row moved on since (another writer, or a delete) is it read again. The write is
 * conditional on `updated_at` either way, so the outcome is the same as reading first.
 */
export async function updateConnection(
  store: ConnectionStore,
  userId: string,
  connectionId: string,
  change: (current: Connection) => Connection | null,
  now: () => Date,
  held?: Connection,
): Promise<Connection | null> {
  if (held) {
    if (held.userId !== userId || held.connectionId !== connectionId) throw new Error('The held connection is not the one to update');
    try {
      return await attempt(store, held, change, now);
    } catch (error) {
      // The row moved on or is gone: read it and start over, as if nothing had been held.
      if (!(error instanceof ConflictError || error instanceof NotFoundError)) throw error;
    }
  }
  for (let attempts = 1; ; attempts += 1) {
    const current = await store.get(userId, connectionId);
    if (!current) return null;
    try {
      return await attempt(store, current, change, now);
    } catch (error) {
      if (!(error instanceof ConflictError) || attempts >= MAX_ATTEMPTS) throw error;
    }
  }
}

async function attempt(
  store: ConnectionStore,
  current: Connection,
  change: (current: Connection) => Connection | null,
  now: () => Date,
): Promise<Connection> {
  const changed = change(current);
  if (!changed || changed === current) return current;
  // updatedAt is the version: it must move forward even when two writes land in the same millisecond.
  const stamp = now().toISOString();
  const next = { ...changed, updatedAt: stamp > current.updatedAt ? stamp : bumpTimestamp(current.updatedAt) };
  await store.save(next, current.updatedAt);
  return next;
}

function bumpTimestamp(iso: string): string {
  return new Date(new Date(iso).getTime() + 1).toISOString();
}
