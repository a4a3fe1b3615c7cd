/**
 * Read-modify-write for connections. Several writers touch a connection concurrently (the sync worker,
 * the webhook worker, the API); each write is conditional on the version it read, and on a conflict the
 * change is re-applied to the fresh row instead of overwriting what another writer just stored.
 */
import { ConflictError } from '../errors/app-error';
import type { Connection } from './model';
import type { ConnectionStore } from './ports';

const MAX_ATTEMPTS = 5;

export async function updateConnection(
  store: ConnectionStore,
  userId: string,
  connectionId: string,
  change: (current: Connection) => Connection | null,
  now: () => Date,
): Promise<Connection | null> {
  for (let attempt = 1; ; attempt += 1) {
    const current = await store.get(userId, connectionId);
    if (!current) return null;
    const changed = change(current);
    if (!changed || changed === current) return current;
    // updatedAt is the version: it must move forward even when two writes land in the same millisecond.
    const stamp = now().toISOString();
    const next = { ...changed, updatedAt: stamp > current.updatedAt ? stamp : bumpTimestamp(current.updatedAt) };
    try {
      await store.save(next, current.updatedAt);
      return next;
    } catch (error) {
      if (!(error instanceof ConflictError) || attempt >= MAX_ATTEMPTS) throw error;
    }
  }
}

function bumpTimestamp(iso: string): string {
  return new Date(new Date(iso).getTime() + 1).toISOString();
}
