/**
 * Deleting a connection while its sync is still writing: the delete purges what exists, and the sync,
 * finding its connection gone when it commits, purges whatever it stored afterwards. Nothing of the
 * connection may survive, by any access path.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '../helpers/eventually';
import { linkItem } from '../helpers/plaid-e2e';
import { startLocalStack, type LocalStack } from '../helpers/local-stack';
import { bankingStores } from '../helpers/seed-banking-data';

let stack: LocalStack;

beforeAll(async () => {
  stack = await startLocalStack();
}, 60_000);

afterAll(async () => {
  await stack?.stop();
});

describe('deleting a connection during its sync', () => {
  it('leaves no transaction, account or sync run behind', async () => {
    // The second transactions page is held back, so the DELETE lands after the first page was stored.
    stack.plaid.faults.arm({ endpoint: '/transactions/sync', fault: { type: 'delay', ms: 3_000 }, after: 1, count: 1 });
    const item = await linkItem(stack, 'deleting-user', { username: 'user_large_history', password: 'txn_count_1000', webhook: false });
    const stores = bankingStores(stack);
    await eventually('the first page is stored', async () => {
      const page = await stores.transactions.listByConnection('deleting-user', item.connectionId, null);
      return page.items.length > 0;
    });

    const deleted = await stack.api('deleting-user', 'DELETE', `/banking/connections/${item.connectionId}`);
    expect(deleted.status).toBe(204);

    // The held page is answered at last (by then the Item is removed at Plaid, so with an error) and the
    // sync goes on to record its outcome; then every trace must be gone.
    await eventually(
      'the held transactions page has been answered',
      () => stack.plaid.recorder.list({ path: '/transactions/sync', kind: 'provider' }).length >= 2,
      { timeoutMs: 90_000 },
    );
    await eventually(
      'nothing of the connection remains',
      async () => {
        const [transactions, accounts, runs, connection] = await Promise.all([
          stores.transactions.listByConnection('deleting-user', item.connectionId, null),
          stores.accounts.listByConnection('deleting-user', item.connectionId),
          stores.syncRuns.listByConnection(item.connectionId, 10, null),
          stores.connections.get('deleting-user', item.connectionId),
        ]);
        return transactions.items.length === 0 && accounts.length === 0 && runs.items.length === 0 && connection === null;
      },
      // Generous: on a loaded machine the emulator serves every DynamoDB call of two purges one at a time.
      { timeoutMs: 90_000 },
    );
    const listed = await stack.api('deleting-user', 'GET', '/banking/transactions');
    expect(listed.body.data).toEqual([]);
  }, 240_000);
});
