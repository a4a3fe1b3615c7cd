/**
 * Whether the local stack's queues are idle. A webhook-requested sync is quiet: it has no `queued` or
 * `running` record and shows in the sync history only once it has ended (shared/sync/sync-engine.ts), so
 * "no unfinished run in the history" does not tell that the syncs webhooks asked for are done. A queue
 * with no message, visible or in flight, does: the poller deletes a message only after its handler (the
 * whole sync, record included) returned.
 */
import { GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { localAwsClientConfig } from '../setup/local-aws-context';
import { eventually } from './eventually';
import type { LocalStack } from './local-stack';

export async function queueIsDrained(sqs: SQSClient, queueUrl: string): Promise<boolean> {
  const attributes = await sqs.send(
    new GetQueueAttributesCommand({
      QueueUrl: queueUrl,
      AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
    }),
  );
  return (
    attributes.Attributes?.ApproximateNumberOfMessages === '0' && attributes.Attributes?.ApproximateNumberOfMessagesNotVisible === '0'
  );
}

/** Waits until the webhook and sync queues are both drained: every webhook applied, every sync it asked for ended. */
export async function webhookWorkDone(stack: LocalStack, timeoutMs = 60_000): Promise<void> {
  const sqs = new SQSClient(localAwsClientConfig());
  try {
    await eventually(
      'the webhook and sync queues are drained',
      async () => (await queueIsDrained(sqs, stack.env.WEBHOOK_EVENT_QUEUE_URL!)) && (await queueIsDrained(sqs, stack.env.SYNC_QUEUE_URL!)),
      { timeoutMs, intervalMs: 250 },
    );
  } finally {
    sqs.destroy();
  }
}
