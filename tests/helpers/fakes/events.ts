/** In-memory outbox, bus and delivery queue for unit tests of code that publishes app events. */
import type { Page } from '../../../shared/banking/ports';
import { OutboxEventPublisher } from '../../../shared/events/event-publisher';
import type { AppEvent } from '../../../shared/events/model';
import type { AppEventStore, AppWebhookQueue, EventBus, StageOptions, StoredAppEvent } from '../../../shared/events/ports';

export class InMemoryAppEventStore implements AppEventStore {
  readonly rows = new Map<string, StoredAppEvent>();
  /** Ids of rows staged with `listedByUser: false` and not marked published since (outside the user's index). */
  readonly unlisted = new Set<string>();

  async stage(event: AppEvent, _expiresAt?: number, options: StageOptions = {}): Promise<boolean> {
    if (this.rows.has(event.id)) return false;
    this.rows.set(event.id, { ...event, published: false, delivery: { status: 'pending', attempts: 0, deliveredAt: null, lastError: null } });
    if (options.listedByUser === false) this.unlisted.add(event.id);
    return true;
  }
  async get(eventId: string): Promise<StoredAppEvent | null> {
    return this.rows.get(eventId) ?? null;
  }
  async getMany(eventIds: readonly string[]): Promise<StoredAppEvent[]> {
    return [...new Set(eventIds)].flatMap((id) => this.rows.get(id) ?? []);
  }
  async markPublished(event: AppEvent): Promise<void> {
    const row = this.rows.get(event.id);
    if (!row) return;
    this.rows.set(event.id, { ...row, published: true });
    this.unlisted.delete(event.id);
  }
  async discardUnpublished(eventId: string): Promise<void> {
    if (this.rows.get(eventId)?.published === false) this.rows.delete(eventId);
  }
  async recordDelivery(eventId: string, outcome: { delivered: boolean; at: string; error: string | null }): Promise<void> {
    const row = this.rows.get(eventId);
    if (!row) return;
    const delivery = outcome.delivered
      ? { status: 'delivered' as const, attempts: row.delivery.attempts + 1, deliveredAt: outcome.at, lastError: null }
      : {
          ...row.delivery,
          status: row.delivery.status === 'delivered' ? ('delivered' as const) : ('failed' as const),
          attempts: row.delivery.attempts + 1,
          lastError: outcome.error,
        };
    this.rows.set(eventId, { ...row, delivery });
  }
  /** Like the index: listed rows of the user, by `<timestamp>#<id>`, from `since`; the cursor is the last key given. */
  async listByUser(userId: string, since: string, limit: number, cursor: string | null): Promise<Page<StoredAppEvent>> {
    const keyOf = (row: StoredAppEvent) => `${row.timestamp}#${row.id}`;
    const listed = [...this.rows.values()]
      .filter((row) => row.userId === userId && !this.unlisted.has(row.id) && keyOf(row) >= since && (cursor === null || keyOf(row) > cursor))
      .sort((a, b) => (keyOf(a) < keyOf(b) ? -1 : 1));
    const items = listed.slice(0, limit);
    return { items, nextCursor: listed.length > limit ? keyOf(items[items.length - 1]!) : null };
  }
}

export class RecordingBus implements EventBus {
  readonly put_: AppEvent[] = [];
  failNext = 0;
  async put(events: readonly AppEvent[]): Promise<void> {
    if (this.failNext > 0) {
      this.failNext -= 1;
      throw new Error('bus unavailable');
    }
    this.put_.push(...events);
  }
  types(): string[] {
    return this.put_.map((event) => event.type);
  }
}

export class RecordingWebhookQueue implements AppWebhookQueue {
  readonly sent: string[] = [];
  async enqueue(eventIds: readonly string[]): Promise<void> {
    this.sent.push(...eventIds);
  }
}

export function testOutbox(clock: { now(): Date }) {
  const store = new InMemoryAppEventStore();
  const bus = new RecordingBus();
  const webhooks = new RecordingWebhookQueue();
  const publisher = new OutboxEventPublisher({ store, bus, webhooks, clock });
  return { store, bus, webhooks, publisher };
}
