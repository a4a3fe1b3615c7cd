/**
 * Replaying stored webhook events: by provider event id, or the events of a connection the pipeline has
 * handled at least once (the listing `WebhookEventStore.listByConnection` gives; an event only stored, still
 * queued or dead-lettered before any attempt was saved, is replayed by id or by redriving its dead-letter queue).
 *
 * A replay puts the event back to `received` and queues it again, so it goes through exactly the path a fresh
 * delivery takes (the webhook worker and `applyWebhookEvent`); nothing here interprets a body. Resetting the
 * status is what lets the worker act again, since it skips events it already handled. Replaying has no double
 * effects because what the worker does is idempotent: a status it would set again is already stored (no write
 * at all), and a sync it queues finds nothing new at the provider and writes nothing.
 *
 * An event stored before its connection existed (kept as an "unknown item") is tied to the connection now
 * holding its provider item, so replaying it after linking applies it.
 */
import type { Provider, WebhookEvent } from '../banking/model';
import type { ConnectionStore, WebhookEventStore } from '../banking/ports';
import type { WebhookEventQueue } from '../banking/ports';

export interface ReplayWebhookDeps {
  readonly events: WebhookEventStore;
  readonly connections: Pick<ConnectionStore, 'findByProviderItem'>;
  readonly queue: WebhookEventQueue;
}

export type ReplaySelection =
  | { readonly by: 'event'; readonly provider: Provider; readonly eventId: string }
  /** Newest first, at most `limit` handled events (the store keeps events for 30 days). */
  | { readonly by: 'connection'; readonly connectionId: string; readonly limit?: number };

export interface ReplayedEvent {
  readonly provider: Provider;
  readonly eventId: string;
  readonly type: string;
  /** The status the event had before the replay. */
  readonly previousStatus: WebhookEvent['status'];
  readonly connectionId: string | null;
}

export interface ReplayResult {
  readonly replayed: readonly ReplayedEvent[];
  /** Event ids asked for by id that are not stored (never received, or expired). */
  readonly notFound: readonly string[];
}

export const DEFAULT_REPLAY_LIMIT = 100;
const PAGE_SIZE = 50;

/**
 * @example
 * await replayWebhookEvents(deps, { by: 'event', provider: 'plaid', eventId: '3f1c…' });
 * await replayWebhookEvents(deps, { by: 'connection', connectionId: 'conn_01HZX…', limit: 20 });
 */
export async function replayWebhookEvents(deps: ReplayWebhookDeps, selection: ReplaySelection): Promise<ReplayResult> {
  if (selection.by === 'event') {
    const event = await deps.events.get(selection.provider, selection.eventId);
    if (!event) return { replayed: [], notFound: [selection.eventId] };
    return { replayed: [await replay(deps, event)], notFound: [] };
  }
  const limit = selection.limit ?? DEFAULT_REPLAY_LIMIT;
  if (!Number.isInteger(limit) || limit < 1) throw new Error(`limit must be a positive integer, got ${limit}`);
  const selected: WebhookEvent[] = [];
  let cursor: string | null = null;
  do {
    const page = await deps.events.listByConnection(selection.connectionId, Math.min(PAGE_SIZE, limit - selected.length), cursor);
    selected.push(...page.items);
    cursor = page.nextCursor;
  } while (cursor && selected.length < limit);
  // Oldest first, as they arrived: status webhooks applied out of order could leave an older state standing.
  const replayed: ReplayedEvent[] = [];
  for (const event of selected.reverse()) replayed.push(await replay(deps, event));
  return { replayed, notFound: [] };
}

async function replay(deps: ReplayWebhookDeps, event: WebhookEvent): Promise<ReplayedEvent> {
  let tied = event;
  if (event.connectionId === null && event.providerItemId !== null) {
    const connection = await deps.connections.findByProviderItem(event.provider, event.providerItemId);
    if (connection) tied = { ...event, connectionId: connection.connectionId, userId: connection.userId };
  }
  await deps.events.save({ ...tied, status: 'received', processedAt: null });
  await deps.queue.enqueue({ provider: event.provider, eventId: event.eventId });
  return {
    provider: event.provider,
    eventId: event.eventId,
    type: event.type,
    previousStatus: event.status,
    connectionId: tied.connectionId,
  };
}
