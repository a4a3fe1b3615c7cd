/**
 * The auto-sync scheduler: on each tick, every connection whose `nextSyncAt` has passed is enqueued once.
 *
 * Reading: due connections come from the sharded due index (a sparse GSI holding only connections that
 * auto-sync may touch), one query stream per shard, so no single partition carries the whole fleet and nothing
 * is ever scanned. Connections waiting for their user are not in the index; should a stale entry turn up, it
 * is skipped and taken out of the index.
 *
 * Exactly once per cycle: before a connection is enqueued, its `nextSyncAt` is moved forward by a lease
 * ({@link DueConnectionIndex.leaseDue}, a conditional write on the due attributes only). The connection leaves
 * the due window at once, so the next tick (15 minutes later, long after SQS FIFO's 5-minute deduplication
 * window has closed) does not enqueue it again even if no worker has picked the job up yet; and of two
 * scheduler runs racing each other (EventBridge delivers at least once), only one wins each connection's
 * conditional write. The worker's sync then sets the real next time (`AUTO_SYNC_INTERVAL_HOURS` ± jitter,
 * `schedule.ts`) whatever the outcome. If the job is lost (never sent, dead-lettered), the lease simply runs
 * out and the connection is due again: a lost job delays a sync by {@link DEFAULT_LEASE_MINUTES}, never forever.
 *
 * The job's deduplication id stays `<connectionId>@<nextSyncAt as read>` as a second line of defence for a
 * retried send within SQS's window.
 */
import { newId } from '../banking/ids';
import { statusesNeedingUser, type Connection } from '../banking/model';
import type { Clock, DueConnectionIndex, Page, SyncJob, SyncJobQueue } from '../banking/ports';
import { asError } from '../errors/app-error';
import { logger } from '../observability/logger';
import { degradedInstitutions, healthKeyString, keyOf, type InstitutionHealthStore } from '../institutions/institution-health';



export interface SchedulerDeps {
  readonly dueIndex: DueConnectionIndex;
  readonly syncQueue: SyncJobQueue;
  readonly clock: Clock;
  readonly shardCount: number;
  /** How long an enqueued connection stays out of the due window; default {@link DEFAULT_LEASE_MINUTES}. */
  readonly leaseMinutes?: number;
  /** Due-index rows read per query; default {@link DEFAULT_PAGE_SIZE}. */
  readonly pageSize?: number;
  /**
   * Institution health: connections of an institution that is down are leased like the others but not
   * enqueued, so auto-sync pauses for them and tries again when the lease runs out.
   */
  readonly institutionHealth?: Pick<InstitutionHealthStore, 'getMany'>;
}

export interface SchedulerResult {
  /** Rows the due index returned this tick (before any filtering). */
  readonly due: number;
  readonly enqueued: number;
  /** Waiting for their user (stale index entries, now removed). */
  readonly skippedNeedingUser: number;
  /** Changed between the read and the lease; left to whoever changed them. */
  readonly leaseConflicts: number;
  /** Lease writes that failed; those connections stay due and the next tick tries again. */
  readonly leaseFailures: number;
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
 * Connection rows are about 1 KB, so 500 stay well inside DynamoDB's 1 MB page; bigger pages mean fewer
 * queries per tick, and a tick holds at most shards × page size rows in memory.
 */
export const DEFAULT_PAGE_SIZE = 500;

/**
 * One tick. Shards are read in parallel; within a shard, each page is leased and enqueued before the next
 * page is read. A failed send throws (after the other shards finished): the connections of that page keep
 * their lease and come back when it runs out, and the failed invocation is visible in the function's errors.
 *
 * @example
 * const result = await enqueueDueConnections({ dueIndex: connectionStore(), syncQueue, clock: systemClock, shardCount: 8 });
 */
export async function enqueueDueConnections(deps: SchedulerDeps): Promise<SchedulerResult> {
  const now = deps.clock.now();
  const dueBefore = now.toISOString();
  const leaseUntil = new Date(now.getTime() + (deps.leaseMinutes ?? DEFAULT_LEASE_MINUTES) * 60_000).toISOString();
  const pageSize = deps.pageSize ?? DEFAULT_PAGE_SIZE;

  const settled = await Promise.allSettled(
    Array.from({ length: deps.shardCount }, (_, shard) => scheduleShard(deps, shard, dueBefore, leaseUntil, pageSize, now)),
  );
  const failed = settled.find((outcome): outcome is PromiseRejectedResult => outcome.status === 'rejected');
  if (failed) throw failed.reason;
  return settled
    .map((outcome) => (outcome as PromiseFulfilledResult<SchedulerResult>).value)
    .reduce(addResults, emptyResult);
}

async function scheduleShard(
  deps: SchedulerDeps,
  shard: number,
  dueBefore: string,
  leaseUntil: string,
  pageSize: number,
  now: Date,
): Promise<SchedulerResult> {
  let total = emptyResult;
  let cursor: string | null = null;
  do {
    const page: Page<Connection> = await deps.dueIndex.listDue(shard, dueBefore, cursor, pageSize);
    const waiting = page.items.filter((connection) => statusesNeedingUser.has(connection.status));
    const candidates = page.items.filter((connection) => !statusesNeedingUser.has(connection.status) && connection.nextSyncAt !== null);
    if (waiting.length > 0) await deps.dueIndex.dropFromDueIndex(waiting);
    const lease = candidates.length > 0 ? await deps.dueIndex.leaseDue(candidates, leaseUntil) : null;
    if (lease && lease.failed > 0) {
      logger.warn('some due connections could not be leased; they stay due for the next tick', {
        shard,
        failed: lease.failed,
        error: asError(lease.firstFailure),
      });
    }
    // The deduplication id names the due time that was read, not the lease: that is what made it due.
    const dueAtById = new Map(candidates.map((connection) => [connection.connectionId, connection.nextSyncAt]));
    const leased = lease?.leased ?? [];
    const down = deps.institutionHealth ? await degradedInstitutions(deps.institutionHealth, leased) : new Set<string>();
    const paused = leased.filter((connection) => down.has(healthKeyString(keyOf(connection))));
    if (paused.length > 0) logger.info('auto-sync paused for connections of unavailable institutions', { shard, paused: paused.length });
    const jobs = leased.filter((connection) => !paused.includes(connection)).map((connection) =>
      scheduledJob(connection, dueAtById.get(connection.connectionId) ?? connection.nextSyncAt, now),
    );
    await deps.syncQueue.enqueue(jobs);
    total = addResults(total, {
      due: page.items.length,
      enqueued: jobs.length,
      skippedNeedingUser: waiting.length,
      leaseConflicts: lease?.changed ?? 0,
      leaseFailures: lease?.failed ?? 0,
    });
    cursor = page.nextCursor;
  } while (cursor);
  return total;
}

function scheduledJob(leased: Connection, dueAt: string | null, now: Date): SyncJob {
  return {
    userId: leased.userId,
    connectionId: leased.connectionId,
    syncRunId: newId('run', now),
    trigger: 'schedule',
    deduplicationId: `${leased.connectionId}@${dueAt}`,
  };
}

const emptyResult: SchedulerResult = { due: 0, enqueued: 0, skippedNeedingUser: 0, leaseConflicts: 0, leaseFailures: 0 };

function addResults(left: SchedulerResult, right: SchedulerResult): SchedulerResult {
  return {
    due: left.due + right.due,
    enqueued: left.enqueued + right.enqueued,
    skippedNeedingUser: left.skippedNeedingUser + right.skippedNeedingUser,
    leaseConflicts: left.leaseConflicts + right.leaseConflicts,
    leaseFailures: left.leaseFailures + right.leaseFailures,
  };
}
