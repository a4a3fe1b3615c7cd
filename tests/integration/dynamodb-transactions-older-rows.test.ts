/**
 * Transaction rows without duplicated attributes, next to rows of the older shape (which also carry
 * `user_id`, `transaction_id`, `date`, `provider_category_id` and `effective_category_id`), on the emulator:
 * both read, list, filter by category, list for purging and by user category, feed and take edits alike.
 */
import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, describe, expect, it } from 'vitest';
import { dynamoDocumentClient } from '../../shared/adapters/aws-clients';
import { transactionKey, transactionToItem } from '../../shared/adapters/dynamodb/entities/transaction';
import type { StoredItem } from '../../shared/adapters/dynamodb/table';
import { DynamoTransactionStore } from '../../shared/adapters/dynamodb/transaction-store';
import { effectiveCategoryId, type Transaction } from '../../shared/banking/model';
import { makeAccount, makeConnection, makeTransaction, uniqueId } from '../helpers/dynamodb-fixtures';
import { createPrivateTable } from '../helpers/dynamodb-table';

const privateTable = await createPrivateTable('older-rows');
afterAll(() => privateTable.drop());
const tableName = privateTable.tableName;
const store = new DynamoTransactionStore({ tableName });
const client = dynamoDocumentClient();
const legacyAttributes = ['user_id', 'transaction_id', 'date', 'provider_category_id', 'effective_category_id'];

/** An item as the previous writer stored it: the current item plus its copies of other attributes. */
function olderShape(item: StoredItem, transaction: Transaction): StoredItem {
  const effective = effectiveCategoryId(transaction);
  return {
    ...item,
    user_id: transaction.userId,
    transaction_id: transaction.transactionId,
    date: transaction.date,
    ...(transaction.providerCategory ? { provider_category_id: transaction.providerCategory.id } : {}),
    ...(effective !== null ? { effective_category_id: effective } : {}),
  };
}

async function putRaw(item: StoredItem): Promise<void> {
  await client.send(new PutCommand({ TableName: tableName, Item: item }));
}

async function rawItem(userId: string, transactionId: string): Promise<StoredItem> {
  const output = await client.send(new GetCommand({ TableName: tableName, Key: transactionKey(userId, transactionId), ConsistentRead: true }));
  return output.Item as StoredItem;
}

/** Rewrites stored rows in the older shape, keeping everything the store wrote (change id, times). */
async function rewriteAsOlder(rows: readonly Transaction[]): Promise<void> {
  for (const row of rows) await putRaw(olderShape(await rawItem(row.userId, row.transactionId), row));
}

function newestFirst(rows: readonly Transaction[]): string[] {
  return [...rows]
    .sort((a, b) => (`${a.date}#${a.transactionId}` < `${b.date}#${b.transactionId}` ? 1 : -1))
    .map((row) => row.transactionId);
}

async function listIds(userId: string, filter: Parameters<DynamoTransactionStore['list']>[1]): Promise<string[]> {
  const ids: string[] = [];
  let cursor: string | null = null;
  do {
    const page = await store.list(userId, filter, 3, cursor);
    ids.push(...page.items.map((row) => row.transactionId));
    cursor = page.nextCursor;
  } while (cursor !== null);
  return ids;
}

const food = { id: 'plaid:FOOD_AND_DRINK', name: 'Food and drink' };
const transport = { id: 'plaid:TRANSPORTATION', name: 'Transportation' };

/**
 * One user's rows in both shapes, each shape with: the provider category only, a user category over it, a
 * provider category chosen as the user's override of another one, and no category at all.
 */
async function seedBothShapes() {
  const connection = makeConnection();
  const userId = connection.userId;
  const account = makeAccount(connection);
  const otherAccount = makeAccount(makeConnection({ userId }));
  const userCategory = uniqueId('usr');
  const variants: Partial<Transaction>[] = [
    { providerCategory: food, userCategoryId: null },
    { providerCategory: food, userCategoryId: userCategory },
    { providerCategory: transport, userCategoryId: food.id },
    { providerCategory: null, userCategoryId: null },
  ];
  const current = variants.map((variant, index) => makeTransaction(index % 2 === 0 ? account : otherAccount, { ...variant, date: `2024-05-0${index + 1}` }));
  const older = variants.map((variant, index) => makeTransaction(index % 2 === 0 ? account : otherAccount, { ...variant, date: `2024-05-0${index + 1}` }));
  for (const row of current) await putRaw(transactionToItem(row, `${row.updatedAt}#e1`));
  for (const row of older) await putRaw(olderShape(transactionToItem(row, `${row.updatedAt}#e1`), row));
  return { userId, account, otherAccount, userCategory, current, older, all: [...current, ...older] };
}

describe('transaction rows of the current and the older shape', () => {
  it('stores rows without the copies, and reads rows of either shape by id', async () => {
    const { userId, current, older, all } = await seedBothShapes();

    const stored = await rawItem(userId, current[1]!.transactionId);
    for (const name of legacyAttributes) expect(stored).not.toHaveProperty(name);
    expect(await rawItem(userId, older[1]!.transactionId)).toMatchObject({ user_id: userId, effective_category_id: older[1]!.userCategoryId });

    for (const row of all) expect(await store.get(userId, row.transactionId)).toEqual(row);
    expect(await store.getMany(userId, all.map((row) => row.transactionId))).toEqual(all);
  });

  it('lists both shapes newest first, by user, account and connection', async () => {
    const { userId, account, otherAccount, all } = await seedBothShapes();

    expect(await listIds(userId, {})).toEqual(newestFirst(all));
    expect(await listIds(userId, { accountId: account.accountId })).toEqual(newestFirst(all.filter((row) => row.accountId === account.accountId)));
    expect(await listIds(userId, { connectionId: otherAccount.connectionId })).toEqual(
      newestFirst(all.filter((row) => row.connectionId === otherAccount.connectionId)),
    );
    expect(await listIds(uniqueId('user'), { accountId: account.accountId })).toEqual([]);
  });

  it('filters both shapes by category: the user category when set, else the provider one', async () => {
    const { userId, userCategory, current, older, all } = await seedBothShapes();

    // Provider FOOD counts unless overridden; an override to FOOD counts whatever the provider said.
    const foodIds = newestFirst([current[0]!, current[2]!, older[0]!, older[2]!]);
    expect(await listIds(userId, { categoryId: food.id })).toEqual(foodIds);
    expect(await listIds(userId, { categoryId: userCategory })).toEqual(newestFirst([current[1]!, older[1]!]));
    // TRANSPORTATION is only ever overridden.
    expect(await listIds(userId, { categoryId: transport.id })).toEqual([]);
    expect(await listIds(userId, { categoryId: food.id, pending: false })).toEqual(foodIds);
    // The same answer as the domain's own rule, over every row.
    expect(foodIds).toEqual(newestFirst(all.filter((row) => effectiveCategoryId(row) === food.id)));
  });

  it('lists both shapes for purging and by user category', async () => {
    const { userId, account, userCategory, all } = await seedBothShapes();

    const purge = await store.listByConnection(userId, account.connectionId, null);
    expect(purge.items.map((row) => row.transactionId).sort()).toEqual(
      all.filter((row) => row.connectionId === account.connectionId).map((row) => row.transactionId).sort(),
    );
    expect(purge.items.every((row) => row.userId === userId)).toBe(true);
    const byCategory = await store.listByUserCategory(userId, userCategory, null);
    expect(byCategory.items.map((row) => row.transactionId).sort()).toEqual(
      all.filter((row) => row.userCategoryId === userCategory).map((row) => row.transactionId).sort(),
    );
    expect(await store.listByUserCategory(uniqueId('user'), userCategory, null)).toEqual({ items: [], nextCursor: null });
  });

  it('edits rows of the older shape: clearing and setting the category, and dropping the copies', async () => {
    const { userId, userCategory, older } = await seedBothShapes();
    const [plain, overridden] = [older[0]!, older[1]!];
    const newCategory = uniqueId('usr');

    const updated = await store.updateUserFields(
      userId,
      [
        { transactionId: overridden.transactionId, userCategoryId: null },
        { transactionId: plain.transactionId, userCategoryId: newCategory, note: 'mine' },
      ],
      '2024-06-01T00:00:00.000Z',
    );

    expect(updated.map((row) => [row.transactionId, row.userCategoryId, row.date])).toEqual([
      [overridden.transactionId, null, overridden.date],
      [plain.transactionId, newCategory, plain.date],
    ]);
    for (const row of [plain, overridden]) {
      const raw = await rawItem(userId, row.transactionId);
      for (const name of legacyAttributes) expect(raw).not.toHaveProperty(name);
    }
    expect(await store.get(userId, plain.transactionId)).toEqual({ ...plain, userCategoryId: newCategory, note: 'mine', updatedAt: '2024-06-01T00:00:00.000Z' });
    // The cleared row counts under its provider category again, the recategorised one under the new one only.
    const foodIds = await listIds(userId, { categoryId: food.id });
    expect(foodIds).toContain(overridden.transactionId);
    expect(foodIds).not.toContain(plain.transactionId);
    expect(await listIds(userId, { categoryId: newCategory })).toEqual([plain.transactionId]);
    expect(await store.isUserCategoryInUse(userId, userCategory)).toBe(true);
    expect((await store.listByUserCategory(userId, userCategory, null)).items.map((row) => row.transactionId)).not.toContain(
      overridden.transactionId,
    );
  });

  it('feeds rows and tombstones of the older shape', async () => {
    const account = makeAccount(makeConnection());
    const userId = account.userId;
    // 3 rows: an entry listing ids; 30 rows: an entry with a date range, read from GSI1.
    const few = Array.from({ length: 3 }, () => makeTransaction(account, { userCategoryId: 'usr_food' }));
    const many = Array.from({ length: 30 }, (_, index) => makeTransaction(account, { date: `2024-04-${String(1 + (index % 28)).padStart(2, '0')}` }));
    await store.putMany(few);
    await store.putMany(many);
    await rewriteAsOlder([...few, ...many]);
    const removed = many[4]!;
    await store.removeMany([removed]);
    const tombstone = await rawItem(userId, removed.transactionId);
    await putRaw({ ...tombstone, user_id: userId, transaction_id: removed.transactionId });

    const read = await store.listChanges(userId, { after: null, upTo: '9999', limit: 100 });

    expect(read.hasMore).toBe(false);
    const live = read.changes.flatMap((change) => (change.kind === 'live' ? [change.transaction] : []));
    const expected = [...few, ...many].filter((row) => row.transactionId !== removed.transactionId);
    const withoutTimes = (rows: readonly Transaction[]) =>
      rows.map(({ createdAt: _c, updatedAt: _u, ...rest }) => rest).sort((a, b) => a.transactionId.localeCompare(b.transactionId));
    expect(withoutTimes(live)).toEqual(withoutTimes(expected));
    expect(read.changes.flatMap((change) => (change.kind === 'removed' ? [change.removal] : []))).toEqual([
      expect.objectContaining({ userId, transactionId: removed.transactionId, connectionId: account.connectionId, accountId: account.accountId }),
    ]);
    // Purging the connection finds the older tombstone too.
    const purge = await store.listByConnection(userId, account.connectionId, null);
    expect(purge.items).toContainEqual({ userId, transactionId: removed.transactionId });
    expect(purge.items).toHaveLength(33);
  });
});
