/**
 * Ports of outbound events. The DynamoDB outbox, the EventBridge bus, the SQS delivery queue and the HTTP
 * sender in `shared/adapters/` implement them.
 */
import type { Page } from '../banking/ports';
import type { AppEvent } from './model';

export type DeliveryStatus = 'pending' | 'delivered' | 'failed';

/** An event as the outbox keeps it. */
export interface StoredAppEvent extends AppEvent {
  /**
   * Sent to the bus (and, when the app has a webhook URL, queued for delivery). Events sent with
   * `publishStaged` (a sync run's) stay false here: the caller's record says they went out (a sync run's
   * `eventsPublished`), one write per run instead of one per event.
   */
  readonly published: boolean;
  readonly delivery: {
    readonly status: DeliveryStatus;
    readonly attempts: number;
    readonly deliveredAt: string | null;
    /** Last answer or failure of the app's endpoint (status code or error name; never a body). */
    readonly lastError: string | null;
  };
}

/** How an event is staged. */
export interface StageOptions {
  /**
   * False: the event stays out of its user's listing (`listByUser`), because replay finds it another way
   * (a sync run's events, through the run: `shared/events/replay-app-events.ts`). Default true.
   */
  readonly listedByUser?: boolean;
}

export interface AppEventStore {
  /**
   * Stores the event unpublished, unless an event with the same id is already stored (the first copy wins).
   * True when this call stored it: the stored copy is then exactly `event`, not yet sent anywhere.
   */
  stage(event: AppEvent, expiresAtEpochSeconds: number, options?: StageOptions): Promise<boolean>;
  get(eventId: string): Promise<StoredAppEvent | null>;
  /** The stored events among these ids, in no particular order; ids not stored are left out. */
  getMany(eventIds: readonly string[]): Promise<StoredAppEvent[]>;
  /**
   * Marks the event published (a no-op when it already is) and lists it under its user (`listByUser`) if it
   * was staged unlisted. An unlisted event (a sync run's) is marked only by a flush after a crash, and that
   * flush may be all that is left of a run that never recorded itself.
   */
  markPublished(event: AppEvent): Promise<void>;
  /** Deletes the event if it was never published (its change did not commit). */
  discardUnpublished(eventId: string): Promise<void>;
  recordDelivery(eventId: string, outcome: { delivered: boolean; at: string; error: string | null }): Promise<void>;
  /**
   * A user's events listed under the user (all but those staged with `listedByUser: false`), oldest first
   * (by timestamp, then id), from `since` on (replay, operator tools).
   */
  listByUser(userId: string, since: string, limit: number, cursor: string | null): Promise<Page<StoredAppEvent>>;
}

/** The event bus the app's other services subscribe to (EventBridge). */
export interface EventBus {
  put(events: readonly AppEvent[]): Promise<void>;
}

/** The queue the webhook delivery worker consumes: event ids, never bodies. */
export interface AppWebhookQueue {
  enqueue(eventIds: readonly string[]): Promise<void>;
}

/**
 * What use-cases call. Two ways to use it:
 * - `publish(events)` after the change is stored, where a retry of the caller recomputes the same events;
 * - `stage(events)` BEFORE the write that commits the change, then `flush(ids)` after it (or `discard(ids)` when
 *   the change did not happen): a crash between commit and flush leaves the events staged, and the caller's
 *   retry, finding its work already done, flushes them (the outbox pattern).
 *
 * A caller with a record of its own to write after the commit anyway (a sync run) can skip the read-back and
 * the per-event mark: it sends what `stage` returned with `publishStaged`, then notes on its record that the
 * events went out; a retry that finds the record without that note flushes the ids.
 */
export interface EventPublisher {
  /** Returns the events this call stored; one whose id was already staged (an earlier attempt) is left out. */
  stage(events: readonly AppEvent[], options?: StageOptions): Promise<readonly AppEvent[]>;
  flush(eventIds: readonly string[]): Promise<void>;
  /**
   * Sends events as `stage` returned them (so the stored copies are these, unpublished) without reading them
   * back and without marking them published: the caller records that, and its retry falls back to `flush`.
   */
  publishStaged(events: readonly AppEvent[]): Promise<void>;
  discard(eventIds: readonly string[]): Promise<void>;
  publish(events: readonly AppEvent[]): Promise<void>;
}

/** One HTTP POST to the app's webhook endpoint. */
export interface WebhookSender {
  post(url: string, headers: Readonly<Record<string, string>>, body: string): Promise<{ status: number }>;
}
