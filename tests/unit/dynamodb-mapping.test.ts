import { describe, expect, it } from 'vitest';
import { accountFromItem, accountToItem } from '../../shared/adapters/dynamodb/entities/account';
import { categoryFromItem, categoryToItem } from '../../shared/adapters/dynamodb/entities/category';
import { connectionFromItem, connectionToItem, dueShardOf } from '../../shared/adapters/dynamodb/entities/connection';
import { itemGuardFromItem, itemGuardToItem } from '../../shared/adapters/dynamodb/entities/item-guard';
import { itemPointerFromItem, itemPointerToItem } from '../../shared/adapters/dynamodb/entities/item-pointer';
import { syncRunFromItem, syncRunToItem } from '../../shared/adapters/dynamodb/entities/sync-run';
import { tombstoneFromItem, tombstoneToItem, transactionFromItem, transactionToItem } from '../../shared/adapters/dynamodb/entities/transaction';
import { webhookEventFromItem, webhookEventToItem } from '../../shared/adapters/dynamodb/entities/webhook-event';
import { CorruptItemError } from '../../shared/adapters/dynamodb/item-reader';
import { SYNC_RUN_RETENTION_DAYS } from '../../shared/banking/model';
import type { StoredItem } from '../../shared/adapters/dynamodb/table';
import {
  makeAccount,
  makeConnection,
  makeGuard,
  makeSyncRun,
  makeTransaction,
  makeUserCategory,
  makeWebhookEvent,
} from '../helpers/dynamodb-fixtures';

const keyAttributes = /^(PK|SK|GSI[1-4](PK|SK))$/;

/** Stored attribute names are snake_case (the key attributes aside). */
function expectSnakeCase(item: StoredItem): void {
  for (const name of Object.keys(item)) {
    if (!keyAttributes.test(name)) expect(name).toMatch(/^[a-z][a-z0-9_]*$/);
  }
}

/** Simulates the trip through DynamoDB: attributes the document client would drop never arrive. */
function stored(item: StoredItem): StoredItem {
  return JSON.parse(JSON.stringify(item)) as StoredItem;
}

describe('unit: connection rows', () => {
  it('round-trips a connection with every optional part set', () => {
    const connection = makeConnection({
      productTag: 'budgeting',
      statusReason: { code: 'ITEM_LOGIN_REQUIRED', message: 'Log in again' },
      syncCursor: 'cursor-1',
      consent: { products: ['ACCOUNTS'], createdAt: '2024-01-01T00:00:00.000Z', expiresAt: null, revokedAt: null },
      pendingUserAction: { url: 'https://bank.example/authorize', expiresAt: null, instructions: 'Approve in the app' },
      lastSyncAt: '2024-05-01T10:00:00.000Z',
      lastSyncOutcome: 'partial',
    });

    const item = connectionToItem(connection, 8);

    expect(connectionFromItem(stored(item))).toEqual(connection);
    expectSnakeCase(item);
    expect(item).toMatchObject({
      PK: `USER#${connection.userId}`,
      SK: `CONN#${connection.connectionId}`,
      GSI2PK: `DUE#${dueShardOf(connection.connectionId, 8)}`,
      GSI2SK: `${connection.nextSyncAt}#${connection.connectionId}`,
      access_token: { ciphertext: connection.accessToken?.ciphertext, key_id: connection.accessToken?.keyId, context_version: 1 },
    });
    // Found by provider item through its pointer row, not through a GSI1 copy of the whole row.
    expect(item).not.toHaveProperty('GSI1PK');
    expect(item).not.toHaveProperty('GSI1SK');
  });

  it('round-trips a minimal connection and leaves it out of the due index while nextSyncAt is null', () => {
    const connection = makeConnection({ accessToken: null, nextSyncAt: null, provider: 'pluggy' });

    const item = connectionToItem(connection, 8);

    expect(connectionFromItem(stored(item))).toEqual(connection);
    expect(item).not.toHaveProperty('GSI2PK');
    expect(item).not.toHaveProperty('GSI2SK');
    expect(item).not.toHaveProperty('access_token');
  });

  it('fails loudly on a row of another entity or with a missing attribute', () => {
    const item = connectionToItem(makeConnection(), 4);

    expect(() => connectionFromItem({ ...item, entity: 'account' })).toThrow(CorruptItemError);
    const { status: _dropped, ...withoutStatus } = item;
    expect(() => connectionFromItem(withoutStatus)).toThrow(/status/);
    expect(() => connectionFromItem({ ...item, status: 'sleeping' })).toThrow(CorruptItemError);
  });
});

describe('unit: item pointer rows', () => {
  it('leads from the provider item to the connection keys and nothing else', () => {
    const connection = makeConnection({ provider: 'pluggy' });
    const pointer = { provider: 'pluggy', providerItemId: connection.providerItemId, userId: connection.userId, connectionId: connection.connectionId };

    const item = itemPointerToItem(pointer);

    expect(item).toEqual({
      PK: `ITEM#pluggy#${connection.providerItemId}`,
      SK: `CONN#${connection.connectionId}`,
      entity: 'item_pointer',
      user_id: connection.userId,
      connection_id: connection.connectionId,
    });
    expect(itemPointerFromItem(stored(item))).toEqual({ userId: connection.userId, connectionId: connection.connectionId });
    expect(() => itemPointerFromItem(stored(connectionToItem(connection, 4)))).toThrow(CorruptItemError);
  });
});

describe('unit: account rows', () => {
  it('round-trips an account, keeping balances as exact strings', () => {
    const account = makeAccount(makeConnection(), {
      balances: { current: '1234567890123456.78', available: null, limit: '5000.00', currency: 'BRL', updatedAt: null },
      numbers: { ciphertext: 'AQIDAA==', keyId: 'arn:aws:kms:us-east-1:000000000000:key/k', contextVersion: 1 },
      officialName: null,
      mask: null,
    });

    const item = accountToItem(account);

    expect(accountFromItem(stored(item))).toEqual(account);
    expectSnakeCase(item);
    expect(item).toMatchObject({ PK: `USER#${account.userId}`, SK: `ACCT#${account.accountId}`, balances: { current: '1234567890123456.78' } });
    // In no index: the accounts of a connection are read from the user's partition.
    expect(Object.keys(item).filter((name) => name.startsWith('GSI'))).toEqual([]);
  });
});

describe('unit: transaction rows', () => {
  const account = makeAccount(makeConnection());

  it('round-trips a transaction, indexes it by date in one index only, and names its change entry', () => {
    const transaction = makeTransaction(account, { amount: '-0.10', date: '2024-02-29' });

    const item = transactionToItem(transaction, `${transaction.updatedAt}#e1`);

    expect(transactionFromItem(stored(item))).toEqual(transaction);
    expectSnakeCase(item);
    const sortKey = `2024-02-29#${transaction.transactionId}`;
    expect(item).toMatchObject({
      GSI1PK: `USER#${transaction.userId}#TXN`,
      GSI1SK: sortKey,
      change_id: `${transaction.updatedAt}#e1`,
      amount: '-0.10',
      provider_category: { id: 'plaid:FOOD_AND_DRINK' },
    });
    // No attribute repeats another: ids are in the keys, the date in GSI1SK, the category filter reads
    // user_category_id and provider_category.id.
    for (const duplicate of ['user_id', 'transaction_id', 'date', 'provider_category_id', 'effective_category_id']) {
      expect(item).not.toHaveProperty(duplicate);
    }
    expect(item).not.toHaveProperty('GSI4PK');
    expect(item).not.toHaveProperty('GSI2PK');
    expect(item).not.toHaveProperty('GSI3PK');
    expect(item).not.toHaveProperty('GSI3SK');
  });

  it('stores no time a change id already holds: a new row neither, a rewritten one its creation time only', () => {
    const created = makeTransaction(account, { createdAt: '2024-05-01T00:00:00.000Z', updatedAt: '2024-05-01T00:00:00.000Z' });
    const modified = { ...created, updatedAt: '2024-05-03T00:00:00.000Z' };

    const newItem = transactionToItem(created, '2024-05-01T00:00:05.000Z#e1');
    const modifiedItem = transactionToItem(modified, '2024-05-03T00:00:05.000Z#e2');

    expect(newItem).toMatchObject({ change_id: '2024-05-01T00:00:05.000Z#e1' });
    expect(newItem).not.toHaveProperty('created_at');
    expect(newItem).not.toHaveProperty('updated_at');
    expect(modifiedItem).toMatchObject({ change_id: '2024-05-03T00:00:05.000Z#e2', created_at: '2024-05-01T00:00:00.000Z' });
    expect(modifiedItem).not.toHaveProperty('updated_at');
    // The write's stamp is the modification time, and a new row's creation time.
    expect(transactionFromItem(stored(newItem))).toEqual({ ...created, createdAt: '2024-05-01T00:00:05.000Z', updatedAt: '2024-05-01T00:00:05.000Z' });
    expect(transactionFromItem(stored(modifiedItem))).toEqual({ ...modified, updatedAt: '2024-05-03T00:00:05.000Z' });
    // A creation time that happens to equal the write's stamp is not stored either.
    expect(transactionToItem({ ...modified, createdAt: '2024-05-03T00:00:05.000Z' }, '2024-05-03T00:00:05.000Z#e2')).not.toHaveProperty('created_at');
  });

  it('reads the creation time of an edited row from the change id an edit copied into created_at', () => {
    const item = { ...transactionToItem(makeTransaction(account), '2024-05-03T00:00:05.000Z#e2'), created_at: '2024-05-01T00:00:05.000Z#e1' };

    expect(transactionFromItem(stored(item))).toMatchObject({ createdAt: '2024-05-01T00:00:05.000Z', updatedAt: '2024-05-03T00:00:05.000Z' });
  });

  it('reads the times of rows of the older shape as stored, and writes them back without updated_at', () => {
    const transaction = makeTransaction(account, { createdAt: '2024-05-01T00:00:00.000Z', updatedAt: '2024-05-03T00:00:00.000Z' });
    const current = transactionToItem(transaction, '2024-05-03T00:00:00.000Z#e1');
    const older: StoredItem = { ...current, created_at: '2024-05-01T00:00:00.000Z', updated_at: '2024-05-03T00:00:00.000Z' };
    // The older edit path stamped `updated_at` with the request's clock, not the entry's.
    const olderEdited = { ...older, updated_at: '2024-05-03T00:00:00.042Z' };
    // Rows written before change entries have no change id.
    const { change_id: _changeId, ...beforeEntries } = older;

    expect(transactionFromItem(stored(older))).toEqual(transaction);
    expect(transactionFromItem(stored(olderEdited))).toEqual({ ...transaction, updatedAt: '2024-05-03T00:00:00.042Z' });
    expect(transactionFromItem(stored(beforeEntries))).toEqual(transaction);
    // A rewrite (the sync writer's: same creation time, a new stamp) drops the copy.
    const rewritten = transactionToItem({ ...transactionFromItem(stored(olderEdited)), updatedAt: '2024-05-04T00:00:00.000Z' }, '2024-05-04T00:00:00.000Z#e2');
    expect(rewritten).toMatchObject({ created_at: '2024-05-01T00:00:00.000Z', change_id: '2024-05-04T00:00:00.000Z#e2' });
    expect(rewritten).not.toHaveProperty('updated_at');
  });

  it('keeps a removed transaction as a tombstone in no index, naming its change entry, with a 30-day TTL', () => {
    const item = tombstoneToItem(
      {
        userId: 'u1',
        transactionId: 't1',
        connectionId: 'c1',
        accountId: 'a1',
        removedAt: '2024-05-01T00:00:00.000Z',
      },
      '2024-05-01T00:00:00.000Z#e1',
    );

    expect(item).toMatchObject({ PK: 'USER#u1', SK: 'TXN#t1', change_id: '2024-05-01T00:00:00.000Z#e1' });
    expect(item).not.toHaveProperty('user_id');
    expect(item).not.toHaveProperty('transaction_id');
    expect(Object.keys(item).filter((name) => name.startsWith('GSI'))).toEqual([]);
    expect(item.expires_at).toBe(Date.parse('2024-05-31T00:00:00.000Z') / 1000);
    expect(item).not.toHaveProperty('GSI1PK');
    expect(item).not.toHaveProperty('GSI4PK');
    expect(tombstoneFromItem(stored(item))).toEqual({
      userId: 'u1',
      transactionId: 't1',
      connectionId: 'c1',
      accountId: 'a1',
      removedAt: '2024-05-01T00:00:00.000Z',
    });
    // A tombstone of the older shape (ids also as attributes) reads the same.
    expect(tombstoneFromItem(stored({ ...item, user_id: 'u1', transaction_id: 't1' }))).toEqual(tombstoneFromItem(stored(item)));
    expect(() => transactionFromItem(stored(item))).toThrow();
  });

  it('puts a user-categorised transaction in GSI4', () => {
    const transaction = makeTransaction(account, {
      userCategoryId: 'usr_1',
      note: 'team lunch',
      categorySync: { status: 'pending', updatedAt: '2024-05-02T00:00:00.000Z', error: null },
    });

    const item = transactionToItem(transaction, `${transaction.updatedAt}#e1`);

    expect(transactionFromItem(stored(item))).toEqual(transaction);
    expect(item).toMatchObject({
      GSI4PK: `USER#${transaction.userId}#CAT#usr_1`,
      GSI4SK: `${transaction.date}#${transaction.transactionId}`,
      user_category_id: 'usr_1',
      category_sync: { status: 'pending', updated_at: '2024-05-02T00:00:00.000Z', error: null },
    });
  });

  it('stores no category when neither the user nor the provider set one', () => {
    const transaction = makeTransaction(account, { providerCategory: null });

    const item = transactionToItem(transaction, `${transaction.updatedAt}#e1`);

    expect(item).not.toHaveProperty('provider_category');
    expect(item).not.toHaveProperty('user_category_id');
    expect(transactionFromItem(stored(item))).toEqual(transaction);
  });

  it('reads a row of the older shape, which also carries the ids, the date and the category copies', () => {
    const transaction = makeTransaction(account, { userCategoryId: 'usr_1', date: '2024-03-09' });
    const older = {
      ...transactionToItem(transaction, `${transaction.updatedAt}#e1`),
      user_id: transaction.userId,
      transaction_id: transaction.transactionId,
      date: transaction.date,
      provider_category_id: 'plaid:FOOD_AND_DRINK',
      effective_category_id: 'usr_1',
    };

    expect(transactionFromItem(stored(older))).toEqual(transaction);
  });

  it('fails loudly on a transaction row whose keys do not hold its ids or date', () => {
    const item = transactionToItem(makeTransaction(account), 'now#e1');

    expect(() => transactionFromItem({ ...item, PK: 'CONN#c1' })).toThrow(/PK/);
    expect(() => transactionFromItem({ ...item, SK: 'TXN#' })).toThrow(/SK/);
    expect(() => transactionFromItem({ ...item, GSI1SK: '2024-03-09#txn_other' })).toThrow(/GSI1SK/);
    const { GSI1SK: _dropped, ...withoutSortKey } = item;
    expect(() => transactionFromItem(withoutSortKey)).toThrow(CorruptItemError);
  });
});

describe('unit: other entities', () => {
  it('round-trips a sync run, including account errors', () => {
    const run = makeSyncRun(makeConnection(), {
      outcome: 'partial',
      error: { code: 'PARTIAL', message: 'One account failed' },
      accountErrors: [{ accountId: 'acct_1', code: 'ACCOUNT_UNAVAILABLE', message: 'Try later' }],
    });

    const item = syncRunToItem(run);

    expect(syncRunFromItem(stored(item))).toEqual(run);
    expectSnakeCase(item);
    expect(item).toMatchObject({ PK: `CONN#${run.connectionId}`, SK: `RUN#${run.syncRunId}` });
  });

  it('expires a sync run the retention period after it started, the same for every write of the run', () => {
    const queued = makeSyncRun(makeConnection(), { outcome: 'queued', startedAt: '2024-05-01T10:00:00.000Z' });
    const finished = { ...queued, outcome: 'succeeded' as const, finishedAt: '2024-05-01T10:00:05.000Z' };
    const expected = Date.parse('2024-05-01T10:00:00.000Z') / 1000 + SYNC_RUN_RETENTION_DAYS * 86_400;

    expect(syncRunToItem(queued)).toMatchObject({ expires_at: expected });
    expect(syncRunToItem(finished)).toMatchObject({ expires_at: expected });
    expect(SYNC_RUN_RETENTION_DAYS).toBeGreaterThanOrEqual(30);
  });

  it('round-trips a webhook event and writes the TTL only when given', () => {
    const unlinked = makeWebhookEvent();
    const linked = makeWebhookEvent({ connectionId: 'conn_1', userId: 'user_1', status: 'processed', processedAt: '2024-05-01T10:01:00.000Z', attempts: 2 });

    const unlinkedItem = webhookEventToItem(unlinked, 1_800_000_000);
    const linkedItem = webhookEventToItem(linked);

    expect(webhookEventFromItem(stored(unlinkedItem))).toEqual(unlinked);
    expect(webhookEventFromItem(stored(linkedItem))).toEqual(linked);
    expect(unlinkedItem).toMatchObject({ expires_at: 1_800_000_000 });
    expect(unlinkedItem).not.toHaveProperty('GSI1PK');
    expect(linkedItem).not.toHaveProperty('expires_at');
    expect(linkedItem).toMatchObject({ GSI1PK: 'CONN#conn_1#WEBHOOK', GSI1SK: `${linked.receivedAt}#${linked.eventId}` });
  });

  it('leaves the GSI1 keys out of a webhook event row written unlisted (the receipt), and only them', () => {
    const linked = makeWebhookEvent({ connectionId: 'conn_1', userId: 'user_1' });

    const receipt = webhookEventToItem(linked, 1_800_000_000, false);

    expect(receipt).not.toHaveProperty('GSI1PK');
    expect(receipt).not.toHaveProperty('GSI1SK');
    const { GSI1PK, GSI1SK, ...rest } = webhookEventToItem(linked, 1_800_000_000);
    expect([GSI1PK, GSI1SK]).toEqual(['CONN#conn_1#WEBHOOK', `${linked.receivedAt}#${linked.eventId}`]);
    expect(receipt).toEqual(rest);
    expect(webhookEventFromItem(stored(receipt))).toEqual(linked);
  });

  it('round-trips provider and user categories under their own partitions', () => {
    const userCategory = makeUserCategory('user_1', { parentId: 'plaid:FOOD_AND_DRINK' });
    const providerCategory = {
      categoryId: 'pluggy:01010000',
      name: 'Salary',
      source: 'pluggy' as const,
      parentId: 'pluggy:01000000',
      userId: null,
      createdAt: '2024-01-01T00:00:00.000Z',
      updatedAt: '2024-01-01T00:00:00.000Z',
    };

    expect(categoryFromItem(stored(categoryToItem(userCategory)))).toEqual(userCategory);
    expect(categoryFromItem(stored(categoryToItem(providerCategory)))).toEqual(providerCategory);
    expect(categoryToItem(userCategory)).toMatchObject({ PK: 'USER#user_1', SK: `CAT#${userCategory.categoryId}` });
    expect(categoryToItem(providerCategory)).toMatchObject({ PK: 'CATALOG#pluggy', SK: 'CAT#pluggy:01010000' });
  });

  it('round-trips a duplicate-item guard', () => {
    const guard = makeGuard(makeConnection(), 'fp_checking_0000');

    expect(itemGuardFromItem(stored(itemGuardToItem(guard)))).toEqual(guard);
  });
});
