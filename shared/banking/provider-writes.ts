/**
 * The provider-write worker's use-case: carry a user's category choice to the provider (Pluggy's category
 * feedback, `PATCH /transactions/{id}`), and keep the transaction's `category_sync` telling the truth:
 *
 * - `pending` while the job is queued or being retried (set by the API when the edit is saved);
 * - `synced` once the provider accepted the category that is still the user's choice;
 * - `failed` with a reason when the provider refused it for good, or when the last delivery the queue
 *   allows failed too (the job then also lands in the dead-letter queue, where it can be redriven);
 * - cleared (null) when there is nothing to send: the override was removed, or it is the user's own
 *   category, which has no id in the provider's catalog. Such a category applies here only; marking it
 *   `failed` would flag a perfectly good edit as an error the user cannot fix.
 *
 * The job carries ids only; the category is read from the stored transaction, so a job that runs late
 * sends the newest choice, and a redelivered job for a choice already synced does nothing.
 */
import { describeError } from '../errors/error-mapper';
import { logger } from '../observability/logger';
import { countMetric, metricNames } from '../observability/metrics';
import type { CategorySync, Provider, Transaction } from './model';
import type { Clock, ProviderWriteJob, TransactionStore } from './ports';
import type { ProviderCategoryWriter } from '../providers/ports';

export interface ProviderWriteDeps {
  readonly transactions: TransactionStore;
  readonly writerFor: (provider: Provider) => Promise<ProviderCategoryWriter>;
  readonly clock: Clock;
}

export interface DeliveryAttempt {
  /** SQS `ApproximateReceiveCount` of this delivery (1 for the first). */
  readonly receiveCount: number;
  /** The queue's `maxReceiveCount`: the delivery after this one goes to the dead-letter queue instead. */
  readonly maxReceiveCount: number;
}

export type ProviderWriteOutcome = 'synced' | 'failed' | 'not_sent' | 'superseded' | 'gone';

/**
 * Returns what happened. Throws when the write should be retried (the worker delays the redelivery with
 * `providerWriteRedeliveryBackoff`, growing with each delivery); on the last allowed delivery the transaction is marked `failed` before the error is rethrown.
 */
export async function writeTransactionCategory(
  deps: ProviderWriteDeps,
  job: ProviderWriteJob,
  attempt: DeliveryAttempt,
): Promise<ProviderWriteOutcome> {
  const transaction = await deps.transactions.get(job.userId, job.transactionId);
  if (!transaction) {
    logger.info('category write skipped: the transaction no longer exists');
    return 'gone';
  }
  if (transaction.categorySync?.status !== 'pending') {
    // Another delivery (or a newer job) already settled it.
    logger.info('category write skipped: nothing pending', { status: transaction.categorySync?.status ?? null });
    return 'superseded';
  }
  const categoryId = transaction.userCategoryId;
  const writer = await deps.writerFor(transaction.provider);
  const providerCategoryId = categoryId ? writer.providerCategoryIdOf(categoryId) : null;
  if (!categoryId || !providerCategoryId) {
    await mark(deps, transaction, null);
    logger.info('category not sent: it has no id in the provider catalog', { own_category: categoryId !== null });
    return 'not_sent';
  }

  try {
    await writer.writeCategory(transaction, providerCategoryId);
  } catch (error) {
    const described = describeError(error);
    const lastDelivery = attempt.receiveCount >= attempt.maxReceiveCount;
    if (described.retryable && !lastDelivery) {
      logger.warn('category write failed; the queue will retry', { code: described.code, receive_count: attempt.receiveCount });
      throw error;
    }
    await mark(deps, transaction, {
      status: 'failed',
      updatedAt: deps.clock.now().toISOString(),
      error: described.retryable ? `Gave up after ${attempt.receiveCount} attempts: ${described.message}` : described.message,
    });
    countMetric(metricNames.categoryWritesFailed);
    logger.warn('category write failed for good', { code: described.code, retryable: described.retryable });
    // A retryable failure on the last delivery goes on to the dead-letter queue (visible, redrivable).
    if (described.retryable) throw error;
    return 'failed';
  }

  // The user may have picked another category while this one was on its way; that choice has its own job.
  const current = await deps.transactions.get(job.userId, job.transactionId);
  if (!current || current.userCategoryId !== categoryId) {
    logger.info('category written, but the user has changed it since; the newer job settles it');
    return 'superseded';
  }
  await mark(deps, current, { status: 'synced', updatedAt: deps.clock.now().toISOString(), error: null });
  countMetric(metricNames.categoryWritesSynced);
  return 'synced';
}

async function mark(deps: ProviderWriteDeps, transaction: Transaction, categorySync: CategorySync | null): Promise<void> {
  await deps.transactions.updateUserFields(
    transaction.userId,
    [{ transactionId: transaction.transactionId, categorySync }],
    deps.clock.now().toISOString(),
  );
}
