/**
 * Asking for a sync. The run is recorded as `queued` before the job is sent, so the caller can follow it
 * in the sync history from the moment it gets the id back; the worker moves the same run forward.
 *
 * Requests that arrive while a requested sync has not started yet join it (the caller gets that run's id):
 * a run that starts later reads everything the provider has by then, so fifty clicks, or a burst of
 * webhooks, cost one sync instead of fifty that each find nothing new. A request carrying a transaction
 * hint (ids the provider named as changed) always gets a run of its own, since the hint must reach the
 * worker.
 */
import { newSyncRunId } from './ids';
import type { SyncRun, SyncTrigger } from './model';
import { requireConnection } from './ownership';
import type { Clock, ConnectionStore, SyncJobQueue, SyncRunStore, TransactionChangeHint } from './ports';

/**
 * How long a requested sync may wait for a worker before new requests stop joining it. Beyond that the job
 * is presumed lost (or stuck in retries) and a fresh one is queued; at worst that costs one extra sync.
 */
export const PENDING_SYNC_JOIN_WINDOW_MS = 15 * 60_000;

export interface SyncRequestDeps {
  readonly connections: ConnectionStore;
  readonly syncRuns: SyncRunStore;
  readonly syncQueue: SyncJobQueue;
  readonly clock: Clock;
}

export async function requestSync(
  deps: SyncRequestDeps,
  userId: string,
  connectionId: string,
  trigger: Exclude<SyncTrigger, 'schedule'>,
  transactionHint?: TransactionChangeHint,
): Promise<SyncRun> {
  const connection = await requireConnection(deps.connections, userId, connectionId);
  const now = deps.clock.now();
  const run = syncRunRecord({
    userId,
    connectionId: connection.connectionId,
    syncRunId: newSyncRunId(now),
    trigger,
    outcome: 'queued',
    startedAt: now.toISOString(),
  });
  if (!transactionHint) {
    const staleBefore = new Date(now.getTime() - PENDING_SYNC_JOIN_WINDOW_MS).toISOString();
    const { claimed, pending } = await deps.connections.claimPendingSync(
      userId,
      connection.connectionId,
      { syncRunId: run.syncRunId, requestedAt: run.startedAt },
      staleBefore,
    );
    if (!claimed) {
      const joined = await deps.syncRuns.get(connection.connectionId, pending.syncRunId);
      if (joined) return joined;
    }
  }
  await deps.syncRuns.put(run);
  try {
    await deps.syncQueue.enqueue([
      { userId, connectionId: connection.connectionId, syncRunId: run.syncRunId, trigger, ...(transactionHint ? { transactionHint } : {}) },
    ]);
  } catch (error) {
    // No job will ever run this sync: record that, and let the next request queue a sync of its own
    // rather than join this one.
    const failedAt = deps.clock.now().toISOString();
    await deps.syncRuns.put({ ...run, outcome: 'failed', finishedAt: failedAt, error: { code: 'SYNC_NOT_QUEUED', message: 'The sync could not be queued' } });
    await deps.connections.releasePendingSync(userId, connection.connectionId, run.syncRunId, failedAt);
    throw error;
  }
  return run;
}

/** A sync run that has not counted anything yet. */
export function syncRunRecord(
  fields: Pick<SyncRun, 'userId' | 'connectionId' | 'syncRunId' | 'trigger' | 'outcome' | 'startedAt'>,
): SyncRun {
  return { ...fields, finishedAt: null, counts: { added: 0, modified: 0, removed: 0, accounts: 0 }, error: null, accountErrors: [] };
}

const FINISHED_OUTCOMES: ReadonlySet<SyncRun['outcome']> = new Set(['succeeded', 'partial', 'failed']);

export function isFinished(run: Pick<SyncRun, 'outcome'>): boolean {
  return FINISHED_OUTCOMES.has(run.outcome);
}

export interface SyncWaitDeps {
  readonly syncRuns: SyncRunStore;
  readonly clock: Clock;
  readonly sleep: (milliseconds: number) => Promise<void>;
}

/** How often a waiting request re-reads its run: one small read per interval, against a run that takes seconds. */
export const SYNC_WAIT_POLL_MS = 500;

/**
 * Follows a requested run for at most `waitMs` and returns it as last read: finished when the worker got
 * there in time, otherwise still queued or running (the caller then answers 202 and the client follows the
 * sync history).
 */
export async function waitForSyncRun(deps: SyncWaitDeps, run: SyncRun, waitMs: number): Promise<SyncRun> {
  const deadline = deps.clock.now().getTime() + waitMs;
  let current = run;
  while (!isFinished(current)) {
    const remaining = deadline - deps.clock.now().getTime();
    if (remaining <= 0) break;
    await deps.sleep(Math.min(SYNC_WAIT_POLL_MS, remaining));
    current = (await deps.syncRuns.get(run.connectionId, run.syncRunId)) ?? current;
  }
  return current;
}

/** Transactions a run wrote: added, modified and removed together. */
export function transactionsSynced(run: Pick<SyncRun, 'counts'>): number {
  return run.counts.added + run.counts.modified + run.counts.removed;
}
