/**
 * The auto-sync scheduler: on each tick, every connection whose `nextSyncAt` has passed is enqueued once.
 *
 * Due connections are read from the sharded due index (a sparse GSI holding only connections that
 * auto-sync may touch), one query stream per shard, so no single partition carries the whole fleet and
 * nothing is ever scanned. Connections waiting for their user are not in the index at all; the status
 * check here is a second line of defence against a stale index entry.
 *
 * Each job's deduplication id is the connection id plus the `nextSyncAt` that made it due: a tick that
 * runs twice (EventBridge delivers at least once) cannot enqueue the same connection twice for one due time.
 */
import { newId } from '../banking/ids';
import { statusesNeedingUser } from '../banking/model';
import type { Clock, ConnectionStore, SyncJob, SyncJobQueue } from '../banking/ports';

export interface SchedulerDeps {
  readonly connections: ConnectionStore;
  readonly syncQueue: SyncJobQueue;
  readonly clock: Clock;
  readonly shardCount: number;
}

export interface SchedulerResult {
  readonly enqueued: number;
  readonly skipped: number;
}

const PAGE_SIZE = 250;

export async function enqueueDueConnections(deps: SchedulerDeps): Promise<SchedulerResult> {
  const now = deps.clock.now();
  const dueBefore = now.toISOString();
  const perShard = await Promise.all(
    Array.from({ length: deps.shardCount }, async (_, shard) => {
      let enqueued = 0;
      let skipped = 0;
      let cursor: string | null = null;
      do {
        const page = await deps.connections.listDue(shard, dueBefore, cursor, PAGE_SIZE);
        const jobs: SyncJob[] = [];
        for (const connection of page.items) {
          if (statusesNeedingUser.has(connection.status) || !connection.nextSyncAt) {
            skipped += 1;
            continue;
          }
          jobs.push({
            userId: connection.userId,
            connectionId: connection.connectionId,
            syncRunId: newId('run', now),
            trigger: 'schedule',
            deduplicationId: `${connection.connectionId}@${connection.nextSyncAt}`,
          });
        }
        await deps.syncQueue.enqueue(jobs);
        enqueued += jobs.length;
        cursor = page.nextCursor;
      } while (cursor);
      return { enqueued, skipped };
    }),
  );
  return perShard.reduce((total, shard) => ({ enqueued: total.enqueued + shard.enqueued, skipped: total.skipped + shard.skipped }), {
    enqueued: 0,
    skipped: 0,
  });
}
