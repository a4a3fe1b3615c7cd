/**
 * Verified provider webhook events, kept for deduplication and replay, expired by DynamoDB TTL.
 *
 * Key: PK `WEBHOOK#<provider>#<eventId>`, SK `EVENT`.
 * GSI1 (only once the event is tied to a connection AND some handling of it has been saved): GSI1PK
 * `CONN#<connectionId>#WEBHOOK`, GSI1SK `<receivedAt>#<eventId>`.
 * TTL: `expires_at` (epoch seconds), the table's time-to-live attribute.
 *
 * Access patterns served:
 * - (8) event by provider event id (dedupe): conditional Put with `attribute_not_exists(PK)`; GetItem.
 * - (8) events of a connection (replay, support), newest first: Query GSI1 on `CONN#<connectionId>#WEBHOOK`.
 *   It lists the events the pipeline has handled at least once (a worker outcome or retry, a failed queue
 *   send, a requeue or reopen, a replay). An event still queued, or dead-lettered before any attempt was
 *   recorded, is not listed: replay it by id, or redrive the webhook-events dead-letter queue. Nor is an event
 *   the receipt settled itself (one the interpreter ignores by its type and code alone, e.g. Plaid's
 *   DEFAULT_UPDATE): it is stored `ignored` without a connection, so it never carries the GSI1 keys until a
 *   replay by id ties it to its connection.
 *
 * Why the receipt leaves the GSI1 keys out: GSI1 projects ALL, so a row carrying them costs one more write
 * unit at every write that changes it (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/GSI.html#GSI.ThroughputConsiderations).
 * Written at receipt, the index entry costs the receipt's Put one unit and the worker's mark one more; added by
 * the first save, it costs that save's one unit only: 3 write units per delivery instead of 4.
 */
import { providers, type WebhookEvent, type WebhookEventStatus } from '../../../banking/model';
import { readerFor } from '../item-reader';
import { timeToLiveAttribute, type PrimaryKey, type StoredItem } from '../table';
import { withoutEmptyAttributes } from './keys';

export const WEBHOOK_EVENT_ENTITY = 'webhook_event';
// A record, so the compiler flags a status added to the model's union.
const webhookEventStatusSet: Record<WebhookEventStatus, true> = { received: true, processed: true, ignored: true, failed: true };
const webhookEventStatuses = Object.keys(webhookEventStatusSet) as WebhookEventStatus[];

export function webhookEventKey(provider: string, eventId: string): PrimaryKey {
  return { PK: `WEBHOOK#${provider}#${eventId}`, SK: 'EVENT' };
}

export function connectionWebhooksPartitionKey(connectionId: string): string {
  return `CONN#${connectionId}#WEBHOOK`;
}

/** Every attribute a webhook event row can have besides its primary key and TTL (for partial updates). */
export const webhookEventMutableAttributes = [
  'GSI1PK',
  'GSI1SK',
  'entity',
  'provider',
  'event_id',
  'type',
  'provider_item_id',
  'connection_id',
  'user_id',
  'body',
  'status',
  'received_at',
  'processed_at',
  'attempts',
] as const;

/**
 * The row of an event. `listed: false` (the receipt's Put) leaves out the GSI1 keys; every later save
 * writes them (see the module comment).
 */
export function webhookEventToItem(event: WebhookEvent, expiresAtEpochSeconds?: number, listed = true): StoredItem {
  const byConnection =
    event.connectionId === null || !listed
      ? {}
      : {
          GSI1PK: connectionWebhooksPartitionKey(event.connectionId),
          GSI1SK: `${event.receivedAt}#${event.eventId}`,
        };
  return withoutEmptyAttributes({
    ...webhookEventKey(event.provider, event.eventId),
    ...byConnection,
    entity: WEBHOOK_EVENT_ENTITY,
    provider: event.provider,
    event_id: event.eventId,
    type: event.type,
    provider_item_id: event.providerItemId,
    connection_id: event.connectionId,
    user_id: event.userId,
    body: event.body,
    status: event.status,
    received_at: event.receivedAt,
    processed_at: event.processedAt,
    attempts: event.attempts,
    [timeToLiveAttribute]: expiresAtEpochSeconds,
  });
}

export function webhookEventFromItem(item: StoredItem): WebhookEvent {
  const read = readerFor(item, WEBHOOK_EVENT_ENTITY);
  return {
    provider: read.oneOf('provider', providers),
    eventId: read.string('event_id'),
    type: read.string('type'),
    providerItemId: read.nullableString('provider_item_id'),
    connectionId: read.nullableString('connection_id'),
    userId: read.nullableString('user_id'),
    body: read.string('body'),
    status: read.oneOf('status', webhookEventStatuses),
    receivedAt: read.string('received_at'),
    processedAt: read.nullableString('processed_at'),
    attempts: read.number('attempts'),
  };
}
