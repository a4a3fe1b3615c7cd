/**
 * Categories end to end: the Plaid catalog a real sync registers, the user's own categories (create,
 * rename, delete), name uniqueness per user, and deletion that never silently drops what transactions use.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { uniqueId } from '../helpers/dynamodb-fixtures';
import { startLocalStack, type LocalStack } from '../helpers/local-stack';
import { allTransactions, finishedSyncRun, linkPlaidItem } from '../helpers/plaid-flow';
import { bankingStores, seedConnection, seedTransactions, type BankingStores } from '../helpers/seed-banking-data';

let stack: LocalStack;
let stores: BankingStores;
const cat = uniqueId('cat');
const mallory = uniqueId('mallory');
/** cat's synced Plaid transactions. */
let synced: any[];

beforeAll(async () => {
  stack = await startLocalStack();
  stores = bankingStores(stack);
  const linked = await linkPlaidItem(stack, cat, { username: 'user_large_history', password: 'txn_count_40', webhook: false });
  const run = await finishedSyncRun(stack, cat, linked.connectionId, linked.syncRunId);
  expect(run.outcome).toBe('succeeded');
  synced = await allTransactions(stack, cat);
}, 120_000);

afterAll(async () => {
  await stack?.stop();
});

async function createCategory(userId: string, name: string, parentId?: string) {
  return stack.api(userId, 'POST', '/banking/categories', { name, ...(parentId ? { parent_id: parentId } : {}) });
}

async function listCategories(userId: string): Promise<any[]> {
  const response = await stack.api(userId, 'GET', '/banking/categories');
  expect(response.status).toBe(200);
  return response.body;
}

async function transaction(id: string) {
  return (await stack.api(cat, 'GET', `/banking/transactions/${id}`)).body;
}

describe('listing', () => {
  it('holds the Plaid catalog the sync registered and the user’s own categories, own first', async () => {
    const mine = await createCategory(cat, 'Zoo tickets');
    expect(mine.status).toBe(201);
    const categories = await listCategories(cat);

    const catalog = categories.filter((category) => category.source === 'plaid');
    const usedByTransactions = new Set(synced.map((transaction) => transaction.provider_category?.id).filter(Boolean));
    expect(usedByTransactions.size).toBeGreaterThan(1);
    expect(new Set(catalog.map((category) => category.id))).toEqual(usedByTransactions);
    for (const entry of catalog) {
      expect(entry).toMatchObject({ id: expect.stringMatching(/^plaid:[A-Z_]+$/), editable: false, parent_id: null });
      const user = synced.find((transaction) => transaction.provider_category?.id === entry.id);
      expect(entry.name).toBe(user.provider_category.name);
    }

    expect(categories[0]).toEqual({ id: mine.body.id, name: 'Zoo tickets', source: 'user', parent_id: null, editable: true });
    // Another user sees the shared catalog but not cat's own categories.
    const theirs = await listCategories(mallory);
    expect(theirs.map((category) => category.id)).toEqual(catalog.map((category) => category.id));
  });
});

describe('create', () => {
  it('answers 201 with the category, and a child may name its parent', async () => {
    const parent = await createCategory(cat, 'Travel');
    expect(parent.status).toBe(201);
    expect(parent.body).toMatchObject({ id: expect.stringMatching(/^usr_/), name: 'Travel', source: 'user', editable: true });
    const child = await createCategory(cat, 'Flights', parent.body.id);
    expect(child.status).toBe(201);
    expect(child.body.parent_id).toBe(parent.body.id);
    const unknownParent = await createCategory(cat, 'Trains', 'usr_nope');
    expect(unknownParent.status).toBe(400);
    expect(unknownParent.body.error.details).toEqual([{ field: 'body.parent_id', message: 'Unknown category' }]);
  });

  it('refuses a name the user already has, whatever the case or surrounding blanks (409 CATEGORY_NAME_TAKEN)', async () => {
    expect((await createCategory(cat, 'Pets')).status).toBe(201);
    for (const name of ['pets', 'PETS', '  Pets  ']) {
      const duplicate = await createCategory(cat, name);
      expect(duplicate.status, name).toBe(409);
      expect(duplicate.body.error.code).toBe('CATEGORY_NAME_TAKEN');
    }
    expect((await listCategories(cat)).filter((category) => category.name.toLowerCase() === 'pets')).toHaveLength(1);
    // Names are unique per user only.
    expect((await createCategory(mallory, 'Pets')).status).toBe(201);
  });
});

describe('rename', () => {
  it('renames, frees the old name, and refuses a taken one with 409', async () => {
    const gym = (await createCategory(cat, 'Gym')).body;
    const renamed = await stack.api(cat, 'PATCH', `/banking/categories/${gym.id}`, { name: 'Fitness' });
    expect(renamed.status).toBe(200);
    expect(renamed.body).toMatchObject({ id: gym.id, name: 'Fitness' });
    expect((await createCategory(cat, 'Gym')).status).toBe(201);

    const taken = await stack.api(cat, 'PATCH', `/banking/categories/${gym.id}`, { name: 'gym' });
    expect(taken.status).toBe(409);
    expect(taken.body.error.code).toBe('CATEGORY_NAME_TAKEN');
    expect((await listCategories(cat)).find((category) => category.id === gym.id).name).toBe('Fitness');

    const recased = await stack.api(cat, 'PATCH', `/banking/categories/${gym.id}`, { name: 'FITNESS' });
    expect(recased.status).toBe(200);
    expect(recased.body.name).toBe('FITNESS');
  });

  it('a provider category, an unknown id and another user’s category are all 404', async () => {
    const catalogId = (await listCategories(cat)).find((category) => category.source === 'plaid').id;
    const mallorys = (await createCategory(mallory, 'Mine alone')).body;
    for (const id of [catalogId, 'usr_unknown', mallorys.id]) {
      const rename = await stack.api(cat, 'PATCH', `/banking/categories/${encodeURIComponent(id)}`, { name: 'Taken over' });
      expect(rename.status, id).toBe(404);
      expect(rename.body.error.code).toBe('NOT_FOUND');
      const remove = await stack.api(cat, 'DELETE', `/banking/categories/${encodeURIComponent(id)}`);
      expect(remove.status, id).toBe(404);
    }
    expect((await listCategories(mallory)).find((category) => category.id === mallorys.id).name).toBe('Mine alone');
    expect((await listCategories(cat)).find((category) => category.id === catalogId)).toBeDefined();
  });
});

describe('delete', () => {
  it('deletes an unused category (200) and its name can be used again', async () => {
    const unused = (await createCategory(cat, 'Unused')).body;
    const response = await stack.api(cat, 'DELETE', `/banking/categories/${unused.id}`);
    expect(response.status).toBe(200);
    expect(response.body).toEqual({ deleted: unused.id, reassigned: 0 });
    expect((await listCategories(cat)).some((category) => category.id === unused.id)).toBe(false);
    expect((await stack.api(cat, 'DELETE', `/banking/categories/${unused.id}`)).status).toBe(404);
    expect((await createCategory(cat, 'unused')).status).toBe(201);
  });

  it('refuses to delete a category in use (409 CATEGORY_IN_USE) and changes nothing', async () => {
    const books = (await createCategory(cat, 'Books')).body;
    const [first] = synced;
    await stack.api(cat, 'PATCH', `/banking/transactions/${first.id}`, { category_id: books.id });
    const response = await stack.api(cat, 'DELETE', `/banking/categories/${books.id}`);
    expect(response.status).toBe(409);
    expect(response.body.error).toMatchObject({ code: 'CATEGORY_IN_USE', details: { category_id: books.id } });
    expect((await listCategories(cat)).some((category) => category.id === books.id)).toBe(true);
    expect((await transaction(first.id)).category_id).toBe(books.id);
  });

  it('?reassign_to moves every override to another category, then deletes', async () => {
    const from = (await createCategory(cat, 'Snacks')).body;
    const to = (await createCategory(cat, 'Food')).body;
    const moved = synced.slice(1, 4);
    const untouched = synced[4];
    await stack.api(cat, 'POST', '/banking/transactions/bulk-categorize', { transaction_ids: moved.map((t) => t.id), category_id: from.id });

    for (const reassignTo of ['usr_nope', from.id]) {
      const refused = await stack.api(cat, 'DELETE', `/banking/categories/${from.id}?reassign_to=${reassignTo}`);
      expect(refused.status, reassignTo).toBe(400);
      expect(refused.body.error.details[0].field).toBe('query.reassign_to');
    }

    const response = await stack.api(cat, 'DELETE', `/banking/categories/${from.id}?reassign_to=${to.id}`);
    expect(response.status).toBe(200);
    expect(response.body).toEqual({ deleted: from.id, reassigned: 3 });
    for (const moved1 of moved) expect((await transaction(moved1.id)).user_category_id).toBe(to.id);
    expect((await transaction(untouched.id)).user_category_id).toBeNull();
    expect((await listCategories(cat)).some((category) => category.id === from.id)).toBe(false);
  });

  it('?reassign_to may name a provider catalog category', async () => {
    const from = (await createCategory(cat, 'Misc')).body;
    const target = synced[5];
    const catalogId = (await listCategories(cat)).find((category) => category.source === 'plaid' && category.id !== target.category_id).id;
    await stack.api(cat, 'PATCH', `/banking/transactions/${target.id}`, { category_id: from.id });
    const response = await stack.api(cat, 'DELETE', `/banking/categories/${from.id}?reassign_to=${encodeURIComponent(catalogId)}`);
    expect(response.body).toEqual({ deleted: from.id, reassigned: 1 });
    expect(await transaction(target.id)).toMatchObject({ user_category_id: catalogId, category_id: catalogId });
  });

  it('?clear_overrides=true drops the overrides (transactions fall back to the provider category), then deletes', async () => {
    const doomed = (await createCategory(cat, 'Doomed')).body;
    const affected = synced.slice(6, 8);
    await stack.api(cat, 'POST', '/banking/transactions/bulk-categorize', { transaction_ids: affected.map((t) => t.id), category_id: doomed.id });
    const response = await stack.api(cat, 'DELETE', `/banking/categories/${doomed.id}?clear_overrides=true`);
    expect(response.status).toBe(200);
    expect(response.body).toEqual({ deleted: doomed.id, reassigned: 2 });
    for (const original of affected) {
      expect(await transaction(original.id)).toMatchObject({ user_category_id: null, category_id: original.provider_category.id });
    }
    const filtered = await stack.api(cat, 'GET', `/banking/transactions?category_id=${doomed.id}`);
    expect(filtered.body.data).toEqual([]);
  });

  it('reassigns more overrides than fit one internal page (150 transactions)', async () => {
    const { accounts } = await seedConnection(stores, cat, { institution: { id: 'ins_109511', name: 'Bulk Bank' } });
    const from = (await createCategory(cat, 'Many')).body;
    const to = (await createCategory(cat, 'Many more')).body;
    const start = Date.UTC(2022, 0, 1);
    const seeded = await seedTransactions(
      stores,
      accounts[0]!,
      Array.from({ length: 150 }, (_, index) => ({ date: new Date(start + index * 86_400_000).toISOString().slice(0, 10), userCategoryId: from.id })),
    );
    const response = await stack.api(cat, 'DELETE', `/banking/categories/${from.id}?reassign_to=${to.id}`);
    expect(response.status).toBe(200);
    expect(response.body).toEqual({ deleted: from.id, reassigned: 150 });
    const nowIn = await allTransactions(stack, cat, `category_id=${to.id}`);
    expect(new Set(nowIn.map((t) => t.id))).toEqual(new Set(seeded.map((t) => t.transactionId)));
    expect((await stack.api(cat, 'GET', `/banking/transactions?category_id=${from.id}`)).body.data).toEqual([]);
  }, 90_000);
});
