/**
 * Outbound app events (the outbox of `shared/events/event-publisher.ts`).
 *
 * Key: PK `APPEVENT#<eventId>`, SK `EVENT`. The id is deterministic (`shared/events/model.ts`), so staging the
 * same event twice lands on one row.
 * GSI1 (sparse): GSI1PK `USER#<userId>#APPEVENT`, GSI1SK `<timestamp>#<eventId>`, on the events about a user
 * that are NOT a sync run's: webhook-driven status changes, `consent.expiring`, and any event marked published
 * one by one (a flush after a crash). A sync run's events (`sync.completed`, `transactions.changed`, the run's
 * `connection.status_changed`, staged with `listedByUser: false` by `shared/events/sync-events.ts`) carry no
 * GSI1 keys: GSI1 projects the whole row, so an entry would double the write of each of them (2 WRU instead
 * of 1) and of each delivery mark, for a listing only the operator's replay reads. Events of an institution
 * (`institution.status_changed`) have no user and no GSI1 keys. Rows staged before run events left the index
 * keep their GSI1 keys (replay lists them once, by id).
 * TTL: `expires_at`, {@link APP_EVENT_RETENTION_DAYS} after staging.
 *
 * Access patterns served:
 * - event by id (outbox flush, delivery worker, replay by id): GetItem. A sync run's events are sent as staged,
 *   not read back, and keep `published` false: their run row's `events_published` says they went out.
 * - a user's events from a time on, oldest first (replay, `shared/events/replay-app-events.ts`): Query GSI1,
 *   GSI1SK >= `<since>`, merged with the events of the user's sync runs: the user's connections (pattern 1),
 *   each connection's runs requested from `RUN_EVENT_LOOKBACK_MS` before `<since>` on (pattern 7, the run id
 *   bounds the sort key), their deterministic event ids read with BatchGetItem. What replay by user cannot
 *   find: the run events of a connection deleted since (its run rows are purged with it), and of a run that
 *   ended after the lookback (a job redriven from the dead-letter queue twice); both stay readable by id until
 *   their TTL.
 */
import { appEventTypes, type AppEvent } from '../../../events/model';
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

/** The GSI1 keys of an event listed under its user; null for an event about no user. */
export function userListingKeys(event: Pick<AppEvent, 'id' | 'timestamp' | 'userId'>): { GSI1PK: string; GSI1SK: string } | null {
  return event.userId ? { GSI1PK: userAppEventsPartitionKey(event.userId), GSI1SK: `${event.timestamp}#${event.id}` } : null;
}

/** `listedByUser` false: stored without the GSI1 keys (a sync run's events, see the header). */
export function appEventToItem(event: StoredAppEvent, expiresAtEpochSeconds: number, listedByUser = true): StoredItem {
  return withoutEmptyAttributes({
    ...appEventKey(event.id),
    ...(listedByUser ? userListingKeys(event) : null),
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
