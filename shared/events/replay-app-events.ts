/**
 * Operator replay of app events to the app's webhook: the chosen events are queued for delivery again, marked
 * as replays so the worker sends them even when they were delivered before (same `webhook-id`, so a receiver
 * that already processed one drops it). Events are read from the outbox, which keeps them for
 * `APP_EVENT_RETENTION_DAYS`.
 *
 * By user, the events come from two places (`shared/adapters/dynamodb/entities/app-event.ts`):
 * - the user's listing (`listByUser`): every event about the user that is not a sync run's;
 * - the user's sync runs: a run's events are staged unlisted (`sync-events.ts`), and their ids follow from the
 *   run ({@link runEventIds}). The runs read are those of the user's connections requested from
 *   {@link RUN_EVENT_LOOKBACK_MS} before `since` on (run ids sort by request time), less the runs that
 *   finished before `since` (a run's events are stamped no later than its recorded end).
 * Both are merged by id (rows staged before run events left the listing are in both), kept from `since` on,
 * oldest first, up to the limit. A deleted connection's runs are purged with it, so its run events are no
 * longer found by user (still by id, until they expire).
 */
import { firstSyncRunIdAt } from '../banking/ids';
import type { ConnectionStore, SyncRunStore } from '../banking/ports';
import { deadLetterRetentionDays, queues } from '../catalog/resources';
import type { AppEventStore, StoredAppEvent } from './ports';
import { runEventIds } from './sync-events';

export type AppEventReplaySelection =
  | { readonly by: 'event'; readonly eventIds: readonly string[] }
  | { readonly by: 'user'; readonly userId: string; readonly since: string; readonly limit?: number };

export interface AppEventReplayDeps {
  readonly events: AppEventStore;
  readonly connections: Pick<ConnectionStore, 'listByUser'>;
  readonly syncRuns: Pick<SyncRunStore, 'listByConnection'>;
  readonly queue: { enqueue(eventIds: readonly string[], options: { replay: boolean }): Promise<void> };
}

export interface AppEventReplayResult {
  readonly replayed: readonly StoredAppEvent[];
  readonly notFound: readonly string[];
}

const DEFAULT_USER_LIMIT = 100;
const PAGE_SIZE = 100;
const DAY_MS = 86_400_000;

/**
 * How long after a run is requested it can still stage its events: its job may wait out the sync queue's
 * retention, then the dead-letter queue's, and be redriven into the sync queue once more
 * (`npm run redrive`, which sends it as a new message). A FIFO message moved to a dead-letter queue gets a
 * new enqueue timestamp (https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-dead-letter-queues.html),
 * so the three retentions add up. A run redriven a second time ends later than this and is not found by user.
 */
export const RUN_EVENT_LOOKBACK_MS = (2 * queues.sync.retentionDays + deadLetterRetentionDays) * DAY_MS;

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
    found.push(...(await userEventsSince(deps, selection.userId, selection.since, selection.limit ?? DEFAULT_USER_LIMIT)));
  }
  if (found.length > 0) await deps.queue.enqueue(found.map((event) => event.id), { replay: true });
  return { replayed: found, notFound };
}

/** The user's first `limit` events from `since` on, oldest first (by timestamp, then id, as the listing sorts). */
async function userEventsSince(deps: AppEventReplayDeps, userId: string, since: string, limit: number): Promise<StoredAppEvent[]> {
  const byId = new Map<string, StoredAppEvent>();
  for (const event of await runEventsSince(deps, userId, since)) byId.set(event.id, event);
  // The listing is read until it has given `limit` events not found through runs: any later entry sorts after
  // all of them, so it cannot be among the first `limit` of the merge.
  let fromListing = 0;
  let cursor: string | null = null;
  do {
    const page = await deps.events.listByUser(userId, since, PAGE_SIZE, cursor);
    for (const event of page.items) {
      if (byId.has(event.id)) continue;
      byId.set(event.id, event);
      fromListing += 1;
    }
    cursor = page.nextCursor;
  } while (cursor && fromListing < limit);
  return [...byId.values()]
    .filter((event) => event.timestamp >= since)
    .sort(byTimestampThenId)
    .slice(0, limit);
}

/** Code-unit order, as DynamoDB sorts the listing's `<timestamp>#<eventId>` keys (ISO times and ids are ASCII). */
function byTimestampThenId(a: StoredAppEvent, b: StoredAppEvent): number {
  const first = a.timestamp === b.timestamp ? a.id : a.timestamp;
  const second = a.timestamp === b.timestamp ? b.id : b.timestamp;
  return first < second ? -1 : first > second ? 1 : 0;
}

/** The stored events of the user's runs that may have events from `since` on. */
async function runEventsSince(deps: AppEventReplayDeps, userId: string, since: string): Promise<StoredAppEvent[]> {
  const firstRunId = firstSyncRunIdAt(new Date(Date.parse(since) - RUN_EVENT_LOOKBACK_MS));
  const ids: string[] = [];
  for (const connection of await deps.connections.listByUser(userId)) {
    let cursor: string | null = null;
    do {
      const page = await deps.syncRuns.listByConnection(connection.connectionId, PAGE_SIZE, cursor, firstRunId);
      for (const run of page.items) {
        // A later attempt's record only moves `finishedAt` forward, past the stamp of the events staged first.
        if (run.finishedAt !== null && run.finishedAt < since) continue;
        ids.push(...runEventIds(connection.connectionId, run.syncRunId));
      }
      cursor = page.nextCursor;
    } while (cursor);
  }
  return ids.length === 0 ? [] : deps.events.getMany(ids);
}
