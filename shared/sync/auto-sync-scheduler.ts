/**
 * The auto-sync scheduler: on each tick, every connection whose `nextSyncAt` has passed is enqueued once.
 *
 * Reading: due connections come from the sharded due index (a sparse GSI holding only connections that
 * auto-sync may touch, projecting only what this module reads), one query stream per shard, so no single
 * partition carries the whole fleet and nothing is ever scanned. Connections waiting for their user are not in
 * the index; should a stale entry turn up, it is skipped and taken out of the index.
 *
 * Exactly once per cycle, without a write per connection: each shard has a claim mark, the due time up to
 * which a run has taken the shard's connections ({@link DueConnectionIndex.claimDueWindows}: one read of all
 * shards' marks and one conditional write of a small row per shard per tick; the mark only moves forward). A run first moves the
 * mark from where the last run left it to its own `now`, then enqueues the connections due in between:
 * windows of successive runs never overlap, so a connection is enqueued by the run whose window holds its due
 * time and by no later one, even while its job still waits in the queue. Of two runs racing for a shard
 * (EventBridge delivers at least once), the one whose claim lands second finds the mark at or past its `now`
 * and leaves the shard alone.
 *
 * What can go wrong after a claim, and what happens then:
 * - the run dies, or its send fails, before the jobs are out; or a job is lost or dead-lettered; or the
 *   institution is down and the job held back: the connection keeps its due time and stays in the index.
 *   Once the window that took it closed a lease ({@link DEFAULT_LEASE_MINUTES}) ago (the mark remembers the
 *   recent windows), it is overdue: the run leases it (a conditional write moving `nextSyncAt` to `now` +
 *   lease, so only one racing run wins it) and enqueues it. A lost job delays a sync by a lease, never
 *   forever; overdue rows are few, so the per-row lease is rare.
 * - the connection changes between the index read and the send (a sync finishes, a webhook marks the login
 *   broken): the job carries the `nextSyncAt` it was sent for (`scheduledFor`), and the sync worker skips a
 *   scheduled job whose connection no longer holds it or waits for its user (shared/sync/sync-engine.ts).
 *   The index is eventually consistent, which widens that window by the index's lag; the check covers it.
 *
 * The job's deduplication id stays `<connectionId>@<nextSyncAt as read>` as a second line of defence for a
 * retried send within SQS's 5-minute window. A new shard (the shard count grew) has no mark, so its first run
 * takes everything due in it; rows it re-enqueues that way are skipped by the worker check above once synced.
 */
import { onEveryShard } from '../banking/every-shard';
import { newSyncRunId } from '../banking/ids';
import { statusesNeedingUser } from '../banking/model';
import type { Clock, DueClaim, DueConnection, DueConnectionIndex, Page, SyncJob, SyncJobQueue } from '../banking/ports';
import { asError } from '../errors/app-error';
import { logger } from '../observability/logger';
import { degradedInstitutions, healthKeyString, keyOf, type InstitutionHealthStore } from '../institutions/institution-health';

export interface SchedulerDeps {
  readonly dueIndex: DueConnectionIndex;
  readonly syncQueue: SyncJobQueue;
  readonly clock: Clock;
  readonly shardCount: number;
  /**
   * How long after its window a connection still due counts as overdue (its job lost), and how long a lease
   * then keeps it out of the due window; default {@link DEFAULT_LEASE_MINUTES}.
   */
  readonly leaseMinutes?: number;
  /** Due-index rows read per query; default {@link DEFAULT_PAGE_SIZE}. */
  readonly pageSize?: number;
  /**
   * Institution health: connections of an institution that is down are not enqueued, so auto-sync pauses for
   * them; they come back as overdue a lease later and are tried again.
   */
  readonly institutionHealth?: Pick<InstitutionHealthStore, 'getMany'>;
}

export interface SchedulerResult {
  /** Rows the due index returned this tick (before any filtering). */
  readonly due: number;
  readonly enqueued: number;
  /** Waiting for their user (stale index entries, now removed). */
  readonly skippedNeedingUser: number;
  /** Overdue rows that changed between the read and the lease; left to whoever changed them. */
  readonly leaseConflicts: number;
  /** Lease writes that failed; those connections stay due and the next tick tries again. */
  readonly leaseFailures: number;
  /** Shards another run had already claimed up to this run's time (a repeated tick); left to that run. */
  readonly shardsTaken: number;
}

/**
 * Longer than a job can stay alive in the sync queue while being retried: five deliveries (the queue's max
 * receive count) that each run into the 900 s worker timeout and reappear after the 960 s visibility timeout
 * take 80 minutes before the message is dead-lettered. A lease that outlives that never lets a second job for
 * the same connection in while the first may still run; and two hours is still a short delay for a sync whose
 * job was lost, against a 12-hour interval.
 */
export const DEFAULT_LEASE_MINUTES = 120;

/**
 * Due-index entries are a few hundred bytes, so 500 stay well inside DynamoDB's 1 MB page; bigger pages mean
 * fewer queries per tick, and a tick holds at most shards × page size rows in memory.
 */
export const DEFAULT_PAGE_SIZE = 500;

/**
 * One tick. Shards are claimed and read in parallel; within a shard, each page is enqueued before the next
 * page is read. A failed send throws (after the other shards finished): the connections of that page come
 * back as overdue a lease later, and the failed invocation is visible in the function's errors.
 *
 * @example
 * const result = await enqueueDueConnections({ dueIndex: connectionStore(), syncQueue, clock: systemClock, shardCount: 8 });
 */
export async function enqueueDueConnections(deps: SchedulerDeps): Promise<SchedulerResult> {
  const now = deps.clock.now();
  const leaseMs = (deps.leaseMinutes ?? DEFAULT_LEASE_MINUTES) * 60_000;
  const shards = Array.from({ length: deps.shardCount }, (_, shard) => shard);
  // One read of every shard's claim mark, then each shard's claim write and due-index pages, all shards at once.
  const claims = await deps.dueIndex.claimDueWindows(shards, now.toISOString(), new Date(now.getTime() - leaseMs).toISOString());
  const results = await onEveryShard(deps.shardCount, async (shard) => {
    const claim = claims[shard]!;
    if (claim.status === 'rejected') throw claim.reason;
    return scheduleShard(deps, shard, claim.value, now, leaseMs);
  });
  return results.reduce(addResults, emptyResult);
}

async function scheduleShard(deps: SchedulerDeps, shard: number, claim: DueClaim | 'taken', now: Date, leaseMs: number): Promise<SchedulerResult> {
  const dueBefore = now.toISOString();
  if (claim === 'taken') return { ...emptyResult, shardsTaken: 1 };
  // Due since the last run's window: this run's, enqueued as read.
  let total = await eachPage(deps, shard, claim.after, dueBefore, async (candidates) => {
    const due = candidates.filter((connection): connection is DueConnection & { nextSyncAt: string } => connection.nextSyncAt !== null);
    return { ...emptyResult, enqueued: await enqueueHealthy(deps, shard, due, now) };
  });
  if (claim.overdueUntil === null) return total;
  // Still due although a window that closed a lease ago or earlier took them: overdue, leased first so that
  // one run takes each, and sent for the lease's time (a new deduplication id and `scheduledFor`).
  const leaseUntil = new Date(now.getTime() + leaseMs).toISOString();
  total = addResults(
    total,
    await eachPage(deps, shard, null, claim.overdueUntil, async (candidates) => {
      const lease = await deps.dueIndex.leaseDue(candidates, leaseUntil);
      if (lease.failed > 0) {
        logger.warn('some overdue connections could not be leased; they stay due for the next tick', {
          shard,
          failed: lease.failed,
          error: asError(lease.firstFailure),
        });
      }
      const leased = lease.leased.filter((connection): connection is DueConnection & { nextSyncAt: string } => connection.nextSyncAt !== null);
      const enqueued = await enqueueHealthy(deps, shard, leased, now);
      return { ...emptyResult, enqueued, leaseConflicts: lease.changed, leaseFailures: lease.failed };
    }),
  );
  return total;
}

/**
 * Reads a shard's due entries in (`after`, `until`] page by page; entries waiting for their user are taken out
 * of the index, the others handed to `handle`.
 */
async function eachPage(
  deps: SchedulerDeps,
  shard: number,
  after: string | null,
  until: string,
  handle: (candidates: readonly DueConnection[]) => Promise<SchedulerResult>,
): Promise<SchedulerResult> {
  let total = emptyResult;
  let cursor: string | null = null;
  do {
    const page: Page<DueConnection> = await deps.dueIndex.listDue(shard, after, until, cursor, deps.pageSize ?? DEFAULT_PAGE_SIZE);
    const waiting = page.items.filter((connection) => statusesNeedingUser.has(connection.status));
    const candidates = page.items.filter((connection) => !statusesNeedingUser.has(connection.status) && connection.nextSyncAt !== null);
    if (waiting.length > 0) await deps.dueIndex.dropFromDueIndex(waiting);
    const handled = candidates.length > 0 ? await handle(candidates) : emptyResult;
    total = addResults(total, { ...handled, due: page.items.length, skippedNeedingUser: waiting.length });
    cursor = page.nextCursor;
  } while (cursor);
  return total;
}

/** Sends jobs for the connections whose institution is not down; returns how many were sent. */
async function enqueueHealthy(
  deps: SchedulerDeps,
  shard: number,
  connections: readonly (DueConnection & { nextSyncAt: string })[],
  now: Date,
): Promise<number> {
  const down = deps.institutionHealth ? await degradedInstitutions(deps.institutionHealth, connections) : new Set<string>();
  const paused = connections.filter((connection) => down.has(healthKeyString(keyOf(connection))));
  if (paused.length > 0) logger.info('auto-sync paused for connections of unavailable institutions', { shard, paused: paused.length });
  const jobs = connections.filter((connection) => !paused.includes(connection)).map((connection) => scheduledJob(connection, now));
  await deps.syncQueue.enqueue(jobs);
  return jobs.length;
}

function scheduledJob(connection: DueConnection & { nextSyncAt: string }, now: Date): SyncJob {
  return {
    userId: connection.userId,
    connectionId: connection.connectionId,
    syncRunId: newSyncRunId(now),
    trigger: 'schedule',
    deduplicationId: `${connection.connectionId}@${connection.nextSyncAt}`,
    scheduledFor: connection.nextSyncAt,
  };
}

const emptyResult: SchedulerResult = { due: 0, enqueued: 0, skippedNeedingUser: 0, leaseConflicts: 0, leaseFailures: 0, shardsTaken: 0 };

function addResults(left: SchedulerResult, right: SchedulerResult): SchedulerResult {
  return {
    due: left.due + right.due,
    enqueued: left.enqueued + right.enqueued,
    skippedNeedingUser: left.skippedNeedingUser + right.skippedNeedingUser,
    leaseConflicts: left.leaseConflicts + right.leaseConflicts,
    leaseFailures: left.leaseFailures + right.leaseFailures,
    shardsTaken: left.shardsTaken + right.shardsTaken,
  };
}
