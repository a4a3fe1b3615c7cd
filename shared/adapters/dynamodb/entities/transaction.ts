/**
 * Transaction rows.
 *
 * Key: PK `USER#<userId>`, SK `TXN#<transactionId>`. A transaction is in one index (plus a sparse one), so a
 * new transaction costs two item writes:
 * - GSI1: `USER#<userId>#TXN` / `<date>#<transactionId>`: a user's live transactions by date (ISO
 *   `YYYY-MM-DD` sorts as text; the id breaks ties so the order is total and cursors are exact). Account and
 *   connection listings read the same partition with a filter (one index serves three listings), and so
 *   does the change feed, for the rows of one change entry.
 * - GSI4 (sparse, only with a user category): `USER#<userId>#CAT#<categoryId>`  transactions the user
 *   put in one of their categories (is the category in use? reassign on delete)
 *
 * GSI1 projects the whole row, so every stored byte is paid twice. The row therefore holds no attribute that
 * another one already carries: the user id and the transaction id are read from the keys (`PK`, `SK`), the
 * date from `GSI1SK`, and the category a listing filters on is worked out in the filter from
 * `user_category_id` and `provider_category.id` (see {@link categoryFilter}). Rows written before this
 * carry `user_id`, `transaction_id`, `date`, `provider_category_id` and `effective_category_id` as well
 * ({@link LEGACY_DUPLICATE_ATTRIBUTES}); they read, list and filter the same, nothing reads those copies,
 * and a user edit removes them (a sync rewrites the whole row).
 *
 * Every write of a row records the change entry it belongs to in `change_id` (`entities/transaction-change.ts`):
 * the change feed lists entries, not rows, and finds an entry's rows by that id. The id starts with the
 * entry's stamp, which is the row's last-modified time, so the row keeps no `updated_at`; and it keeps a
 * `created_at` only when the creation time differs from that stamp (a row is created by one write and most
 * are never written again), see {@link transactionToItem}; on a row a user edited it may hold the id of the
 * change that created the row rather than its stamp (see `userFieldUpdate` in `transaction-store.ts`). Rows written before this carry both times
 * ({@link LEGACY_TIME_ATTRIBUTES}); they read as they always did, and any write drops `updated_at`.
 *
 * A transaction the provider removes becomes a tombstone (entity `transaction_removed`): same primary key,
 * the connection and account ids, `removed_at`, the removing entry's `change_id` and a TTL of
 * {@link TOMBSTONE_RETENTION_DAYS} days. It has no index keys, so no listing sees it; the stores' point reads
 * check `entity` and treat it as absent; the feed reports the removal from its entry while the tombstone
 * still carries that entry's id.
 *
 * Access patterns served:
 * - (4) transactions of a user or of an account by date, newest first, paged: Query GSI1 with
 *   `ScanIndexForward: false`, a date range as BETWEEN on the sort key, account, connection, pending and
 *   category as a FilterExpression. The partition key names the user, so the key alone keeps a query to
 *   the caller's rows (no owner filter).
 * - the rows one change entry wrote: Query GSI1 over the entry's date range (the whole partition for an
 *   entry of any date), filter `change_id = :entry`; or BatchGetItem when the entry lists the ids.
 * - every row of a connection, tombstones included (purge): Query PK = `USER#<userId>`, SK begins_with
 *   `TXN#`, filter on `connection_id`.
 * - (5) transaction by provider transaction id (idempotent upsert, removal, pending→posted): the transaction
 *   id is derived deterministically from (provider, provider transaction id) by the sync engine, so this is
 *   a GetItem / BatchGetItem / BatchWriteItem on the primary key; re-applying a page overwrites, never
 *   duplicates.
 * - transaction by (user, id): GetItem on the primary key.
 *
 * Rows written before change entries existed may still carry `GSI3PK`/`GSI3SK` (the old per-row feed keys)
 * until their next write replaces the item; nothing reads those copies any more.
 */
import {
  providers,
  type CategorySyncStatus,
  type Transaction,
} from '../../../banking/model';
import type { ItemReader } from '../item-reader';
import { CorruptItemError, readerFor } from '../item-reader';
import { timeToLiveAttribute, type PrimaryKey, type StoredItem } from '../table';
import { USER_PARTITION_PREFIX, userPartitionKey, withoutEmptyAttributes } from './keys';
import { CHANGE_RETENTION_DAYS, changeIdStamp } from './transaction-change';

export const TRANSACTION_ENTITY = 'transaction';
export const TRANSACTION_TOMBSTONE_ENTITY = 'transaction_removed';
/** How long a removed transaction's tombstone is kept: as long as the change entry that reports it. */
export const TOMBSTONE_RETENTION_DAYS = CHANGE_RETENTION_DAYS;
export const TRANSACTION_SORT_KEY_PREFIX = 'TXN#';
// A record, so the compiler flags a status added to the model's union.
const categorySyncStatusSet: Record<CategorySyncStatus, true> = { pending: true, synced: true, failed: true };
const categorySyncStatuses = Object.keys(categorySyncStatusSet) as CategorySyncStatus[];

/**
 * Attributes rows written before the current shape carry, each a copy of another (`user_id` of `PK`,
 * `transaction_id` of `SK`, `date` of `GSI1SK`, `provider_category_id` of `provider_category.id`,
 * `effective_category_id` of `user_category_id` or else `provider_category.id`). Nothing reads them; an edit
 * removes them. (`date` is a DynamoDB reserved word: expressions name it through an attribute name.)
 */
export const LEGACY_DUPLICATE_ATTRIBUTES = ['user_id', 'transaction_id', 'date', 'provider_category_id', 'effective_category_id'] as const;

/**
 * Times rows written before the current shape carry: `updated_at` (the stamp of `change_id`, or the
 * editing request's clock for a row a user edited) and `created_at` on every row (the same stamp for a row
 * written once). A row that has `updated_at` reads it, so such rows read exactly as before; a user edit
 * removes it and keeps `created_at` (see `userFieldUpdate`), a sync rewrites the whole row.
 */
export const LEGACY_TIME_ATTRIBUTES = ['updated_at'] as const;

export function transactionKey(userId: string, transactionId: string): PrimaryKey {
  return { PK: userPartitionKey(userId), SK: `${TRANSACTION_SORT_KEY_PREFIX}${transactionId}` };
}

/** The user and transaction ids of a transaction row or tombstone, read from its primary key. */
export function transactionIdsFromKey(item: StoredItem): { userId: string; transactionId: string } {
  const entity = typeof item.entity === 'string' ? item.entity : TRANSACTION_ENTITY;
  return {
    userId: keySuffix(item, 'PK', USER_PARTITION_PREFIX, entity),
    transactionId: keySuffix(item, 'SK', TRANSACTION_SORT_KEY_PREFIX, entity),
  };
}

function keySuffix(item: StoredItem, attribute: string, prefix: string, entity: string): string {
  const value = item[attribute];
  if (typeof value !== 'string' || !value.startsWith(prefix) || value.length === prefix.length) {
    throw new CorruptItemError(entity, attribute, `"${prefix}<id>"`);
  }
  return value.slice(prefix.length);
}

/** The date of a live row, from its GSI1 sort key `<date>#<transactionId>`. */
function dateFromSortKey(item: StoredItem, transactionId: string): string {
  const sortKey = item.GSI1SK;
  const suffix = `#${transactionId}`;
  if (typeof sortKey !== 'string' || !sortKey.endsWith(suffix) || sortKey.length === suffix.length) {
    throw new CorruptItemError(TRANSACTION_ENTITY, 'GSI1SK', `"<date>${suffix}"`);
  }
  return sortKey.slice(0, -suffix.length);
}

/**
 * The FilterExpression of "counts under category `:value`": the user's category when set, else the
 * provider's. It reads only attributes every row has had (old rows also carry `effective_category_id`, which
 * always equalled this).
 */
export function categoryFilter(valuePlaceholder: string): string {
  return `(user_category_id = ${valuePlaceholder} OR (attribute_not_exists(user_category_id) AND provider_category.id = ${valuePlaceholder}))`;
}

/** The sort key of every transaction index. */
export function transactionDateSortKey(date: string, transactionId: string): string {
  return `${date}#${transactionId}`;
}

export function userTransactionsPartitionKey(userId: string): string {
  return `${userPartitionKey(userId)}#TXN`;
}

/** A removed transaction's tombstone: ids (the user's and the transaction's are its key), when, the removing change entry, and a TTL. */
export interface TransactionTombstone {
  readonly userId: string;
  readonly transactionId: string;
  readonly connectionId: string;
  readonly accountId: string;
  readonly removedAt: string;
}

/** `changeId`: the entry that removes it (its stamp is `removedAt`). */
export function tombstoneToItem(tombstone: TransactionTombstone, changeId: string): StoredItem {
  const expiresAt = Math.floor(Date.parse(tombstone.removedAt) / 1000) + TOMBSTONE_RETENTION_DAYS * 86_400;
  return {
    ...transactionKey(tombstone.userId, tombstone.transactionId),
    change_id: changeId,
    entity: TRANSACTION_TOMBSTONE_ENTITY,
    connection_id: tombstone.connectionId,
    account_id: tombstone.accountId,
    removed_at: tombstone.removedAt,
    [timeToLiveAttribute]: expiresAt,
  };
}

export function tombstoneFromItem(item: StoredItem): TransactionTombstone {
  const read = readerFor(item, TRANSACTION_TOMBSTONE_ENTITY);
  return {
    ...transactionIdsFromKey(item),
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
 * The stored row, written by change entry `changeId` (see `entities/transaction-change.ts`). The entry's
 * stamp is the row's `updatedAt` (read from `change_id`, not stored again). A new row (no earlier write:
 * `createdAt === updatedAt`, as the sync writer builds it) was created by this write, so its creation time
 * is that stamp too and `created_at` is left out; a rewritten row stores its creation time in `created_at`.
 * The feed tells an addition from a modification by comparing `createdAt` with a cursor's position.
 */
export function transactionToItem(transaction: Transaction, changeId: string): StoredItem {
  const changedAt = changeIdStamp(changeId);
  const createdAt = transaction.createdAt === transaction.updatedAt ? changedAt : transaction.createdAt;
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
    ...userCategory,
    entity: TRANSACTION_ENTITY,
    change_id: changeId,
    connection_id: transaction.connectionId,
    account_id: transaction.accountId,
    provider: transaction.provider,
    provider_transaction_id: transaction.providerTransactionId,
    amount: transaction.amount,
    currency: transaction.currency,
    authorized_date: transaction.authorizedDate,
    description: transaction.description,
    merchant_name: transaction.merchantName,
    pending: transaction.pending,
    pending_provider_transaction_id: transaction.pendingProviderTransactionId,
    provider_category: transaction.providerCategory && {
      id: transaction.providerCategory.id,
      name: transaction.providerCategory.name,
    },
    user_category_id: transaction.userCategoryId,
    note: transaction.note,
    category_sync: categorySyncToAttribute(transaction.categorySync),
    created_at: createdAt === changedAt ? null : createdAt,
  });
}

/**
 * A row's times. `updatedAt`: the stamp of `change_id` (an older row's own `updated_at` when it has one, see
 * {@link LEGACY_TIME_ATTRIBUTES}). `createdAt`: the stamp in `created_at`, which holds either a time or, on a
 * row a user edited, the change id of the write that created it (an edit copies the row's `change_id` there,
 * see `userFieldUpdate`); absent, the row was created by its latest write, so it equals `updatedAt`.
 */
function rowTimes(read: ItemReader, item: StoredItem): Pick<Transaction, 'createdAt' | 'updatedAt'> {
  const updatedAt = item.updated_at === undefined ? changeIdStamp(read.string('change_id')) : read.string('updated_at');
  const created = read.nullableString('created_at');
  return { createdAt: created === null ? updatedAt : changeIdStamp(created), updatedAt };
}

export function transactionFromItem(item: StoredItem): Transaction {
  const read = readerFor(item, TRANSACTION_ENTITY);
  const providerCategory = read.nullableMap('provider_category');
  const { userId, transactionId } = transactionIdsFromKey(item);
  return {
    userId,
    transactionId,
    connectionId: read.string('connection_id'),
    accountId: read.string('account_id'),
    provider: read.oneOf('provider', providers),
    providerTransactionId: read.string('provider_transaction_id'),
    amount: read.string('amount'),
    currency: read.string('currency'),
    date: dateFromSortKey(item, transactionId),
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
    ...rowTimes(read, item),
  };
}
