/**
 * {@link SyncJobQueue} on the FIFO sync queue.
 *
 * - `MessageGroupId` = connection id: SQS delivers a group's messages one batch at a time and in order, so
 *   two syncs of one connection never run concurrently while different connections sync in parallel.
 * - `MessageDeduplicationId`: the sync run id, or the job's own `deduplicationId` (the scheduler's cycle id)
 *   scoped to the connection. FIFO deduplication works per queue, not per message group
 *   (https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/using-messagededuplicationid-property.html),
 *   so a cycle id shared by many connections would otherwise let only the first connection's job through in
 *   the 5-minute deduplication window. Hashing keeps it within the 128-character limit.
 *
 * The body is the job as JSON, parsed by the worker with `syncJobMessage` (`shared/queue/messages.ts`).
 */
import { createHash } from 'node:crypto';
import type * as z from 'zod/v4/core';
import type { SyncJob, SyncJobQueue } from '../../banking/ports';
import type { syncJobMessage } from '../../queue/messages';
import { sqsClient } from '../aws-clients';
import { sqsSendRetry, type RetryPolicy } from '../../retry/policies';
import { sendBatchWith, sendInBatches, type OutgoingMessage, type SendBatch } from './send-in-batches';

export class SqsSyncJobQueue implements SyncJobQueue {
  constructor(
    private readonly queueUrl: string,
    private readonly send: SendBatch = sendBatchWith(sqsClient()),
    private readonly retryPolicy: RetryPolicy = sqsSendRetry,
  ) {}

  async enqueue(jobs: readonly SyncJob[]): Promise<void> {
    await sendInBatches(this.send, this.queueUrl, jobs.map(toMessage), this.retryPolicy);
  }
}

function toMessage(job: SyncJob): OutgoingMessage {
  const body: z.input<typeof syncJobMessage> = {
    userId: job.userId,
    connectionId: job.connectionId,
    syncRunId: job.syncRunId,
    trigger: job.trigger,
    ...(job.deduplicationId === undefined ? {} : { deduplicationId: job.deduplicationId }),
    ...(job.scheduledFor === undefined ? {} : { scheduledFor: job.scheduledFor }),
    ...(job.transactionHint === undefined
      ? {}
      : {
          transactionHint: {
            providerAccountId: job.transactionHint.providerAccountId,
            updatedIds: [...job.transactionHint.updatedIds],
            deletedIds: [...job.transactionHint.deletedIds],
          },
        }),
  };
  return {
    MessageBody: JSON.stringify(body),
    MessageGroupId: job.connectionId,
    MessageDeduplicationId: deduplicationIdOf(job),
  };
}

export function deduplicationIdOf(job: SyncJob): string {
  if (job.deduplicationId === undefined) return job.syncRunId;
  return createHash('sha256').update(`${job.connectionId}\u0000${job.deduplicationId}`).digest('hex');
}
