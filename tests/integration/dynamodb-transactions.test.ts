/**
 * DynamoTransactionStore against the emulator: newest-first listings under every filter with cursor paging
 * that visits each row exactly once, owner isolation, batched writes, and all-or-nothing user edits.
 */
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dynamoDocumentClient } from '../../shared/adapters/aws-clients';
import { transactionKey } from '../../shared/adapters/dynamodb/entities/transaction';
import { DynamoTransactionStore } from '../../shared/adapters/dynamodb/transaction-store';
import type { Transaction } from '../../shared/banking/model';
import type { TransactionFilter } from '../../shared/banking/ports';
import { NotFoundError, ValidationError } from '../../shared/errors/app-error';
import { makeAccount, makeConnection, makeTransaction, uniqueId } from '../helpers/dynamodb-fixtures';
import { createPrivateTable } from '../helpers/dynamodb-table';

// A private table: this file pages over whole partitions and indexes (see tests/helpers/dynamodb-table.ts).
const privateTable = await createPrivateTable('transactions');
afterAll(() => privateTable.drop());
const tableName = privateTable.tableName;
const store = new DynamoTransactionStore({ tableName });
const now = '2024-06-01T12:00:00.000Z';

function newestFirst(transactions: readonly Transaction[]): string[] {
  return [...transactions]
    .sort((a, b) => (`${a.date}#${a.transactionId}` < `${b.date}#${b.transactionId}` ? 1 : -1))
    .map((transaction) => transaction.transactionId);
}

async function everyPage(userId: string, filter: TransactionFilter, limit: number): Promise<{ ids: string[]; pages: number }> {
  const ids: string[] = [];
  let cursor: string | null = null;
  let pages = 0;
  do {
    const page = await store.list(userId, filter, limit, cursor);
    expect(page.items.length).toBeLessThanOrEqual(limit);
    ids.push(...page.items.map((transaction) => transaction.transactionId));
    cursor = page.nextCursor;
    pages += 1;
    expect(pages).toBeLessThan(100);
  } while (cursor !== null);
  return { ids, pages };
}

describe('DynamoTransactionStore listings', () => {
  const connectionA = makeConnection();
  const userId = connectionA.userId;
  const connectionB = makeConnection({ userId });
  const checking = makeAccount(connectionA);
  const savings = makeAccount(connectionA, { type: 'savings' });
  const card = makeAccount(connectionB, { type: 'credit_card' });
  const accounts = [checking, savings, card];
  const transactions: Transaction[] = [];

  beforeAll(async () => {
    // 57 transactions over 20 days (several per day, so ties on the date are ordered by id), spread over
    // three accounts of two connections; every 4th pending; categories from the provider, some overridden.
    for (let index = 0; index < 57; index++) {
      const account = accounts[index % 3]!;
      const day = String(1 + (index % 20)).padStart(2, '0');
      transactions.push(
        makeTransaction(account, {
          date: `2024-03-${day}`,
          amount: `-${index}.05`,
          pending: index % 4 === 0,
          providerCategory: { id: index % 2 === 0 ? 'plaid:FOOD_AND_DRINK' : 'plaid:TRANSPORTATION', name: null },
          userCategoryId: index % 7 === 0 ? 'usr_groceries' : null,
        }),
      );
    }
    seededAfter = new Date().toISOString();
    await store.putMany(transactions);
    seededBefore = new Date().toISOString();
  });

  let seededAfter: string;
  let seededBefore: string;

  const cases: [string, TransactionFilter, (transaction: Transaction) => boolean][] = [
    ['no filter', {}, () => true],
    ['an account', { accountId: checking.accountId }, (t) => t.accountId === checking.accountId],
    ['a connection', { connectionId: connectionA.connectionId }, (t) => t.connectionId === connectionA.connectionId],
    ['a date range', { dateFrom: '2024-03-05', dateTo: '2024-03-12' }, (t) => t.date >= '2024-03-05' && t.date <= '2024-03-12'],
    ['a start date only', { dateFrom: '2024-03-15' }, (t) => t.date >= '2024-03-15'],
    ['an end date only', { dateTo: '2024-03-03' }, (t) => t.date <= '2024-03-03'],
    ['pending', { pending: true }, (t) => t.pending],
    ['posted', { pending: false }, (t) => !t.pending],
    [
      'a provider category (user overrides win)',
      { categoryId: 'plaid:FOOD_AND_DRINK' },
      (t) => (t.userCategoryId ?? t.providerCategory?.id) === 'plaid:FOOD_AND_DRINK',
    ],
    ['a user category', { categoryId: 'usr_groceries' }, (t) => t.userCategoryId === 'usr_groceries'],
    [
      'account, dates and pending together',
      { accountId: savings.accountId, dateFrom: '2024-03-02', dateTo: '2024-03-19', pending: false },
      (t) => t.accountId === savings.accountId && t.date >= '2024-03-02' && t.date <= '2024-03-19' && !t.pending,
    ],
    ['an account of another connection than the one named', { accountId: card.accountId, connectionId: connectionA.connectionId }, () => false],
  ];

  it.each(cases)('lists newest first, filtered by %s, visiting every row exactly once in pages of 10', async (_name, filter, matches) => {
    // Act
    const { ids } = await everyPage(userId, filter, 10);

    // Assess
    expect(ids).toEqual(newestFirst(transactions.filter(matches)));
  });

  it('pages the full listing in ceil(57 / 10) pages with no empty trailing page', async () => {
    const { ids, pages } = await everyPage(userId, {}, 10);

    expect(ids).toHaveLength(57);
    expect(new Set(ids).size).toBe(57);
    expect(pages).toBe(6);
  });

  it('returns the stored amounts and fields exactly (times: when each new row was written)', async () => {
    const page = await store.list(userId, { accountId: checking.accountId }, 100, null);
    const expected = transactions.filter((t) => t.accountId === checking.accountId);

    expect(withoutTimes([...page.items].sort((a, b) => a.transactionId.localeCompare(b.transactionId)))).toEqual(
      withoutTimes([...expected].sort((a, b) => a.transactionId.localeCompare(b.transactionId))),
    );
    for (const row of page.items) {
      expect(row.createdAt).toBe(row.updatedAt);
      expect(row.createdAt >= seededAfter && row.createdAt <= seededBefore, row.createdAt).toBe(true);
    }
  });

  it("returns nothing for another user's account or connection, and no cursor", async () => {
    const intruder = uniqueId('user');

    expect(await store.list(intruder, { accountId: checking.accountId }, 10, null)).toEqual({ items: [], nextCursor: null });
    expect(await store.list(intruder, { connectionId: connectionA.connectionId }, 10, null)).toEqual({ items: [], nextCursor: null });
    expect(await store.list(intruder, {}, 10, null)).toEqual({ items: [], nextCursor: null });
    expect(await store.get(intruder, transactions[0]!.transactionId)).toBeNull();
    expect(await store.getMany(intruder, [transactions[0]!.transactionId])).toEqual([]);
  });

  it("refuses a cursor from another listing or another user's listing as a 400", async () => {
    const accountPage = await store.list(userId, { accountId: checking.accountId }, 5, null);
    const userPage = await store.list(userId, {}, 5, null);

    // Account, connection and user listings read one partition (the user's date index), so a position of
    // one is a position of the others; it never passes to another user or outside a date range.
    await expect(store.list(uniqueId('user'), { accountId: checking.accountId }, 5, accountPage.nextCursor)).rejects.toBeInstanceOf(ValidationError);
    await expect(store.list(uniqueId('user'), {}, 5, userPage.nextCursor)).rejects.toBeInstanceOf(ValidationError);
    await expect(store.list(userId, { dateFrom: '2024-03-19' }, 5, userPage.nextCursor)).rejects.toBeInstanceOf(ValidationError);
    await expect(store.list(userId, {}, 5, 'bm90LWEtY3Vyc29y')).rejects.toBeInstanceOf(ValidationError);
  });

  it('answers an inverted date range with an empty page', async () => {
    expect(await store.list(userId, { dateFrom: '2024-03-10', dateTo: '2024-03-01' }, 10, null)).toEqual({
      items: [],
      nextCursor: null,
    });
  });

  it('lists a connection page by page for purging', async () => {
    const ids: string[] = [];
    let cursor: string | null = null;
    do {
      const page = await store.listByConnection(userId, connectionB.connectionId, cursor);
      ids.push(...page.items.map((t) => t.transactionId));
      cursor = page.nextCursor;
    } while (cursor !== null);

    expect(ids.sort()).toEqual(transactions.filter((t) => t.connectionId === connectionB.connectionId).map((t) => t.transactionId).sort());
  });

  it('reads many by id, in the order asked, skipping missing ids and repeats', async () => {
    const [first, second, third] = transactions;

    const found = await store.getMany(userId, [third!.transactionId, 'txn_missing', first!.transactionId, third!.transactionId, second!.transactionId]);

    expect(found.map((t) => t.transactionId)).toEqual([third!.transactionId, first!.transactionId, second!.transactionId]);
  });
});

describe('DynamoTransactionStore writes', () => {
  it('stores every row of a batch larger than one BatchWriteItem and upserts by key', async () => {
    // Prepare
    const account = makeAccount(makeConnection());
    const batch = Array.from({ length: 60 }, (_, index) => makeTransaction(account, { amount: `${index}.00` }));

    // Act
    await store.putMany(batch);
    await store.putMany([{ ...batch[0]!, amount: '999.99', pending: true }]);

    // Assess
    const stored = await store.getMany(account.userId, batch.map((t) => t.transactionId));
    expect(stored).toHaveLength(60);
    expect(stored[0]).toMatchObject({ amount: '999.99', pending: true });
    expect(withoutTimes(stored.slice(1))).toEqual(withoutTimes(batch.slice(1)));
  });

  it('deletes many by key', async () => {
    const account = makeAccount(makeConnection());
    const batch = Array.from({ length: 30 }, () => makeTransaction(account));
    await store.putMany(batch);

    await store.deleteMany(batch.slice(0, 27));

    const left = await store.getMany(account.userId, batch.map((t) => t.transactionId));
    expect(left.map((t) => t.transactionId)).toEqual(batch.slice(27).map((t) => t.transactionId));
  });
});

// moto copies the whole table once per transaction action, so the 100-action transactions below run
// against a table holding only their own rows.
const editsTable = await createPrivateTable('edits');
afterAll(() => editsTable.drop());

describe('DynamoTransactionStore.updateUserFields', () => {
  // The store stamps each edit with its own clock (the edit's change entry), here the test's `now`.
  const store = new DynamoTransactionStore({ tableName: editsTable.tableName, now: () => new Date(now) });

  async function rawItem(userId: string, transactionId: string): Promise<Record<string, unknown> | undefined> {
    const output = await dynamoDocumentClient().send(
      new GetCommand({ TableName: editsTable.tableName, Key: transactionKey(userId, transactionId), ConsistentRead: true }),
    );
    return output.Item;
  }

  it('sets category and note, indexes the category, and returns the updated rows', async () => {
    // Prepare
    const account = makeAccount(makeConnection());
    const batch = Array.from({ length: 3 }, () => makeTransaction(account));
    await store.putMany(batch);
    const category = uniqueId('usr');

    // Act
    const updated = await store.updateUserFields(
      account.userId,
      batch.map((t) => ({
        transactionId: t.transactionId,
        userCategoryId: category,
        note: 'shared dinner',
        categorySync: { status: 'pending' as const, updatedAt: now, error: null },
      })),
    );

    // Assess
    expect(updated.map((t) => t.transactionId)).toEqual(batch.map((t) => t.transactionId));
    for (const transaction of updated) {
      expect(transaction).toMatchObject({
        userCategoryId: category,
        note: 'shared dinner',
        categorySync: { status: 'pending', updatedAt: now, error: null },
        updatedAt: now,
        providerCategory: { id: 'plaid:FOOD_AND_DRINK' },
      });
    }
    expect(await store.isUserCategoryInUse(account.userId, category)).toBe(true);
    const inCategory = await store.list(account.userId, { categoryId: category }, 10, null);
    expect(inCategory.items).toHaveLength(3);
    const byCategory = await store.listByUserCategory(account.userId, category, null);
    expect(byCategory.items.map((t) => t.transactionId).sort()).toEqual(batch.map((t) => t.transactionId).sort());
  });

  it('clearing the user category falls back to the provider category and leaves GSI4', async () => {
    const account = makeAccount(makeConnection());
    const category = uniqueId('usr');
    const transaction = makeTransaction(account, { userCategoryId: category, note: 'x' });
    await store.putMany([transaction]);

    const [updated] = await store.updateUserFields(account.userId, [{ transactionId: transaction.transactionId, userCategoryId: null, note: null }]);

    expect(updated).toMatchObject({ userCategoryId: null, note: null, providerCategory: { id: 'plaid:FOOD_AND_DRINK' } });
    expect(await store.isUserCategoryInUse(account.userId, category)).toBe(false);
    const raw = await rawItem(account.userId, transaction.transactionId);
    // No stored copy of the effective category: the filter falls back to provider_category.id.
    expect(raw).toMatchObject({ provider_category: { id: 'plaid:FOOD_AND_DRINK' } });
    expect(raw).not.toHaveProperty('user_category_id');
    expect(raw).not.toHaveProperty('effective_category_id');
    expect(raw).not.toHaveProperty('GSI4PK');
    expect(raw).not.toHaveProperty('note');
    const filtered = await store.list(account.userId, { categoryId: 'plaid:FOOD_AND_DRINK' }, 10, null);
    expect(filtered.items.map((t) => t.transactionId)).toEqual([transaction.transactionId]);
  });

  it('applies nothing when one id of a small batch does not exist', async () => {
    const account = makeAccount(makeConnection());
    const batch = Array.from({ length: 4 }, () => makeTransaction(account));
    await store.putMany(batch);
    const edits = [...batch.map((t) => t.transactionId), 'txn_does_not_exist'].map((transactionId) => ({ transactionId, note: 'changed' }));

    await expect(store.updateUserFields(account.userId, edits)).rejects.toBeInstanceOf(NotFoundError);

    const after = await store.getMany(account.userId, batch.map((t) => t.transactionId));
    expect(after.map((t) => t.note)).toEqual([null, null, null, null]);
  });

  it("applies nothing when one of more than 100 ids is another user's", async () => {
    const account = makeAccount(makeConnection());
    const batch = Array.from({ length: 104 }, () => makeTransaction(account));
    const foreign = makeTransaction(makeAccount(makeConnection()));
    await store.putMany([...batch, foreign]);
    const edits = [...batch, foreign].map((t) => ({ transactionId: t.transactionId, note: 'changed' }));

    await expect(store.updateUserFields(account.userId, edits)).rejects.toBeInstanceOf(NotFoundError);

    const after = await store.getMany(account.userId, batch.map((t) => t.transactionId));
    expect(after.every((t) => t.note === null)).toBe(true);
    expect(await store.get(account.userId, foreign.transactionId)).toBeNull();
    expect((await store.get(foreign.userId, foreign.transactionId))?.note).toBeNull();
  });

  it('applies more than 100 edits across several transactions when every id exists', async () => {
    const account = makeAccount(makeConnection());
    const batch = Array.from({ length: 110 }, () => makeTransaction(account));
    await store.putMany(batch);
    const category = uniqueId('usr');

    const updated = await store.updateUserFields(account.userId, batch.map((t) => ({ transactionId: t.transactionId, userCategoryId: category })));

    expect(updated).toHaveLength(110);
    expect(updated.every((t) => t.userCategoryId === category && t.updatedAt === now)).toBe(true);
    const pages: string[] = [];
    let cursor: string | null = null;
    do {
      const page = await store.listByUserCategory(account.userId, category, cursor);
      pages.push(...page.items.map((t) => t.transactionId));
      cursor = page.nextCursor;
    } while (cursor !== null);
    expect(pages.sort()).toEqual(batch.map((t) => t.transactionId).sort());
  });
});

/** Rows without the times the store stamps at write time (compared separately). */
function withoutTimes(rows: readonly Transaction[]): Omit<Transaction, 'createdAt' | 'updatedAt'>[] {
  return rows.map(({ createdAt: _createdAt, updatedAt: _updatedAt, ...rest }) => rest);
}
