/**
 * No ghost pending rows. Plaid's `/transactions/sync` pages are stored as they arrive; when the data changes
 * between two pages (TRANSACTIONS_SYNC_MUTATION_DURING_PAGINATION) or a job dies midway and is redelivered,
 * the loop restarts from the committed cursor. A pending transaction the aborted pass stored and that posted
 * meanwhile is then never listed in `removed` (it appeared and vanished inside the restarted window); only
 * the posted transaction naming it in `pending_transaction_id` says it is gone.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { transactionIdFor } from '../../shared/banking/ids';
import type { ProviderTransaction } from '../../shared/providers/ports';
import { TransactionChangeWriter } from '../../shared/sync/transaction-writer';
import { expectStoredEqualsLedger, storedTransactions } from '../helpers/fault-injection';
import { makeConnection } from '../helpers/dynamodb-fixtures';
import { startLocalStack, type LocalStack } from '../helpers/local-stack';
import { finishedRun, linkItem } from '../helpers/plaid-e2e';
import { bankingStores, type BankingStores } from '../helpers/seed-banking-data';

let stack: LocalStack;
let stores: BankingStores;

beforeAll(async () => {
  stack = await startLocalStack();
  stores = bankingStores(stack);
}, 60_000);

afterAll(async () => {
  await stack?.stop();
});

describe('pending rows across a restarted /transactions/sync loop', () => {
  it('data changing between pages (pending rows posting) ends with exactly the provider ledger', async () => {
    // Two days of 1,200 transactions: three pages, pending purchases on each. Before the second page the
    // Item's clock advances a day, so every pending row of page one posts and the loop must restart.
    stack.plaid.faults.arm({ endpoint: '/transactions/sync', fault: { type: 'advance_during_pagination' } });
    const item = await linkItem(stack, 'ghost-pending', {
      username: 'user_large_history',
      password: 'txn_count_1200',
      daysRequested: 2,
      webhook: false,
    });
    const run = await finishedRun(stack, item, 'the first sync finished', (candidate) => candidate.id === item.syncRunId, 90_000);
    expect(run.outcome).toBe('succeeded');
    expect(stack.plaid.faults.list()).toEqual([]);

    // The pass that was cut short had stored pending rows the restarted pass never mentions again.
    const calls = stack.plaid.recorder
      .list({ path: '/transactions/sync', kind: 'provider' })
      .filter((call) => (call.requestBody as { access_token?: string }).access_token === item.accessToken);
    expect(calls[1]?.fault).toBe('advance_during_pagination');
    const abortedPending = (calls[0]!.responseBody as { added: { transaction_id: string; pending: boolean }[] }).added
      .filter((transaction) => transaction.pending)
      .map((transaction) => transaction.transaction_id);
    expect(abortedPending.length).toBeGreaterThan(0);
    const replayed = calls.slice(2).flatMap((call) => (call.responseBody as { removed: { transaction_id: string }[] }).removed);
    expect(replayed).toEqual([]);

    const stored = await expectStoredEqualsLedger(stack, stores, item);
    const storedIds = new Set(stored.map((transaction) => transaction.providerTransactionId));
    for (const pendingId of abortedPending) expect(storedIds.has(pendingId)).toBe(false);
  }, 120_000);

  it('a posted transaction replaces the stored pending row it names, keeping the user edits, with no removal reported', async () => {
    const connection = makeConnection();
    const clock = { now: () => new Date() };
    const writer = new TransactionChangeWriter(stores.transactions, stores.categories, connection, clock);
    const pending: ProviderTransaction = {
      providerTransactionId: 'pending-1',
      providerAccountId: 'acct-1',
      amount: '-20.00',
      currency: 'USD',
      date: '2024-06-01',
      authorizedDate: '2024-06-01',
      description: 'Blue Bottle',
      merchantName: 'Blue Bottle',
      pending: true,
      pendingProviderTransactionId: null,
      category: null,
    };
    await writer.apply({ added: [pending], modified: [], removed: [] });
    const pendingId = transactionIdFor(connection.connectionId, 'pending-1');
    await stores.transactions.updateUserFields(connection.userId, [{ transactionId: pendingId, note: 'team coffee' }]);

    // The pass restarts; the replay shows only the posted row (with a tip), naming the pending one.
    writer.restart();
    await writer.apply({
      added: [{ ...pending, providerTransactionId: 'posted-1', amount: '-23.50', date: '2024-06-02', pending: false, pendingProviderTransactionId: 'pending-1' }],
      modified: [],
      removed: [],
    });
    await writer.finish();

    const rows = await storedTransactions(stores, connection);
    expect(rows.map((row) => ({ id: row.providerTransactionId, pending: row.pending, note: row.note, amount: row.amount }))).toEqual([
      { id: 'posted-1', pending: false, note: 'team coffee', amount: '-23.50' },
    ]);
    expect(writer.counts).toEqual({ added: 2, modified: 0, removed: 1 });

    // Replaying the same batch (a redelivered job) changes nothing.
    const again = new TransactionChangeWriter(stores.transactions, stores.categories, connection, clock);
    await again.apply({ added: [{ ...pending, providerTransactionId: 'posted-1', amount: '-23.50', date: '2024-06-02', pending: false, pendingProviderTransactionId: 'pending-1' }], modified: [], removed: [] });
    await again.finish();
    expect(again.counts).toEqual({ added: 0, modified: 0, removed: 0 });
    expect(await storedTransactions(stores, connection)).toHaveLength(1);
  }, 60_000);
});
