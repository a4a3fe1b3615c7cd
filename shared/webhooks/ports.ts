/**
 * Ports of the webhook use-cases. The SQS adapter lives in `shared/adapters/sqs/`; the stores they use
 * (webhook events, connections) are the banking ports.
 */
import type { Provider } from '../banking/model';

/** What the webhook-event queue carries: a pointer to the stored event, never the body itself. */
export interface WebhookEventJob {
  readonly provider: Provider;
  readonly eventId: string;
}

export interface WebhookEventQueue {
  enqueue(job: WebhookEventJob): Promise<void>;
}
