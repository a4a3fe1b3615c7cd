/**
 * A sync job retried after its connection was deleted: an earlier attempt may have crashed after writing
 * accounts, transactions and its run record but before it could notice the deletion. The retry finds no
 * connection and must purge what that attempt wrote, or the rows stay behind where nobody can see or delete
 * them. Real DynamoDB stores on the local emulator; the provider is never reached.
 */
import { describe, expect, it } from 'vitest';
import { ConflictError } from '../../shared/errors/app-error';
import { runSync, type SyncEngineDeps } from '../../shared/sync/sync-engine';
import { accountStore, categoryStore, connectionStore, syncRunStore, transactionStore } from '../../shared/wiring/stores';
import { makeAccount, makeConnection, makeSyncRun, makeTransaction } from '../helpers/dynamodb-fixtures';
import { testOutbox } from '../helpers/fakes/events';

function deps(): SyncEngineDeps {
  return {
    connections: connectionStore(),
    accounts: accountStore(),
    transactions: transactionStore(),
    syncRuns: syncRunStore(),
    categories: categoryStore(),
    vault: {
      encrypt: () => Promise.reject(new Error('no encryption expected')),
      decrypt: () => Promise.reject(new Error('no decryption expected')),
    },
    sourceFor: () => {
      throw new ConflictError('UNEXPECTED', 'the provider must not be called for a deleted connection');
    },
    clock: { now: () => new Date() },
    events: testOutbox({ now: () => new Date() }).publisher,
    autoSync: { intervalHours: 12, random: () => 0.5 },
  };
}

describe('runSync for a connection deleted before the job ran again', () => {
  it('purges the accounts, transactions and runs an earlier attempt wrote', async () => {
    const connection = makeConnection();
    const account = makeAccount(connection);
    const transactions = [makeTransaction(account), makeTransaction(account)];
    const run = makeSyncRun(connection, { outcome: 'running' });
    // What a crashed attempt left behind: its rows, but no connection row (the user deleted it meanwhile).
    await accountStore().putMany([account]);
    await transactionStore().putMany(transactions);
    await syncRunStore().put(run);
    expect(await accountStore().listByConnection(connection.userId, connection.connectionId)).toHaveLength(1);

    const result = await runSync(deps(), {
      userId: connection.userId,
      connectionId: connection.connectionId,
      syncRunId: run.syncRunId,
      trigger: 'manual',
    });

    expect(result).toBeNull();
    expect(await accountStore().listByConnection(connection.userId, connection.connectionId)).toEqual([]);
    expect((await transactionStore().listByConnection(connection.userId, connection.connectionId, null)).items).toEqual([]);
    expect(await syncRunStore().get(connection.connectionId, run.syncRunId)).toBeNull();
  });
});
