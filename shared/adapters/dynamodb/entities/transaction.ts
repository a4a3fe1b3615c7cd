/**
 * Transaction rows.
 *
 * Key: PK `USER#<userId>`, SK `TXN#<transactionId>`. A transaction is in two indexes (plus a sparse one), so a
 * new transaction costs three item writes, not four:
 * - GSI1: `USER#<userId>#TXN` / `<date>#<transactionId>`: a user's live transactions by date (ISO
 *   `YYYY-MM-DD` sorts as text; the id breaks ties so the order is total and cursors are exact). Account and
 *   connection listings read the same partition with a filter (one index serves three listings).
 * - GSI3: `USER#<userId>#CHG` / `<changedAt>#<transactionId>`: the user's change feed, live transactions and
 *   tombstones ordered by when they last changed (see {@link transactionChangeKey}); also the purge's list
 *   of a connection's rows (filter on `connection_id`).
 * - GSI4 (sparse, only with a user category): `USER#<userId>#CAT#<categoryId>`  transactions the user
 *   put in one of their categories (is the category in use? reassign on delete)
 *
 * A transaction the provider removes becomes a tombstone (entity `transaction_removed`): same primary key,
 * only ids, `removed_at`, a new change key and a TTL of {@link TOMBSTONE_RETENTION_DAYS} days. It has no GSI1
 * or GSI4 keys, so no listing sees it; the stores' point reads check `entity` and treat it as absent.
 *
 * Access patterns served:
 * - (4) transactions of a user or of an account by date, newest first, paged: Query GSI1 with
 *   `ScanIndexForward: false`, a date range as BETWEEN on the sort key, account, connection, pending and
 *   category as a FilterExpression (on `effective_category_id`, kept on the row so the filter is one
 *   comparison), and always `user_id = :userId` as well.
 * - changes of a user since a position (the transaction change feed): Query GSI3 ascending, `GSI3SK > :cursor`.
 * - (5) transaction by provider transaction id (idempotent upsert, removal, pending→posted): the transaction
 *   id is derived deterministically from (provider, provider transaction id) by the sync engine, so this is
 *   a GetItem / BatchGetItem / BatchWriteItem on the primary key; re-applying a page overwrites, never
 *   duplicates.
 * - transaction by (user, id): GetItem on the primary key.
 *
 * `provider_category_id` duplicates `provider_category.id` at the top level so a user-override removal can
 * fall back to it inside one UpdateExpression (`if_not_exists(provider_category_id, :null)`), without a read.
 */
import {
  effectiveCategoryId,
  providers,
  type CategorySyncStatus,
  type Transaction,
} from '../../../banking/model';
import type { ItemReader } from '../item-reader';
import { readerFor } from '../item-reader';
import { timeToLiveAttribute, type PrimaryKey, type StoredItem } from '../table';
import { userPartitionKey, withoutEmptyAttributes } from './keys';

export const TRANSACTION_ENTITY = 'transaction';
export const TRANSACTION_TOMBSTONE_ENTITY = 'transaction_removed';
/** How long a removed transaction stays in the change feed; a feed cursor older than this is expired. */
export const TOMBSTONE_RETENTION_DAYS = 30;
export const TRANSACTION_SORT_KEY_PREFIX = 'TXN#';
// A record, so the compiler flags a status added to the model's union.
const categorySyncStatusSet: Record<CategorySyncStatus, true> = { pending: true, synced: true, failed: true };
const categorySyncStatuses = Object.keys(categorySyncStatusSet) as CategorySyncStatus[];

export function transactionKey(userId: string, transactionId: string): PrimaryKey {
  return { PK: userPartitionKey(userId), SK: `${TRANSACTION_SORT_KEY_PREFIX}${transactionId}` };
}

/** The sort key of every transaction index. */
export function transactionDateSortKey(date: string, transactionId: string): string {
  return `${date}#${transactionId}`;
}

export function userTransactionsPartitionKey(userId: string): string {
  return `${userPartitionKey(userId)}#TXN`;
}

export function userChangesPartitionKey(userId: string): string {
  return `${userPartitionKey(userId)}#CHG`;
}

/**
 * The change feed's sort key: when the row was written (ISO-8601 UTC with milliseconds, so text order is time
 * order) and the id (a total order). The store stamps it right before each write request is sent, never
 * earlier, so a change becomes readable within one request's time of its key; readers stay a settle window
 * behind the clock (`shared/banking/transaction-feed.ts`) so no key can still appear behind their position.
 */
export function transactionChangeKey(changedAt: string, transactionId: string): string {
  return `${changedAt}#${transactionId}`;
}

/** Where a removed transaction's tombstone goes: its change key at `removedAt`, and a TTL. */
export interface TransactionTombstone {
  readonly userId: string;
  readonly transactionId: string;
  readonly connectionId: string;
  readonly accountId: string;
  readonly removedAt: string;
}

export function tombstoneToItem(tombstone: TransactionTombstone): StoredItem {
  const expiresAt = Math.floor(Date.parse(tombstone.removedAt) / 1000) + TOMBSTONE_RETENTION_DAYS * 86_400;
  return {
    ...transactionKey(tombstone.userId, tombstone.transactionId),
    GSI3PK: userChangesPartitionKey(tombstone.userId),
    GSI3SK: transactionChangeKey(tombstone.removedAt, tombstone.transactionId),
    entity: TRANSACTION_TOMBSTONE_ENTITY,
    user_id: tombstone.userId,
    transaction_id: tombstone.transactionId,
    connection_id: tombstone.connectionId,
    account_id: tombstone.accountId,
    removed_at: tombstone.removedAt,
    [timeToLiveAttribute]: expiresAt,
  };
}

export function tombstoneFromItem(item: StoredItem): TransactionTombstone {
  const read = readerFor(item, TRANSACTION_TOMBSTONE_ENTITY);
  return {
    userId: read.string('user_id'),
    transactionId: read.string('transaction_id'),
    connectionId: read.string('connection_id'),
    accountId: read.string('account_id'),
    removedAt: read.string('removed_at'),
  };
}

export function isLiveTransactionItem(item: StoredItem): boolean {
  return item.entity === TRANSACTION_ENTITY;
}

export function userCategoryTransactionsPartitionKey(userId: string, categoryId: string): string {
  return `${userPartitionKey(userId)}#CAT#${categoryId}`;
}

export function categorySyncToAttribute(categorySync: Transaction['categorySync']): StoredItem | null {
  return categorySync === null
    ? null
    : { status: categorySync.status, updated_at: categorySync.updatedAt, error: categorySync.error };
}

function categorySyncFromAttribute(read: ItemReader | null): Transaction['categorySync'] {
  return read === null
    ? null
    : {
        status: read.oneOf('status', categorySyncStatuses),
        updatedAt: read.string('updated_at'),
        error: read.nullableString('error'),
      };
}

/**
 * The stored row. `changedAt` is the write's own stamp (see {@link transactionChangeKey}); a new row (no
 * earlier write: `createdAt === updatedAt`, as the sync writer builds it) also takes it as `created_at`, so
 * the feed can tell an addition from a modification by comparing `<created_at>#<id>` with a cursor.
 */
export function transactionToItem(transaction: Transaction, changedAt: string = transaction.updatedAt): StoredItem {
  const dateSortKey = transactionDateSortKey(transaction.date, transaction.transactionId);
  const userCategory =
    transaction.userCategoryId === null
      ? {}
      : {
          GSI4PK: userCategoryTransactionsPartitionKey(transaction.userId, transaction.userCategoryId),
          GSI4SK: dateSortKey,
        };
  return withoutEmptyAttributes({
    ...transactionKey(transaction.userId, transaction.transactionId),
    GSI1PK: userTransactionsPartitionKey(transaction.userId),
    GSI1SK: dateSortKey,
    GSI3PK: userChangesPartitionKey(transaction.userId),
    GSI3SK: transactionChangeKey(changedAt, transaction.transactionId),
    ...userCategory,
    entity: TRANSACTION_ENTITY,
    user_id: transaction.userId,
    transaction_id: transaction.transactionId,
    connection_id: transaction.connectionId,
    account_id: transaction.accountId,
    provider: transaction.provider,
    provider_transaction_id: transaction.providerTransactionId,
    amount: transaction.amount,
    currency: transaction.currency,
    date: transaction.date,
    authorized_date: transaction.authorizedDate,
    description: transaction.description,
    merchant_name: transaction.merchantName,
    pending: transaction.pending,
    pending_provider_transaction_id: transaction.pendingProviderTransactionId,
    provider_category: transaction.providerCategory && {
      id: transaction.providerCategory.id,
      name: transaction.providerCategory.name,
    },
    provider_category_id: transaction.providerCategory?.id ?? null,
    user_category_id: transaction.userCategoryId,
    effective_category_id: effectiveCategoryId(transaction),
    note: transaction.note,
    category_sync: categorySyncToAttribute(transaction.categorySync),
    created_at: transaction.createdAt === transaction.updatedAt ? changedAt : transaction.createdAt,
    updated_at: changedAt,
  });
}

export function transactionFromItem(item: StoredItem): Transaction {
  const read = readerFor(item, TRANSACTION_ENTITY);
  const providerCategory = read.nullableMap('provider_category');
  return {
    userId: read.string('user_id'),
    transactionId: read.string('transaction_id'),
    connectionId: read.string('connection_id'),
    accountId: read.string('account_id'),
    provider: read.oneOf('provider', providers),
    providerTransactionId: read.string('provider_transaction_id'),
    amount: read.string('amount'),
    currency: read.string('currency'),
    date: read.string('date'),
    authorizedDate: read.nullableString('authorized_date'),
    description: read.string('description'),
    merchantName: read.nullableString('merchant_name'),
    pending: read.boolean('pending'),
    pendingProviderTransactionId: read.nullableString('pending_provider_transaction_id'),
    providerCategory: providerCategory && {
      id: providerCategory.string('id'),
      name: providerCategory.nullableString('name'),
    },
    userCategoryId: read.nullableString('user_category_id'),
    note: read.nullableString('note'),
    categorySync: categorySyncFromAttribute(read.nullableMap('category_sync')),
    createdAt: read.string('created_at'),
    updatedAt: read.string('updated_at'),
  };
}
