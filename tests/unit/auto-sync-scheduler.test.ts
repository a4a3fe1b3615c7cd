/**
 * The auto-sync scheduler against an in-memory due index and queue: every due connection is enqueued once
 * per cycle, whatever the shards, pages, racing runs and failures. No emulator, no network; the emulator
 * test (tests/integration/auto-sync-scheduler.test.ts) runs the same use-case on the DynamoDB due index.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import type { Connection } from '../../shared/banking/model';
import { DEFAULT_LEASE_MINUTES, enqueueDueConnections, type SchedulerDeps } from '../../shared/sync/auto-sync-scheduler';
import { InMemoryConnectionStore, RecordingSyncQueue, TestClock } from '../helpers/fakes/banking-stores';
import { testConnection } from './plaid-webhook-support';

const NOW = '2025-03-01T12:00:00.000Z';
const minutesFrom = (iso: string, minutes: number) => new Date(Date.parse(iso) + minutes * 60_000).toISOString();

let store: InMemoryConnectionStore;
let queue: RecordingSyncQueue;
let clock: TestClock;
let deps: SchedulerDeps;

function addConnection(connectionId: string, overrides: Partial<Connection> = {}): Connection {
  const connection = testConnection({ connectionId, providerItemId: `item-${connectionId}`, nextSyncAt: minutesFrom(NOW, -5), ...overrides });
  store.rows.set(connectionId, connection);
  return connection;
}

const enqueuedIds = () => queue.sent.map((job) => job.connectionId).sort();

beforeEach(() => {
  store = new InMemoryConnectionStore();
  queue = new RecordingSyncQueue();
  clock = new TestClock(new Date(NOW));
  deps = { dueIndex: store, syncQueue: queue, clock, shardCount: 1 };
});

describe('enqueueDueConnections', () => {
  it('enqueues each due connection once as a scheduled sync, and leaves the others alone', async () => {
    addConnection('conn_due', { nextSyncAt: minutesFrom(NOW, -30) });
    addConnection('conn_exactly_due', { nextSyncAt: NOW });
    addConnection('conn_later', { nextSyncAt: minutesFrom(NOW, 60) });
    addConnection('conn_off', { nextSyncAt: null });

    const result = await enqueueDueConnections(deps);

    expect(enqueuedIds()).toEqual(['conn_due', 'conn_exactly_due']);
    expect(queue.sent.find((job) => job.connectionId === 'conn_due')).toMatchObject({
      userId: 'user_1',
      trigger: 'schedule',
      // Named after the due time that was read: a retried send inside SQS's window is dropped.
      deduplicationId: `conn_due@${minutesFrom(NOW, -30)}`,
      // The due time it was sent for: the sync worker skips the job if the connection was rescheduled since.
      scheduledFor: minutesFrom(NOW, -30),
    });
    expect(new Set(queue.sent.map((job) => job.syncRunId)).size).toBe(2);
    expect(result).toEqual({ due: 2, enqueued: 2, skippedNeedingUser: 0, leaseConflicts: 0, leaseFailures: 0, shardsTaken: 0 });
    expect(store.rows.get('conn_later')!.nextSyncAt).toBe(minutesFrom(NOW, 60));
  });

  it('reads every shard and every page, enqueueing each connection exactly once', async () => {
    for (let index = 0; index < 23; index += 1) addConnection(`conn_${String(index).padStart(2, '0')}`);
    deps = { ...deps, shardCount: 4, pageSize: 3 };
    store.dueShardCount = 4;

    const result = await enqueueDueConnections(deps);

    expect(queue.sent).toHaveLength(23);
    expect(new Set(enqueuedIds()).size).toBe(23);
    expect(result).toMatchObject({ due: 23, enqueued: 23 });
  });

  it('does not enqueue a connection again on the next tick, but does once its lease has run out without a sync', async () => {
    addConnection('conn_1');
    await enqueueDueConnections(deps);

    clock.advanceSeconds(15 * 60);
    expect(await enqueueDueConnections(deps)).toMatchObject({ due: 0, enqueued: 0 });

    // The job was lost: nothing moved nextSyncAt past the lease.
    clock.set(minutesFrom(NOW, DEFAULT_LEASE_MINUTES));
    expect(await enqueueDueConnections(deps)).toMatchObject({ enqueued: 1 });
    expect(queue.sent.map((job) => job.connectionId)).toEqual(['conn_1', 'conn_1']);
  });

  it('honours a shorter lease', async () => {
    addConnection('conn_1');
    await enqueueDueConnections({ ...deps, leaseMinutes: 30 });
    clock.set(minutesFrom(NOW, 30));
    expect(await enqueueDueConnections({ ...deps, leaseMinutes: 30 })).toMatchObject({ enqueued: 1 });
  });

  it('skips connections waiting for their user and takes them out of the due index', async () => {
    addConnection('conn_login', { status: 'login_required' });
    addConnection('conn_consent', { status: 'consent_expired' });
    addConnection('conn_ok');

    const first = await enqueueDueConnections(deps);
    expect(enqueuedIds()).toEqual(['conn_ok']);
    expect(first).toMatchObject({ due: 3, enqueued: 1, skippedNeedingUser: 2 });

    clock.set(minutesFrom(NOW, 24 * 60));
    const later = await enqueueDueConnections(deps);
    expect(later.skippedNeedingUser).toBe(0);
    expect(queue.sent.map((job) => job.connectionId)).not.toContain('conn_login');
  });

  it('sends a connection that changed between the read and the send for the due time it read, which the worker then skips', async () => {
    addConnection('conn_1');
    addConnection('conn_2');
    // A worker finishes a sync of conn_1 just after the scheduler read it and sets its next due time.
    store.afterListDue = () => {
      const current = store.rows.get('conn_1')!;
      store.rows.set('conn_1', { ...current, nextSyncAt: minutesFrom(NOW, 12 * 60) });
      store.afterListDue = undefined;
    };

    await enqueueDueConnections(deps);

    // The scheduler wrote nothing to the row: the real next time holds, and the job names the stale one
    // (runSync skips a scheduled job whose connection no longer holds `scheduledFor`: tests/unit/sync-engine.test.ts).
    expect(store.rows.get('conn_1')!.nextSyncAt).toBe(minutesFrom(NOW, 12 * 60));
    expect(queue.sent.find((job) => job.connectionId === 'conn_1')!.scheduledFor).toBe(minutesFrom(NOW, -5));
    expect(queue.sent.find((job) => job.connectionId === 'conn_2')!.scheduledFor).toBe(store.rows.get('conn_2')!.nextSyncAt);
  });

  it('leaves an overdue connection that changed between the read and the lease to whoever changed it', async () => {
    addConnection('conn_1');
    addConnection('conn_2');
    await enqueueDueConnections(deps);
    // Both jobs were lost; a lease later, a worker finishes a sync of conn_1 right after the read.
    clock.set(minutesFrom(NOW, DEFAULT_LEASE_MINUTES));
    store.afterListDue = (page) => {
      if (page.items.length === 0) return;
      const current = store.rows.get('conn_1')!;
      store.rows.set('conn_1', { ...current, nextSyncAt: minutesFrom(NOW, 12 * 60) });
      store.afterListDue = undefined;
    };

    const result = await enqueueDueConnections(deps);

    expect(queue.sent.slice(2).map((job) => job.connectionId)).toEqual(['conn_2']);
    expect(result).toMatchObject({ enqueued: 1, leaseConflicts: 1 });
    expect(store.rows.get('conn_1')!.nextSyncAt).toBe(minutesFrom(NOW, 12 * 60));
  });

  it('takes each shard once per tick: a repeated delivery of the same tick enqueues nothing', async () => {
    addConnection('conn_1');
    expect(await enqueueDueConnections(deps)).toMatchObject({ enqueued: 1, shardsTaken: 0 });
    expect(await enqueueDueConnections(deps)).toMatchObject({ enqueued: 0, shardsTaken: 1 });
    expect(enqueuedIds()).toEqual(['conn_1']);
  });

  it('enqueues, a lease later, the connections of a run that died after taking its window', async () => {
    addConnection('conn_1');
    // The run claims the shard and dies before it reads or sends anything.
    await store.claimDueWindow(0, NOW, minutesFrom(NOW, -DEFAULT_LEASE_MINUTES));

    clock.advanceSeconds(15 * 60);
    expect(await enqueueDueConnections(deps)).toMatchObject({ enqueued: 0 });
    clock.set(minutesFrom(NOW, DEFAULT_LEASE_MINUTES));
    expect(await enqueueDueConnections(deps)).toMatchObject({ enqueued: 1 });
    expect(enqueuedIds()).toEqual(['conn_1']);
    // Leased: the next ticks leave it alone until the lease runs out.
    expect(store.rows.get('conn_1')!.nextSyncAt).toBe(minutesFrom(NOW, 2 * DEFAULT_LEASE_MINUTES));
    clock.set(minutesFrom(NOW, DEFAULT_LEASE_MINUTES + 15));
    expect(await enqueueDueConnections(deps)).toMatchObject({ enqueued: 0 });
  });

  it('lets two racing runs (an at-least-once schedule) enqueue each connection once between them', async () => {
    for (let index = 0; index < 10; index += 1) addConnection(`conn_${index}`);

    const [first, second] = await Promise.all([enqueueDueConnections(deps), enqueueDueConnections(deps)]);

    expect(queue.sent).toHaveLength(10);
    expect(new Set(enqueuedIds()).size).toBe(10);
    expect(first.enqueued + second.enqueued).toBe(10);
  });

  it('keeps an overdue connection whose lease write failed due, so the next tick enqueues it', async () => {
    addConnection('conn_throttled');
    addConnection('conn_ok');
    await enqueueDueConnections(deps);
    // Both jobs were lost; a lease later, the lease of one fails.
    clock.set(minutesFrom(NOW, DEFAULT_LEASE_MINUTES));
    store.leaseFailuresFor.add('conn_throttled');

    expect(await enqueueDueConnections(deps)).toMatchObject({ enqueued: 1, leaseFailures: 1 });
    expect(queue.sent.slice(2).map((job) => job.connectionId)).toEqual(['conn_ok']);

    store.leaseFailuresFor.clear();
    clock.advanceSeconds(15 * 60);
    expect(await enqueueDueConnections(deps)).toMatchObject({ enqueued: 1 });
    expect(queue.sent.at(-1)!.connectionId).toBe('conn_throttled');
  });

  it('fails the tick when the queue refuses the jobs, and the connections come back when their lease runs out', async () => {
    addConnection('conn_1');
    queue.failuresToInject = 1;

    await expect(enqueueDueConnections(deps)).rejects.toThrow('SQS unavailable');
    expect(queue.sent).toEqual([]);

    clock.set(minutesFrom(NOW, DEFAULT_LEASE_MINUTES));
    await enqueueDueConnections(deps);
    expect(enqueuedIds()).toEqual(['conn_1']);
  });
});
