/**
 * A sync run's app events on the real DynamoDB outbox (local emulator): sent from memory, no read-back and no
 * per-event `published` write, the run record saying they went out; and a crash after they went out but before
 * that record is written, retried, sends them again under the same ids, and the app's webhook still gets each
 * event once; a scheduled run, which writes nothing before its end, crashing there is redelivered as a skip that
 * sends the same ids again. The provider is a scripted fake; the bus and the delivery queue are recorders.
 *
 * The run's events are stored without the user's index entry (GSI1), and the operator's replay by user
 * (`ops/replay-app-events.ts --user --since`) still finds them, through the run, with the user's other events.
 */
import { randomUUID } from 'node:crypto';
import { DeleteMessageCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, describe, expect, it } from 'vitest';
import { provisionQueue } from '../../local/aws/provision';
import { parseAppEventReplayArguments, replayAppEventsFromEnvironment } from '../../ops/replay-app-events';
import { dynamoDocumentClient } from '../../shared/adapters/aws-clients';
import { appEventKey } from '../../shared/adapters/dynamodb/entities/app-event';
import { newSyncRunId } from '../../shared/banking/ids';
import { queues } from '../../shared/catalog/resources';
import { connectionStatusChangedEvent } from '../../shared/events/model';
import { localAwsClientConfig, localAwsEnv } from '../setup/local-aws-context';
import type { Connection } from '../../shared/banking/model';
import type { ConnectionStore, SyncJob, SyncRunStore } from '../../shared/banking/ports';
import { deliverAppWebhook } from '../../shared/events/deliver-app-webhook';
import { OutboxEventPublisher } from '../../shared/events/event-publisher';
import type { AppEventStore } from '../../shared/events/ports';
import { runSync, type SyncEngineDeps } from '../../shared/sync/sync-engine';
import { appEventStore } from '../../shared/wiring/events';
import { accountStore, categoryStore, connectionStore, syncRunStore, transactionStore } from '../../shared/wiring/stores';
import { commandInputsSentDuring, type SentCommand } from '../helpers/dynamodb-commands';
import { makeConnection, uniqueId } from '../helpers/dynamodb-fixtures';
import { FakeTokenVault } from '../helpers/fakes/banking-stores';
import { RecordingBus, RecordingWebhookQueue } from '../helpers/fakes/events';
import { providerTransaction, ScriptedSyncSource } from '../helpers/fakes/providers';

const clock = { now: () => new Date() };

/** A process that dies at a chosen moment: from then on none of its writes happen. */
class Crash {
  armed = false;
  crashed = false;
  check(): void {
    if (this.crashed) throw new Error('the process died');
  }
}

/** A delivery queue that, once the crash is armed, "dies" right after the run's events were queued. */
class CrashingWebhookQueue extends RecordingWebhookQueue {
  constructor(private readonly crash: Crash) {
    super();
  }
  override async enqueue(eventIds: readonly string[]): Promise<void> {
    await super.enqueue(eventIds);
    if (this.crash.armed) this.crash.crashed = true;
  }
}

function crashing<T extends object>(store: T, crash: Crash): T {
  return new Proxy(store, {
    get(target, property, receiver) {
      const value = Reflect.get(target, property, receiver);
      if (typeof value !== 'function') return value;
      return async (...args: unknown[]) => {
        crash.check();
        return value.apply(target, args);
      };
    },
  });
}

async function setup() {
  const vault = new FakeTokenVault();
  const base = makeConnection({ syncCursor: 'c0', lastSyncAt: '2024-05-01T12:00:00.000Z', lastSyncOutcome: 'succeeded' });
  const connection: Connection = {
    ...base,
    accessToken: await vault.encrypt('access-sandbox-1', { userId: base.userId, connectionId: base.connectionId, provider: base.provider }),
  };
  await connectionStore().createWithAccounts(connection, [], []);
  const source = new ScriptedSyncSource();
  source.pulls = [{ pages: [{ added: [providerTransaction(uniqueId('t')), providerTransaction(uniqueId('t'))], modified: [], removed: [] }], nextCursor: 'c1' }];
  const crash = new Crash();
  const bus = new RecordingBus();
  const webhooks = new CrashingWebhookQueue(crash);
  const deps: SyncEngineDeps = {
    connections: crashing<ConnectionStore>(connectionStore(), crash),
    accounts: accountStore(),
    transactions: transactionStore(),
    syncRuns: crashing<SyncRunStore>(syncRunStore(), crash),
    categories: categoryStore(),
    vault,
    sourceFor: async () => source,
    clock,
    events: new OutboxEventPublisher({ store: crashing<AppEventStore>(appEventStore(), crash), bus, webhooks, clock }),
    autoSync: { intervalHours: 12, random: () => 0.5 },
  };
  const job: SyncJob = { userId: connection.userId, connectionId: connection.connectionId, syncRunId: uniqueId('run'), trigger: 'manual' };
  return { connection, source, crash, bus, webhooks, deps, job };
}

const touchesAppEvent = (sent: SentCommand) => JSON.stringify(sent.input).includes('APPEVENT#');
const commandsOnEvents = (sent: readonly SentCommand[], command: string) =>
  sent.filter((entry) => entry.command === command && touchesAppEvent(entry)).length;

describe('app events of a sync run', () => {
  it('are sent from memory: no per-event GetItem or UpdateItem, one flag on the run record', async () => {
    const { bus, webhooks, deps, job } = await setup();
    let run = null as Awaited<ReturnType<typeof runSync>>;
    const sent = await commandInputsSentDuring(async () => {
      run = await runSync(deps, job);
    });

    expect(run).toMatchObject({ outcome: 'succeeded', counts: { added: 2 }, eventsPublished: true });
    expect(bus.types().sort()).toEqual(['sync.completed', 'transactions.changed']);
    expect(webhooks.sent.sort()).toEqual(bus.put_.map((event) => event.id).sort());
    // Staged with one conditional PutItem each, then never read back or marked.
    expect(commandsOnEvents(sent, 'PutItemCommand')).toBe(2);
    expect(commandsOnEvents(sent, 'GetItemCommand')).toBe(0);
    expect(commandsOnEvents(sent, 'UpdateItemCommand')).toBe(0);
    expect(await syncRunStore().get(job.connectionId, job.syncRunId)).toMatchObject({ outcome: 'succeeded', eventsPublished: true });

    // The same job delivered again finds the flag and neither reads the outbox nor sends anything.
    const again = await commandInputsSentDuring(async () => {
      await runSync(deps, job);
    });
    expect(again.filter(touchesAppEvent)).toEqual([]);
    expect(bus.put_).toHaveLength(2);
  });

  it('a crash after they were sent but before the run record: the retry sends them again, same ids, and the app gets each once', async () => {
    const { connection, source, crash, bus, webhooks, deps, job } = await setup();
    crash.armed = true;
    await expect(runSync(deps, job)).rejects.toThrow('the process died');
    const firstIds = bus.put_.map((event) => event.id).sort();
    expect(bus.types().sort()).toEqual(['sync.completed', 'transactions.changed']);
    expect(await syncRunStore().get(job.connectionId, job.syncRunId)).toMatchObject({ outcome: 'running' });
    expect((await connectionStore().get(connection.userId, connection.connectionId))?.syncCursor).toBe('c1');

    // The queue redelivers the job; the provider has nothing new since the committed cursor.
    crash.armed = false;
    crash.crashed = false;
    source.pulls = [{ pages: [], nextCursor: 'c1' }];
    const retried = await runSync(deps, job);

    expect(retried).toMatchObject({ outcome: 'succeeded', eventsPublished: true });
    const secondPut = bus.put_.slice(firstIds.length);
    expect(secondPut.map((event) => event.id).sort()).toEqual(firstIds);
    // The first copies are the ones sent again: the transactions.changed of the run that stored the rows.
    expect(secondPut.find((event) => event.type === 'transactions.changed')?.data).toMatchObject({ counts: { added: 2 } });
    expect(webhooks.sent.sort()).toEqual([...firstIds, ...firstIds].sort());

    // Every queued message reaches the delivery worker; the app's endpoint sees each event once.
    const posted: string[] = [];
    const sender = {
      post: async (_url: string, headers: Readonly<Record<string, string>>) => {
        posted.push(headers['webhook-id']!);
        return { status: 204 };
      },
    };
    const target = async () => ({ url: 'https://app.example/hooks', key: Buffer.alloc(32, 1) });
    const results = [];
    for (const eventId of webhooks.sent) {
      results.push(await deliverAppWebhook({ events: appEventStore(), sender, clock, target }, { eventId }));
    }
    expect(posted.sort()).toEqual(firstIds);
    expect(results.filter((result) => result === 'already_delivered')).toHaveLength(firstIds.length);
  });

  it('a finished run recorded without the flag (an older record) has what it left staged sent by a redelivered job', async () => {
    const { bus, deps, job } = await setup();
    await runSync(deps, job);
    const ids = bus.put_.map((event) => event.id);
    // What a run recorded before the flag existed leaves: its events staged and unpublished, its record final.
    const stored = await syncRunStore().get(job.connectionId, job.syncRunId);
    await syncRunStore().put({ ...stored!, eventsPublished: undefined });

    await runSync(deps, job);
    expect(bus.put_.slice(ids.length).map((event) => event.id).sort()).toEqual([...ids].sort());
    const third = await commandInputsSentDuring(async () => {
      await runSync(deps, job);
    });
    // Flushed events are marked published one by one, so a further redelivery reads them and sends nothing.
    expect(commandsOnEvents(third, 'GetItemCommand')).toBe(3);
    expect(bus.put_).toHaveLength(ids.length * 2);
  });
});

/** Puts of a row kind: `CONN#` (the connection) or `RUN#` (a sync run record), by the sort key written. */
const putsOf = (sent: readonly SentCommand[], sortKeyPrefix: string) =>
  sent.filter((entry) => entry.command === 'PutItemCommand' && String((entry.input as { Item?: { SK?: unknown } }).Item?.SK).startsWith(sortKeyPrefix)).length;

describe('app events of a scheduled (quiet) run', () => {
  it('writes the connection and the run record once each, at the end; a crash after the events went out leaves no record, and the redelivered job sends them again and runs nothing', async () => {
    const { connection, source, crash, bus, webhooks, deps } = await setup();
    const scheduled = (nextSyncAt: string | null): SyncJob => ({
      userId: connection.userId,
      connectionId: connection.connectionId,
      syncRunId: uniqueId('run'),
      trigger: 'schedule',
      scheduledFor: nextSyncAt!,
    });
    const first = scheduled(connection.nextSyncAt);
    const sent = await commandInputsSentDuring(async () => {
      expect(await runSync(deps, first)).toMatchObject({ outcome: 'succeeded', eventsPublished: true });
    });
    expect(putsOf(sent, 'CONN#')).toBe(1);
    expect(putsOf(sent, 'RUN#')).toBe(1);
    expect(await syncRunStore().get(first.connectionId, first.syncRunId)).toMatchObject({ trigger: 'schedule', outcome: 'succeeded' });

    // The next scheduled run dies right after its events were queued, before anything else is written.
    const afterFirst = await connectionStore().get(connection.userId, connection.connectionId);
    const second = scheduled(afterFirst!.nextSyncAt);
    source.pulls = [{ pages: [{ added: [providerTransaction(uniqueId('t'))], modified: [], removed: [] }], nextCursor: 'c2' }];
    const sentBefore = bus.put_.length;
    crash.armed = true;
    await expect(runSync(deps, second)).rejects.toThrow('the process died');
    const ids = bus.put_.slice(sentBefore).map((event) => event.id).sort();
    expect(bus.types().slice(sentBefore).sort()).toEqual(['sync.completed', 'transactions.changed']);
    expect(await syncRunStore().get(second.connectionId, second.syncRunId)).toBeNull();
    const committed = await connectionStore().get(connection.userId, connection.connectionId);
    expect(committed).toMatchObject({ syncCursor: 'c2', status: 'healthy' });
    expect(committed!.nextSyncAt).not.toBe(second.scheduledFor);

    // Redelivered, the job finds the connection rescheduled: no provider call, no write, the same ids sent again.
    crash.armed = false;
    crash.crashed = false;
    const pullsBefore = source.cursorsSeen.length;
    const again = await commandInputsSentDuring(async () => {
      expect(await runSync(deps, second)).toBeNull();
    });
    expect(source.cursorsSeen).toHaveLength(pullsBefore);
    expect(again.filter((entry) => entry.command === 'PutItemCommand' && !touchesAppEvent(entry))).toEqual([]);
    expect(bus.put_.slice(sentBefore + ids.length).map((event) => event.id).sort()).toEqual(ids);
    expect(webhooks.sent.filter((id) => ids.includes(id)).sort()).toEqual([...ids, ...ids].sort());
  });
});

describe('replay by user of a sync run\'s app events', () => {
  const sqs = new SQSClient(localAwsClientConfig());
  afterAll(() => sqs.destroy());

  async function storedRow(eventId: string): Promise<Record<string, unknown> | undefined> {
    const output = await dynamoDocumentClient().send(new GetCommand({ TableName: localAwsEnv().TABLE_NAME, Key: appEventKey(eventId), ConsistentRead: true }));
    return output.Item;
  }

  /** Every message waiting in the queue, deleted as read. */
  async function drain(queueUrl: string): Promise<unknown[]> {
    const bodies: unknown[] = [];
    for (let emptyPolls = 0; emptyPolls < 2; ) {
      const result = await sqs.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }));
      const messages = result.Messages ?? [];
      emptyPolls = messages.length === 0 ? emptyPolls + 1 : 0;
      for (const message of messages) {
        bodies.push(JSON.parse(message.Body!));
        await sqs.send(new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: message.ReceiptHandle! }));
      }
    }
    return bodies;
  }

  it('are stored without GSI1 keys (one write each) and `replay-app-events --user --since` queues them with the user\'s listed events', async () => {
    const { connection, bus, deps, job: baseJob } = await setup();
    const since = new Date(Date.now() - 1_000).toISOString();
    // A run id as the service mints it: the replay finds runs by the time their ids encode.
    const job = { ...baseJob, syncRunId: newSyncRunId(new Date()) };
    const sent = await commandInputsSentDuring(async () => {
      await runSync(deps, job);
    });
    const runEvents = [...bus.put_];
    expect(runEvents.map((event) => event.type).sort()).toEqual(['sync.completed', 'transactions.changed']);

    // Staged with a conditional PutItem whose item has no GSI1 keys; the stored rows have none either.
    const eventPuts = sent.filter((entry) => entry.command === 'PutItemCommand' && touchesAppEvent(entry));
    expect(eventPuts).toHaveLength(2);
    for (const put of eventPuts) expect(Object.keys((put.input as { Item: Record<string, unknown> }).Item)).not.toContain('GSI1PK');
    for (const event of runEvents) {
      const row = await storedRow(event.id);
      expect(row).toMatchObject({ event_id: event.id, user_id: connection.userId });
      expect(row).not.toHaveProperty('GSI1PK');
      expect(row).not.toHaveProperty('GSI1SK');
    }

    // A status change a provider webhook caused (no run) is listed under the user, as before.
    const runEnded = Math.max(...runEvents.map((event) => Date.parse(event.timestamp)));
    const changedAt = new Date(runEnded + 1_000).toISOString();
    const statusChange = connectionStatusChangedEvent('healthy', { ...connection, status: 'login_required' }, uniqueId('whk'), changedAt);
    await deps.events.publish([statusChange]);
    expect(await storedRow(statusChange.id)).toMatchObject({
      GSI1PK: `USER#${connection.userId}#APPEVENT`,
      GSI1SK: `${statusChange.timestamp}#${statusChange.id}`,
    });

    const queue = await provisionQueue(sqs, queues.appWebhooks, `run-events-${randomUUID().slice(0, 8)}`, 60);
    const result = await replayAppEventsFromEnvironment(
      parseAppEventReplayArguments(['--user', connection.userId, '--since', since]),
      { ...process.env, APP_WEBHOOK_QUEUE_URL: queue.url },
    );

    // The run's two events share its end time (then sort by id), the status change comes after.
    const expected = [...runEvents.map((event) => event.id).sort(), statusChange.id];
    expect(result.replayed.map((event) => event.id)).toEqual(expected);
    expect(result.notFound).toEqual([]);
    const queued = await drain(queue.url);
    expect(queued).toHaveLength(expected.length);
    expect(queued).toEqual(expect.arrayContaining(expected.map((eventId) => ({ eventId, replay: true }))));

    // From a time after the run ended, only the later event; with a limit of one, the oldest.
    const afterRun = await replayAppEventsFromEnvironment(
      parseAppEventReplayArguments(['--user', connection.userId, '--since', new Date(runEnded + 1).toISOString()]),
      { ...process.env, APP_WEBHOOK_QUEUE_URL: queue.url },
    );
    expect(afterRun.replayed.map((event) => event.id)).toEqual([statusChange.id]);
    const oldest = await replayAppEventsFromEnvironment(
      parseAppEventReplayArguments(['--user', connection.userId, '--since', since, '--limit', '1']),
      { ...process.env, APP_WEBHOOK_QUEUE_URL: queue.url },
    );
    expect(oldest.replayed.map((event) => event.id)).toEqual(expected.slice(0, 1));
    await drain(queue.url);
  });

  it('a run event flushed after a crash is listed under its user by the mark that publishes it', async () => {
    const { connection, crash, bus, deps, job: baseJob } = await setup();
    const job = { ...baseJob, syncRunId: newSyncRunId(new Date()) };
    crash.armed = true;
    await expect(runSync(deps, job)).rejects.toThrow('the process died');
    const ids = bus.put_.map((event) => event.id);
    for (const id of ids) expect(await storedRow(id)).not.toHaveProperty('GSI1PK');

    crash.armed = false;
    crash.crashed = false;
    await deps.events.flush(ids);

    for (const event of bus.put_.slice(0, ids.length)) {
      expect(await storedRow(event.id)).toMatchObject({
        published: true,
        GSI1PK: `USER#${connection.userId}#APPEVENT`,
        GSI1SK: `${event.timestamp}#${event.id}`,
      });
    }
  });
});
