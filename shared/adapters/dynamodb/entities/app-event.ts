/**
 * Outbound app events (the outbox of `shared/events/event-publisher.ts`).
 *
 * Key: PK `APPEVENT#<eventId>`, SK `EVENT`. The id is deterministic (`shared/events/model.ts`), so staging the
 * same event twice lands on one row.
 * GSI1 (sparse, only for events about a user): GSI1PK `USER#<userId>#APPEVENT`, GSI1SK `<timestamp>#<eventId>`.
 * TTL: `expires_at`, {@link APP_EVENT_RETENTION_DAYS} after staging.
 *
 * Access patterns served:
 * - event by id (outbox flush, delivery worker, replay by id): GetItem. A sync run's events are sent as staged,
 *   not read back, and keep `published` false: their run row's `events_published` says they went out.
 * - a user's events from a time on, oldest first (replay): Query GSI1, GSI1SK >= `<since>`.
 */
import { appEventTypes } from '../../../events/model';
import type { StoredAppEvent } from '../../../events/ports';
import { readerFor } from '../item-reader';
import type { PrimaryKey, StoredItem } from '../table';
import { withoutEmptyAttributes } from './keys';

export const APP_EVENT_ENTITY = 'app_event';

export function appEventKey(eventId: string): PrimaryKey {
  return { PK: `APPEVENT#${eventId}`, SK: 'EVENT' };
}

export function userAppEventsPartitionKey(userId: string): string {
  return `USER#${userId}#APPEVENT`;
}

export function appEventToItem(event: StoredAppEvent, expiresAtEpochSeconds: number): StoredItem {
  return withoutEmptyAttributes({
    ...appEventKey(event.id),
    ...(event.userId ? { GSI1PK: userAppEventsPartitionKey(event.userId), GSI1SK: `${event.timestamp}#${event.id}` } : {}),
    entity: APP_EVENT_ENTITY,
    event_id: event.id,
    event_type: event.type,
    occurred_at: event.timestamp,
    user_id: event.userId,
    // JSON text: the payload is free-form and must come back byte-for-byte as it was signed.
    data_json: JSON.stringify(event.data),
    published: event.published,
    delivery_status: event.delivery.status,
    delivery_attempts: event.delivery.attempts,
    delivered_at: event.delivery.deliveredAt,
    last_delivery_error: event.delivery.lastError,
    expires_at: expiresAtEpochSeconds,
  });
}

export function appEventFromItem(item: StoredItem): StoredAppEvent {
  const read = readerFor(item, APP_EVENT_ENTITY);
  return {
    id: read.string('event_id'),
    type: read.oneOf('event_type', appEventTypes),
    timestamp: read.string('occurred_at'),
    userId: read.nullableString('user_id'),
    data: JSON.parse(read.string('data_json')) as Record<string, unknown>,
    published: read.boolean('published'),
    delivery: {
      status: read.oneOf('delivery_status', ['pending', 'delivered', 'failed'] as const),
      attempts: read.number('delivery_attempts'),
      deliveredAt: read.nullableString('delivered_at'),
      lastError: read.nullableString('last_delivery_error'),
    },
  };
}
