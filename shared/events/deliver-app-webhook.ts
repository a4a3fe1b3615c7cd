/**
 * The app webhook worker's use-case: POST one stored event to the app's endpoint, signed per Standard
 * Webhooks (`standard-webhooks.ts`), body `{type, timestamp, data}`.
 *
 * A 2xx answer records the delivery; anything else (non-2xx, timeout, refused connection) throws, so the
 * queue delivers the message again after an exponential backoff and, after its max receive count, moves it to
 * the dead-letter queue (alarm, `npm run redrive -- appWebhooks`, `npm run replay-app-events`). An event already
 * delivered is skipped (SQS delivers at least once), unless an operator replays it on purpose.
 */
import type { Clock } from '../banking/ports';
import { logger } from '../observability/logger';
import { countMetric, detailMetricNames } from '../observability/metrics';
import type { AppEventStore, WebhookSender } from './ports';
import { signedWebhookHeaders } from './standard-webhooks';

export interface AppWebhookTarget {
  readonly url: string;
  /** The HMAC key (the decoded `whsec_` secret). */
  readonly key: Buffer;
}

export interface DeliverAppWebhookDeps {
  readonly events: AppEventStore;
  readonly sender: WebhookSender;
  readonly clock: Clock;
  /** Null when the deployment has no app webhook URL. */
  readonly target: () => Promise<AppWebhookTarget | null>;
}

export type DeliveryResult = 'delivered' | 'already_delivered' | 'missing' | 'not_configured';

/** The app's endpoint did not take the event; retried by the queue. */
export class AppWebhookRejectedError extends Error {
  constructor(readonly answer: string) {
    super(`The app webhook endpoint did not accept the event (${answer})`);
    this.name = 'AppWebhookRejectedError';
  }
}

export async function deliverAppWebhook(
  deps: DeliverAppWebhookDeps,
  job: { readonly eventId: string; readonly replay?: boolean },
): Promise<DeliveryResult> {
  const event = await deps.events.get(job.eventId);
  if (!event) {
    logger.warn('app event not found (expired or never staged)', { event_id: job.eventId });
    return 'missing';
  }
  if (event.delivery.status === 'delivered' && !job.replay) {
    logger.info('app event already delivered', { event_id: event.id });
    return 'already_delivered';
  }
  const target = await deps.target();
  if (!target) {
    logger.warn('app event not delivered: APP_WEBHOOK_URL is not configured', { event_id: event.id });
    return 'not_configured';
  }
  const body = JSON.stringify({ type: event.type, timestamp: event.timestamp, data: event.data });
  const now = deps.clock.now();
  const headers = signedWebhookHeaders(target.key, event.id, Math.floor(now.getTime() / 1000), body);
  let answer: string;
  try {
    const response = await deps.sender.post(target.url, headers, body);
    if (response.status >= 200 && response.status < 300) {
      await deps.events.recordDelivery(event.id, { delivered: true, at: now.toISOString(), error: null });
      countMetric(detailMetricNames.appWebhooksDelivered);
      logger.info('app event delivered', { event_id: event.id, type: event.type, status: response.status });
      return 'delivered';
    }
    answer = `HTTP ${response.status}`;
  } catch (error) {
    answer = (error as Error).name || 'network error';
  }
  await deps.events.recordDelivery(event.id, { delivered: false, at: now.toISOString(), error: answer });
  countMetric(detailMetricNames.appWebhooksFailed);
  throw new AppWebhookRejectedError(answer);
}
