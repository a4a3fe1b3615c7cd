/**
 * Receiving a provider webhook: verify → parse → store (deduplicated) → queue → acknowledge.
 *
 * Providers give the receiver a few seconds (Plaid: 10 s, then retries with backoff for up to 24 h), so
 * nothing here calls the provider or touches the connection beyond one lookup: the stored event is applied
 * later by the webhook worker. Provider-neutral: the provider's part is a {@link WebhookSource}.
 *
 * Answers, by case:
 * - not authentic → WebhookVerificationError (the HTTP adapter turns it into a bare 401);
 * - new event → stored and queued;
 * - duplicate → acknowledged without queueing, so N deliveries of one webhook lead to one piece of work;
 * - unknown item → stored for the record (connection null), logged, counted, acknowledged: a webhook for an
 *   Item we no longer (or never) had is not the provider's error, and an error answer only earns retries.
 */
import type { Connection, Provider, WebhookEvent } from '../banking/model';
import type { Clock, ConnectionStore, WebhookEventStore } from '../banking/ports';
import { logger, withLogContext } from '../observability/logger';
import { countMetric, countMetricBy, metrics, MetricUnit } from '../observability/metrics';
import { contentEventIds } from './event-ids';
import type { WebhookEventQueue } from './ports';
import { WebhookVerificationError, type ReceivedWebhook, type WebhookVerifier } from './webhook-verification';

/** What the receipt needs to know about a verified body. */
export interface DescribedWebhook {
  /** e.g. `TRANSACTIONS/SYNC_UPDATES_AVAILABLE`; used for the stored event and the metric dimension. */
  readonly type: string;
  readonly providerItemId: string | null;
  /** The provider's own event id when it sends one (Pluggy); null derives one from the body (Plaid). */
  readonly providerEventId: string | null;
}

/** A provider's half of webhook receipt. */
export interface WebhookSource {
  readonly provider: Provider;
  readonly verifier: WebhookVerifier;
  /** Reads a VERIFIED body; throws MalformedJsonError / ValidationError when it is not a webhook. */
  describe(rawBody: Buffer): DescribedWebhook;
}

export interface ReceiveWebhookDeps {
  readonly events: WebhookEventStore;
  readonly connections: ConnectionStore;
  readonly queue: WebhookEventQueue;
  readonly clock: Clock;
}

export type WebhookReceiptOutcome = 'queued' | 'duplicate' | 'unknown_item';

export interface WebhookReceipt {
  readonly outcome: WebhookReceiptOutcome;
  readonly eventId: string;
}

/** Stored events stay this long for deduplication, replay and support, then DynamoDB's TTL removes them. */
export const WEBHOOK_EVENT_RETENTION_DAYS = 30;

export async function receiveWebhook(
  deps: ReceiveWebhookDeps,
  source: WebhookSource,
  request: ReceivedWebhook,
): Promise<WebhookReceipt> {
  const provider = source.provider;
  withLogContext({ provider });
  try {
    await source.verifier.verify(request);
  } catch (error) {
    if (error instanceof WebhookVerificationError) {
      // The reason goes to the logs and the metric only; the caller sees a bare 401.
      logger.warn('webhook rejected', { reason: error.reason });
      // The total is what an alarm watches; the per-reason count says whether it is an attack or a key problem.
      countMetric('WebhooksRejected');
      countMetricBy('WebhooksRejectedByReason', 'reason', error.reason);
    }
    throw error;
  }

  const described = source.describe(request.rawBody);
  countReceived(provider, described.type);
  const receivedAt = deps.clock.now();

  let eventId: string;
  if (described.providerEventId) {
    eventId = described.providerEventId;
  } else {
    const ids = contentEventIds(request.rawBody, receivedAt);
    eventId = ids.current;
    const earlier = await deps.events.get(provider, ids.previous);
    if (earlier) return acknowledgeDuplicate(deps, earlier);
  }

  const connection = described.providerItemId
    ? await deps.connections.findByProviderItem(provider, described.providerItemId)
    : null;
  if (connection) withLogContext({ user_id: connection.userId, connection_id: connection.connectionId });
  const event = newEvent(provider, eventId, described, connection, request.rawBody, receivedAt);
  const stored = await deps.events.putIfNew(event, expiryOf(receivedAt));
  if (!stored) return acknowledgeDuplicate(deps, (await deps.events.get(provider, eventId)) ?? event);

  if (!connection) {
    logger.warn('webhook for an unknown item', { type: described.type, event_id: eventId });
    countMetric('WebhooksUnknownItem');
    return { outcome: 'unknown_item', eventId };
  }
  await enqueue(deps, event);
  logger.info('webhook queued', { type: described.type, event_id: eventId });
  return { outcome: 'queued', eventId };
}

function newEvent(
  provider: Provider,
  eventId: string,
  described: DescribedWebhook,
  connection: Connection | null,
  rawBody: Buffer,
  receivedAt: Date,
): WebhookEvent {
  const at = receivedAt.toISOString();
  return {
    provider,
    eventId,
    type: described.type,
    providerItemId: described.providerItemId,
    connectionId: connection?.connectionId ?? null,
    userId: connection?.userId ?? null,
    body: rawBody.toString('utf8'),
    // Nothing can act on an event without a connection: it is kept for the record, already settled.
    status: connection ? 'received' : 'ignored',
    receivedAt: at,
    processedAt: connection ? null : at,
    attempts: 0,
  };
}

/**
 * A duplicate is acknowledged without queueing. One exception: an event whose earlier delivery was stored
 * but never reached the queue (the send failed, that delivery was answered 5xx, and this is the provider's
 * retry) is queued now; otherwise the retry the provider makes precisely because of that failure would be
 * dropped as a duplicate and the event lost. `attempts: 0` says no worker has touched it.
 */
async function acknowledgeDuplicate(deps: ReceiveWebhookDeps, stored: WebhookEvent): Promise<WebhookReceipt> {
  if (stored.status === 'failed' && stored.attempts === 0 && stored.connectionId !== null) {
    const requeued: WebhookEvent = { ...stored, status: 'received' };
    await deps.events.save(requeued);
    await enqueue(deps, requeued);
    logger.info('webhook re-queued after an earlier failed send', { type: stored.type, event_id: stored.eventId });
    return { outcome: 'queued', eventId: stored.eventId };
  }
  logger.info('duplicate webhook acknowledged', { type: stored.type, event_id: stored.eventId, status: stored.status });
  countMetric('WebhooksDuplicate');
  return { outcome: 'duplicate', eventId: stored.eventId };
}

async function enqueue(deps: ReceiveWebhookDeps, event: WebhookEvent): Promise<void> {
  try {
    await deps.queue.enqueue({ provider: event.provider, eventId: event.eventId });
  } catch (error) {
    // Marked so the provider's retry of this delivery queues it (see acknowledgeDuplicate).
    await deps.events.save({ ...event, status: 'failed' }).catch((saveError: unknown) => {
      logger.error('could not mark webhook event after a failed send', { event_id: event.eventId, error: saveError as Error });
    });
    throw error;
  }
}

function expiryOf(receivedAt: Date): number {
  return Math.floor(receivedAt.getTime() / 1000) + WEBHOOK_EVENT_RETENTION_DAYS * 86_400;
}

/** `WebhooksReceived` with provider and type as dimensions (bounded: types are the providers' codes). */
function countReceived(provider: Provider, type: string): void {
  const metric = metrics.singleMetric();
  metric.addDimension('provider', provider);
  metric.addDimension('type', type);
  metric.addMetric('WebhooksReceived', MetricUnit.Count, 1);
}
