/**
 * {@link ProviderWriteQueue} on the standard provider-write queue. Order does not matter there (each job
 * re-reads the transaction's current category before writing it to the provider), so a standard queue's
 * throughput and per-message retries fit better than FIFO groups. The body is parsed by the worker with
 * `providerWriteMessage` (`shared/queue/messages.ts`).
 */
import type * as z from 'zod/v4/core';
import type { ProviderWriteJob, ProviderWriteQueue } from '../../banking/ports';
import type { providerWriteMessage } from '../../queue/messages';
import { sqsClient } from '../aws-clients';
import { sqsSendRetry, type RetryPolicy } from '../../retry/policies';
import { sendBatchWith, sendInBatches, type SendBatch } from './send-in-batches';

export class SqsProviderWriteQueue implements ProviderWriteQueue {
  constructor(
    private readonly queueUrl: string,
    // Taken at the first send: only Pluggy category feedback uses this queue, so most edits never need SQS.
    private readonly send: SendBatch = sendBatchWith(sqsClient),
    private readonly retryPolicy: RetryPolicy = sqsSendRetry,
  ) {}

  async enqueue(jobs: readonly ProviderWriteJob[]): Promise<void> {
    const messages = jobs.map((job) => {
      const body: z.input<typeof providerWriteMessage> = {
        kind: job.kind,
        userId: job.userId,
        transactionId: job.transactionId,
        connectionId: job.connectionId,
        provider: job.provider,
      };
      return { MessageBody: JSON.stringify(body) };
    });
    await sendInBatches(this.send, this.queueUrl, messages, this.retryPolicy);
  }
}
