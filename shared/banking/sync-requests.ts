/**
 * Asking for a sync. A run someone follows (trigger `manual` or `link`) is recorded as `queued` before the
 * job is sent, so the caller can follow it in the sync history from the moment it gets the id back; the worker
 * moves the same run forward. A webhook's run is followed by nobody (the app learns of it through its
 * `sync.completed` event): it is background work like a scheduled run, recorded once when it ends, and its
 * request writes no record (shared/sync/sync-engine.ts runs it quietly).
 *
 * Requests that arrive while a requested sync has not started yet join it (the caller gets that run's id):
 * a run that starts later reads everything the provider has by then, so fifty clicks, or a burst of
 * webhooks, cost one sync instead of fifty that each find nothing new. A request carrying a transaction
 * hint (ids the provider named as changed) always gets a run of its own, since the hint must reach the
 * worker.
 *
 * A quiet run writes nothing when it starts, so the pending-sync marker still names it while it reads: a
 * webhook joining then may bring data the run has already read past. Such a joiner notes itself on the
 * marker (`joinPendingSync`), and the run, at its commit, finds a note it did not see when it began and makes
 * the connection due at once, so the scheduler queues a later run. A request that follows
 * its run (manual, link) needs the joined run's record; joining a quiet run, which has none, it queues a run
 * of its own instead.
 */
import { newSyncRunId } from './ids';
import type { Connection, SyncRun, SyncTrigger } from './model';
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
  /** The connection as the caller has just read it (the webhook worker), so it is not read again. */
  known?: Connection,
): Promise<SyncRun> {
  const connection = known ?? (await requireConnection(deps.connections, userId, connectionId));
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
    const joined = await joinPendingRun(deps, run);
    if (joined) return joined;
  }
  // A webhook's run is recorded once, when it ends; what this returns names it for the worker's log.
  if (trigger !== 'webhook') await deps.syncRuns.put(run);
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

/** Claims before giving up on joining: the marker can start, end or go stale between each try. */
const JOIN_ATTEMPTS = 3;

/**
 * Claims the connection's pending-sync marker for `run`, or joins the sync already pending: the joined run,
 * or null when `run` is to be queued (it claimed the marker, or it cannot join what is pending).
 */
async function joinPendingRun(deps: SyncRequestDeps, run: SyncRun): Promise<SyncRun | null> {
  const staleBefore = new Date(Date.parse(run.startedAt) - PENDING_SYNC_JOIN_WINDOW_MS).toISOString();
  for (let attempt = 0; attempt < JOIN_ATTEMPTS; attempt += 1) {
    const { claimed, pending } = await deps.connections.claimPendingSync(
      run.userId,
      run.connectionId,
      { syncRunId: run.syncRunId, requestedAt: run.startedAt },
      staleBefore,
    );
    if (claimed) return null;
    if (run.trigger !== 'webhook') return deps.syncRuns.get(run.connectionId, pending.syncRunId);
    // A webhook needs no record of the run it joins, only that run to see the note (see the module header).
    const joinedAt = deps.clock.now().toISOString();
    if (await deps.connections.joinPendingSync(run.userId, run.connectionId, pending.syncRunId, joinedAt)) {
      return { ...run, syncRunId: pending.syncRunId, startedAt: pending.requestedAt };
    }
  }
  return null;
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
