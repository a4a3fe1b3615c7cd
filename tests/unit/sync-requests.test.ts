/**
 * `requestSync` against in-memory ports: which requests write a `queued` record (the ones someone follows),
 * how requests join a pending sync, and what a failed enqueue leaves for the next request.
 */
import { beforeEach, describe, expect, it, vi } from 'vitest';
import type { Connection } from '../../shared/banking/model';
import { PENDING_SYNC_JOIN_WINDOW_MS, requestSync, type SyncRequestDeps } from '../../shared/banking/sync-requests';
import { InMemoryConnectionStore, InMemorySyncRunStore, RecordingSyncQueue, TestClock } from '../helpers/fakes/banking-stores';
import { testConnection } from './plaid-webhook-support';

let connections: InMemoryConnectionStore;
let syncRuns: InMemorySyncRunStore;
let queue: RecordingSyncQueue;
let clock: TestClock;
let deps: SyncRequestDeps;
let connection: Connection;

const current = (): Connection => connections.rows.get(connection.connectionId) as Connection;
const request = (trigger: 'manual' | 'link' | 'webhook') => requestSync(deps, connection.userId, connection.connectionId, trigger);

beforeEach(() => {
  connections = new InMemoryConnectionStore();
  syncRuns = new InMemorySyncRunStore();
  queue = new RecordingSyncQueue();
  clock = new TestClock(new Date('2025-03-02T08:00:00.000Z'));
  connection = testConnection();
  connections.rows.set(connection.connectionId, connection);
  deps = { connections, syncRuns, syncQueue: queue, clock };
});

describe('requestSync: runs someone follows (manual, link)', () => {
  it.each(['manual', 'link'] as const)('%s: records the run `queued` before the job is sent, and claims the marker', async (trigger) => {
    const run = await request(trigger);

    expect(run).toMatchObject({ trigger, outcome: 'queued', startedAt: '2025-03-02T08:00:00.000Z' });
    expect(syncRuns.runs).toEqual([run]);
    expect(queue.sent).toEqual([{ userId: connection.userId, connectionId: connection.connectionId, syncRunId: run.syncRunId, trigger }]);
    expect(current().pendingSync).toEqual({ syncRunId: run.syncRunId, requestedAt: '2025-03-02T08:00:00.000Z' });
  });

  it('a second click joins the pending run and gets its record; nothing more is queued or noted', async () => {
    const first = await request('manual');
    clock.advanceSeconds(2);
    const second = await request('manual');

    expect(second).toEqual(first);
    expect(queue.sent).toHaveLength(1);
    expect(current().pendingSync).toEqual({ syncRunId: first.syncRunId, requestedAt: '2025-03-02T08:00:00.000Z' });
  });

  it('a click while a webhook run is pending (it has no record to follow) queues a run of its own, recorded', async () => {
    const webhook = await request('webhook');
    clock.advanceSeconds(2);
    const manual = await request('manual');

    expect(manual.syncRunId).not.toBe(webhook.syncRunId);
    expect(manual).toMatchObject({ trigger: 'manual', outcome: 'queued' });
    expect(syncRuns.runs).toEqual([manual]);
    expect(queue.sent.map((job) => job.syncRunId)).toEqual([webhook.syncRunId, manual.syncRunId]);
  });
});

describe('requestSync: a webhook run is background work', () => {
  it('writes no record: claims the marker, sends the job, and returns a run naming it', async () => {
    const put = vi.spyOn(syncRuns, 'put');
    const run = await request('webhook');

    expect(put).not.toHaveBeenCalled();
    expect(syncRuns.runs).toEqual([]);
    expect(run).toMatchObject({ trigger: 'webhook', outcome: 'queued', startedAt: '2025-03-02T08:00:00.000Z' });
    expect(queue.sent).toEqual([{ userId: connection.userId, connectionId: connection.connectionId, syncRunId: run.syncRunId, trigger: 'webhook' }]);
    expect(current().pendingSync).toEqual({ syncRunId: run.syncRunId, requestedAt: '2025-03-02T08:00:00.000Z' });
  });

  it('a burst joins the first: one job, the same run id for each, no record read, the last join noted', async () => {
    const first = await request('webhook');
    const get = vi.spyOn(syncRuns, 'get');
    clock.advanceSeconds(1);
    const second = await request('webhook');
    clock.advanceSeconds(1);
    const third = await request('webhook');

    expect([second.syncRunId, third.syncRunId]).toEqual([first.syncRunId, first.syncRunId]);
    expect(second).toMatchObject({ trigger: 'webhook', startedAt: '2025-03-02T08:00:00.000Z' });
    expect(get).not.toHaveBeenCalled();
    expect(queue.sent).toHaveLength(1);
    expect(syncRuns.runs).toEqual([]);
    // The note moves the connection's version, so a run holding an older copy reads it before its commit.
    expect(current()).toMatchObject({
      pendingSync: { syncRunId: first.syncRunId, requestedAt: '2025-03-02T08:00:00.000Z', joinedAt: '2025-03-02T08:00:02.000Z' },
      updatedAt: '2025-03-02T08:00:02.000Z',
    });
  });

  it('a webhook joining a pending manual run (which has its queued record) names that run and queues nothing', async () => {
    const manual = await request('manual');
    clock.advanceSeconds(1);
    const webhook = await request('webhook');

    expect(webhook.syncRunId).toBe(manual.syncRunId);
    expect(queue.sent).toHaveLength(1);
    expect(syncRuns.runs).toEqual([manual]);
  });

  it('a pending run older than the join window is not joined: a fresh run is queued', async () => {
    const first = await request('webhook');
    clock.advanceSeconds(PENDING_SYNC_JOIN_WINDOW_MS / 1000 + 1);
    const second = await request('webhook');

    expect(second.syncRunId).not.toBe(first.syncRunId);
    expect(queue.sent.map((job) => job.syncRunId)).toEqual([first.syncRunId, second.syncRunId]);
    expect(current().pendingSync?.syncRunId).toBe(second.syncRunId);
  });

  it('a pending run that commits between the claim and the note is not joined: the request claims anew', async () => {
    const first = await request('webhook');
    const join = connections.joinPendingSync.bind(connections);
    // The run's commit clears the marker just before the note lands.
    vi.spyOn(connections, 'joinPendingSync').mockImplementationOnce(async (...args) => {
      connections.rows.set(connection.connectionId, { ...current(), pendingSync: null });
      return join(...args);
    });
    clock.advanceSeconds(1);
    const second = await request('webhook');

    expect(second.syncRunId).not.toBe(first.syncRunId);
    expect(queue.sent.map((job) => job.syncRunId)).toEqual([first.syncRunId, second.syncRunId]);
    expect(current().pendingSync).toEqual({ syncRunId: second.syncRunId, requestedAt: '2025-03-02T08:00:01.000Z' });
  });

  it('a failed enqueue records the run failed and releases the marker: the next webhook queues a fresh run', async () => {
    queue.failuresToInject = 1;
    await expect(request('webhook')).rejects.toThrow('SQS unavailable');

    const [failed] = syncRuns.runs;
    expect(syncRuns.runs).toHaveLength(1);
    expect(failed).toMatchObject({ trigger: 'webhook', outcome: 'failed', error: { code: 'SYNC_NOT_QUEUED' } });
    expect(current().pendingSync).toBeNull();

    clock.advanceSeconds(1);
    const next = await request('webhook');
    expect(next.syncRunId).not.toBe(failed!.syncRunId);
    expect(queue.sent).toEqual([expect.objectContaining({ syncRunId: next.syncRunId, trigger: 'webhook' })]);
  });

  it('a request with a transaction hint gets a run of its own, unrecorded, without touching the marker', async () => {
    const first = await request('webhook');
    const hint = { providerAccountId: 'acc-1', updatedIds: ['t1'], deletedIds: [] };
    const hinted = await requestSync(deps, connection.userId, connection.connectionId, 'webhook', hint);

    expect(hinted.syncRunId).not.toBe(first.syncRunId);
    expect(queue.sent.at(-1)).toMatchObject({ syncRunId: hinted.syncRunId, transactionHint: hint });
    expect(syncRuns.runs).toEqual([]);
    expect(current().pendingSync).toEqual({ syncRunId: first.syncRunId, requestedAt: '2025-03-02T08:00:00.000Z' });
  });
});

describe('requestSync: a connection the caller has just read', () => {
  it('is not read again (the webhook worker passes the one it read): one read fewer, the same request', async () => {
    const get = vi.spyOn(connections, 'get');
    const reread = await request('webhook');
    const readsWithout = get.mock.calls.length;
    connections.rows.set(connection.connectionId, { ...current(), pendingSync: null });
    get.mockClear();

    const run = await requestSync(deps, connection.userId, connection.connectionId, 'webhook', undefined, current());

    expect(readsWithout).toBeGreaterThan(0);
    expect(get.mock.calls.length).toBe(readsWithout - 1);
    expect(queue.sent.map((job) => job.syncRunId)).toEqual([reread.syncRunId, run.syncRunId]);
    expect(current().pendingSync).toEqual({ syncRunId: run.syncRunId, requestedAt: '2025-03-02T08:00:00.000Z' });
  });

  it('without it, a connection that is gone is refused', async () => {
    connections.rows.delete(connection.connectionId);
    await expect(request('webhook')).rejects.toMatchObject({ name: 'NotFoundError' });
  });
});
