/**
 * Reading live transactions: by id and the filtered listing. The store (`transaction-store.ts`) extends this
 * class with the writes; a function that only reads constructs this one, so its bundle carries no write path.
 * Key design and access patterns: `entities/transaction.ts`, docs/data-model.md.
 */
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import type { Transaction } from '../../banking/model';
import type { Page, TransactionFilter, TransactionReader } from '../../banking/ports';
import { batchGetAll } from './batch';
import { userPartitionKey } from './entities/keys';
import { categoryFilter, isLiveTransactionItem, transactionFromItem, transactionKey, userTransactionsPartitionKey } from './entities/transaction';
import { queryPage, type PageRequest } from './query';
import { HIGHEST_KEY_CHARACTER, indexes, tableRef, type IndexName, type StoreOptions, type TableRef } from './table';

export class DynamoTransactionReader implements TransactionReader {
  protected readonly table: TableRef;

  constructor(options: StoreOptions) {
    this.table = tableRef(options);
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

  protected async readMany(userId: string, transactionIds: readonly string[], consistentRead: boolean): Promise<Transaction[]> {
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
   * account, connection, pending and category are filter expressions (see `transactionListRequest` for why
   * the key alone confines the listing to the user).
   */
  async list(userId: string, filter: TransactionFilter, limit: number, cursor: string | null): Promise<Page<Transaction>> {
    const request = transactionListRequest(userId, filter);
    if (request === null) return { items: [], nextCursor: null };
    const page = await queryPage(this.table, request, limit, cursor);
    return { items: page.items.map(transactionFromItem), nextCursor: page.nextCursor };
  }
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

  const values: Record<string, unknown> = { ':pk': partition };
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

  // Tenant isolation rests on the key: the partition `USER#<userId>#TXN` holds this user's rows and no one
  // else's (the user id is all that varies between a fixed prefix and suffix, so two users never spell the
  // same partition), and a cursor must name this partition and this user's PK (`cursor` below). An account
  // or connection id of another user therefore matches nothing here; no owner attribute is needed on the row.
  const filters: string[] = [];
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
    filters.push(categoryFilter(':categoryId'));
    values[':categoryId'] = filter.categoryId;
  }

  return {
    index,
    query: {
      KeyConditionExpression: keyCondition,
      ...(filters.length > 0 ? { FilterExpression: filters.join(' AND ') } : {}),
      ExpressionAttributeValues: values,
      ScanIndexForward: false,
    },
    cursor: {
      equals: { [partitionKey]: partition, PK: userPartitionKey(userId) },
      sortKey: { attribute: sortKey, ...(lower !== undefined ? { min: lower } : {}), ...(upper !== undefined ? { max: upper } : {}) },
    },
    selectiveFilter: filters.length > 0,
    ownerPartition: userPartitionKey(userId),
  };
}
