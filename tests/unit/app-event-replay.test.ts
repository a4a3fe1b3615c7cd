/**
 * Replay of a user's app events (`shared/events/replay-app-events.ts`) on the in-memory stores: a sync run's
 * events are staged outside the user's listing and found through the user's runs, every other event through
 * the listing; merged from `since` on, oldest first, up to the limit, each once.
 */
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { firstSyncRunIdAt, newSyncRunId } from '../../shared/banking/ids';
import { purgeConnectionRows } from '../../shared/banking/connections';
import type { Connection, ConnectionStatus, SyncRun } from '../../shared/banking/model';
import { connectionStatusChangedEvent, consentExpiringEvent, institutionStatusChangedEvent, type AppEvent } from '../../shared/events/model';
import { replayAppEvents, RUN_EVENT_LOOKBACK_MS, type AppEventReplayDeps } from '../../shared/events/replay-app-events';
import { publishRunEvents, runEventIds, stageRunEvents } from '../../shared/events/sync-events';
import {
  InMemoryAccountStore,
  InMemoryConnectionStore,
  InMemorySyncRunStore,
  InMemoryTransactionStore,
  TestClock,
} from '../helpers/fakes/banking-stores';
import { testOutbox } from '../helpers/fakes/events';
import { testConnection } from './plaid-webhook-support';

const clock = new TestClock(new Date('2025-03-10T12:00:00.000Z'));
const connection = testConnection();
const otherConnection = testConnection({ connectionId: 'conn_2', providerItemId: 'item_2' });
const strangersConnection = testConnection({ userId: 'user_2', connectionId: 'conn_3', providerItemId: 'item_3' });

let outbox: ReturnType<typeof testOutbox>;
let connections: InMemoryConnectionStore;
let syncRuns: InMemorySyncRunStore;
let queued: string[][];
let deps: AppEventReplayDeps;

beforeEach(() => {
  outbox = testOutbox(clock);
  connections = new InMemoryConnectionStore(connection, otherConnection, strangersConnection);
  syncRuns = new InMemorySyncRunStore();
  queued = [];
  deps = {
    events: outbox.store,
    connections,
    syncRuns,
    queue: { enqueue: async (ids) => void queued.push([...ids]) },
  };
});

/**
 * A run requested at `requestedAt` that ended at `finishedAt`, with its events staged and sent as the sync
 * engine does it, and its final record; `statusAfter` different from healthy adds a status change.
 */
async function syncRun(
  on: Connection,
  requestedAt: string,
  finishedAt: string,
  options: { added?: number; statusAfter?: ConnectionStatus } = {},
): Promise<{ run: SyncRun; events: readonly AppEvent[] }> {
  const run: SyncRun = {
    userId: on.userId,
    connectionId: on.connectionId,
    syncRunId: newSyncRunId(new Date(requestedAt)),
    trigger: 'manual',
    outcome: 'succeeded',
    startedAt: requestedAt,
    finishedAt,
    counts: { added: options.added ?? 0, modified: 0, removed: 0, accounts: 1 },
    error: null,
    accountErrors: [],
  };
  await syncRuns.put({ ...run, outcome: 'running', finishedAt: null });
  const staged = await stageRunEvents({ events: outbox.publisher }, { ...on, status: options.statusAfter ?? 'healthy' }, 'healthy', run, false);
  await publishRunEvents({ events: outbox.publisher }, staged);
  await syncRuns.put({ ...run, eventsPublished: true });
  return { run, events: staged.fresh };
}

/** A status change a provider webhook caused (not a run): published through the outbox, listed. */
async function webhookStatusChange(on: Connection, at: string): Promise<AppEvent> {
  const event = connectionStatusChangedEvent('healthy', { ...on, status: 'login_required' }, `whk_${at}`, at);
  await outbox.publisher.publish([event]);
  return event;
}

const ids = (events: readonly AppEvent[]) => events.map((event) => event.id);

describe('replay of a user\'s app events', () => {
  it("stages a run's events outside the user's listing and finds them through the user's runs, with the listed events, oldest first", async () => {
    const first = await syncRun(connection, '2025-03-10T08:00:00.000Z', '2025-03-10T08:00:05.000Z', { added: 2 });
    const statusChange = await webhookStatusChange(connection, '2025-03-10T08:30:00.000Z');
    const second = await syncRun(otherConnection, '2025-03-10T09:00:00.000Z', '2025-03-10T09:00:04.000Z', { statusAfter: 'error' });
    const expiring = consentExpiringEvent(connection, '2025-03-15T00:00:00.000Z', new Date('2025-03-10T09:30:00.000Z'));
    await outbox.publisher.publish([expiring]);
    const institution = institutionStatusChangedEvent('plaid', connection.institution, 'operational', 'degraded', 'down', '2025-03-10T09:45:00.000Z');
    await outbox.publisher.publish([institution]);
    await syncRun(strangersConnection, '2025-03-10T08:10:00.000Z', '2025-03-10T08:10:01.000Z', { added: 1 });

    // Run events are not in the listing; the others are.
    const listed = await outbox.store.listByUser(connection.userId, '2025-03-10T00:00:00.000Z', 100, null);
    expect(ids(listed.items)).toEqual([statusChange.id, expiring.id]);
    expect(first.events.map((event) => event.type)).toEqual(['sync.completed', 'transactions.changed']);
    expect(second.events.map((event) => event.type)).toEqual(['sync.completed', 'connection.status_changed']);

    const result = await replayAppEvents(deps, { by: 'user', userId: connection.userId, since: '2025-03-10T00:00:00.000Z' });

    const expected = [...first.events, statusChange, ...second.events, expiring].sort((a, b) => (a.timestamp < b.timestamp ? -1 : a.timestamp > b.timestamp ? 1 : a.id < b.id ? -1 : 1));
    expect(ids(result.replayed)).toEqual(ids(expected));
    expect(result.replayed.map((event) => event.timestamp)).toEqual([
      '2025-03-10T08:00:05.000Z',
      '2025-03-10T08:00:05.000Z',
      '2025-03-10T08:30:00.000Z',
      '2025-03-10T09:00:04.000Z',
      '2025-03-10T09:00:04.000Z',
      '2025-03-10T09:30:00.000Z',
    ]);
    expect(queued).toEqual([ids(expected)]);
  });

  it('keeps events from `since` on: a run requested before `since` that ended after it counts, one that ended before is not read', async () => {
    const endedBefore = await syncRun(connection, '2025-03-10T07:00:00.000Z', '2025-03-10T07:59:59.999Z', { added: 1 });
    const endedAfter = await syncRun(connection, '2025-03-10T07:30:00.000Z', '2025-03-10T08:00:00.000Z', { added: 1 });
    const earlyChange = await webhookStatusChange(connection, '2025-03-10T07:45:00.000Z');
    const lateChange = await webhookStatusChange(connection, '2025-03-10T08:15:00.000Z');
    const reads = vi.spyOn(outbox.store, 'getMany');
    const runListings = vi.spyOn(syncRuns, 'listByConnection');

    const since = '2025-03-10T08:00:00.000Z';
    const result = await replayAppEvents(deps, { by: 'user', userId: connection.userId, since });

    expect(ids(result.replayed)).toEqual([...ids(endedAfter.events).sort(), lateChange.id]);
    expect(ids(result.replayed)).not.toContain(earlyChange.id);
    // Only the runs that may hold events from `since` on are read, with one batch read of their event ids.
    expect(reads).toHaveBeenCalledTimes(1);
    expect(reads.mock.calls[0]![0]).toEqual(runEventIds(connection.connectionId, endedAfter.run.syncRunId));
    expect(reads.mock.calls[0]![0]).not.toContain(endedBefore.events[0]!.id);
    // Runs are listed from the lookback before `since` on, for each of the user's connections only.
    const firstRunId = firstSyncRunIdAt(new Date(Date.parse(since) - RUN_EVENT_LOOKBACK_MS));
    expect(runListings.mock.calls.map((call) => [call[0], call[3]])).toEqual([
      [connection.connectionId, firstRunId],
      [otherConnection.connectionId, firstRunId],
    ]);
  });

  it('finds the events of a run whose job waited out the queues before it ran, and not those of a run requested before that', async () => {
    const since = '2025-03-10T08:00:00.000Z';
    const lookbackStart = Date.parse(since) - RUN_EVENT_LOOKBACK_MS;
    const longWait = await syncRun(connection, new Date(lookbackStart).toISOString(), '2025-03-10T08:05:00.000Z');
    await syncRun(connection, new Date(lookbackStart - 1).toISOString(), '2025-03-10T08:06:00.000Z');

    const result = await replayAppEvents(deps, { by: 'user', userId: connection.userId, since });

    expect(ids(result.replayed)).toEqual(ids(longWait.events));
  });

  it('stops at the limit across both sources, oldest first', async () => {
    const early = await webhookStatusChange(connection, '2025-03-10T08:00:00.000Z');
    const run = await syncRun(connection, '2025-03-10T08:05:00.000Z', '2025-03-10T08:10:00.000Z', { added: 1 });
    await webhookStatusChange(connection, '2025-03-10T08:20:00.000Z');
    await syncRun(connection, '2025-03-10T08:25:00.000Z', '2025-03-10T08:30:00.000Z');

    const result = await replayAppEvents(deps, { by: 'user', userId: connection.userId, since: '2025-03-10T00:00:00.000Z', limit: 2 });

    const [runFirst] = [...ids(run.events)].sort();
    expect(ids(result.replayed)).toEqual([early.id, runFirst]);
  });

  it('replays once a run event an older version staged listed (found both ways), and still fills the limit', async () => {
    // A run's events as an older version staged them: listed under the user.
    const { events } = await syncRun(connection, '2025-03-10T08:00:00.000Z', '2025-03-10T08:00:05.000Z', { added: 1 });
    for (const id of ids(events)) outbox.store.unlisted.delete(id);
    const later = await webhookStatusChange(connection, '2025-03-10T09:00:00.000Z');
    expect(ids((await outbox.store.listByUser(connection.userId, '2025-03-10T00:00:00.000Z', 100, null)).items)).toContain(events[0]!.id);

    const result = await replayAppEvents(deps, { by: 'user', userId: connection.userId, since: '2025-03-10T00:00:00.000Z', limit: 3 });

    expect(ids(result.replayed)).toEqual([...ids(events).sort(), later.id]);
    expect(new Set(ids(result.replayed)).size).toBe(3);
  });

  it("lists a run's event that a flush marked published, so a run that never recorded itself is still found", async () => {
    const run: SyncRun = {
      userId: connection.userId,
      connectionId: connection.connectionId,
      syncRunId: newSyncRunId(new Date('2025-03-10T08:00:00.000Z')),
      trigger: 'schedule',
      outcome: 'succeeded',
      startedAt: '2025-03-10T08:00:00.000Z',
      finishedAt: '2025-03-10T08:00:01.000Z',
      counts: { added: 0, modified: 0, removed: 0, accounts: 1 },
      error: null,
      accountErrors: [],
    };
    // A run with nothing to do stages, commits and sends before its only record; it died before that record,
    // and the redelivered job flushed what it had staged.
    await stageRunEvents({ events: outbox.publisher }, connection, 'healthy', run, false);
    await outbox.publisher.flush(runEventIds(connection.connectionId, run.syncRunId));

    const result = await replayAppEvents(deps, { by: 'user', userId: connection.userId, since: '2025-03-10T00:00:00.000Z' });

    expect(result.replayed.map((event) => event.type)).toEqual(['sync.completed']);
    expect(await syncRuns.get(connection.connectionId, run.syncRunId)).toBeNull();
  });

  it("no longer finds the run events of a deleted connection (its runs are purged with it); they stay replayable by id", async () => {
    const { events } = await syncRun(connection, '2025-03-10T08:00:00.000Z', '2025-03-10T08:00:05.000Z', { added: 1 });
    const statusChange = await webhookStatusChange(connection, '2025-03-10T08:30:00.000Z');
    await purgeConnectionRows(
      { connections, accounts: new InMemoryAccountStore(), transactions: new InMemoryTransactionStore(), syncRuns },
      connection,
    );
    await connections.delete(connection);

    const byUser = await replayAppEvents(deps, { by: 'user', userId: connection.userId, since: '2025-03-10T00:00:00.000Z' });
    expect(ids(byUser.replayed)).toEqual([statusChange.id]);

    const byId = await replayAppEvents(deps, { by: 'event', eventIds: ids(events) });
    expect(ids(byId.replayed)).toEqual(ids(events));
  });
});
