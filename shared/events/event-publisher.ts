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
 * - `publishStaged` sends what the caller staged itself, from memory, and leaves the mark to the caller's own
 *   record (a sync run's `eventsPublished`): the same guarantees, with the crash window between the send and
 *   that record instead of the per-event marks.
 */
import type { Clock } from '../banking/ports';
import { logger } from '../observability/logger';
import type { AppEvent } from './model';
import type { AppEventStore, AppWebhookQueue, EventBus, EventPublisher, StageOptions } from './ports';

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

  async stage(events: readonly AppEvent[], options?: StageOptions): Promise<AppEvent[]> {
    const expiresAt = Math.floor(this.deps.clock.now().getTime() / 1000) + APP_EVENT_RETENTION_DAYS * 86_400;
    const stored: AppEvent[] = [];
    for (const event of events) if (await this.deps.store.stage(event, expiresAt, options)) stored.push(event);
    return stored;
  }

  async flush(eventIds: readonly string[]): Promise<void> {
    const pending: AppEvent[] = [];
    for (const id of new Set(eventIds)) {
      const stored = await this.deps.store.get(id);
      if (stored && !stored.published) pending.push(stored);
    }
    await this.sendAndMark(pending);
  }

  async publishStaged(events: readonly AppEvent[]): Promise<void> {
    await this.send(events);
  }

  async discard(eventIds: readonly string[]): Promise<void> {
    for (const id of new Set(eventIds)) await this.deps.store.discardUnpublished(id);
  }

  /** What this call staged is known unpublished, so only events staged before are read back. */
  async publish(events: readonly AppEvent[]): Promise<void> {
    const staged = await this.stage(events);
    await this.sendAndMark(staged);
    const stagedIds = new Set(staged.map((event) => event.id));
    await this.flush(events.map((event) => event.id).filter((id) => !stagedIds.has(id)));
  }

  private async sendAndMark(events: readonly AppEvent[]): Promise<void> {
    await this.send(events);
    for (const event of events) await this.deps.store.markPublished(event);
  }

  private async send(events: readonly AppEvent[]): Promise<void> {
    if (events.length === 0) return;
    await this.deps.bus.put(events.map(({ id, type, timestamp, userId, data }) => ({ id, type, timestamp, userId, data })));
    if (this.deps.webhooks) await this.deps.webhooks.enqueue(events.map((event) => event.id));
    logger.info('events published', { events: events.map((event) => `${event.type} ${event.id}`) });
  }
}

/** A publisher that drops everything: for tools and tests that do not look at events. */
export const discardingPublisher: EventPublisher = {
  stage: async () => [],
  flush: async () => undefined,
  publishStaged: async () => undefined,
  discard: async () => undefined,
  publish: async () => undefined,
};
