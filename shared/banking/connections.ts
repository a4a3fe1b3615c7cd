/**
 * Connection use-cases that do not depend on a particular provider: reading, sync history and removal.
 */
import type { Connection, Provider, SyncRun } from './model';
import { requireConnection } from './ownership';
import type { AccountStore, ConnectionReader, ConnectionStore, Page, SyncRunStore, TransactionStore } from './ports';
import type { ProviderConnectionRemover } from '../providers/ports';

export async function listConnections(connections: ConnectionReader, userId: string): Promise<Connection[]> {
  const all = await connections.listByUser(userId);
  return all.sort((a, b) => b.createdAt.localeCompare(a.createdAt));
}

export async function getConnection(connections: ConnectionReader, userId: string, connectionId: string): Promise<Connection> {
  return requireConnection(connections, userId, connectionId);
}

export async function listSyncRuns(
  deps: { connections: ConnectionReader; syncRuns: SyncRunStore },
  userId: string,
  connectionId: string,
  limit: number,
  cursor: string | null,
): Promise<Page<SyncRun>> {
  await requireConnection(deps.connections, userId, connectionId);
  return deps.syncRuns.listByConnection(connectionId, limit, cursor);
}

export interface RemoveConnectionDeps {
  readonly connections: ConnectionStore;
  readonly accounts: AccountStore;
  readonly transactions: TransactionStore;
  readonly syncRuns: SyncRunStore;
  /** The provider side of removal (Plaid `/item/remove`, Pluggy `DELETE /items/{id}`). */
  readonly removerFor: (provider: Provider) => Promise<ProviderConnectionRemover>;
}

/**
 * Removes a connection at its provider first (so access is revoked and billing stops even if the purge is
 * interrupted), then purges every local row that belongs to it. The connection row goes last: if anything
 * fails midway, the connection is still listed and a repeated DELETE picks up where this one stopped (the
 * provider removers treat "already removed" as success).
 */
export async function removeConnection(deps: RemoveConnectionDeps, userId: string, connectionId: string): Promise<void> {
  const connection = await requireConnection(deps.connections, userId, connectionId);
  const remover = await deps.removerFor(connection.provider);
  await remover.remove(connection);
  await purgeConnectionData(deps, connection);
}

export async function purgeConnectionData(
  deps: Omit<RemoveConnectionDeps, 'removerFor'>,
  connection: Connection,
): Promise<void> {
  await purgeConnectionRows(deps, connection);
  await deps.connections.delete(connection);
  // A sync that committed just before the connection row went may have stored rows after the first pass
  // read past them; a second pass catches those. A sync committing later finds the connection gone and
  // purges what it wrote itself (shared/sync/sync-engine.ts).
  await purgeConnectionRows(deps, connection);
}

/** Deletes a connection's transactions, accounts and sync runs (not the connection row itself). */
export async function purgeConnectionRows(
  deps: Omit<RemoveConnectionDeps, 'removerFor'>,
  connection: Pick<Connection, 'userId' | 'connectionId'>,
): Promise<void> {
  let cursor: string | null = null;
  do {
    const page: Page<{ userId: string; transactionId: string }> = await deps.transactions.listByConnection(
      connection.userId,
      connection.connectionId,
      cursor,
    );
    await deps.transactions.deleteMany(page.items);
    cursor = page.nextCursor;
  } while (cursor);
  const accounts = await deps.accounts.listByConnection(connection.userId, connection.connectionId);
  await deps.accounts.deleteMany(accounts);
  await deps.syncRuns.deleteByConnection(connection.connectionId);
}
