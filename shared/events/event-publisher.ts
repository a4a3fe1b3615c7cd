/**
 * The outbox: every event is written to the table first (unpublished), then put on the EventBridge bus and,
 * when the app has a webhook endpoint, queued for delivery, and only then marked published.
 *
 * - Never lost: a caller stages its events before (or publishes them right after) the write that commits the
 *   change, and its retry flushes whatever is still unpublished. A failed bus or queue call throws, so the
 *   caller's message is retried.
 * - Never duplicated by retries: ids are deterministic (`model.ts`), a published event is not sent again, and
 *   the delivery worker skips an event already delivered. A crash after the bus call but before the
 *   `published` mark can repeat a bus entry; its `id` lets subscribers drop it.
 */
import type { Clock } from '../banking/ports';
import { logger } from '../observability/logger';
import type { AppEvent } from './model';
import type { AppEventStore, AppWebhookQueue, EventBus, EventPublisher } from './ports';

/** Events stay readable (replay, delivery retries, the DLQ) for a month, then TTL removes them. */
export const APP_EVENT_RETENTION_DAYS = 30;

export interface OutboxDeps {
  readonly store: AppEventStore;
  readonly bus: EventBus;
  /** Null when no app webhook URL is configured: events then go to the bus only. */
  readonly webhooks: AppWebhookQueue | null;
  readonly clock: Clock;
}

export class OutboxEventPublisher implements EventPublisher {
  constructor(private readonly deps: OutboxDeps) {}

  async stage(events: readonly AppEvent[]): Promise<void> {
    const expiresAt = Math.floor(this.deps.clock.now().getTime() / 1000) + APP_EVENT_RETENTION_DAYS * 86_400;
    for (const event of events) await this.deps.store.stage(event, expiresAt);
  }

  async flush(eventIds: readonly string[]): Promise<void> {
    const pending: AppEvent[] = [];
    for (const id of new Set(eventIds)) {
      const stored = await this.deps.store.get(id);
      if (stored && !stored.published) pending.push(stored);
    }
    if (pending.length === 0) return;
    await this.deps.bus.put(pending.map(({ id, type, timestamp, userId, data }) => ({ id, type, timestamp, userId, data })));
    if (this.deps.webhooks) await this.deps.webhooks.enqueue(pending.map((event) => event.id));
    for (const event of pending) await this.deps.store.markPublished(event.id);
    logger.info('events published', { events: pending.map((event) => `${event.type} ${event.id}`) });
  }

  async discard(eventIds: readonly string[]): Promise<void> {
    for (const id of new Set(eventIds)) await this.deps.store.discardUnpublished(id);
  }

  async publish(events: readonly AppEvent[]): Promise<void> {
    await this.stage(events);
    await this.flush(events.map((event) => event.id));
  }
}

/** A publisher that drops everything: for tools and tests that do not look at events. */
export const discardingPublisher: EventPublisher = {
  stage: async () => undefined,
  flush: async () => undefined,
  discard: async () => undefined,
  publish: async () => undefined,
};
