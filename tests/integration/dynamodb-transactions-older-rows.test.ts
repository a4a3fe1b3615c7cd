/**
 * Transaction rows without duplicated attributes, next to rows of the older shape (which also carry
 * `user_id`, `transaction_id`, `date`, `provider_category_id` and `effective_category_id`, and both times,
 * `created_at` and `updated_at`), on the emulator: both read, list, filter by category, list for purging and
 * by user category, feed and take edits alike. And the times of current rows, which are read from
 * `change_id` (plus `created_at` when the creation time differs), through every writer and the feed.
 */
import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, describe, expect, it } from 'vitest';
import { dynamoDocumentClient } from '../../shared/adapters/aws-clients';
import { DynamoCategoryStore } from '../../shared/adapters/dynamodb/category-store';
import { transactionKey, transactionToItem } from '../../shared/adapters/dynamodb/entities/transaction';
import { changeIdStamp } from '../../shared/adapters/dynamodb/entities/transaction-change';
import type { StoredItem } from '../../shared/adapters/dynamodb/table';
import { DynamoTransactionChangeFeed } from '../../shared/adapters/dynamodb/transaction-change-feed';
import { DynamoTransactionStore } from '../../shared/adapters/dynamodb/transaction-store';
import { transactionIdFor } from '../../shared/banking/ids';
import { effectiveCategoryId, FEED_SETTLE_MILLISECONDS, type Transaction } from '../../shared/banking/model';
import { feedCursorAt, listTransactionChanges } from '../../shared/banking/transaction-feed';
import type { ProviderTransaction } from '../../shared/providers/ports';
import { TransactionChangeWriter } from '../../shared/sync/transaction-writer';
import { makeAccount, makeConnection, makeTransaction, uniqueId } from '../helpers/dynamodb-fixtures';
import { createPrivateTable } from '../helpers/dynamodb-table';
import { InMemoryConnectionStore } from '../helpers/fakes/banking-stores';

const privateTable = await createPrivateTable('older-rows');
afterAll(() => privateTable.drop());
const tableName = privateTable.tableName;
const store = new DynamoTransactionStore({ tableName });
const changeFeed = new DynamoTransactionChangeFeed({ tableName });
const client = dynamoDocumentClient();
const legacyAttributes = ['user_id', 'transaction_id', 'date', 'provider_category_id', 'effective_category_id'];

/**
 * An item as the previous writer stored it: the current item plus its copies of other attributes, and both
 * times (`updated_at` the stamp of `change_id`, `created_at` that stamp too for a row written once).
 */
function olderShape(item: StoredItem, transaction: Transaction): StoredItem {
  const effective = effectiveCategoryId(transaction);
  const changedAt = changeIdStamp(String(item.change_id));
  return {
    ...item,
    created_at: item.created_at ?? changedAt,
    updated_at: changedAt,
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
    for (const name of [...legacyAttributes, 'created_at', 'updated_at']) expect(stored).not.toHaveProperty(name);
    expect(await rawItem(userId, older[1]!.transactionId)).toMatchObject({
      user_id: userId,
      effective_category_id: older[1]!.userCategoryId,
      created_at: older[1]!.createdAt,
      updated_at: older[1]!.updatedAt,
    });

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

    // The edit's time is the stamp of its change entry, from the store's clock.
    const editing = new DynamoTransactionStore({ tableName, now: () => new Date('2024-06-01T00:00:00.000Z') });
    const updated = await editing.updateUserFields(userId, [
      { transactionId: overridden.transactionId, userCategoryId: null },
      { transactionId: plain.transactionId, userCategoryId: newCategory, note: 'mine' },
    ]);

    expect(updated.map((row) => [row.transactionId, row.userCategoryId, row.date])).toEqual([
      [overridden.transactionId, null, overridden.date],
      [plain.transactionId, newCategory, plain.date],
    ]);
    for (const row of [plain, overridden]) {
      const raw = await rawItem(userId, row.transactionId);
      for (const name of [...legacyAttributes, 'updated_at']) expect(raw).not.toHaveProperty(name);
      // The creation time the older row carries stays as it was.
      expect(raw.created_at).toBe(row.createdAt);
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

    const read = await changeFeed.listChanges(userId, { after: null, upTo: '9999', limit: 100 });

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

describe('creation and modification times', () => {
  const [t1, t2, t3, t4] = ['2024-07-01T10:00:00.000Z', '2024-07-02T10:00:00.000Z', '2024-07-03T10:00:00.000Z', '2024-07-04T10:00:00.000Z'];
  // One clock for the store (it stamps change entries), the sync writer and the feed reader.
  let at = t1;
  const clock = { now: () => new Date(at) };
  const timed = new DynamoTransactionStore({ tableName, now: clock.now });
  const categories = new DynamoCategoryStore({ tableName });

  function providerRow(providerTransactionId: string, amount = '-4.50'): ProviderTransaction {
    return {
      providerTransactionId,
      providerAccountId: 'acct-1',
      amount,
      currency: 'USD',
      date: '2024-06-30',
      authorizedDate: null,
      description: 'Corner bakery',
      merchantName: null,
      pending: false,
      pendingProviderTransactionId: null,
      category: { id: 'plaid:FOOD_AND_DRINK', name: 'Food and drink' },
    };
  }

  /** A sync run's writer at `when` (each run starts with no rows listed, like the sync engine's). */
  async function sync(connection: ReturnType<typeof makeConnection>, when: string, batch: Partial<Parameters<TransactionChangeWriter['apply']>[0]>): Promise<void> {
    at = when;
    const writer = new TransactionChangeWriter(timed, categories, connection, clock);
    await writer.apply({ added: [], modified: [], removed: [], ...batch });
    await writer.finish();
  }

  async function edit(userId: string, transactionId: string, when: string, note: string): Promise<Transaction> {
    at = when;
    const [edited] = await timed.updateUserFields(userId, [{ transactionId, note }]);
    return edited!;
  }

  it('a new row stores neither time and reads both as the stamp of the entry that wrote it', async () => {
    const connection = makeConnection();
    const { userId } = connection;
    await sync(connection, t1, { added: [providerRow('p1')] });
    const fromBatch = makeTransaction(makeAccount(connection), { createdAt: '2024-01-01T00:00:00.000Z', updatedAt: '2024-01-01T00:00:00.000Z' });
    await timed.putMany([fromBatch]);

    for (const id of [transactionIdFor(connection.connectionId, 'p1'), fromBatch.transactionId]) {
      const raw = await rawItem(userId, id);
      expect(raw).not.toHaveProperty('created_at');
      expect(raw).not.toHaveProperty('updated_at');
      expect(changeIdStamp(String(raw.change_id))).toBe(t1);
      expect(await timed.get(userId, id)).toMatchObject({ createdAt: t1, updatedAt: t1 });
    }
    expect((await timed.list(userId, {}, 10, null)).items.map((row) => [row.createdAt, row.updatedAt])).toEqual([
      [t1, t1],
      [t1, t1],
    ]);
  });

  it('an edit keeps the creation time and takes its own stamp; a sync modification of the edited row keeps the creation time', async () => {
    const connection = makeConnection();
    const { userId } = connection;
    const id = transactionIdFor(connection.connectionId, 'p1');
    await sync(connection, t1, { added: [providerRow('p1')] });
    const created = await rawItem(userId, id);

    const edited = await edit(userId, id, t2, 'birthday cake');

    expect(edited).toMatchObject({ note: 'birthday cake', createdAt: t1, updatedAt: t2 });
    expect(await timed.get(userId, id)).toEqual(edited);
    const afterEdit = await rawItem(userId, id);
    expect(afterEdit).not.toHaveProperty('updated_at');
    // The creation time, still only inside the old change id, moved to `created_at` with that id.
    expect(afterEdit.created_at).toBe(created.change_id);
    expect(changeIdStamp(String(afterEdit.change_id))).toBe(t2);

    await sync(connection, t3, { modified: [providerRow('p1', '-5.00')] });

    expect(await timed.get(userId, id)).toEqual({ ...edited, amount: '-5.00', createdAt: t1, updatedAt: t3 });
    const afterSync = await rawItem(userId, id);
    expect(afterSync).toMatchObject({ created_at: t1, amount: '-5.00', note: 'birthday cake' });
    expect(afterSync).not.toHaveProperty('updated_at');

    // A row that already carries its creation time keeps it through another edit.
    expect(await edit(userId, id, t4, 'cake')).toMatchObject({ createdAt: t1, updatedAt: t4 });
    expect((await rawItem(userId, id)).created_at).toBe(t1);
  });

  it('rows of the older shape read the same before an edit and keep their creation time after it', async () => {
    const connection = makeConnection();
    const { userId } = connection;
    const account = makeAccount(connection);
    const [createdAt, updatedAt] = ['2024-05-01T00:00:00.000Z', '2024-05-03T00:00:00.000Z'];
    const rows = [0, 1, 2].map(() => makeTransaction(account, { createdAt, updatedAt }));
    const olderItems = rows.map((row) => olderShape(transactionToItem(row, `${row.updatedAt}#e1`), row));
    // A row the older code edited: `updated_at` was the request's clock, a little after its entry's stamp.
    olderItems[1] = { ...olderItems[1]!, updated_at: '2024-05-03T00:00:00.042Z' };
    // A row written before change entries: no `change_id` at all.
    const { change_id: _changeId, ...beforeEntries } = olderItems[2]!;
    olderItems[2] = beforeEntries;
    for (const item of olderItems) {
      expect(item).toMatchObject({ created_at: createdAt, updated_at: expect.any(String) });
      await putRaw(item);
    }
    const expected = rows.map((row, index) => ({ ...row, updatedAt: String(olderItems[index]!.updated_at) }));

    expect(await timed.getMany(userId, rows.map((row) => row.transactionId))).toEqual(expected);

    at = t2;
    const edited = await timed.updateUserFields(userId, rows.map((row) => ({ transactionId: row.transactionId, note: 'older' })));

    expect(edited).toEqual(expected.map((row) => ({ ...row, note: 'older', createdAt, updatedAt: t2 })));
    for (const row of rows) {
      const raw = await rawItem(userId, row.transactionId);
      expect(raw.created_at).toBe(createdAt);
      expect(raw).not.toHaveProperty('updated_at');
    }
  });

  it('the feed reports a row created after the cursor as added, one created before it and rewritten after as modified', async () => {
    const connection = makeConnection();
    const { userId } = connection;
    const idOf = (providerId: string) => transactionIdFor(connection.connectionId, providerId);
    const read = (cursor: string | null) =>
      listTransactionChanges(
        { transactions: changeFeed, connections: new InMemoryConnectionStore(), clock: { now: () => new Date(Date.parse(at) + FEED_SETTLE_MILLISECONDS + 1) } },
        userId,
        { cursor, limit: 100 },
      );
    const ids = (rows: readonly { transactionId: string }[]) => rows.map((row) => row.transactionId).sort();
    await sync(connection, t1, { added: ['edited', 'resynced', 'removed', 'untouched'].map((name) => providerRow(name)) });
    const betweenWrites = feedCursorAt(new Date('2024-07-01T12:00:00.000Z'));

    await edit(userId, idOf('edited'), t2, 'lunch');
    await sync(connection, t3, { added: [providerRow('new')], modified: [providerRow('resynced', '-9.99')], removed: ['removed'] });

    const sinceBetween = await read(betweenWrites);
    expect(ids(sinceBetween.added)).toEqual([idOf('new')]);
    expect(ids(sinceBetween.modified)).toEqual(ids([{ transactionId: idOf('edited') }, { transactionId: idOf('resynced') }]));
    expect(sinceBetween.removed.map((row) => row.transactionId)).toEqual([idOf('removed')]);
    const modified = new Map(sinceBetween.modified.map((row) => [row.transactionId, row]));
    expect(modified.get(idOf('edited'))).toMatchObject({ createdAt: t1, updatedAt: t2, note: 'lunch' });
    expect(modified.get(idOf('resynced'))).toMatchObject({ createdAt: t1, updatedAt: t3, amount: '-9.99' });

    // From before the first write every live row is an addition, whatever happened to it later.
    const sinceStart = await read(feedCursorAt(new Date('2024-06-30T00:00:00.000Z')));
    expect(ids(sinceStart.added)).toEqual(ids(['edited', 'resynced', 'untouched', 'new'].map((name) => ({ transactionId: idOf(name) }))));
    expect(sinceStart.modified).toEqual([]);
  });
});
