/**
 * Transaction use-cases: listing, reading and the user's own edits (category override and note).
 *
 * A category override on a Pluggy transaction is also sent back to Pluggy (their category feedback loop):
 * it is saved here at once with `category_sync = pending`, and a provider-write job carries it to Pluggy,
 * retried until it lands; the worker marks it synced or failed.
 */
import { ValidationError } from '../errors/app-error';
import { requireAssignableCategory } from './category-lookup';
import type { Transaction } from './model';
import { requireAccount, requireConnection, requireTransaction } from './ownership';
import type {
  AccountStore,
  CategoryStore,
  Clock,
  ConnectionReader,
  Page,
  ProviderWriteQueue,
  TransactionFilter,
  TransactionReader,
  TransactionStore,
} from './ports';

/** Providers that accept our category corrections. Plaid has no such endpoint. */
const CATEGORY_FEEDBACK_PROVIDERS = new Set<Transaction['provider']>(['pluggy']);

export async function listTransactions(
  deps: { transactions: TransactionReader; accounts: AccountStore; connections: ConnectionReader },
  userId: string,
  filter: TransactionFilter,
  limit: number,
  cursor: string | null,
): Promise<Page<Transaction>> {
  // Resolve the scoping ids first so a foreign or unknown id is a 404, exactly like reading it directly.
  if (filter.accountId) await requireAccount(deps.accounts, userId, filter.accountId);
  if (filter.connectionId) await requireConnection(deps.connections, userId, filter.connectionId);
  return deps.transactions.list(userId, filter, limit, cursor);
}

export async function getTransaction(transactions: TransactionReader, userId: string, transactionId: string): Promise<Transaction> {
  return requireTransaction(transactions, userId, transactionId);
}

export interface EditDeps {
  readonly transactions: TransactionStore;
  readonly categories: CategoryStore;
  readonly providerWrites: ProviderWriteQueue;
  readonly clock: Clock;
}

export interface TransactionEdit {
  /** A category id to override with, `null` to drop the override, absent to leave it. */
  readonly userCategoryId?: string | null;
  /** A note, `null` to clear it, absent to leave it. */
  readonly note?: string | null;
}

export async function updateTransaction(
  deps: EditDeps,
  userId: string,
  transactionId: string,
  edit: TransactionEdit,
): Promise<Transaction> {
  const transaction = await requireTransaction(deps.transactions, userId, transactionId);
  if (edit.userCategoryId) {
    await requireAssignableCategory(deps.categories, userId, edit.userCategoryId, 'body.category_id');
  }
  const [updated] = await applyUserEdits(deps, userId, [transaction], edit);
  return updated ?? transaction;
}

export const BULK_CATEGORIZE_LIMIT = 500;

/**
 * Sets one category on many transactions. Validated as a whole: if any id is unknown (or another user's),
 * nothing is applied and the error names every such id.
 */
export async function bulkCategorize(
  deps: EditDeps,
  userId: string,
  transactionIds: readonly string[],
  categoryId: string | null,
): Promise<Transaction[]> {
  const unique = [...new Set(transactionIds)];
  if (categoryId) await requireAssignableCategory(deps.categories, userId, categoryId, 'body.category_id');
  const found = await deps.transactions.getMany(userId, unique);
  const foundIds = new Set(found.map((transaction) => transaction.transactionId));
  const missing = transactionIds
    .map((id, index) => ({ id, index }))
    .filter(({ id }) => !foundIds.has(id));
  if (missing.length > 0) {
    throw new ValidationError(
      `${missing.length} transaction id(s) not found; nothing was changed`,
      missing.map(({ index }) => ({ field: `body.transaction_ids.${index}`, message: 'Transaction not found' })),
    );
  }
  return applyUserEdits(deps, userId, found, { userCategoryId: categoryId });
}

/**
 * Writes user edits atomically and queues the category corrections a provider should hear about. Only
 * transactions whose effective override actually changes are written (a no-op edit writes nothing).
 */
export async function applyUserEdits(
  deps: Omit<EditDeps, 'categories'>,
  userId: string,
  transactions: readonly Transaction[],
  edit: TransactionEdit,
): Promise<Transaction[]> {
  const now = deps.clock.now().toISOString();
  const changed = transactions.filter(
    (transaction) =>
      (edit.userCategoryId !== undefined && edit.userCategoryId !== transaction.userCategoryId) ||
      (edit.note !== undefined && edit.note !== transaction.note),
  );
  if (changed.length === 0) return [...transactions];
  const categoryChanges = new Set(
    changed
      .filter((transaction) => edit.userCategoryId !== undefined && edit.userCategoryId !== transaction.userCategoryId)
      .map((transaction) => transaction.transactionId),
  );
  // Only a category from the provider's own catalog means anything to the provider: a user's own category
  // (`usr_…`) or another provider's has no id there, so it stays a local override.
  const sendsFeedback = (transaction: Transaction) =>
    CATEGORY_FEEDBACK_PROVIDERS.has(transaction.provider) &&
    !!edit.userCategoryId?.startsWith(`${transaction.provider}:`);
  const toProvider = changed.filter(
    (transaction) => categoryChanges.has(transaction.transactionId) && sendsFeedback(transaction),
  );
  const feedbackIds = new Set(toProvider.map((transaction) => transaction.transactionId));
  const updated = await deps.transactions.updateUserFields(
    userId,
    changed.map((transaction) => ({
      transactionId: transaction.transactionId,
      ...(edit.userCategoryId !== undefined ? { userCategoryId: edit.userCategoryId } : {}),
      ...(edit.note !== undefined ? { note: edit.note } : {}),
      ...(feedbackIds.has(transaction.transactionId)
        ? { categorySync: { status: 'pending' as const, updatedAt: now, error: null } }
        : {}),
    })),
    now,
  );
  // Queued after the local write: the worker reads the category from the stored transaction, so a job
  // that runs late still sends the newest choice, and a lost job is visible as `pending`.
  await deps.providerWrites.enqueue(
    toProvider.map((transaction) => ({
      kind: 'transaction_category' as const,
      userId,
      transactionId: transaction.transactionId,
      connectionId: transaction.connectionId,
      provider: transaction.provider,
    })),
  );
  const updatedById = new Map(updated.map((transaction) => [transaction.transactionId, transaction]));
  return transactions.map((transaction) => updatedById.get(transaction.transactionId) ?? transaction);
}
