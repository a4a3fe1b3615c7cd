/**
 * A sync run's app events on the real DynamoDB outbox (local emulator): sent from memory, no read-back and no
 * per-event `published` write, the run record saying they went out; and a crash after they went out but before
 * that record is written, retried, sends them again under the same ids, and the app's webhook still gets each
 * event once; a scheduled run, which writes nothing before its end, crashing there is redelivered as a skip that
 * sends the same ids again. The provider is a scripted fake; the bus and the delivery queue are recorders.
 */
import { describe, expect, it } from 'vitest';
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
