/**
 * The adapter between an SQS event source and a use-case, with partial-batch responses.
 *
 * - Each record body is parsed with the worker's zod schema; a record that does not parse is reported as
 *   failed, so it ends in the dead-letter queue for inspection instead of vanishing.
 * - FIFO queues: records of one message group are handled in order, and after the first failure in a group
 *   the rest of that group is reported failed too (Lambda's FIFO contract: processing a later message of
 *   the group after an earlier one failed would break the per-group order).
 * - Standard queues: records are handled concurrently, each failure reported on its own.
 * - A failure the error mapper calls non-retryable is logged and acknowledged (retrying cannot help);
 *   anything retryable is reported back, retried after the visibility timeout, and dead-lettered after
 *   the queue's max receive count.
 */
import type { SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import type * as z from 'zod/v4/core';
import { safeParse } from '../validation/zod';
import { describeError } from '../errors/error-mapper';
import { clearLogContext, logger, withLogContext, type LogContext } from '../observability/logger';
import { countMetric, flushMetrics, workerMetricName } from '../observability/metrics';

export interface WorkerOptions<Schema extends z.$ZodType> {
  readonly name: string;
  readonly schema: Schema;
  /** Correlation ids to log for a message. */
  readonly logContext?: (message: z.output<Schema>) => LogContext;
  readonly handle: (message: z.output<Schema>, record: SQSRecord) => Promise<void>;
  /**
   * Runs before a record is reported failed after a retryable error, e.g. to delay its redelivery
   * (`shared/retry/policies.ts`). Its own failure is logged and changes nothing else: the record then comes
   * back after the queue's visibility timeout. Not called for the later records of a FIFO group that are
   * failed only to keep the group's order (they were never handled).
   */
  readonly beforeRetry?: (record: SQSRecord, error: unknown) => Promise<void>;
}

export function sqsWorker<Schema extends z.$ZodType>(
  options: WorkerOptions<Schema>,
): (event: SQSEvent) => Promise<SQSBatchResponse> {
  return async (event) => {
    const failed = new Set<string>();
    const records = event.Records ?? [];
    const isFifo = records.some((record) => record.attributes?.MessageGroupId !== undefined);
    if (isFifo) {
      const failedGroups = new Set<string>();
      for (const record of records) {
        const group = record.attributes.MessageGroupId ?? record.messageId;
        if (failedGroups.has(group) || !(await processRecord(options, record))) {
          failedGroups.add(group);
          failed.add(record.messageId);
        }
      }
    } else {
      const outcomes = await Promise.all(records.map(async (record) => [record.messageId, await processRecord(options, record)] as const));
      for (const [messageId, ok] of outcomes) if (!ok) failed.add(messageId);
    }
    flushMetrics();
    return { batchItemFailures: [...failed].map((itemIdentifier) => ({ itemIdentifier })) };
  };
}

/** Returns false when the record must be retried. */
async function processRecord<Schema extends z.$ZodType>(options: WorkerOptions<Schema>, record: SQSRecord): Promise<boolean> {
  clearLogContext();
  withLogContext({ message_id: record.messageId });
  let message: z.output<Schema>;
  try {
    const parsed = safeParse(options.schema, JSON.parse(record.body));
    if (!parsed.success) throw new Error(`invalid message: ${parsed.error.issues.map((issue) => issue.path.join('.')).join(', ')}`);
    message = parsed.data;
  } catch (error) {
    logger.error('unreadable queue message', { worker: options.name, error: error as Error });
    countMetric(workerMetricName(options.name, 'poisonMessages'));
    return false;
  }
  if (options.logContext) withLogContext(options.logContext(message));
  try {
    await options.handle(message, record);
    return true;
  } catch (error) {
    const described = describeError(error);
    if (!described.retryable) {
      logger.warn('message dropped: failure is not retryable', { worker: options.name, code: described.code, provider_request_id: described.providerRequestId });
      return true;
    }
    logger.warn('message failed, will be retried', {
      worker: options.name,
      code: described.code,
      provider_request_id: described.providerRequestId,
      receive_count: record.attributes?.ApproximateReceiveCount,
      error: error as Error,
    });
    countMetric(workerMetricName(options.name, 'retries'));
    if (options.beforeRetry) {
      await options.beforeRetry(record, error).catch((hookError: unknown) =>
        logger.warn('could not delay the redelivery; the queue visibility timeout applies', { worker: options.name, error: hookError as Error }),
      );
    }
    return false;
  }
}
