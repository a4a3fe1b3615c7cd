/**
 * {@link WebhookEventQueue} on the standard webhook-event queue. Order does not matter there: each message
 * only names a stored event, and the worker skips events it already handled. The body is parsed by the
 * worker with `webhookEventMessage` (`shared/queue/messages.ts`).
 */
import type * as z from 'zod/v4/core';
import type { webhookEventMessage } from '../../queue/messages';
import type { WebhookEventQueue } from '../../banking/ports';
import type { WebhookEventJob } from '../../banking/ports';
import { sqsClient } from '../aws-clients';
import { sqsSendRetry, type RetryPolicy } from '../../retry/policies';
import { sendBatchWith, sendInBatches, type SendBatch } from './send-in-batches';

export class SqsWebhookEventQueue implements WebhookEventQueue {
  constructor(
    private readonly queueUrl: string,
    private readonly send: SendBatch = sendBatchWith(sqsClient()),
    private readonly retryPolicy: RetryPolicy = sqsSendRetry,
  ) {}

  async enqueue(job: WebhookEventJob): Promise<void> {
    const body: z.input<typeof webhookEventMessage> = { provider: job.provider, eventId: job.eventId };
    await sendInBatches(this.send, this.queueUrl, [{ MessageBody: JSON.stringify(body) }], this.retryPolicy);
  }
}
