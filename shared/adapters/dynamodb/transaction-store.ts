/**
 * Transactions. Key design and access patterns: `entities/transaction.ts`, docs/data-model.md.
 */
import { GetCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { Transaction, TransactionChange } from '../../banking/model';
import type { Page, TransactionFilter, TransactionStore } from '../../banking/ports';
import { NotFoundError } from '../../errors/app-error';
import { batchGetAll, batchWriteAll, batchWriteStamped, deleteRequest, putRequest } from './batch';
import { userPartitionKey } from './entities/keys';
import {
  categorySyncToAttribute,
  isLiveTransactionItem,
  tombstoneFromItem,
  tombstoneToItem,
  transactionChangeKey,
  transactionFromItem,
  transactionKey,
  transactionToItem,
  TRANSACTION_ENTITY,
  userCategoryTransactionsPartitionKey,
  userChangesPartitionKey,
  userTransactionsPartitionKey,
} from './entities/transaction';
import { queryPage, type PageRequest } from './query';
import { chunked } from '../chunking';
import { HIGHEST_KEY_CHARACTER, indexes, tableRef, type IndexName, type StoreOptions, type StoredItem, type TableRef } from './table';
import { MAX_TRANSACTION_ACTIONS, transactWrite, type TransactAction } from './transact';

/** Page size of the internal listings (purge, reassignment); matches one 100-action transaction. */
const INTERNAL_PAGE_SIZE = 100;

export type UserFieldEdit = Parameters<TransactionStore['updateUserFields']>[1][number];

export interface TransactionStoreOptions extends StoreOptions {
  /**
   * The clock that stamps change keys as each write request is sent (default: the system clock). Stamps are
   * taken by the store, not by the caller, so a stamp is never older than the request that carries it.
   */
  readonly now?: () => Date;
}

export class DynamoTransactionStore implements TransactionStore {
  private readonly table: TableRef;
  private readonly stamp: () => string;

  constructor(options: TransactionStoreOptions) {
    this.table = tableRef(options);
    const now = options.now ?? (() => new Date());
    this.stamp = () => now().toISOString();
  }

  /** A tombstone reads as absent: every point read, listing and edit sees live transactions only. */
  async get(userId: string, transactionId: string): Promise<Transaction | null> {
    const output = await this.table.client.send(
      new GetCommand({ TableName: this.table.tableName, Key: transactionKey(userId, transactionId) }),
    );
    return output.Item && isLiveTransactionItem(output.Item) ? transactionFromItem(output.Item) : null;
  }

  /** Existing transactions among the ids, in the order of the ids (duplicates and missing ids dropped). */
  async getMany(userId: string, transactionIds: readonly string[]): Promise<Transaction[]> {
    return this.readMany(userId, transactionIds, false);
  }

  private async readMany(userId: string, transactionIds: readonly string[], consistentRead: boolean): Promise<Transaction[]> {
    const items = await batchGetAll(
      this.table,
      transactionIds.map((id) => transactionKey(userId, id)),
      { consistentRead },
    );
    const byId = new Map(
      items.filter(isLiveTransactionItem).map(transactionFromItem).map((transaction) => [transaction.transactionId, transaction]),
    );
    const ordered: Transaction[] = [];
    for (const id of new Set(transactionIds)) {
      const transaction = byId.get(id);
      if (transaction) ordered.push(transaction);
    }
    return ordered;
  }

  /**
   * Newest first from the user's date index (GSI1, live transactions only); dates narrow the key condition;
   * account, connection, pending and category are filter expressions, always with the owner.
   */
  async list(userId: string, filter: TransactionFilter, limit: number, cursor: string | null): Promise<Page<Transaction>> {
    const request = transactionListRequest(userId, filter);
    if (request === null) return { items: [], nextCursor: null };
    const page = await queryPage(this.table, request, limit, cursor);
    return { items: page.items.map(transactionFromItem), nextCursor: page.nextCursor };
  }

  async putMany(transactions: readonly Transaction[]): Promise<void> {
    await batchWriteStamped(
      this.table,
      transactions,
      (transaction, stamp) => putRequest(transactionToItem(transaction, stamp)),
      this.stamp,
    );
  }

  async removeMany(transactions: readonly Transaction[]): Promise<void> {
    await batchWriteStamped(
      this.table,
      transactions,
      (transaction, stamp) =>
        putRequest(
          tombstoneToItem({
            userId: transaction.userId,
            transactionId: transaction.transactionId,
            connectionId: transaction.connectionId,
            accountId: transaction.accountId,
            removedAt: stamp,
          }),
        ),
      this.stamp,
    );
  }

  /**
   * Oldest change first from the user's change partition (GSI3). Reading stops at `upTo` (the settle
   * horizon) so a reader never passes a key that a request in flight may still write behind it.
   */
  async listChanges(
    userId: string,
    range: { after: string | null; upTo: string; limit: number; connectionId?: string },
  ): Promise<{ changes: TransactionChange[]; hasMore: boolean }> {
    const changes: TransactionChange[] = [];
    if (range.after !== null && range.after >= range.upTo) return { changes, hasMore: false };
    const values: Record<string, unknown> = { ':pk': userChangesPartitionKey(userId), ':upTo': range.upTo, ':userId': userId };
    let keyCondition = 'GSI3PK = :pk AND GSI3SK <= :upTo';
    if (range.after !== null) {
      keyCondition = 'GSI3PK = :pk AND GSI3SK BETWEEN :after AND :upTo';
      values[':after'] = range.after;
    }
    const filters = ['user_id = :userId'];
    if (range.connectionId !== undefined) {
      filters.push('connection_id = :connectionId');
      values[':connectionId'] = range.connectionId;
    }
    let startKey: Record<string, unknown> | undefined;
    for (let round = 0; round < MAX_CHANGE_ROUNDS; round++) {
      const output = await this.table.client.send(
        new QueryCommand({
          TableName: this.table.tableName,
          IndexName: indexes.GSI3.name,
          KeyConditionExpression: keyCondition,
          FilterExpression: filters.join(' AND '),
          ExpressionAttributeValues: values,
          // One more than asked tells whether the range holds more; the filter may drop rows, so read ahead.
          Limit: range.connectionId === undefined ? range.limit + 1 : Math.min(1000, (range.limit + 1) * 4),
          ...(startKey ? { ExclusiveStartKey: startKey } : {}),
        }),
      );
      for (const item of (output.Items ?? []) as StoredItem[]) {
        const changeKey = String(item.GSI3SK);
        // BETWEEN is inclusive; the cursor's own key was returned on the previous page.
        if (range.after !== null && changeKey <= range.after) continue;
        if (changes.length === range.limit) return { changes, hasMore: true };
        changes.push(changeFromItem(item, changeKey));
      }
      startKey = output.LastEvaluatedKey;
      if (!startKey) return { changes, hasMore: false };
    }
    // The round bound was hit with a filter that matched little: the caller continues from the last change.
    return { changes, hasMore: true };
  }

  async deleteMany(transactions: readonly Pick<Transaction, 'userId' | 'transactionId'>[]): Promise<void> {
    await batchWriteAll(
      this.table,
      transactions.map((transaction) => deleteRequest(transactionKey(transaction.userId, transaction.transactionId))),
    );
  }

  /** From the change partition, so tombstones are purged with the live rows. */
  async listByConnection(
    userId: string,
    connectionId: string,
    cursor: string | null,
  ): Promise<Page<Pick<Transaction, 'userId' | 'transactionId'>>> {
    const partition = userChangesPartitionKey(userId);
    const page = await queryPage(
      this.table,
      {
        index: 'GSI3',
        query: {
          KeyConditionExpression: 'GSI3PK = :pk',
          FilterExpression: 'user_id = :userId AND connection_id = :connectionId',
          ExpressionAttributeValues: { ':pk': partition, ':userId': userId, ':connectionId': connectionId },
          ProjectionExpression: 'PK, SK, GSI3PK, GSI3SK, user_id, transaction_id',
        },
        cursor: { equals: { GSI3PK: partition, PK: userPartitionKey(userId) } },
        selectiveFilter: true,
        ownerPartition: userPartitionKey(userId),
      },
      INTERNAL_PAGE_SIZE,
      cursor,
    );
    return {
      items: page.items.map((item) => ({ userId: String(item.user_id), transactionId: String(item.transaction_id) })),
      nextCursor: page.nextCursor,
    };
  }

  async isUserCategoryInUse(userId: string, categoryId: string): Promise<boolean> {
    const output = await this.table.client.send(
      new QueryCommand({
        TableName: this.table.tableName,
        IndexName: indexes.GSI4.name,
        KeyConditionExpression: 'GSI4PK = :pk',
        ExpressionAttributeValues: { ':pk': userCategoryTransactionsPartitionKey(userId, categoryId) },
        ProjectionExpression: 'PK',
        Limit: 1,
      }),
    );
    return (output.Items?.length ?? 0) > 0;
  }

  async listByUserCategory(userId: string, categoryId: string, cursor: string | null): Promise<Page<Transaction>> {
    const partition = userCategoryTransactionsPartitionKey(userId, categoryId);
    const page = await queryPage(
      this.table,
      {
        index: 'GSI4',
        query: {
          KeyConditionExpression: 'GSI4PK = :pk',
          FilterExpression: 'user_id = :userId',
          ExpressionAttributeValues: { ':pk': partition, ':userId': userId },
          ScanIndexForward: false,
        },
        cursor: { equals: { GSI4PK: partition, PK: userPartitionKey(userId) } },
        selectiveFilter: false,
        ownerPartition: userPartitionKey(userId),
      },
      INTERNAL_PAGE_SIZE,
      cursor,
    );
    return { items: page.items.map(transactionFromItem), nextCursor: page.nextCursor };
  }

  /**
   * All or nothing: each chunk of at most 100 edits is one `TransactWriteItems`, every update conditional on
   * the transaction existing (NotFoundError otherwise). More than 100 edits need several transactions, so
   * every id is checked first and nothing is written if one is missing; what remains is the window between
   * that check and the last chunk, in which a sync could delete a transaction (then the earlier chunks
   * stay applied and the caller sees NotFoundError). Returns the transactions as stored afterwards
   * (read back consistently: `ReturnValues` does not exist for transactional writes).
   */
  async updateUserFields(userId: string, edits: readonly UserFieldEdit[], now: string): Promise<Transaction[]> {
    const merged = mergeEditsById(edits);
    if (merged.length === 0) return [];
    const ids = merged.map((edit) => edit.transactionId);
    if (merged.length > MAX_TRANSACTION_ACTIONS) {
      const existing = await this.getMany(userId, ids);
      if (existing.length !== merged.length) throw new NotFoundError('transaction');
    }
    for (const chunk of chunked(merged, MAX_TRANSACTION_ACTIONS)) {
      const stamp = this.stamp();
      await transactWrite(
        this.table,
        chunk.map((edit) => userFieldUpdate(this.table.tableName, userId, edit, now, stamp)),
      );
    }
    return this.readMany(userId, ids, true);
  }
}

/** Several edits of one transaction in a request become one (later fields win): a transaction may name an item once. */
export function mergeEditsById(edits: readonly UserFieldEdit[]): UserFieldEdit[] {
  const merged = new Map<string, UserFieldEdit>();
  for (const edit of edits) {
    const previous = merged.get(edit.transactionId);
    const definedFields = Object.fromEntries(Object.entries(edit).filter(([, value]) => value !== undefined));
    merged.set(edit.transactionId, { ...previous, ...definedFields } as UserFieldEdit);
  }
  return [...merged.values()];
}

/**
 * The Update of one edit. Only fields present in the edit change. Setting a user category also puts the row
 * into GSI4 (its sort key is copied from GSI1SK, `<date>#<id>`, so no read is needed); clearing it removes
 * the GSI4 keys and falls back to the provider's category for `effective_category_id`.
 */
export function userFieldUpdate(
  tableName: string,
  userId: string,
  edit: UserFieldEdit,
  now: string,
  changedAt: string = now,
): TransactAction {
  // An edit is a change too: the row moves to the end of the user's change feed.
  const set: string[] = ['updated_at = :now', 'GSI3SK = :changeKey'];
  const remove: string[] = [];
  const values: Record<string, unknown> = {
    ':now': now,
    ':changeKey': transactionChangeKey(changedAt, edit.transactionId),
    ':live': TRANSACTION_ENTITY,
  };

  if (edit.userCategoryId !== undefined) {
    if (edit.userCategoryId === null) {
      remove.push('user_category_id', 'GSI4PK', 'GSI4SK');
      set.push('effective_category_id = if_not_exists(provider_category_id, :noCategory)');
      values[':noCategory'] = null;
    } else {
      set.push('user_category_id = :category', 'effective_category_id = :category', 'GSI4PK = :categoryPartition', 'GSI4SK = GSI1SK');
      values[':category'] = edit.userCategoryId;
      values[':categoryPartition'] = userCategoryTransactionsPartitionKey(userId, edit.userCategoryId);
    }
  }
  if (edit.note !== undefined) {
    if (edit.note === null) remove.push('note');
    else {
      set.push('note = :note');
      values[':note'] = edit.note;
    }
  }
  if (edit.categorySync !== undefined) {
    if (edit.categorySync === null) remove.push('category_sync');
    else {
      set.push('category_sync = :categorySync');
      values[':categorySync'] = categorySyncToAttribute(edit.categorySync);
    }
  }
  const updateExpression = `SET ${set.join(', ')}${remove.length > 0 ? ` REMOVE ${remove.join(', ')}` : ''}`;
  return {
    item: {
      Update: {
        TableName: tableName,
        Key: transactionKey(userId, edit.transactionId),
        UpdateExpression: updateExpression,
        // A tombstone (or nothing) under the key: not found, and the tombstone stays as it is.
        ConditionExpression: 'entity = :live',
        ExpressionAttributeValues: values,
      },
    },
    onConditionFailed: () => new NotFoundError('transaction'),
  };
}

/** Rounds of one change-feed read when a connection filter drops most rows (bounds a request's work). */
const MAX_CHANGE_ROUNDS = 10;

function changeFromItem(item: StoredItem, changeKey: string): TransactionChange {
  if (isLiveTransactionItem(item)) {
    const transaction = transactionFromItem(item);
    return {
      kind: 'live',
      changeKey,
      addedKey: transactionChangeKey(transaction.createdAt, transaction.transactionId),
      transaction,
    };
  }
  return { kind: 'removed', changeKey, removal: tombstoneFromItem(item) };
}

/**
 * The query behind a filtered listing, or null when the date range is empty (DynamoDB rejects a BETWEEN
 * whose lower bound exceeds the upper one, and no transaction could match anyway).
 *
 * Dates bound the `<date>#<id>` sort key: `>= dateFrom` includes every id on that day, and
 * `<= dateTo#\uffff` every id on the last day.
 */
export function transactionListRequest(userId: string, filter: TransactionFilter): PageRequest | null {
  const index: IndexName = 'GSI1';
  const partition = userTransactionsPartitionKey(userId);
  const { partitionKey, sortKey } = indexes[index];
  const lower = filter.dateFrom;
  const upper = filter.dateTo === undefined ? undefined : `${filter.dateTo}#${HIGHEST_KEY_CHARACTER}`;
  if (lower !== undefined && upper !== undefined && lower > upper) return null;

  const values: Record<string, unknown> = { ':pk': partition, ':userId': userId };
  let keyCondition = `${partitionKey} = :pk`;
  if (lower !== undefined && upper !== undefined) {
    keyCondition += ` AND ${sortKey} BETWEEN :lower AND :upper`;
    values[':lower'] = lower;
    values[':upper'] = upper;
  } else if (lower !== undefined) {
    keyCondition += ` AND ${sortKey} >= :lower`;
    values[':lower'] = lower;
  } else if (upper !== undefined) {
    keyCondition += ` AND ${sortKey} <= :upper`;
    values[':upper'] = upper;
  }

  const filters = ['user_id = :userId'];
  if (filter.accountId !== undefined) {
    filters.push('account_id = :accountId');
    values[':accountId'] = filter.accountId;
  }
  if (filter.connectionId !== undefined) {
    filters.push('connection_id = :connectionId');
    values[':connectionId'] = filter.connectionId;
  }
  if (filter.pending !== undefined) {
    filters.push('pending = :pending');
    values[':pending'] = filter.pending;
  }
  if (filter.categoryId !== undefined) {
    filters.push('effective_category_id = :categoryId');
    values[':categoryId'] = filter.categoryId;
  }

  return {
    index,
    query: {
      KeyConditionExpression: keyCondition,
      FilterExpression: filters.join(' AND '),
      ExpressionAttributeValues: values,
      ScanIndexForward: false,
    },
    cursor: {
      equals: { [partitionKey]: partition, PK: userPartitionKey(userId) },
      sortKey: { attribute: sortKey, ...(lower !== undefined ? { min: lower } : {}), ...(upper !== undefined ? { max: upper } : {}) },
    },
    // The owner filter alone drops nothing in the caller's own partition, so only further filters call for
    // reading ahead.
    selectiveFilter: filters.length > 1,
    ownerPartition: userPartitionKey(userId),
  };
}
