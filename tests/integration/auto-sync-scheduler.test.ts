/**
 * The auto-sync scheduler at fleet scale, against the emulator: 10,000 connections in a private table, due
 * ones spread over every shard of the due index, two ticks in a row, a real private SQS FIFO queue.
 *
 * Evidence of "exactly once per cycle" comes from two places: the jobs the scheduler handed to the queue
 * adapter (recorded by a decorator around the real SQS adapter) and the messages that arrived in the queue.
 * The queue is drained while the scheduler runs, as the sync worker would. Besides keeping the test honest
 * (moto deduplicates a FIFO message only against messages still in the queue, so a duplicate send would show
 * up as a second message instead of being hidden), draining keeps moto fast: its FIFO emulation re-counts
 * every queued message on each send, so a send into a queue holding thousands of messages takes seconds.
 *
 * The smaller cases (a lost job, racing scheduler runs, a writer racing the lease) use a second, small table.
 */
import { randomUUID } from 'node:crypto';
import { DeleteMessageBatchCommand, ReceiveMessageCommand, SQSClient, type Message } from '@aws-sdk/client-sqs';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { queues } from '../../shared/catalog/resources';
import { provisionQueue, type ProvisionedQueue } from '../../local/aws/provision';
import { dynamoDocumentClient } from '../../shared/adapters/aws-clients';
import { batchWriteAll, putRequest } from '../../shared/adapters/dynamodb/batch';
import { DynamoConnectionStore } from '../../shared/adapters/dynamodb/connection-store';
import { connectionKey, connectionToItem, dueClaimKey, dueShardOf } from '../../shared/adapters/dynamodb/entities/connection';
import { tableRef } from '../../shared/adapters/dynamodb/table';
import { SqsSyncJobQueue } from '../../shared/adapters/sqs/sqs-sync-job-queue';
import { updateConnection } from '../../shared/banking/connection-updates';
import type { Connection, ConnectionStatus } from '../../shared/banking/model';
import type { Clock, SyncJob, SyncJobQueue } from '../../shared/banking/ports';
import { syncJobMessage } from '../../shared/queue/messages';
import { DEFAULT_LEASE_MINUTES, enqueueDueConnections, type SchedulerDeps } from '../../shared/sync/auto-sync-scheduler';
import { type DueConnectionIndex } from '../../shared/banking/ports';
import { makeConnection } from '../helpers/dynamodb-fixtures';
import { createPrivateTable, type PrivateTable } from '../helpers/dynamodb-table';
import { localAwsClientConfig } from '../setup/local-aws-context';

const shardCount = 8;
const minute = 60_000;
const firstTick = new Date('2031-03-01T12:00:00.000Z');
const secondTick = new Date(firstTick.getTime() + 15 * minute);
const leaseMs = DEFAULT_LEASE_MINUTES * minute;

const sqs = new SQSClient(localAwsClientConfig());
afterAll(() => sqs.destroy());

function fixedClock(at: Date): Clock {
  return { now: () => new Date(at) };
}

/** The real SQS adapter, plus a record of every job the scheduler handed to it. */
class RecordingSyncQueue implements SyncJobQueue {
  readonly sent: SyncJob[] = [];
  constructor(private readonly inner: SyncJobQueue | null) {}
  async enqueue(jobs: readonly SyncJob[]): Promise<void> {
    if (this.inner) await this.inner.enqueue(jobs);
    this.sent.push(...jobs);
  }
}

/** Receives and deletes until stopped and the queue answers empty twice; the sync worker's role here. */
function startDraining(queueUrl: string): { stop(): Promise<Message[]> } {
  const received: Message[] = [];
  let stopping = false;
  const lane = async (): Promise<void> => {
    for (let emptyAfterStop = 0; emptyAfterStop < 2; ) {
      const result = await sqs.send(
        new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 1, MessageSystemAttributeNames: ['All'] }),
      );
      const messages = result.Messages ?? [];
      if (messages.length === 0) {
        if (stopping) emptyAfterStop += 1;
        continue;
      }
      received.push(...messages);
      await sqs.send(
        new DeleteMessageBatchCommand({
          QueueUrl: queueUrl,
          Entries: messages.map((message, index) => ({ Id: String(index), ReceiptHandle: message.ReceiptHandle! })),
        }),
      );
    }
  };
  const lanes = [lane(), lane()];
  return {
    stop: async () => {
      stopping = true;
      await Promise.all(lanes);
      return received;
    },
  };
}

function countBy<T>(values: readonly T[]): Map<T, number> {
  const counts = new Map<T, number>();
  for (const value of values) counts.set(value, (counts.get(value) ?? 0) + 1);
  return counts;
}

function isoAt(base: Date, offsetMs: number): string {
  return new Date(base.getTime() + offsetMs).toISOString();
}

describe('auto-sync scheduler, 10,000 connections', () => {
  const fleet = 10_000;
  const waitingStatuses: ConnectionStatus[] = ['login_required', 'mfa_required', 'user_action_required', 'revoked', 'consent_expired'];
  const dueStatuses: ConnectionStatus[] = ['healthy', 'error', 'pending_expiration', 'new_accounts_available'];

  let table: PrivateTable;
  let store: DynamoConnectionStore;
  let queue: ProvisionedQueue;
  /** Due at the first tick (nextSyncAt in the 12 hours up to and including it). */
  const dueAtFirstTick = new Set<string>();
  /** Due only by the second tick (nextSyncAt in the 15 minutes after the first). */
  const dueAtSecondTick = new Set<string>();
  /** Waiting for the user but still in the due index (a stale entry), due time passed. */
  const staleWaiting = new Set<string>();
  const connectionsById = new Map<string, Connection>();

  beforeAll(async () => {
    const [privateTable, provisioned] = await Promise.all([
      createPrivateTable('autosync'),
      provisionQueue(sqs, queues.sync, `autosync-${randomUUID().slice(0, 8)}`, 300),
    ]);
    table = privateTable;
    queue = provisioned;
    store = new DynamoConnectionStore({ tableName: table.tableName, dueIndexShards: shardCount });

    // With a 12-hour interval and a tick every 15 minutes, about 2 % of a fleet falls due per tick (200 of
    // 10,000); the first tick here also finds a backlog, as after a deployment pause or an outage:
    // 1,000 due at the first tick (up to 12 hours overdue), 200 due by the second, 8,400 due later,
    // 100 waiting for the user but still indexed, 300 waiting for the user and out of the index.
    const rows: Connection[] = [];
    for (let index = 0; index < fleet; index++) {
      const connectionId = `conn_${index.toString().padStart(5, '0')}_${randomUUID().slice(0, 6)}`;
      let nextSyncAt: string | null;
      let status: ConnectionStatus = dueStatuses[index % dueStatuses.length]!;
      if (index < 1_000) {
        nextSyncAt = isoAt(firstTick, -((index * 14_387) % (12 * 60 * minute)));
        dueAtFirstTick.add(connectionId);
      } else if (index < 1_200) {
        nextSyncAt = isoAt(firstTick, 1 + ((index * 1_777) % (15 * minute)));
        dueAtSecondTick.add(connectionId);
      } else if (index < 9_600) {
        nextSyncAt = isoAt(secondTick, 1 + ((index * 9_973) % (12 * 60 * minute)));
      } else if (index < 9_700) {
        nextSyncAt = isoAt(firstTick, -((index * 7_919) % (60 * minute)));
        status = waitingStatuses[index % waitingStatuses.length]!;
        staleWaiting.add(connectionId);
      } else {
        nextSyncAt = null;
        status = waitingStatuses[index % waitingStatuses.length]!;
      }
      const connection = makeConnection({ userId: `user_${index % 2_500}`, connectionId, status, nextSyncAt });
      rows.push(connection);
      connectionsById.set(connectionId, connection);
    }
    await batchWriteAll(
      tableRef({ tableName: table.tableName }),
      rows.map((connection) => putRequest(connectionToItem(connection, shardCount))),
    );
  }, 120_000);

  afterAll(() => table?.drop());

  it('spreads the due connections over every shard of the due index', () => {
    const perShard = countBy([...dueAtFirstTick].map((id) => dueShardOf(id, shardCount)));
    expect(perShard.size).toBe(shardCount);
    const average = dueAtFirstTick.size / shardCount;
    for (const count of perShard.values()) expect(count).toBeLessThan(average * 1.5);
  });

  it('enqueues each due connection exactly once over two ticks, none that is not due, none waiting for the user', async () => {
    const recorder = new RecordingSyncQueue(new SqsSyncJobQueue(queue.url));
    const deps = (at: Date): SchedulerDeps => ({ dueIndex: store, syncQueue: recorder, clock: fixedClock(at), shardCount });
    const draining = startDraining(queue.url);

    // Act: two ticks 15 minutes apart; no worker runs in between, so nothing resets a due time.
    const first = await enqueueDueConnections(deps(firstTick));
    const sentByFirst = recorder.sent.length;
    const second = await enqueueDueConnections(deps(secondTick));
    const messages = await draining.stop();

    // Assess: what each tick saw and did.
    expect(first).toEqual({
      due: dueAtFirstTick.size + staleWaiting.size,
      enqueued: dueAtFirstTick.size,
      skippedNeedingUser: staleWaiting.size,
      leaseConflicts: 0,
      leaseFailures: 0,
      shardsTaken: 0,
    });
    // The second tick reads only what became due since the first tick's window; the stale entries left the index.
    expect(second).toEqual({
      due: dueAtSecondTick.size,
      enqueued: dueAtSecondTick.size,
      skippedNeedingUser: 0,
      leaseConflicts: 0,
      leaseFailures: 0,
      shardsTaken: 0,
    });

    // Assess: the jobs handed to SQS, per tick and in total.
    const expected = new Set([...dueAtFirstTick, ...dueAtSecondTick]);
    expect(new Set(recorder.sent.slice(0, sentByFirst).map((job) => job.connectionId))).toEqual(dueAtFirstTick);
    expect(new Set(recorder.sent.slice(sentByFirst).map((job) => job.connectionId))).toEqual(dueAtSecondTick);
    const sentCounts = countBy(recorder.sent.map((job) => job.connectionId));
    expect(sentCounts.size).toBe(expected.size);
    expect([...sentCounts.values()].every((count) => count === 1)).toBe(true);

    // Assess: what arrived in the FIFO queue: one message per due connection, in its own message group. Counted
    // by message id: SQS may hand one message out twice (at-least-once delivery; moto's receive does so now and
    // then under concurrent receivers), which is a delivery, not a second job.
    const distinct = [...new Map(messages.map((message) => [message.MessageId!, message])).values()];
    const bodies = distinct.map((message) => ({ message, job: syncJobMessage.parse(JSON.parse(message.Body!)) }));
    const arrivedCounts = countBy(bodies.map(({ job }) => job.connectionId));
    expect(new Set(arrivedCounts.keys())).toEqual(expected);
    expect([...arrivedCounts.values()].every((count) => count === 1)).toBe(true);
    for (const { message, job } of bodies) {
      expect(job.trigger).toBe('schedule');
      expect(message.Attributes?.MessageGroupId).toBe(job.connectionId);
      expect(job.userId).toBe(connectionsById.get(job.connectionId)!.userId);
      expect(job.deduplicationId).toBe(`${job.connectionId}@${connectionsById.get(job.connectionId)!.nextSyncAt}`);
    }
  }, 180_000);

  it('writes nothing to the rows it enqueues, moves every shard\'s claim mark, and takes stale waiting rows out of the index', async () => {
    const client = dynamoDocumentClient();
    const read = (id: string) =>
      client.send(new GetCommand({ TableName: table.tableName, Key: connectionKey(connectionsById.get(id)!.userId, id), ConsistentRead: true }));
    const [enqueuedFirst] = [...dueAtFirstTick];
    const [stale] = [...staleWaiting];

    const first = (await read(enqueuedFirst!)).Item!;
    expect(first.next_sync_at).toBe(connectionsById.get(enqueuedFirst!)!.nextSyncAt);
    expect(first.updated_at).toBe(connectionsById.get(enqueuedFirst!)!.updatedAt);
    for (let shard = 0; shard < shardCount; shard++) {
      const mark = (await client.send(new GetCommand({ TableName: table.tableName, Key: dueClaimKey(shard), ConsistentRead: true }))).Item!;
      expect(mark.claimed_until).toBe(secondTick.toISOString());
      expect(mark.marks).toEqual([firstTick.toISOString(), secondTick.toISOString()]);
    }

    const dropped = (await read(stale!)).Item!;
    expect(dropped.status).toBe(connectionsById.get(stale!)!.status);
    expect(dropped.next_sync_at).toBeUndefined();
    expect(dropped.GSI2PK).toBeUndefined();
  });
});

describe('auto-sync scheduler leases', () => {
  let table: PrivateTable;
  let store: DynamoConnectionStore;
  const at = new Date('2031-06-01T08:00:00.000Z');

  // A table per test: the claim marks remember the ticks each test makes.
  beforeEach(async () => {
    table = await createPrivateTable('autosync-lease');
    store = new DynamoConnectionStore({ tableName: table.tableName, dueIndexShards: shardCount });
  });
  afterEach(() => table?.drop());

  async function seedDue(count: number, dueAt: string): Promise<Connection[]> {
    const rows = Array.from({ length: count }, () => makeConnection({ nextSyncAt: dueAt }));
    await batchWriteAll(tableRef({ tableName: table.tableName }), rows.map((row) => putRequest(connectionToItem(row, shardCount))));
    return rows;
  }

  function schedulerAt(when: Date, recorder: RecordingSyncQueue, dueIndex: DueConnectionIndex = store): SchedulerDeps {
    return { dueIndex, syncQueue: recorder, clock: fixedClock(when), shardCount };
  }

  it('enqueues a connection whose job was lost again once its lease runs out, under a new deduplication id', async () => {
    // Prepare: due, enqueued by a tick, and then the job vanishes (no worker ever resets the due time).
    const [connection] = await seedDue(1, isoAt(at, -minute));
    const recorder = new RecordingSyncQueue(null);
    await enqueueDueConnections(schedulerAt(at, recorder));
    await enqueueDueConnections(schedulerAt(new Date(at.getTime() + leaseMs - minute), recorder));
    expect(recorder.sent.map((job) => job.connectionId)).toEqual([connection!.connectionId]);

    // Act: the first tick after the lease ran out.
    await enqueueDueConnections(schedulerAt(new Date(at.getTime() + leaseMs + minute), recorder));

    // Assess
    expect(recorder.sent.map((job) => job.connectionId)).toEqual([connection!.connectionId, connection!.connectionId]);
    // Sent for the lease the overdue row was given, which is also what the worker checks it against.
    expect(recorder.sent[1]!.deduplicationId).toBe(`${connection!.connectionId}@${isoAt(at, 2 * leaseMs + minute)}`);
    expect(recorder.sent[1]!.scheduledFor).toBe(isoAt(at, 2 * leaseMs + minute));
    expect(recorder.sent[1]!.deduplicationId).not.toBe(recorder.sent[0]!.deduplicationId);
  });

  it('lets a finished sync replace the lease with the real next time (the lease never blocks its write)', async () => {
    // Prepare: enqueued by a tick.
    const [connection] = await seedDue(1, isoAt(at, -minute));
    const recorder = new RecordingSyncQueue(null);
    await enqueueDueConnections(schedulerAt(at, recorder));

    // Act: the worker's sync finishes and stores the next time through the ordinary versioned write, with
    // the version it read before the tick (the scheduler left it unchanged).
    const nextSync = isoAt(at, 12 * 60 * minute);
    await store.save({ ...connection!, nextSyncAt: nextSync, updatedAt: isoAt(at, 1) }, connection!.updatedAt);
    await enqueueDueConnections(schedulerAt(new Date(at.getTime() + leaseMs + minute), recorder));

    // Assess: enqueued once; a lease later it is not overdue, the real next time holds.
    expect(recorder.sent.filter((job) => job.connectionId === connection!.connectionId)).toHaveLength(1);
    expect((await store.get(connection!.userId, connection!.connectionId))!.nextSyncAt).toBe(nextSync);
  });

  it('enqueues each due connection once when two scheduler runs race on the same tick', async () => {
    // Prepare
    // Earlier than every row the tests above left behind, so only this test's rows are due.
    const tick = at;
    const rows = await seedDue(60, isoAt(tick, -5 * minute));
    const recorder = new RecordingSyncQueue(null);

    // Act: EventBridge delivered the tick twice; both invocations run at once.
    const [left, right] = await Promise.all([
      enqueueDueConnections(schedulerAt(tick, recorder)),
      enqueueDueConnections(schedulerAt(tick, recorder)),
    ]);

    // Assess
    const ids = recorder.sent.map((job) => job.connectionId);
    expect(new Set(ids)).toEqual(new Set(rows.map((row) => row.connectionId)));
    expect(ids).toHaveLength(rows.length);
    expect(left.enqueued + right.enqueued).toBe(rows.length);
  });

  it('sends a connection that changed right after the index read for the due time it read, which the worker skips', async () => {
    // Prepare: a webhook marks the login broken right after the scheduler read the row.
    const [connection] = await seedDue(1, isoAt(at, -minute));
    const racingIndex: DueConnectionIndex = {
      claimDueWindows: (...args) => store.claimDueWindows(...args),
      dropFromDueIndex: (waiting) => store.dropFromDueIndex(waiting),
      leaseDue: (due, leaseUntil) => store.leaseDue(due, leaseUntil),
      listDue: async (...args) => {
        const page = await store.listDue(...args);
        if (page.items.length > 0) {
          await updateConnection(store, connection!.userId, connection!.connectionId, (current) => ({ ...current, status: 'login_required', nextSyncAt: null }), () => at);
        }
        return page;
      },
    };
    const recorder = new RecordingSyncQueue(null);

    // Act
    await enqueueDueConnections(schedulerAt(at, recorder, racingIndex));

    // Assess: the job names the due time read; the row no longer holds it (runSync skips such a scheduled job).
    expect(recorder.sent.map((job) => job.scheduledFor)).toEqual([isoAt(at, -minute)]);
    const stored = await store.get(connection!.userId, connection!.connectionId);
    expect(stored).toMatchObject({ status: 'login_required', nextSyncAt: null });
  });

  it('does not enqueue an overdue connection whose due time changed between the read and the lease', async () => {
    // Prepare: enqueued, the job lost; a lease later a webhook marks the login broken right after the read.
    const [connection] = await seedDue(1, isoAt(at, -minute));
    await enqueueDueConnections(schedulerAt(at, new RecordingSyncQueue(null)));
    const racingIndex: DueConnectionIndex = {
      claimDueWindows: (...args) => store.claimDueWindows(...args),
      listDue: (...args) => store.listDue(...args),
      dropFromDueIndex: (waiting) => store.dropFromDueIndex(waiting),
      leaseDue: async (due, leaseUntil) => {
        await updateConnection(
          store,
          connection!.userId,
          connection!.connectionId,
          (current) => ({ ...current, status: 'login_required', nextSyncAt: null }),
          () => at,
        );
        return store.leaseDue(due, leaseUntil);
      },
    };
    const recorder = new RecordingSyncQueue(null);

    // Act
    const result = await enqueueDueConnections(schedulerAt(new Date(at.getTime() + leaseMs + minute), recorder, racingIndex));

    // Assess
    expect(result).toMatchObject({ enqueued: 0, leaseConflicts: 1 });
    expect(recorder.sent).toEqual([]);
    const stored = await store.get(connection!.userId, connection!.connectionId);
    expect(stored).toMatchObject({ status: 'login_required', nextSyncAt: null });
  });

  it('enqueues each due connection once when the same tick is delivered several times, one run per shard', async () => {
    const rows = await seedDue(40, isoAt(at, -5 * minute));
    const recorder = new RecordingSyncQueue(null);

    const results = await Promise.all(Array.from({ length: 4 }, () => enqueueDueConnections(schedulerAt(at, recorder))));

    expect(recorder.sent.map((job) => job.connectionId).sort()).toEqual(rows.map((row) => row.connectionId).sort());
    // Each shard was taken by exactly one of the four runs.
    expect(results.reduce((sum, result) => sum + result.shardsTaken, 0)).toBe(3 * shardCount);
  });
});
