/**
 * The transaction change feed over DynamoTransactionStore on the emulator: change entries instead of a
 * per-transaction index copy. What a write stores (rows, entries, no feed index keys), each transaction once
 * at its latest change, removals, pages that end inside an entry, rows re-stamped by a slow write, and
 * cursors of the previous version refused.
 */
import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, describe, expect, it } from 'vitest';
import { dynamoDocumentClient } from '../../shared/adapters/aws-clients';
import { DynamoTransactionChangeFeed } from '../../shared/adapters/dynamodb/transaction-change-feed';
import { DynamoTransactionStore } from '../../shared/adapters/dynamodb/transaction-store';
import type { Transaction } from '../../shared/banking/model';
import { feedCursorAt, listTransactionChanges, type TransactionChanges } from '../../shared/banking/transaction-feed';
import { GoneError, ValidationError } from '../../shared/errors/app-error';
import { makeAccount, makeConnection, makeTransaction } from '../helpers/dynamodb-fixtures';
import { createPrivateTable } from '../helpers/dynamodb-table';
import { InMemoryConnectionStore } from '../helpers/fakes/banking-stores';

const privateTable = await createPrivateTable('feed');
afterAll(() => privateTable.drop());
const tableName = privateTable.tableName;

/**
 * One virtual clock for writers and readers, starting an hour back: each store read moves it `stepMs`, each
 * feed read 11 s (past the settle window), so a reader always sees every earlier write and none later.
 */
function virtualClock(stepMs: number) {
  let current = Date.now() - 3_600_000;
  return {
    store: () => new Date((current += stepMs)),
    feed: () => new Date((current += 11_000)),
  };
}

interface FeedStore {
  readonly store: DynamoTransactionStore;
  readonly feedNow: () => Date;
}

function storeWith(stepMs = 1): FeedStore {
  const clock = virtualClock(stepMs);
  return { store: new DynamoTransactionStore({ tableName, now: clock.store }), feedNow: clock.feed };
}

const connections = new InMemoryConnectionStore();
/** The feed route's reader of the entries the store's writes append. */
const changeFeed = new DynamoTransactionChangeFeed({ tableName });

function readPage({ feedNow }: FeedStore, userId: string, cursor: string | null, limit: number, connectionId?: string) {
  return listTransactionChanges(
    { transactions: changeFeed, connections, clock: { now: feedNow } },
    userId,
    { cursor, limit, ...(connectionId ? { connectionId } : {}) },
  );
}

/** Every change from `cursor` to the end, as `added:<id>` / `modified:<id>` / `removed:<id>`, and the last cursor. */
async function readAll(store: FeedStore, userId: string, cursor: string | null, limit: number) {
  const entries: string[] = [];
  const pages: TransactionChanges[] = [];
  let next = cursor;
  do {
    const page = await readPage(store, userId, next, limit);
    expect(page.added.length + page.modified.length + page.removed.length).toBeLessThanOrEqual(limit);
    pages.push(page);
    entries.push(
      ...page.added.map((row) => `added:${row.transactionId}`),
      ...page.modified.map((row) => `modified:${row.transactionId}`),
      ...page.removed.map((row) => `removed:${row.transactionId}`),
    );
    next = page.nextCursor;
    expect(pages.length, 'the feed must end').toBeLessThan(200);
  } while (pages.at(-1)!.hasMore);
  return { entries, pages, cursor: next! };
}

async function userItems(userId: string): Promise<Record<string, unknown>[]> {
  const items: Record<string, unknown>[] = [];
  let startKey: Record<string, unknown> | undefined;
  do {
    const output = await dynamoDocumentClient().send(
      new QueryCommand({
        TableName: tableName,
        KeyConditionExpression: 'PK = :pk',
        ExpressionAttributeValues: { ':pk': `USER#${userId}` },
        ...(startKey ? { ExclusiveStartKey: startKey } : {}),
      }),
    );
    items.push(...(output.Items ?? []));
    startKey = output.LastEvaluatedKey;
  } while (startKey);
  return items;
}

function transactionsOf(count: number, overrides: (index: number) => Partial<Transaction> = () => ({})) {
  const account = makeAccount(makeConnection());
  const rows = Array.from({ length: count }, (_, index) =>
    makeTransaction(account, { date: `2024-03-${String(1 + (index % 28)).padStart(2, '0')}`, ...overrides(index) }),
  );
  return { account, userId: account.userId, rows };
}

describe('integration: transaction change feed over change entries', () => {
  it('stores N new transactions as N rows and ceil(N / 500) change entries, with no change-index keys', async () => {
    const feed = storeWith();
    const { store } = feed;
    const { userId, rows } = transactionsOf(1050);

    await store.putMany(rows);

    const items = await userItems(userId);
    const transactions = items.filter((item) => String(item.SK).startsWith('TXN#'));
    const entries = items.filter((item) => String(item.SK).startsWith('CHG#'));
    expect(transactions).toHaveLength(1050);
    expect(entries).toHaveLength(Math.ceil(1050 / 500));
    expect(items).toHaveLength(1050 + 3);
    for (const item of transactions) {
      expect(item).not.toHaveProperty('GSI3PK');
      expect(item).not.toHaveProperty('GSI3SK');
      expect(Object.keys(item).filter((name) => name.startsWith('GSI'))).toEqual(['GSI1PK', 'GSI1SK'].filter((name) => name in item));
      expect(item.GSI1PK).toBe(`USER#${userId}#TXN`);
    }
    // Every row names one of the entries, 500 at most per entry; entries have no index keys and expire.
    const entryIds = entries.map((entry) => String(entry.change_id));
    const perEntry = new Map<string, number>();
    for (const item of transactions) perEntry.set(String(item.change_id), (perEntry.get(String(item.change_id)) ?? 0) + 1);
    expect([...perEntry.keys()].sort()).toEqual([...entryIds].sort());
    expect(Math.max(...perEntry.values())).toBeLessThanOrEqual(500);
    for (const entry of entries) {
      expect(Object.keys(entry).filter((name) => name.startsWith('GSI'))).toEqual([]);
      expect(typeof entry.expires_at).toBe('number');
    }

    // The whole import reads back once, as added, in pages of 500 that end inside entries.
    const read = await readAll(feed, userId, null, 500);
    expect(read.entries).toHaveLength(1050);
    expect(new Set(read.entries).size).toBe(1050);
    expect(read.entries.every((entry) => entry.startsWith('added:'))).toBe(true);
  }, 60_000);

  it('reports a transaction edited after its import once, at the edit, and as modified after a cursor taken before it', async () => {
    const feed = storeWith();
    const { store } = feed;
    const { userId, rows } = transactionsOf(30);
    await store.putMany(rows);
    const beforeEdit = await readAll(feed, userId, null, 100);
    expect(beforeEdit.entries).toHaveLength(30);

    const edited = rows[7]!;
    await store.updateUserFields(userId, [{ transactionId: edited.transactionId, note: 'team lunch' }]);

    const fromStart = await readAll(feed, userId, null, 100);
    expect(fromStart.entries).toHaveLength(30);
    expect(fromStart.entries.filter((entry) => entry.endsWith(edited.transactionId))).toEqual([`added:${edited.transactionId}`]);
    // Under its latest change: the edit's entry comes after the import's.
    expect(fromStart.entries.at(-1)).toBe(`added:${edited.transactionId}`);
    expect(fromStart.pages.flatMap((page) => page.added).find((row) => row.transactionId === edited.transactionId)?.note).toBe('team lunch');

    const sinceImport = await readAll(feed, userId, beforeEdit.cursor, 100);
    expect(sinceImport.entries).toEqual([`modified:${edited.transactionId}`]);
  });

  it('pages inside entries with any page size: the same changes in the same order, no gaps, no repeats', async () => {
    const feed = storeWith();
    const { store } = feed;
    const { userId, rows, account } = transactionsOf(45);
    await store.putMany(rows.slice(0, 30));
    await store.putMany(rows.slice(30));
    // A small write (listed by id), with one row of the first write modified.
    const extra = makeTransaction(account, { date: '2024-02-10' });
    await store.putMany([{ ...rows[3]!, amount: '-1.00', updatedAt: new Date().toISOString() }, extra]);
    await store.removeMany([rows[40]!, rows[41]!]);

    const reference = (await readAll(feed, userId, null, 500)).entries;
    expect(reference).toHaveLength(46 - 2 + 2);
    // Whether a row created before a page's cursor and changed after it is "added" or "modified" depends on
    // where the pages end (it is "modified" relative to a cursor past its creation), so ids are compared; and
    // a page lists its added, modified and removed apart, so the order is compared for single-row pages only.
    const idOf = (entry: string) => entry.replace(/^(added|modified):/, 'live:');
    for (const limit of [1, 2, 7, 16, 29]) {
      const paged = await readAll(feed, userId, null, limit);
      const ids = paged.entries.map(idOf);
      if (limit === 1) expect(ids, 'pages of 1').toEqual(reference.map(idOf));
      expect([...ids].sort(), `pages of ${limit}`).toEqual(reference.map(idOf).sort());
      expect(new Set(ids).size).toBe(ids.length);
    }
    // From the start everything live is an addition; the removed rows show as removals only.
    expect(reference.filter((entry) => entry.startsWith('removed:')).sort()).toEqual(
      [`removed:${rows[40]!.transactionId}`, `removed:${rows[41]!.transactionId}`].sort(),
    );
    expect(reference.filter((entry) => entry.endsWith(rows[3]!.transactionId))).toEqual([`added:${rows[3]!.transactionId}`]);
  });

  it('reports removals with their connection and account, not after the row comes back, and scoped to a connection', async () => {
    const feed = storeWith();
    const { store } = feed;
    const { userId, rows, account } = transactionsOf(5);
    await store.putMany(rows);
    const imported = await readAll(feed, userId, null, 100);

    await store.removeMany([rows[0]!, rows[1]!, rows[2]!]);
    // The provider restores one of them later: it is live again, under the later entry.
    await store.putMany([{ ...rows[2]!, amount: '-3.00', updatedAt: new Date().toISOString() }]);

    const read = await readAll(feed, userId, imported.cursor, 100);
    expect(read.entries.sort()).toEqual(
      [`removed:${rows[0]!.transactionId}`, `removed:${rows[1]!.transactionId}`, `modified:${rows[2]!.transactionId}`].sort(),
    );
    const removed = read.pages.flatMap((page) => page.removed);
    for (const removal of removed) {
      expect(removal).toMatchObject({ userId, connectionId: account.connectionId, accountId: account.accountId });
      expect(Date.parse(removal.removedAt)).not.toBeNaN();
    }
    expect(await store.get(userId, rows[0]!.transactionId)).toBeNull();

    connections.rows.set(account.connectionId, makeConnection({ userId, connectionId: account.connectionId }));
    const scoped = await readPage(feed, userId, imported.cursor, 100, account.connectionId);
    expect(scoped.removed.map((row) => row.transactionId).sort()).toEqual([rows[0]!.transactionId, rows[1]!.transactionId].sort());
    const other = makeConnection({ userId });
    connections.rows.set(other.connectionId, other);
    const elsewhere = await readPage(feed, userId, null, 100, other.connectionId);
    expect(elsewhere).toMatchObject({ added: [], modified: [], removed: [], hasMore: false });
  });

  it('re-stamps rows sent after the write budget under a new entry, and still reports each once', async () => {
    // Every clock read is 2 s later: the third request of the write is past the 5-second budget.
    const feed = storeWith(2_000);
    const { store } = feed;
    const { userId, rows } = transactionsOf(60);

    await store.putMany(rows);

    const items = await userItems(userId);
    const entries = items.filter((item) => String(item.SK).startsWith('CHG#'));
    const stamped = new Set(items.filter((item) => String(item.SK).startsWith('TXN#')).map((item) => String(item.change_id)));
    expect(entries.length).toBeGreaterThanOrEqual(2);
    expect(stamped.size).toBeGreaterThanOrEqual(2);
    expect([...stamped].every((changeId) => entries.some((entry) => entry.change_id === changeId))).toBe(true);

    for (const limit of [500, 9]) {
      const read = await readAll(feed, userId, null, limit);
      expect(read.entries.sort()).toEqual(rows.map((row) => `added:${row.transactionId}`).sort());
    }
  });

  it("shares one entry across a session's pages, and reads it whole: each row once, pages ending inside it, scoped to a connection", async () => {
    const feed = storeWith();
    const { store } = feed;
    const { userId, rows, account } = transactionsOf(1100, (index) => ({ date: `202${index % 3}-0${1 + (index % 9)}-1${index % 10}` }));
    const other = makeAccount(makeConnection({ userId }));
    const elsewhere = Array.from({ length: 30 }, (_, index) => makeTransaction(other, { date: `2021-05-${String(1 + index).padStart(2, '0')}` }));

    // A sync's pages, one after another, within the write budget; another connection's write in between.
    const session = store.changeSession();
    await session.putMany(rows.slice(0, 500));
    await store.putMany(elsewhere);
    await session.putMany(rows.slice(500, 1000));
    await session.putMany(rows.slice(1000));
    await store.updateUserFields(userId, [{ transactionId: rows[5]!.transactionId, note: 'rent' }]);
    await store.removeMany([rows[6]!]);

    const items = await userItems(userId);
    const entries = items.filter((item) => String(item.SK).startsWith('CHG#'));
    const shared = entries.filter((entry) => entry.any_date === true);
    expect(shared).toHaveLength(1);
    expect(shared[0]).toMatchObject({ connection_ids: [account.connectionId] });
    expect(shared[0]).not.toHaveProperty('date_from');
    // The shared entry, the other connection's write, the edit and the removal.
    expect(entries).toHaveLength(4);
    const ofShared = items.filter((item) => String(item.SK).startsWith('TXN#') && item.change_id === shared[0]!.change_id);
    expect(ofShared).toHaveLength(1100 - 2);

    // A row edited after a page's cursor is "modified" relative to it, so live rows are compared by id.
    const idOf = (entry: string) => entry.replace(/^(added|modified):/, 'live:');
    const expected = [
      ...rows.filter((_, index) => index !== 6).map((row) => `live:${row.transactionId}`),
      ...elsewhere.map((row) => `live:${row.transactionId}`),
      `removed:${rows[6]!.transactionId}`,
    ].sort();
    for (const limit of [500, 97]) {
      const read = await readAll(feed, userId, null, limit);
      expect(read.entries.length, `pages of ${limit}`).toBe(expected.length);
      expect(read.entries.map(idOf).sort(), `pages of ${limit}`).toEqual(expected);
      // The edited row is reported once, under the edit's later entry, with the edit.
      const live = read.pages.flatMap((page) => [...page.added, ...page.modified]);
      expect(live.find((row) => row.transactionId === rows[5]!.transactionId)?.note).toBe('rent');
    }

    connections.rows.set(account.connectionId, makeConnection({ userId, connectionId: account.connectionId }));
    const scoped: string[] = [];
    let cursor: string | null = null;
    do {
      const page = await readPage(feed, userId, cursor, 150, account.connectionId);
      scoped.push(...[...page.added, ...page.modified, ...page.removed].map((row) => row.connectionId));
      cursor = page.hasMore ? page.nextCursor : null;
    } while (cursor !== null);
    expect(scoped).toHaveLength(1100);
    expect(new Set(scoped)).toEqual(new Set([account.connectionId]));
  }, 60_000);

  it('answers a cursor from the previous version with 410 CURSOR_EXPIRED, a malformed one with 400', async () => {
    const feed = storeWith();
    const { userId } = transactionsOf(1);
    const previousVersion = Buffer.from(JSON.stringify({ v: 1, p: `${new Date().toISOString()}#txn_1` })).toString('base64url');

    const refused = readPage(feed, userId, previousVersion, 10);
    await expect(refused).rejects.toBeInstanceOf(GoneError);
    await expect(refused).rejects.toMatchObject({ code: 'CURSOR_EXPIRED' });
    const tampered = Buffer.from(JSON.stringify({ v: 2, e: 'yesterday' })).toString('base64url');
    await expect(readPage(feed, userId, tampered, 10)).rejects.toBeInstanceOf(ValidationError);
    // The event cursor (an instant) still reads.
    expect(await readPage(feed, userId, feedCursorAt(new Date(Date.now() - 7_200_000)), 10)).toMatchObject({ added: [], hasMore: false });
  });
});
