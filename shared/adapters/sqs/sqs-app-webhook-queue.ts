/**
 * {@link AppWebhookQueue} on the standard app-webhook queue: one message per event id (the worker reads the
 * event from the outbox). Order does not matter: each event carries its own timestamp.
 */
import type { z } from 'zod';
import type { AppWebhookQueue } from '../../events/ports';
import type { appWebhookMessage } from '../../queue/messages';
import { sqsClient } from '../aws-clients';
import { sqsSendRetry } from '../../retry/policies';
import { sendBatchWith, sendInBatches, type SendBatch } from './send-in-batches';

export class SqsAppWebhookQueue implements AppWebhookQueue {
  constructor(
    private readonly queueUrl: string,
    // Taken at the first send: only published app events reach this queue.
    private readonly send: SendBatch = sendBatchWith(sqsClient),
  ) {}

  async enqueue(eventIds: readonly string[], options: { replay?: boolean } = {}): Promise<void> {
    const messages = eventIds.map((eventId) => {
      const body: z.input<typeof appWebhookMessage> = { eventId, ...(options.replay ? { replay: true } : {}) };
      return { MessageBody: JSON.stringify(body) };
    });
    await sendInBatches(this.send, this.queueUrl, messages, sqsSendRetry);
  }
}
