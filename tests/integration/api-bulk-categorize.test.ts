/**
 * POST /banking/transactions/bulk-categorize end to end: validated as a whole (nothing applied when any id
 * is unknown or another user's), up to 500 ids, and Pluggy transactions queued for category sync-back.
 * Transactions are seeded through the stores so the test controls ids, providers and categories.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Transaction } from '../../shared/banking/model';
import { uniqueId } from '../helpers/dynamodb-fixtures';
import { startLocalStack, type LocalStack } from '../helpers/local-stack';
import {
  bankingStores,
  drainProviderWriteQueue,
  seedConnection,
  seedProviderCategories,
  seedTransactions,
  type BankingStores,
  type SeededConnection,
} from '../helpers/seed-banking-data';

let stack: LocalStack;
let stores: BankingStores;
const bea = uniqueId('bea');
const mallory = uniqueId('mallory');
let plaidConnection: SeededConnection;
let pluggyConnection: SeededConnection;
/** 505 Plaid-side transactions of bea, newest first. */
let many: Transaction[];
let pluggyTransactions: Transaction[];
let mallorysTransaction: Transaction;
let groceries: string;
let dining: string;

beforeAll(async () => {
  // No queue poller: the provider-write jobs must stay on the queue for the assertions to receive them
  // (its worker would consume them, and every row here is seeded, so nothing needs a sync).
  stack = await startLocalStack({ poller: false });
  stores = bankingStores(stack);
  plaidConnection = await seedConnection(stores, bea);
  pluggyConnection = await seedConnection(stores, bea, { provider: 'pluggy' });
  await seedProviderCategories(stores, 'pluggy', [{ id: 'pluggy:01010000', name: 'Salary' }]);
  const start = Date.UTC(2024, 0, 1);
  many = await seedTransactions(
    stores,
    plaidConnection.accounts[0]!,
    Array.from({ length: 505 }, (_, index) => ({ date: new Date(start + index * 43_200_000).toISOString().slice(0, 10) })),
  );
  pluggyTransactions = await seedTransactions(stores, pluggyConnection.accounts[0]!, [{ date: '2024-06-01' }, { date: '2024-06-02' }]);
  const mallorys = await seedConnection(stores, mallory);
  mallorysTransaction = (await seedTransactions(stores, mallorys.accounts[0]!, [{ date: '2024-03-03' }]))[0]!;
  groceries = (await stack.api(bea, 'POST', '/banking/categories', { name: 'Groceries' })).body.id;
  dining = (await stack.api(bea, 'POST', '/banking/categories', { name: 'Dining' })).body.id;
}, 120_000);

afterAll(async () => {
  await stack?.stop();
});

const ids = (transactions: readonly Transaction[]) => transactions.map((transaction) => transaction.transactionId);

async function bulk(userId: string, transactionIds: readonly string[], categoryId: string | null) {
  return stack.api(userId, 'POST', '/banking/transactions/bulk-categorize', { transaction_ids: transactionIds, category_id: categoryId });
}

/** Ids of bea's transactions whose effective category is `categoryId`, read through the API. */
async function inCategory(categoryId: string): Promise<string[]> {
  const found: string[] = [];
  let cursor: string | null = null;
  do {
    const page: { body: any } = await stack.api(
      bea,
      'GET',
      `/banking/transactions?limit=200&category_id=${encodeURIComponent(categoryId)}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
    );
    found.push(...page.body.data.map((transaction: { id: string }) => transaction.id));
    cursor = page.body.next_cursor;
  } while (cursor);
  return found;
}

describe('validated as a whole', () => {
  it('refuses 501 ids on body.transaction_ids and applies nothing', async () => {
    const response = await bulk(bea, ids(many.slice(0, 501)), groceries);
    expect(response.status).toBe(400);
    expect(response.body.error.details).toEqual([expect.objectContaining({ field: 'body.transaction_ids' })]);
    expect(await inCategory(groceries)).toEqual([]);
  });

  it('names the index of an unknown id, and applies none of the 499 valid ones', async () => {
    const list = ids(many.slice(0, 500));
    list[137] = 'txn_doesnotexist00000000000000';
    const response = await bulk(bea, list, groceries);
    expect(response.status).toBe(400);
    expect(response.body.error.code).toBe('VALIDATION_FAILED');
    expect(response.body.error.details).toEqual([{ field: 'body.transaction_ids.137', message: 'Transaction not found' }]);
    expect(await inCategory(groceries)).toEqual([]);
  });

  it("treats another user's transaction exactly like an unknown one, naming every offending index", async () => {
    const list = [mallorysTransaction.transactionId, ...ids(many.slice(0, 3)), 'txn_gone'];
    const response = await bulk(bea, list, groceries);
    expect(response.status).toBe(400);
    expect(response.body.error.details.map((issue: { field: string }) => issue.field)).toEqual([
      'body.transaction_ids.0',
      'body.transaction_ids.4',
    ]);
    expect(JSON.stringify(response.body)).not.toContain(mallory);
    expect(await inCategory(groceries)).toEqual([]);
    const untouched = await stack.api(mallory, 'GET', `/banking/transactions/${mallorysTransaction.transactionId}`);
    expect(untouched.body.user_category_id).toBeNull();
  });

  it('refuses an unknown category on body.category_id and applies nothing', async () => {
    const response = await bulk(bea, ids(many.slice(0, 5)), 'usr_nope');
    expect(response.status).toBe(400);
    expect(response.body.error.details).toEqual([{ field: 'body.category_id', message: 'Unknown category' }]);
    const first = await stack.api(bea, 'GET', `/banking/transactions/${many[0]!.transactionId}`);
    expect(first.body.user_category_id).toBeNull();
  });
});

describe('applied', () => {
  it('duplicates in the list are applied once; a repeated missing id is named at each index', async () => {
    const [a, b] = ids(many.slice(0, 2)) as [string, string];
    const response = await bulk(bea, [a, b, a, a], dining);
    expect(response.status).toBe(200);
    expect(response.body.updated).toBe(2);
    expect(response.body.data.map((transaction: { id: string }) => transaction.id)).toEqual([a, b]);
    expect(response.body.data.every((transaction: { category_id: string }) => transaction.category_id === dining)).toBe(true);

    const missing = await bulk(bea, [a, 'txn_gone', 'txn_gone'], dining);
    expect(missing.body.error.details.map((issue: { field: string }) => issue.field)).toEqual([
      'body.transaction_ids.1',
      'body.transaction_ids.2',
    ]);
  });

  it('500 ids at once all change; null clears back to the provider category', async () => {
    const chosen = many.slice(5, 505);
    const response = await bulk(bea, ids(chosen), groceries);
    expect(response.status).toBe(200);
    expect(response.body.updated).toBe(500);
    expect(response.body.data.map((transaction: { id: string }) => transaction.id)).toEqual(ids(chosen));
    expect(new Set(response.body.data.map((transaction: { user_category_id: string }) => transaction.user_category_id))).toEqual(
      new Set([groceries]),
    );
    expect(new Set(await inCategory(groceries))).toEqual(new Set(ids(chosen)));
    // The two categorised earlier stay as they were.
    expect(new Set(await inCategory(dining))).toEqual(new Set(ids(many.slice(0, 2))));

    const clearedIds = ids(chosen.slice(0, 3));
    const cleared = await bulk(bea, clearedIds, null);
    expect(cleared.status).toBe(200);
    for (const transaction of cleared.body.data) {
      expect(transaction).toMatchObject({ user_category_id: null, category_id: transaction.provider_category.id });
    }
    const stillGroceries = await inCategory(groceries);
    expect(stillGroceries).toHaveLength(497);
    expect(stillGroceries.some((id) => clearedIds.includes(id))).toBe(false);
    // 500 updates are five DynamoDB transactions; the local emulator is slow at them on a busy machine.
  }, 90_000);

  it('Plaid transactions are not queued for sync-back (Plaid takes no category corrections)', async () => {
    await drainProviderWriteQueue(stack);
    const response = await bulk(bea, ids(many.slice(10, 13)), dining);
    expect(response.status).toBe(200);
    expect(response.body.data.every((transaction: { category_sync: unknown }) => transaction.category_sync === null)).toBe(true);
    expect(await drainProviderWriteQueue(stack)).toEqual([]);
  });
});

describe('Pluggy transactions', () => {
  it('get category_sync pending and one provider-write job each; an unchanged repeat queues nothing', async () => {
    await drainProviderWriteQueue(stack);
    const list = [...ids(pluggyTransactions), many[20]!.transactionId];
    const response = await bulk(bea, list, 'pluggy:01010000');
    expect(response.status).toBe(200);
    const byId = new Map(response.body.data.map((transaction: any) => [transaction.id, transaction]));
    for (const transaction of pluggyTransactions) {
      expect(byId.get(transaction.transactionId)).toMatchObject({
        provider: 'pluggy',
        currency: 'BRL',
        user_category_id: 'pluggy:01010000',
        category_sync: { status: 'pending', error: null, updated_at: expect.any(String) },
      });
    }
    expect(byId.get(many[20]!.transactionId)).toMatchObject({ provider: 'plaid', category_sync: null });

    const jobs = await drainProviderWriteQueue(stack, 2);
    expect(jobs.sort((a, b) => a.transactionId.localeCompare(b.transactionId))).toEqual(
      [...pluggyTransactions]
        .sort((a, b) => a.transactionId.localeCompare(b.transactionId))
        .map((transaction) => ({
          kind: 'transaction_category',
          userId: bea,
          transactionId: transaction.transactionId,
          connectionId: pluggyConnection.connection.connectionId,
          provider: 'pluggy',
        })),
    );

    const repeat = await bulk(bea, list, 'pluggy:01010000');
    expect(repeat.status).toBe(200);
    expect(await drainProviderWriteQueue(stack)).toEqual([]);
  });

  it("keep a user's own category local: Pluggy has no id for it, so nothing is queued", async () => {
    await drainProviderWriteQueue(stack);
    const response = await bulk(bea, ids(pluggyTransactions), groceries);
    expect(response.status).toBe(200);
    for (const transaction of response.body.data) expect(transaction.user_category_id).toBe(groceries);
    expect(await drainProviderWriteQueue(stack)).toEqual([]);
  });

  it('a single PATCH to a Pluggy catalog category queues one job too', async () => {
    await drainProviderWriteQueue(stack);
    const [transaction] = pluggyTransactions as [Transaction];
    const response = await stack.api(bea, 'PATCH', `/banking/transactions/${transaction.transactionId}`, { category_id: 'pluggy:01010000' });
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({ category_id: 'pluggy:01010000', category_sync: { status: 'pending' } });
    const jobs = await drainProviderWriteQueue(stack, 1);
    expect(jobs).toEqual([expect.objectContaining({ transactionId: transaction.transactionId, provider: 'pluggy' })]);
  });
});
