/**
 * Category sync-back end to end: a category change on a Pluggy transaction is saved at once (pending), sent
 * to the Pluggy sandbox by the provider-write worker, and shown as synced, not sent, or failed.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '../helpers/eventually';
import { startLocalStack, type LocalStack } from '../helpers/local-stack';
import { allTransactions, finishedSyncRun } from '../helpers/plaid-flow';
import { connectPluggyBank, sandboxControl } from '../helpers/pluggy-flow';

let stack: LocalStack;
let itemId: string;
let transactions: any[];
const user = 'pc-ana';

beforeAll(async () => {
  stack = await startLocalStack();
  const linked = await connectPluggyBank(stack, user);
  itemId = linked.itemId;
  await finishedSyncRun(stack, user, linked.connection.id, linked.sync_run_id!);
  transactions = await allTransactions(stack, user);
}, 60_000);

afterAll(async () => {
  await stack?.stop();
});

/** A transaction, and a Pluggy category (from the synced catalog) it does not have yet. */
function pick(index: number): { transaction: any; categoryId: string } {
  const categorized = transactions.filter((row) => row.provider_category);
  const transaction = categorized[index]!;
  const other = categorized.find((row) => row.provider_category.id !== transaction.provider_category.id)!;
  return { transaction, categoryId: other.provider_category.id };
}

async function setCategory(transactionId: string, categoryId: string) {
  const response = await stack.api(user, 'PATCH', `/banking/transactions/${transactionId}`, { category_id: categoryId });
  expect(response.status, JSON.stringify(response.body)).toBe(200);
  return response.body;
}

async function categorySyncSettles(transactionId: string) {
  return eventually(`category of ${transactionId} leaves pending`, async () => {
    const current = await stack.api(user, 'GET', `/banking/transactions/${transactionId}`);
    return current.body.category_sync?.status !== 'pending' ? current.body : undefined;
  });
}

async function updatesAtPluggy(): Promise<{ categoryId: string }[]> {
  return (await sandboxControl(stack, 'GET', `/category-updates?item_id=${itemId}`)).updates;
}

describe('Pluggy category sync-back', () => {
  it('saves the category at once, then it reaches Pluggy and shows as synced', async () => {
    const { transaction, categoryId } = pick(0);
    const saved = await setCategory(transaction.id, categoryId);
    expect(saved).toMatchObject({ category_id: categoryId, category_sync: { status: 'pending' } });

    const settled = await categorySyncSettles(transaction.id);
    expect(settled.category_sync).toMatchObject({ status: 'synced', error: null });
    expect((await updatesAtPluggy()).map((update) => update.categoryId)).toEqual([categoryId.slice('pluggy:'.length)]);
  });

  it('still reaches Pluggy after three failed attempts', async () => {
    await sandboxControl(stack, 'POST', '/faults', { endpoint: 'PATCH /transactions/{id}', fault: { type: 'status', status: 503 }, count: 3 });
    const { transaction, categoryId } = pick(1);
    await setCategory(transaction.id, categoryId);

    const settled = await categorySyncSettles(transaction.id);
    expect(settled.category_sync.status).toBe('synced');
    const refused = stack.pluggy.recorder
      .list({ kind: 'provider' })
      .filter((exchange) => exchange.method === 'PATCH' && exchange.path.startsWith('/transactions/') && exchange.fault);
    expect(refused).toHaveLength(3);
    const updates = await updatesAtPluggy();
    expect(updates).toHaveLength(2);
    expect(updates[1]!.categoryId).toBe(categoryId.slice('pluggy:'.length));
  });

  it('mints a new API key when Pluggy stops accepting the cached one', async () => {
    const minted = () => stack.pluggy.recorder.list({ path: '/auth', kind: 'provider' }).length;
    const before = minted();
    await sandboxControl(stack, 'POST', '/api-keys/revoke');
    const { transaction, categoryId } = pick(4);
    await setCategory(transaction.id, categoryId);
    expect((await categorySyncSettles(transaction.id)).category_sync.status).toBe('synced');
    expect(minted()).toBe(before + 1);
  });

  it("keeps the user's own category local and marks a refused category failed", async () => {
    const own = await stack.api(user, 'POST', '/banking/categories', { name: 'Weekend trips' });
    expect(own.status).toBe(201);
    const { transaction: local } = pick(2);
    await setCategory(local.id, own.body.id);
    const notSent = await categorySyncSettles(local.id);
    expect(notSent).toMatchObject({ category_id: own.body.id, category_sync: null });

    await sandboxControl(stack, 'POST', '/faults', { endpoint: 'PATCH /transactions/{id}', fault: { type: 'error', error_code: 'CATEGORY_NOT_FOUND' } });
    const { transaction: refused, categoryId } = pick(3);
    await setCategory(refused.id, categoryId);
    const failed = await categorySyncSettles(refused.id);
    expect(failed.category_sync).toMatchObject({ status: 'failed', error: expect.any(String) });
    // Locally the choice stands; only the provider copy failed.
    expect(failed.category_id).toBe(categoryId);
    expect(await updatesAtPluggy()).toHaveLength(3);
  });
});
