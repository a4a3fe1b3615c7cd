/**
 * The pure parts of the DynamoDB stores: how a transaction filter becomes a query, how a cancelled
 * transaction becomes a domain error, how edits become updates, and how a page and its cursor are cut.
 */
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import { decodeCursor } from '../../shared/adapters/dynamodb/cursor';
import { queryPage, type PageRequest } from '../../shared/adapters/dynamodb/query';
import type { StoredItem, TableRef } from '../../shared/adapters/dynamodb/table';
import { transactionListRequest } from '../../shared/adapters/dynamodb/transaction-reader';
import { mergeEditsById, userFieldUpdate } from '../../shared/adapters/dynamodb/transaction-store';
import { errorForCancellation, transactWrite, type TransactAction } from '../../shared/adapters/dynamodb/transact';
import { ConflictError, ItemAlreadyExistsError, NotFoundError } from '../../shared/errors/app-error';

describe('unit: transaction list queries', () => {
  it('reads the user index when neither account nor connection is given, confined to the user by its key alone', () => {
    const request = transactionListRequest('u1', {});

    expect(request).toMatchObject({
      index: 'GSI1',
      query: {
        KeyConditionExpression: 'GSI1PK = :pk',
        ExpressionAttributeValues: { ':pk': 'USER#u1#TXN' },
        ScanIndexForward: false,
      },
      cursor: { equals: { GSI1PK: 'USER#u1#TXN', PK: 'USER#u1' } },
      selectiveFilter: false,
      ownerPartition: 'USER#u1',
    });
    // DynamoDB rejects an empty FilterExpression; rows need no owner attribute.
    expect(request?.query).not.toHaveProperty('FilterExpression');
    expect(request?.query.ExpressionAttributeValues).toEqual({ ':pk': 'USER#u1#TXN' });
  });

  it("reads the user's date index for an account and filters on account and connection", () => {
    const request = transactionListRequest('u1', { accountId: 'a1', connectionId: 'c1' });

    expect(request?.index).toBe('GSI1');
    expect(request?.query.ExpressionAttributeValues).toEqual({
      ':pk': 'USER#u1#TXN',
      ':accountId': 'a1',
      ':connectionId': 'c1',
    });
    expect(request?.query.FilterExpression).toBe('account_id = :accountId AND connection_id = :connectionId');
    expect(request?.selectiveFilter).toBe(true);
  });

  it('reads the same date index for a connection', () => {
    expect(transactionListRequest('u1', { connectionId: 'c1' })).toMatchObject({
      index: 'GSI1',
      query: { ExpressionAttributeValues: { ':pk': 'USER#u1#TXN', ':connectionId': 'c1' } },
    });
  });

  it('turns a date range into an inclusive BETWEEN on the sort key and bounds cursors to it', () => {
    const request = transactionListRequest('u1', { dateFrom: '2024-01-01', dateTo: '2024-01-31' });

    expect(request?.query.KeyConditionExpression).toBe('GSI1PK = :pk AND GSI1SK BETWEEN :lower AND :upper');
    expect(request?.query.ExpressionAttributeValues).toMatchObject({ ':lower': '2024-01-01', ':upper': '2024-01-31#\uffff' });
    expect(request?.cursor.sortKey).toEqual({ attribute: 'GSI1SK', min: '2024-01-01', max: '2024-01-31#\uffff' });
  });

  it('uses a one-sided key condition for an open-ended range', () => {
    expect(transactionListRequest('u1', { dateFrom: '2024-01-01' })?.query.KeyConditionExpression).toBe(
      'GSI1PK = :pk AND GSI1SK >= :lower',
    );
    expect(transactionListRequest('u1', { accountId: 'a1', dateTo: '2024-01-31' })?.query.KeyConditionExpression).toBe(
      'GSI1PK = :pk AND GSI1SK <= :upper',
    );
  });

  it('filters pending and the effective category (the user one, else the provider one), and reads ahead because the filter drops rows', () => {
    const request = transactionListRequest('u1', { pending: false, categoryId: 'plaid:FOOD_AND_DRINK' });

    expect(request?.query.FilterExpression).toBe(
      'pending = :pending AND (user_category_id = :categoryId OR (attribute_not_exists(user_category_id) AND provider_category.id = :categoryId))',
    );
    expect(request?.query.ExpressionAttributeValues).toMatchObject({ ':pending': false, ':categoryId': 'plaid:FOOD_AND_DRINK' });
    expect(request?.selectiveFilter).toBe(true);
  });

  it('answers an inverted date range without a query (DynamoDB would reject the BETWEEN)', () => {
    expect(transactionListRequest('u1', { dateFrom: '2024-02-01', dateTo: '2024-01-01' })).toBeNull();
  });
});

describe('unit: transaction user-field updates', () => {
  it('sets a user category and its GSI4 keys (sort key copied from GSI1SK), dropping the copies an older row carries', () => {
    const action = userFieldUpdate('t', 'u1', { transactionId: 'x1', userCategoryId: 'usr_1' }, '2024-05-01T00:00:00.000Z#e1');

    const update = action.item.Update!;
    expect(update.Key).toEqual({ PK: 'USER#u1', SK: 'TXN#x1' });
    expect(update.UpdateExpression).toBe(
      'SET created_at = if_not_exists(created_at, change_id), change_id = :changeId, user_category_id = :category, GSI4PK = :categoryPartition, GSI4SK = GSI1SK' +
        ' REMOVE updated_at, user_id, transaction_id, #date, provider_category_id, effective_category_id',
    );
    expect(update.ExpressionAttributeNames).toEqual({ '#date': 'date' });
    expect(update.ExpressionAttributeValues).toMatchObject({
      ':category': 'usr_1',
      ':categoryPartition': 'USER#u1#CAT#usr_1',
      // The edit moves the row to the end of the change feed, under the edit's change entry.
      ':changeId': '2024-05-01T00:00:00.000Z#e1',
    });
    // Only a live transaction: a tombstone under the key is not found.
    expect(update.ConditionExpression).toBe('entity = :live');
    expect(update.ExpressionAttributeValues).toMatchObject({ ':live': 'transaction' });
    expect(action.onConditionFailed?.({ rowExists: false })).toBeInstanceOf(NotFoundError);
  });

  it('clears a user category and note without reading the row (the provider category counts again)', () => {
    const action = userFieldUpdate('t', 'u1', { transactionId: 'x1', userCategoryId: null, note: null }, 'now#e1');

    expect(action.item.Update?.UpdateExpression).toBe(
      'SET created_at = if_not_exists(created_at, change_id), change_id = :changeId' +
        ' REMOVE updated_at, user_category_id, GSI4PK, GSI4SK, note, user_id, transaction_id, #date, provider_category_id, effective_category_id',
    );
  });

  it('leaves fields the edit does not name untouched', () => {
    const action = userFieldUpdate('t', 'u1', { transactionId: 'x1', note: 'lunch' }, 'now#e1');

    expect(action.item.Update?.UpdateExpression).toBe(
      'SET created_at = if_not_exists(created_at, change_id), change_id = :changeId, note = :note' +
        ' REMOVE updated_at, user_id, transaction_id, #date, provider_category_id, effective_category_id',
    );
  });

  it('merges several edits of one transaction, later fields winning', () => {
    expect(
      mergeEditsById([
        { transactionId: 'a', userCategoryId: 'usr_1', note: 'first' },
        { transactionId: 'b', note: 'only' },
        { transactionId: 'a', note: 'second' },
      ]),
    ).toEqual([
      { transactionId: 'a', userCategoryId: 'usr_1', note: 'second' },
      { transactionId: 'b', note: 'only' },
    ]);
  });
});

describe('unit: transaction cancellation reasons', () => {
  const actions: TransactAction[] = [
    { item: { Put: { TableName: 't', Item: { PK: 'a', SK: 'b' } } } },
    { item: { Put: { TableName: 't', Item: { PK: 'c', SK: 'd' } } }, onConditionFailed: () => new ItemAlreadyExistsError() },
  ];

  function cancelled(codes: string[]): Error {
    return Object.assign(new Error('Transaction cancelled'), {
      name: 'TransactionCanceledException',
      CancellationReasons: codes.map((Code) => ({ Code })),
    });
  }

  it('maps the action whose condition failed to its own error', () => {
    expect(errorForCancellation(cancelled(['None', 'ConditionalCheckFailed']), actions)).toBeInstanceOf(ItemAlreadyExistsError);
  });

  it('tells the action whether the row existed, when DynamoDB returned it with the reason', () => {
    const seen: boolean[] = [];
    const probing: TransactAction[] = [
      { item: actions[0]!.item, onConditionFailed: ({ rowExists }) => (seen.push(rowExists), new NotFoundError('row')) },
    ];

    errorForCancellation(Object.assign(cancelled([]), { CancellationReasons: [{ Code: 'ConditionalCheckFailed', Item: { PK: { S: 'a' } } }] }), probing);
    errorForCancellation(cancelled(['ConditionalCheckFailed']), probing);

    expect(seen).toEqual([true, false]);
  });

  it('defaults to a concurrent-update conflict', () => {
    const error = errorForCancellation(cancelled(['ConditionalCheckFailed', 'None']), actions);

    expect(error).toBeInstanceOf(ConflictError);
    expect((error as ConflictError).code).toBe('CONCURRENT_UPDATE');
  });

  it('leaves transient cancellations and other errors alone', () => {
    expect(errorForCancellation(cancelled(['TransactionConflict', 'None']), actions)).toBeNull();
    expect(errorForCancellation(new Error('socket hang up'), actions)).toBeNull();
  });

  it('refuses more than 100 actions before calling DynamoDB', async () => {
    const table = { client: { send: () => Promise.reject(new Error('must not be called')) }, tableName: 't' };
    const tooMany = Array.from({ length: 101 }, () => actions[0]!);

    await expect(transactWrite(table as unknown as TableRef, tooMany)).rejects.toThrow(/at most 100/);
  });
});

describe('unit: queryPage', () => {
  const partition = 'USER#u1#TXN';
  const request: PageRequest = {
    index: 'GSI1',
    query: { KeyConditionExpression: 'GSI1PK = :pk', ExpressionAttributeValues: { ':pk': partition }, ScanIndexForward: false },
    cursor: { equals: { GSI1PK: partition } },
    selectiveFilter: true,
    ownerPartition: 'USER#u1',
  };

  function row(index: number, owner = 'USER#u1'): StoredItem {
    return { PK: owner, SK: `TXN#${index}`, GSI1PK: partition, GSI1SK: `2024-01-${String(index).padStart(2, '0')}#${index}` };
  }

  function pagedTable(pages: { Items: StoredItem[]; LastEvaluatedKey?: StoredItem }[]): { table: TableRef; calls: unknown[] } {
    const calls: unknown[] = [];
    const client = {
      send: async (command: { input: unknown }) => {
        calls.push(command.input);
        return pages[calls.length - 1] ?? { Items: [] };
      },
    };
    return { table: { client: client as unknown as DynamoDBDocumentClient, tableName: 't' }, calls };
  }

  it('cuts the page at the limit and points the cursor at the last returned row, not past it', async () => {
    // Prepare: one round returns 5 matches, more than the page of 3 needs.
    const { table } = pagedTable([{ Items: [row(9), row(8), row(7), row(6), row(5)], LastEvaluatedKey: row(5) }]);

    // Act
    const page = await queryPage(table, request, 3, null);

    // Assess
    expect(page.items.map((item) => item.SK)).toEqual(['TXN#9', 'TXN#8', 'TXN#7']);
    expect(decodeCursor(page.nextCursor!, { attributes: ['PK', 'SK', 'GSI1PK', 'GSI1SK'], equals: {} })).toEqual(row(7));
  });

  it('keeps reading while the filter leaves the page short, and ends without a cursor at the end', async () => {
    const { table, calls } = pagedTable([
      { Items: [row(9)], LastEvaluatedKey: row(6) },
      { Items: [row(4)], LastEvaluatedKey: row(3) },
      { Items: [row(2)] },
    ]);

    const page = await queryPage(table, request, 5, null);

    expect(page.items.map((item) => item.SK)).toEqual(['TXN#9', 'TXN#4', 'TXN#2']);
    expect(page.nextCursor).toBeNull();
    expect(calls).toHaveLength(3);
    expect(calls[1]).toMatchObject({ ExclusiveStartKey: row(6) });
  });

  it('returns no cursor when the last row of the last round fills the page exactly', async () => {
    const { table } = pagedTable([{ Items: [row(2), row(1)] }]);

    const page = await queryPage(table, request, 2, null);

    expect(page.nextCursor).toBeNull();
  });

  it('stops at once, with no cursor, in a partition whose rows belong to another user', async () => {
    const { table, calls } = pagedTable([{ Items: [], LastEvaluatedKey: row(5, 'USER#intruder') }, { Items: [row(4)] }]);

    const page = await queryPage(table, request, 5, null);

    expect(page).toEqual({ items: [], nextCursor: null });
    expect(calls).toHaveLength(1);
  });

  it('returns a short page with a resumable cursor when the round budget runs out', async () => {
    const rounds = Array.from({ length: 12 }, (_, index) => ({ Items: [], LastEvaluatedKey: row(30 - index) }));
    const { table, calls } = pagedTable(rounds);

    const page = await queryPage(table, request, 5, null);

    expect(page.items).toEqual([]);
    expect(calls).toHaveLength(10);
    expect(page.nextCursor).not.toBeNull();
  });
});
