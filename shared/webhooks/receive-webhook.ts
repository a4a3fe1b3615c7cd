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
 * - an event the provider's interpreter ignores whatever the state of its connection (its type and code say
 *   so: Plaid's legacy TRANSACTIONS codes, sent alongside every SYNC_UPDATES_AVAILABLE; products or events the
 *   service does not use) → settled here (see {@link settleIgnored}): stored once as `ignored`, tied to no
 *   connection, not queued;
 * - duplicate → acknowledged without queueing, so N deliveries of one webhook lead to one piece of work;
 *   except that a REPEATABLE event (same bytes, new news: Plaid's SYNC_UPDATES_AVAILABLE) that no sync
 *   started after its arrival covers is queued again (see {@link acknowledgeDuplicate});
 * - unknown item → stored for the record (connection null), logged, counted, acknowledged: a webhook for an
 *   Item we no longer (or never) had is not the provider's error, and an error answer only earns retries.
 */
import type { Provider, WebhookEvent } from '../banking/model';
import type { Clock, ConnectionRef, ConnectionReader, SyncRunStore, WebhookEventQueue, WebhookEventStore } from '../banking/ports';
import { logger, withLogContext } from '../observability/logger';
import { countMetric, countMetricBy, detailMetricNames, metricNames, MetricUnit, publishMetrics } from '../observability/metrics';
import { contentEventId, dedupeHorizon } from './event-ids';
import type { DescribedWebhook, WebhookSource } from '../providers/ports';
import { WebhookVerificationError, type ReceivedWebhook } from '../providers/webhook-verification';

export interface ReceiveWebhookDeps {
  readonly events: WebhookEventStore;
  readonly connections: ConnectionReader;
  readonly queue: WebhookEventQueue;
  readonly clock: Clock;
  /**
   * Sync history, for sources with repeatable events: it tells whether a sync that covers a repeated
   * delivery is still to come. Without it, a repeated delivery of an applied event is always queued again.
   */
  readonly syncRuns?: Pick<SyncRunStore, 'listByConnection'>;
}

export type WebhookReceiptOutcome = 'queued' | 'duplicate' | 'unknown_item' | 'ignored';

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
      // The total is what an alarm watches; per provider and per reason say whose key or secret is wrong, or
      // whether it is an attack.
      publishMetrics([{}, { provider }], [{ name: metricNames.webhooksRejected, unit: MetricUnit.Count, value: 1 }]);
      countMetricBy(metricNames.webhooksRejectedByReason, 'reason', error.reason);
    }
    throw error;
  }

  const described = source.describe(request.rawBody);
  countReceived(provider, described.type);
  const receivedAt = deps.clock.now();

  // A body without a provider event id is named by its digest, and a duplicate only within the dedupe window.
  const eventId = described.providerEventId ?? contentEventId(request.rawBody);
  const replaceReceivedBefore = described.providerEventId ? null : dedupeHorizon(receivedAt);
  if (described.ignoredNote !== undefined) {
    return settleIgnored(deps, provider, eventId, described, described.ignoredNote, request.rawBody, receivedAt, replaceReceivedBefore);
  }

  // One lookup, one conditional write (which also answers "already seen", with the stored event), one send:
  // three requests for a new delivery. A duplicate's lookup is spent for nothing, which is the rarer case.
  const connection = described.providerItemId
    ? await deps.connections.findByProviderItem(provider, described.providerItemId)
    : null;
  if (connection) withLogContext({ user_id: connection.userId, connection_id: connection.connectionId });
  const actionable = connection !== null || described.aboutProvider === true;
  const event = newEvent(provider, eventId, described, connection, actionable, request.rawBody, receivedAt);
  const seen = await deps.events.storeUnlessSeen(event, expiryOf(receivedAt), replaceReceivedBefore);
  if (seen) return acknowledgeDuplicate(deps, seen, described, receivedAt);

  if (!actionable) {
    logger.warn('webhook for an unknown item', { type: described.type, event_id: eventId });
    countMetric(detailMetricNames.webhooksUnknownItem);
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
  connection: ConnectionRef | null,
  actionable: boolean,
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
    // Nothing can act on an item event without its connection: it is kept for the record, already settled.
    status: actionable ? 'received' : 'ignored',
    receivedAt: at,
    processedAt: actionable ? null : at,
    attempts: 0,
  };
}

/**
 * An event its provider's interpreter ignores by its type and code alone ends as the webhook worker would end
 * it (status `ignored`, `processedAt`, one attempt; the same log lines and metric), without the connection
 * lookup, the queue send, the queue receive and delete, the worker invocation and its read and write: one
 * conditional put in all, which still answers "already seen" for a duplicate. It is tied to no connection, so
 * it is not in the by-connection listing; a replay by id ties it and queues it, and the worker ignores it again.
 */
async function settleIgnored(
  deps: ReceiveWebhookDeps,
  provider: Provider,
  eventId: string,
  described: DescribedWebhook,
  note: string,
  rawBody: Buffer,
  receivedAt: Date,
  replaceReceivedBefore: string | null,
): Promise<WebhookReceipt> {
  // Not actionable: stored `ignored`, processed at its arrival; one attempt, as the worker's mark counts it.
  const event: WebhookEvent = { ...newEvent(provider, eventId, described, null, false, rawBody, receivedAt), attempts: 1 };
  const seen = await deps.events.storeUnlessSeen(event, expiryOf(receivedAt), replaceReceivedBefore);
  if (seen) return acknowledgeDuplicate(deps, seen, described, receivedAt);
  logger.info('webhook event ignored', { type: described.type, note });
  logger.info('webhook event applied', { type: described.type, event_id: eventId, status: event.status });
  countMetric(detailMetricNames.webhookEventsIgnored);
  return { outcome: 'ignored', eventId };
}

/**
 * A duplicate is acknowledged without queueing. One exception: an event whose earlier delivery was stored
 * but never reached the queue (the send failed, that delivery was answered 5xx, and this is the provider's
 * retry) is queued now; otherwise the retry the provider makes precisely because of that failure would be
 * dropped as a duplicate and the event lost. `attempts: 0` says no worker has touched it.
 *
 * A repeatable event (see {@link DescribedWebhook.repeatable}) whose earlier delivery was already applied
 * is a different matter: identical bytes then mean "it happened again" as much as "here it is again", and
 * the two cannot be told apart. What matters is whether a sync reads the provider after this delivery
 * arrived: one still queued, or one that started since, covers it (a redelivery, or news that sync will
 * pick up anyway); otherwise the event is queued again. Dropping it would leave new transactions unsynced
 * until the next auto-sync; queueing it costs at most one more sync that finds nothing.
 */
async function acknowledgeDuplicate(
  deps: ReceiveWebhookDeps,
  stored: WebhookEvent,
  described: DescribedWebhook,
  receivedAt: Date,
): Promise<WebhookReceipt> {
  if (described.repeatable === true && stored.status === 'processed' && stored.connectionId !== null) {
    if (!(await syncStillAhead(deps, stored.connectionId, receivedAt))) {
      const reopened: WebhookEvent = { ...stored, status: 'received', processedAt: null };
      await deps.events.save(reopened);
      await enqueue(deps, reopened);
      logger.info('repeated webhook queued again: no sync after its arrival covers it', { type: stored.type, event_id: stored.eventId });
      countMetric(detailMetricNames.webhooksRepeated);
      return { outcome: 'queued', eventId: stored.eventId };
    }
  }
  if (stored.status === 'failed' && stored.attempts === 0 && (stored.connectionId !== null || stored.providerItemId === null)) {
    const requeued: WebhookEvent = { ...stored, status: 'received' };
    await deps.events.save(requeued);
    await enqueue(deps, requeued);
    logger.info('webhook re-queued after an earlier failed send', { type: stored.type, event_id: stored.eventId });
    return { outcome: 'queued', eventId: stored.eventId };
  }
  logger.info('duplicate webhook acknowledged', { type: stored.type, event_id: stored.eventId, status: stored.status });
  countMetric(detailMetricNames.webhooksDuplicate);
  return { outcome: 'duplicate', eventId: stored.eventId };
}

/** A queued run older than this is taken for one whose job was lost, and covers nothing. */
const QUEUED_RUN_TRUST_MS = 15 * 60_000;

/** Whether some sync of the connection reads the provider after `receivedAt`: queued, or started since. */
async function syncStillAhead(deps: ReceiveWebhookDeps, connectionId: string, receivedAt: Date): Promise<boolean> {
  if (!deps.syncRuns) return false;
  const recent = await deps.syncRuns.listByConnection(connectionId, 10, null);
  const received = receivedAt.getTime();
  return recent.items.some((run) => {
    const startedAt = Date.parse(run.startedAt);
    // A queued run's startedAt is when it was asked for; it reads the provider only once it starts.
    if (run.outcome === 'queued') return received - startedAt < QUEUED_RUN_TRUST_MS;
    return startedAt >= received;
  });
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

/**
 * `WebhooksReceived` (verified deliveries) in total, which the rejection-rate alarm divides by (an alarm cannot
 * sum over a dimension), per provider, and per provider and type (bounded: types are the providers' codes).
 */
function countReceived(provider: Provider, type: string): void {
  publishMetrics([{}, { provider }, { provider, type }], [{ name: metricNames.webhooksReceived, unit: MetricUnit.Count, value: 1 }]);
}
