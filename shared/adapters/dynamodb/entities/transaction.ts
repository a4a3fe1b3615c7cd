/**
 * Transaction rows.
 *
 * Key: PK `USER#<userId>`, SK `TXN#<transactionId>`. Every index below sorts by `<date>#<transactionId>`
 * (ISO `YYYY-MM-DD` sorts as text; the id breaks ties so the order is total and cursors are exact):
 * - GSI1: `USER#<userId>#TXN`               all transactions of a user by date
 * - GSI2: `ACCT#<accountId>#TXN`            one account's transactions by date
 * - GSI3: `CONN#<connectionId>#TXN`         one connection's transactions by date (filter, purge)
 * - GSI4 (sparse, only with a user category): `USER#<userId>#CAT#<categoryId>`  transactions the user
 *   put in one of their categories (is the category in use? reassign on delete)
 *
 * Access patterns served:
 * - (4) transactions of a user or of an account by date, newest first, paged: Query GSI1 / GSI2 (or GSI3 for
 *   a connection) with `ScanIndexForward: false`, a date range as BETWEEN on the sort key, pending and
 *   category as a FilterExpression (on `effective_category_id`, kept on the row so the filter is one
 *   comparison), and always `user_id = :userId` as well.
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
import type { PrimaryKey, StoredItem } from '../table';
import { userPartitionKey, withoutEmptyAttributes } from './keys';

export const TRANSACTION_ENTITY = 'transaction';
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

export function accountTransactionsPartitionKey(accountId: string): string {
  return `ACCT#${accountId}#TXN`;
}

export function connectionTransactionsPartitionKey(connectionId: string): string {
  return `CONN#${connectionId}#TXN`;
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

export function transactionToItem(transaction: Transaction): StoredItem {
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
    GSI2PK: accountTransactionsPartitionKey(transaction.accountId),
    GSI2SK: dateSortKey,
    GSI3PK: connectionTransactionsPartitionKey(transaction.connectionId),
    GSI3SK: dateSortKey,
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
    created_at: transaction.createdAt,
    updated_at: transaction.updatedAt,
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
