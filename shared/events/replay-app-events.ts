/**
 * Operator replay of app events to the app's webhook: the chosen events are queued for delivery again, marked
 * as replays so the worker sends them even when they were delivered before (same `webhook-id`, so a receiver
 * that already processed one drops it). Events are read from the outbox, which keeps them for
 * `APP_EVENT_RETENTION_DAYS`.
 */
import type { StoredAppEvent } from './ports';
import type { AppEventStore } from './ports';

export type AppEventReplaySelection =
  | { readonly by: 'event'; readonly eventIds: readonly string[] }
  | { readonly by: 'user'; readonly userId: string; readonly since: string; readonly limit?: number };

export interface AppEventReplayDeps {
  readonly events: AppEventStore;
  readonly queue: { enqueue(eventIds: readonly string[], options: { replay: boolean }): Promise<void> };
}

export interface AppEventReplayResult {
  readonly replayed: readonly StoredAppEvent[];
  readonly notFound: readonly string[];
}

const DEFAULT_USER_LIMIT = 100;

export async function replayAppEvents(deps: AppEventReplayDeps, selection: AppEventReplaySelection): Promise<AppEventReplayResult> {
  const found: StoredAppEvent[] = [];
  const notFound: string[] = [];
  if (selection.by === 'event') {
    for (const eventId of selection.eventIds) {
      const event = await deps.events.get(eventId);
      if (event) found.push(event);
      else notFound.push(eventId);
    }
  } else {
    const limit = selection.limit ?? DEFAULT_USER_LIMIT;
    let cursor: string | null = null;
    do {
      const page = await deps.events.listByUser(selection.userId, selection.since, Math.min(100, limit - found.length), cursor);
      found.push(...page.items);
      cursor = page.nextCursor;
    } while (cursor && found.length < limit);
  }
  if (found.length > 0) await deps.queue.enqueue(found.map((event) => event.id), { replay: true });
  return { replayed: found, notFound };
}
