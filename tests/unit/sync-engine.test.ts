/**
 * The sync engine against in-memory ports (tests/helpers/fakes): no emulator, no network. Each case names
 * the behaviour of `runSync` it pins down; the emulator tests cover the same flows through DynamoDB and the
 * provider sandboxes.
 */
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { transactionIdFor } from '../../shared/banking/ids';
import type { Connection, Transaction } from '../../shared/banking/model';
import type { SyncJob } from '../../shared/banking/ports';
import { ConfigError, ProviderError } from '../../shared/errors/app-error';
import { requestSync, syncRunRecord, type SyncRequestDeps } from '../../shared/banking/sync-requests';
import { enqueueDueConnections } from '../../shared/sync/auto-sync-scheduler';
import { runSync, type SyncEngineDeps } from '../../shared/sync/sync-engine';
import {
  FakeTokenVault,
  InMemoryAccountStore,
  InMemoryCategoryStore,
  InMemoryConnectionStore,
  InMemorySyncRunStore,
  InMemoryTransactionStore,
  RecordingSyncQueue,
  TestClock,
} from '../helpers/fakes/banking-stores';
import { testOutbox } from '../helpers/fakes/events';
import { PreCheckingSyncSource, providerAccount, providerTransaction, ScriptedSyncSource } from '../helpers/fakes/providers';
import { testConnection } from './plaid-webhook-support';

let connections: InMemoryConnectionStore;
let accounts: InMemoryAccountStore;
let transactions: InMemoryTransactionStore;
let syncRuns: InMemorySyncRunStore;
let categories: InMemoryCategoryStore;
let vault: FakeTokenVault;
let source: ScriptedSyncSource;
let clock: TestClock;
let deps: SyncEngineDeps;
let connection: Connection;
let outbox: ReturnType<typeof testOutbox>;
let runs = 0;

function job(overrides: Partial<SyncJob> = {}): SyncJob {
  runs += 1;
  return { userId: connection.userId, connectionId: connection.connectionId, syncRunId: `run-${runs}`, trigger: 'manual', ...overrides };
}

const stored = (providerId: string): Transaction | undefined =>
  transactions.rows.get(`${connection.userId}#${transactionIdFor(connection.connectionId, providerId)}`);

const current = (): Connection => connections.rows.get(connection.connectionId) as Connection;

beforeEach(async () => {
  connections = new InMemoryConnectionStore();
  accounts = new InMemoryAccountStore();
  transactions = new InMemoryTransactionStore();
  syncRuns = new InMemorySyncRunStore();
  categories = new InMemoryCategoryStore();
  vault = new FakeTokenVault();
  source = new ScriptedSyncSource();
  clock = new TestClock(new Date('2025-03-02T08:00:00.000Z'));
  const base = testConnection({ syncCursor: null, lastSyncAt: null, lastSyncOutcome: null });
  connection = {
    ...base,
    accessToken: await vault.encrypt('access-sandbox-1', { userId: base.userId, connectionId: base.connectionId, provider: base.provider }),
  };
  connections.rows.set(connection.connectionId, connection);
  outbox = testOutbox(clock);
  deps = {
    connections,
    accounts,
    transactions,
    syncRuns,
    categories,
    vault,
    sourceFor: async () => source,
    clock,
    events: outbox.publisher,
    autoSync: { intervalHours: 12, random: () => 0 },
  };
});

describe('runSync', () => {
  it('first sync: stores accounts and every page, commits the cursor, and marks the connection healthy', async () => {
    source.pulls = [
      {
        pages: [
          { added: [providerTransaction('t1'), providerTransaction('t2')], modified: [], removed: [] },
          { added: [providerTransaction('t3')], modified: [], removed: [] },
        ],
        nextCursor: 'cursor-after-first',
      },
    ];
    const run = await runSync(deps, job());

    expect(source.cursorsSeen).toEqual([null]);
    expect(source.tokensSeen).toEqual(['access-sandbox-1']);
    expect(run).toMatchObject({ outcome: 'succeeded', counts: { added: 3, modified: 0, removed: 0, accounts: 1 } });
    expect(accounts.rows.size).toBe(1);
    expect(['t1', 't2', 't3'].map((id) => stored(id)?.amount)).toEqual(['-12.50', '-12.50', '-12.50']);
    expect(current()).toMatchObject({
      status: 'healthy',
      syncCursor: 'cursor-after-first',
      lastSyncOutcome: 'succeeded',
      lastSyncAt: '2025-03-02T08:00:00.000Z',
    });
    expect(current().nextSyncAt! > '2025-03-02T08:00:00.000Z').toBe(true);
  });

  it('incremental sync: starts from the stored cursor, writes only what changed, and a replay writes nothing', async () => {
    source.pulls = [{ pages: [{ added: [providerTransaction('t1'), providerTransaction('t2')], modified: [], removed: [] }], nextCursor: 'c1' }];
    await runSync(deps, job());
    source.pulls = [
      { pages: [{ added: [], modified: [providerTransaction('t2', { amount: '-20.00' })], removed: [] }], nextCursor: 'c2' },
    ];
    const writesBefore = transactions.writes.length;
    const run = await runSync(deps, job());

    expect(source.cursorsSeen).toEqual([null, 'c1']);
    expect(run?.counts).toMatchObject({ added: 0, modified: 1 });
    expect(transactions.writes.length - writesBefore).toBe(1);
    expect(stored('t2')?.amount).toBe('-20.00');
    expect(current().syncCursor).toBe('c2');

    // The same job delivered again is not repeated; a new run with the same data writes nothing.
    source.pulls = [{ pages: [{ added: [], modified: [providerTransaction('t2', { amount: '-20.00' })], removed: [] }], nextCursor: 'c2' }];
    const again = await runSync(deps, job());
    expect(again?.counts).toMatchObject({ added: 0, modified: 0 });
    expect(transactions.writes.length - writesBefore).toBe(1);
  });

  it("a source's per-account look at stored rows reads the connection's window once for every account", async () => {
    source.accounts = [providerAccount(), providerAccount({ providerAccountId: 'acc-savings', name: 'Savings' })];
    source.pulls = [
      {
        pages: [
          {
            added: [
              providerTransaction('t1', { date: '2025-03-01' }),
              providerTransaction('t2', { date: '2025-03-02', providerAccountId: 'acc-savings' }),
              providerTransaction('t-old', { date: '2024-01-01' }),
            ],
            modified: [],
            removed: [],
          },
        ],
        nextCursor: 'c1',
      },
    ];
    await runSync(deps, job());
    const listed = vi.spyOn(transactions, 'list');
    const seen: Record<string, string[]> = {};
    source.beforePull = async (session) => {
      for (const account of ['acc-checking', 'acc-savings', 'acc-unknown']) seen[account] = await session.storedTransactionIds!(account, '2025-02-01');
    };
    source.pulls = [{ pages: [], nextCursor: 'c2' }];
    await runSync(deps, job());

    expect(seen).toEqual({ 'acc-checking': ['t1'], 'acc-savings': ['t2'], 'acc-unknown': [] });
    expect(listed).toHaveBeenCalledTimes(1);
    expect(listed.mock.calls[0]?.[1]).toEqual({ connectionId: connection.connectionId, dateFrom: '2025-02-01' });
  });

  it('a window listed before the pull answers the writer for the rows sent back unchanged, and the removal check too', async () => {
    source.accounts = [providerAccount(), providerAccount({ providerAccountId: 'acc-savings', name: 'Savings' })];
    const window = [providerTransaction('t1', { date: '2025-03-01' }), providerTransaction('t2', { date: '2025-03-02', providerAccountId: 'acc-savings' })];
    source.pulls = [{ pages: [{ added: [...window, providerTransaction('t-old', { date: '2024-01-01' })], modified: [], removed: [] }], nextCursor: 'c1' }];
    await runSync(deps, job());
    const listed = vi.spyOn(transactions, 'list');
    const reads = vi.spyOn(transactions, 'getMany');
    let ids: string[] = [];
    source.beforePull = async (session) => {
      await session.readStoredWindow!('2025-02-01');
    };
    source.afterPage = async () => {
      ids = await source.lastSession!.storedTransactionIds!('acc-checking', '2025-02-01');
    };
    source.pulls = [
      {
        pages: [{ added: [], modified: [...window, providerTransaction('t-new', { date: '2025-03-02' })], removed: [] }],
        nextCursor: 'c2',
      },
    ];
    const run = await runSync(deps, job());

    expect(run?.counts).toMatchObject({ added: 1, modified: 0 });
    expect(listed).toHaveBeenCalledTimes(1);
    // Only the row the listing does not hold is read.
    expect(reads.mock.calls.map((call) => call[1])).toEqual([[transactionIdFor(connection.connectionId, 't-new')]]);
    expect(ids).toEqual(['t1']);
  });

  it('returns the recorded run without repeating it when the same job is delivered twice', async () => {
    const first = job();
    await runSync(deps, first);
    const second = await runSync(deps, first);
    expect(second?.outcome).toBe('succeeded');
    expect(source.cursorsSeen).toHaveLength(1);
  });

  it("sends the run's events from memory, without reading them back or marking each, and flags the run record", async () => {
    source.pulls = [{ pages: [{ added: [providerTransaction('t1')], modified: [], removed: [] }], nextCursor: 'c1' }];
    const reads = vi.spyOn(outbox.store, 'get');
    const marks = vi.spyOn(outbox.store, 'markPublished');
    const first = job();
    const run = await runSync(deps, first);

    expect(outbox.bus.types()).toEqual(['sync.completed', 'transactions.changed']);
    expect(outbox.webhooks.sent).toEqual(outbox.bus.put_.map((event) => event.id));
    expect(reads).not.toHaveBeenCalled();
    expect(marks).not.toHaveBeenCalled();
    expect(run?.eventsPublished).toBe(true);
    expect(await syncRuns.get(connection.connectionId, first.syncRunId)).toMatchObject({ outcome: 'succeeded', eventsPublished: true });
    // The run record is written once the events went out, never before.
    expect(syncRuns.runs.filter((recorded) => recorded.syncRunId === first.syncRunId).map((recorded) => recorded.outcome)).toEqual(['running', 'succeeded']);

    // Delivered again, the job finds the flag: nothing read, nothing sent.
    await runSync(deps, first);
    expect(reads).not.toHaveBeenCalled();
    expect(outbox.bus.put_).toHaveLength(2);
  });

  it('a bus failure after the commit: the events still go out, once each, under the run ids', async () => {
    source.pulls = [{ pages: [{ added: [providerTransaction('t1')], modified: [], removed: [] }], nextCursor: 'c1' }];
    outbox.bus.failNext = 1;
    const first = job();
    await expect(runSync(deps, first)).rejects.toThrow('bus unavailable');
    const again = await runSync(deps, first);

    expect(again?.outcome).toBe('succeeded');
    expect(outbox.bus.types().sort()).toEqual(['sync.completed', 'transactions.changed']);
    expect(new Set(outbox.webhooks.sent).size).toBe(outbox.webhooks.sent.length);
    expect(outbox.bus.put_.find((event) => event.type === 'transactions.changed')?.data).toMatchObject({ counts: { added: 1 } });
  });

  it('restart after a mutation during pagination: replays from the start and forgets removals seen before it', async () => {
    source.pulls = [{ pages: [{ added: [providerTransaction('old')], modified: [], removed: [] }], nextCursor: 'c1' }];
    await runSync(deps, job());
    source.pulls = [
      {
        pages: [
          { added: [providerTransaction('a')], modified: [], removed: ['old'] },
          { added: [providerTransaction('b')], modified: [], removed: [] },
        ],
        restartAfterPage: 1,
        nextCursor: 'c2',
      },
    ];
    let removalDeferredUntilTheEnd = false;
    source.afterPage = () => {
      removalDeferredUntilTheEnd = stored('old') !== undefined;
    };
    const run = await runSync(deps, job());
    expect(removalDeferredUntilTheEnd).toBe(true);
    // The replay sent the removal again, so it still happens, once, at the end of the run.
    expect(stored('old')).toBeUndefined();
    expect(stored('a')).toBeDefined();
    expect(stored('b')).toBeDefined();
    expect(run?.counts).toMatchObject({ added: 2, removed: 1 });
    expect(current().syncCursor).toBe('c2');
  });

  it('failure between pages: keeps the pages already stored, does not move the cursor, and throws to be retried', async () => {
    source.pulls = [{ pages: [], nextCursor: 'c1' }];
    await runSync(deps, job());
    const outage = new ProviderError('plaid', 'transient', { providerCode: 'INTERNAL_SERVER_ERROR', message: 'try again' });
    source.pulls = [
      {
        pages: [
          { added: [providerTransaction('p1')], modified: [], removed: [] },
          { added: [providerTransaction('p2')], modified: [], removed: [] },
        ],
        failAfterPage: { pages: 1, error: outage },
        nextCursor: 'c2',
      },
    ];
    const failing = job();
    await expect(runSync(deps, failing)).rejects.toBe(outage);

    expect(stored('p1')).toBeDefined();
    expect(stored('p2')).toBeUndefined();
    expect(current()).toMatchObject({ syncCursor: 'c1', status: 'healthy', lastSyncOutcome: 'retrying' });
    expect(await syncRuns.get(connection.connectionId, failing.syncRunId)).toMatchObject({
      outcome: 'retrying',
      error: { code: 'INTERNAL_SERVER_ERROR' },
    });

    // The redelivered job resumes from the committed cursor and finishes.
    source.pulls = [{ pages: [{ added: [providerTransaction('p1'), providerTransaction('p2')], modified: [], removed: [] }], nextCursor: 'c2' }];
    expect((await runSync(deps, failing))?.outcome).toBe('succeeded');
    expect(source.cursorsSeen.at(-1)).toBe('c1');
    expect(current().syncCursor).toBe('c2');
  });

  it("pending → posted: the posted transaction keeps the user's category and note, and the pending one goes", async () => {
    source.pulls = [{ pages: [{ added: [providerTransaction('pend', { pending: true })], modified: [], removed: [] }], nextCursor: 'c1' }];
    await runSync(deps, job());
    const pendingId = transactionIdFor(connection.connectionId, 'pend');
    await transactions.updateUserFields(connection.userId, [{ transactionId: pendingId, userCategoryId: 'cat-food', note: 'team lunch' }], clock.now().toISOString());

    // Plaid may remove the pending transaction in a page before the one that adds its posted successor.
    source.pulls = [
      {
        pages: [
          { added: [], modified: [], removed: ['pend'] },
          { added: [providerTransaction('posted', { pendingProviderTransactionId: 'pend' })], modified: [], removed: [] },
        ],
        nextCursor: 'c2',
      },
    ];
    const run = await runSync(deps, job());
    expect(stored('pend')).toBeUndefined();
    expect(stored('posted')).toMatchObject({ pending: false, userCategoryId: 'cat-food', note: 'team lunch' });
    expect(run?.counts).toMatchObject({ added: 1, removed: 1 });
  });

  it('removals: deletes the named transactions and counts only those that existed', async () => {
    source.pulls = [{ pages: [{ added: [providerTransaction('x'), providerTransaction('y')], modified: [], removed: [] }], nextCursor: 'c1' }];
    await runSync(deps, job());
    source.pulls = [{ pages: [{ added: [], modified: [], removed: ['x', 'never-stored'] }], nextCursor: 'c2' }];
    const run = await runSync(deps, job());
    expect(stored('x')).toBeUndefined();
    expect(stored('y')).toBeDefined();
    expect(run?.counts.removed).toBe(1);
  });

  describe('status transitions', () => {
    it('a login failure sets login_required, stops auto-sync and is not retried', async () => {
      source.checkError = new ProviderError('plaid', 'login_required', { providerCode: 'ITEM_LOGIN_REQUIRED', message: 'login' });
      const run = await runSync(deps, job());
      expect(run).toMatchObject({ outcome: 'failed', error: { code: 'ITEM_LOGIN_REQUIRED' } });
      expect(current()).toMatchObject({ status: 'login_required', nextSyncAt: null, lastSyncOutcome: 'failed' });
      expect(current().statusReason).toMatchObject({ code: 'ITEM_LOGIN_REQUIRED' });
    });

    it('a scheduled run skips a connection that waits for its user; a manual one repairs it', async () => {
      connections.rows.set(connection.connectionId, { ...connection, status: 'login_required' });
      expect(await runSync(deps, job({ trigger: 'schedule' }))).toBeNull();
      expect(source.cursorsSeen).toEqual([]);
      expect((await runSync(deps, job({ trigger: 'manual' })))?.outcome).toBe('succeeded');
      expect(current()).toMatchObject({ status: 'healthy', statusReason: null });
    });

    it('a scheduled run skips a connection rescheduled since the scheduler sent it, and runs one still due as sent', async () => {
      const dueAt = '2025-03-02T07:55:00.000Z';
      connections.rows.set(connection.connectionId, { ...connection, nextSyncAt: '2025-03-02T19:30:00.000Z' });
      expect(await runSync(deps, job({ trigger: 'schedule', scheduledFor: dueAt }))).toBeNull();
      expect(source.cursorsSeen).toEqual([]);

      connections.rows.set(connection.connectionId, { ...connection, nextSyncAt: dueAt });
      expect((await runSync(deps, job({ trigger: 'schedule', scheduledFor: dueAt })))?.outcome).toBe('succeeded');
      expect(current().nextSyncAt).not.toBe(dueAt);
    });

    it('keeps an informational status (pending_expiration) after a successful run', async () => {
      connections.rows.set(connection.connectionId, { ...connection, status: 'pending_expiration' });
      await runSync(deps, job());
      expect(current().status).toBe('pending_expiration');
    });

    it('lets a status written by someone else during the run win over "healthy"', async () => {
      source.afterPage = () => {
        const now = current();
        connections.rows.set(now.connectionId, { ...now, status: 'login_required', updatedAt: '2025-03-02T08:00:00.500Z' });
      };
      source.pulls = [{ pages: [{ added: [providerTransaction('t1')], modified: [], removed: [] }], nextCursor: 'c1' }];
      await runSync(deps, job());
      expect(current()).toMatchObject({ status: 'login_required', syncCursor: 'c1' });
    });

    it('a permanent provider failure sets error with its reason', async () => {
      source.checkError = new ProviderError('plaid', 'permanent', { providerCode: 'INVALID_ACCESS_TOKEN', message: 'bad token' });
      await runSync(deps, job());
      expect(current()).toMatchObject({ status: 'error', statusReason: { code: 'INVALID_ACCESS_TOKEN' } });
    });
  });

  it('reads the connection once and writes it twice when nobody else writes it; re-reads only after a conflict', async () => {
    const reads = vi.spyOn(connections, 'get');
    source.pulls = [{ pages: [{ added: [providerTransaction('t1')], modified: [], removed: [] }], nextCursor: 'c1' }];
    await runSync(deps, job());
    expect(reads).toHaveBeenCalledTimes(1);
    expect(connections.saves).toBe(2);

    // Another writer lands between the run's start and its commit: the commit reads the row again and keeps
    // that writer's change.
    reads.mockClear();
    source.afterPage = () => {
      const now = current();
      connections.rows.set(now.connectionId, { ...now, productTag: 'changed-meanwhile', updatedAt: '2025-03-02T08:00:00.900Z' });
    };
    source.pulls = [{ pages: [{ added: [providerTransaction('t2')], modified: [], removed: [] }], nextCursor: 'c2' }];
    await runSync(deps, job());
    expect(reads).toHaveBeenCalledTimes(2);
    expect(current()).toMatchObject({ productTag: 'changed-meanwhile', syncCursor: 'c2', status: 'healthy' });
  });

  it('connection deleted mid-run: returns null and purges the rows the run wrote after the delete', async () => {
    source.pulls = [
      {
        pages: [
          { added: [providerTransaction('d1')], modified: [], removed: [] },
          { added: [providerTransaction('d2')], modified: [], removed: [] },
        ],
        nextCursor: 'c1',
      },
    ];
    source.afterPage = async (index) => {
      if (index === 0) await connections.delete(current());
    };
    const run = await runSync(deps, job());
    expect(run).toBeNull();
    expect(connections.rows.has(connection.connectionId)).toBe(false);
    expect(transactions.rows.size).toBe(0);
    expect(accounts.rows.size).toBe(0);
    expect(syncRuns.runs).toHaveLength(0);
  });

  it('skips a job whose connection no longer exists', async () => {
    await connections.delete(connection);
    expect(await runSync(deps, job())).toBeNull();
    expect(syncRuns.runs).toHaveLength(0);
  });
});

describe('runSync: a scheduled run is quiet (no running record, no syncing status)', () => {
  const dueAt = '2025-03-02T07:55:00.000Z';
  const scheduled = () => job({ trigger: 'schedule', scheduledFor: dueAt });
  const outcomesOf = (syncRunId: string) => syncRuns.runs.filter((recorded) => recorded.syncRunId === syncRunId).map((recorded) => recorded.outcome);
  let statuses: string[];

  /** The connection after one full run, due now. */
  beforeEach(async () => {
    source.pulls = [{ pages: [{ added: [providerTransaction('t1')], modified: [], removed: [] }], nextCursor: 'c1' }];
    await runSync(deps, job({ trigger: 'link' }));
    connections.rows.set(connection.connectionId, { ...current(), nextSyncAt: dueAt });
    outbox.bus.put_.length = 0;
    statuses = [];
    connections.beforeSave = (saved) => void statuses.push(saved.status);
    source.pulls = [{ pages: [{ added: [providerTransaction('t2')], modified: [], removed: [] }], nextCursor: 'c2' }];
  });

  /** Another writer (the webhook worker) stores a status while the run pulls, as applyStatus would. */
  function webhookSetsDuringRun(status: Connection['status'], reason: Connection['statusReason'], nextSyncAt: string | null) {
    source.afterPage = () => {
      const now = current();
      connections.rows.set(now.connectionId, { ...now, status, statusReason: reason, nextSyncAt, updatedAt: '2025-03-02T08:00:00.500Z' });
    };
  }

  it('success: the connection is written once, never syncing, and the run recorded once, finished', async () => {
    clock.advanceSeconds(1);
    const sent = scheduled();
    const run = await runSync(deps, sent);

    expect(outcomesOf(sent.syncRunId)).toEqual(['succeeded']);
    expect(statuses).toEqual(['healthy']);
    expect(connections.saves).toBe(3); // two by the link run, one by this one
    expect(run).toMatchObject({
      trigger: 'schedule',
      outcome: 'succeeded',
      startedAt: '2025-03-02T08:00:01.000Z',
      finishedAt: '2025-03-02T08:00:01.000Z',
      counts: { added: 1, modified: 0, removed: 0, accounts: 1 },
      eventsPublished: true,
      error: null,
    });
    expect(await syncRuns.get(connection.connectionId, sent.syncRunId)).toEqual(run);
    expect(current()).toMatchObject({ status: 'healthy', syncCursor: 'c2', lastSyncOutcome: 'succeeded', lastSyncAt: '2025-03-02T08:00:01.000Z' });
    expect(current().nextSyncAt! > dueAt).toBe(true);
    expect(outbox.bus.types()).toEqual(['sync.completed', 'transactions.changed']);
  });

  it('success from an error status: healthy again, with the status change event, still without syncing', async () => {
    connections.rows.set(connection.connectionId, { ...current(), status: 'error', statusReason: { code: 'INTERNAL_SERVER_ERROR', message: 'down' } });
    await runSync(deps, scheduled());

    expect(statuses).toEqual(['healthy']);
    expect(current()).toMatchObject({ status: 'healthy', statusReason: null });
    expect(outbox.bus.types()).toEqual(['sync.completed', 'transactions.changed', 'connection.status_changed']);
    expect(outbox.bus.put_.at(-1)?.data).toMatchObject({ old_status: 'error', new_status: 'healthy' });
  });

  it("a webhook's status set during the run wins: its status, reason and auto-sync stop stay, the cursor moves on", async () => {
    connections.rows.set(connection.connectionId, { ...current(), status: 'error', statusReason: { code: 'INTERNAL_SERVER_ERROR', message: 'down' } });
    const reason = { code: 'ITEM_LOGIN_REQUIRED', message: 'login' };
    webhookSetsDuringRun('login_required', reason, null);
    const run = await runSync(deps, scheduled());

    expect(run?.outcome).toBe('succeeded');
    expect(current()).toMatchObject({ status: 'login_required', statusReason: reason, nextSyncAt: null, syncCursor: 'c2', lastSyncOutcome: 'succeeded' });
    // The run's own error → healthy change did not happen: its event is withdrawn.
    expect(outbox.bus.types()).toEqual(['sync.completed', 'transactions.changed']);
    expect(statuses).not.toContain('syncing');
  });

  it('a retryable failure records `retrying` (no running record first) and is thrown; the next attempt is a loud run', async () => {
    const outage = new ProviderError('plaid', 'transient', { providerCode: 'INTERNAL_SERVER_ERROR', message: 'try again' });
    source.checkError = outage;
    const sent = scheduled();
    await expect(runSync(deps, sent)).rejects.toBe(outage);

    expect(outcomesOf(sent.syncRunId)).toEqual(['retrying']);
    expect(statuses).toEqual(['healthy']);
    expect(current()).toMatchObject({ status: 'healthy', statusReason: null, syncCursor: 'c1', lastSyncOutcome: 'retrying' });
    expect(current().nextSyncAt).not.toBe(dueAt);

    // Delivered again, the job finds its `retrying` record: the run goes on as a loud one and finishes.
    source.checkError = null;
    statuses.length = 0;
    expect(await runSync(deps, { ...sent })).toMatchObject({ outcome: 'succeeded', eventsPublished: true });
    expect(outcomesOf(sent.syncRunId)).toEqual(['retrying', 'running', 'succeeded']);
    expect(statuses).toEqual(['syncing', 'healthy']);
    expect(current().syncCursor).toBe('c2');
  });

  it('a permanent failure records `failed` and sets error with its reason, never syncing', async () => {
    source.checkError = new ProviderError('plaid', 'permanent', { providerCode: 'INVALID_ACCESS_TOKEN', message: 'bad token' });
    const sent = scheduled();
    const run = await runSync(deps, sent);

    expect(run).toMatchObject({ outcome: 'failed', error: { code: 'INVALID_ACCESS_TOKEN' }, eventsPublished: true });
    expect(outcomesOf(sent.syncRunId)).toEqual(['failed']);
    expect(statuses).toEqual(['error']);
    expect(current()).toMatchObject({ status: 'error', statusReason: { code: 'INVALID_ACCESS_TOKEN' }, lastSyncOutcome: 'failed' });
    expect(outbox.bus.types()).toEqual(['sync.completed', 'connection.status_changed']);
  });

  it("a failure keeps a webhook's status set during the run, with its reason", async () => {
    const reason = { code: 'ITEM_LOGIN_REQUIRED', message: 'login' };
    webhookSetsDuringRun('login_required', reason, null);
    source.pulls = [
      {
        pages: [{ added: [providerTransaction('t2')], modified: [], removed: [] }, { added: [providerTransaction('t3')], modified: [], removed: [] }],
        failAfterPage: { pages: 1, error: new ProviderError('plaid', 'permanent', { providerCode: 'INVALID_ACCESS_TOKEN', message: 'bad token' }) },
        nextCursor: 'c2',
      },
    ];
    const run = await runSync(deps, scheduled());

    expect(run?.outcome).toBe('failed');
    expect(current()).toMatchObject({ status: 'login_required', statusReason: reason, nextSyncAt: null, syncCursor: 'c1', lastSyncOutcome: 'failed' });
    expect(outbox.bus.types()).toEqual(['sync.completed']);
  });

  it('a job delivered again after the commit (events not sent, run not recorded) is skipped as rescheduled and sends them once', async () => {
    // The bus fails for the run and again for its catch: the attempt dies after the commit, with no record.
    outbox.bus.failNext = 2;
    const sent = scheduled();
    await expect(runSync(deps, sent)).rejects.toThrow('bus unavailable');
    expect(outcomesOf(sent.syncRunId)).toEqual([]);
    expect(current()).toMatchObject({ syncCursor: 'c2', status: 'healthy' });
    expect(outbox.bus.put_).toHaveLength(0);

    const savesBefore = connections.saves;
    expect(await runSync(deps, { ...sent })).toBeNull();
    expect(outbox.bus.types()).toEqual(['sync.completed', 'transactions.changed']);
    expect(connections.saves).toBe(savesBefore);
    expect(source.cursorsSeen).toEqual([null, 'c1']);
  });

  it("a failure after the commit leaves the committed status: the run's own write is not mistaken for its start", async () => {
    // The connection is healthy before and after: only the commit says the status is the run's result.
    vi.spyOn(syncRuns, 'put').mockRejectedValueOnce(new ConfigError('run store misconfigured'));
    const sent = scheduled();
    const run = await runSync(deps, sent);

    expect(run).toMatchObject({ outcome: 'failed', error: { code: 'INTERNAL_ERROR' } });
    expect(current()).toMatchObject({ status: 'healthy', statusReason: null, syncCursor: 'c2', lastSyncOutcome: 'failed' });
    expect(statuses).toEqual(['healthy', 'healthy']);
    expect(outbox.bus.types()).not.toContain('connection.status_changed');
  });

  it('a job delivered again after the record finds the run finished: nothing read, written or sent', async () => {
    const sent = scheduled();
    await runSync(deps, sent);
    const savesBefore = connections.saves;
    const runsBefore = syncRuns.runs.length;

    expect(await runSync(deps, { ...sent })).toMatchObject({ outcome: 'succeeded', eventsPublished: true });
    expect(connections.saves).toBe(savesBefore);
    expect(syncRuns.runs).toHaveLength(runsBefore);
    expect(source.cursorsSeen).toEqual([null, 'c1']);
    expect(outbox.bus.put_).toHaveLength(2);
  });

  it('a connection deleted mid-run is noticed at the commit and purged', async () => {
    source.pulls = [
      { pages: [{ added: [providerTransaction('d1')], modified: [], removed: [] }, { added: [providerTransaction('d2')], modified: [], removed: [] }], nextCursor: 'c2' },
    ];
    source.afterPage = async (index) => {
      if (index === 0) await connections.delete(current());
    };
    expect(await runSync(deps, scheduled())).toBeNull();
    expect(transactions.rows.size).toBe(0);
    expect(accounts.rows.size).toBe(0);
    expect(outbox.bus.put_).toHaveLength(0);
  });

  it('manual and link runs, and a scheduled one of a connection left syncing, still write running and syncing first', async () => {
    for (const trigger of ['manual', 'link'] as const) {
      statuses.length = 0;
      const sent = job({ trigger });
      await runSync(deps, sent);
      expect(outcomesOf(sent.syncRunId)).toEqual(['running', 'succeeded']);
      expect(statuses).toEqual(['syncing', 'healthy']);
    }

    connections.rows.set(connection.connectionId, { ...current(), status: 'syncing', nextSyncAt: dueAt });
    statuses.length = 0;
    const sent = scheduled();
    await runSync(deps, sent);
    expect(outcomesOf(sent.syncRunId)).toEqual(['running', 'succeeded']);
    expect(statuses).toEqual(['syncing', 'healthy']);
  });

  it('a webhook run is quiet too (it used to write running and syncing first), but loud when the connection was left syncing', async () => {
    const sent = job({ trigger: 'webhook' });
    await runSync(deps, sent);
    expect(outcomesOf(sent.syncRunId)).toEqual(['succeeded']);
    expect(statuses).toEqual(['healthy']);

    connections.rows.set(connection.connectionId, { ...current(), status: 'syncing' });
    statuses.length = 0;
    const again = job({ trigger: 'webhook' });
    await runSync(deps, again);
    expect(outcomesOf(again.syncRunId)).toEqual(['running', 'succeeded']);
    expect(statuses).toEqual(['syncing', 'healthy']);
  });
});

describe('runSync: a webhook-requested run is quiet (no queued or running record, no syncing status)', () => {
  let queue: RecordingSyncQueue;
  let requests: SyncRequestDeps;
  let statuses: string[];
  const outcomesOf = (syncRunId: string) => syncRuns.runs.filter((recorded) => recorded.syncRunId === syncRunId).map((recorded) => recorded.outcome);
  /** What the webhook worker does for SYNC_UPDATES_AVAILABLE; the job it queued, if any. */
  const webhookRequest = async (): Promise<{ syncRunId: string; queued: SyncJob | undefined }> => {
    const before = queue.sent.length;
    const run = await requestSync(requests, connection.userId, connection.connectionId, 'webhook');
    return { syncRunId: run.syncRunId, queued: queue.sent[before] };
  };

  /** The connection after one full run; its next auto-sync is 12 hours away. */
  beforeEach(async () => {
    source.pulls = [{ pages: [{ added: [providerTransaction('t1')], modified: [], removed: [] }], nextCursor: 'c1' }];
    await runSync(deps, job({ trigger: 'link' }));
    queue = new RecordingSyncQueue();
    requests = { connections, syncRuns, syncQueue: queue, clock };
    outbox.bus.put_.length = 0;
    statuses = [];
    connections.beforeSave = (saved) => void statuses.push(saved.status);
    source.pulls = [{ pages: [{ added: [providerTransaction('t2')], modified: [], removed: [] }], nextCursor: 'c2' }];
  });

  it('request and run write the connection twice (marker claim, commit) and the run once, when it ends', async () => {
    clock.advanceSeconds(1);
    const request = await webhookRequest();
    expect(request.queued).toMatchObject({ syncRunId: request.syncRunId, trigger: 'webhook' });
    expect(syncRuns.runs.filter((recorded) => recorded.trigger === 'webhook')).toEqual([]);
    expect(current().pendingSync).toEqual({ syncRunId: request.syncRunId, requestedAt: '2025-03-02T08:00:01.000Z' });

    const savesBefore = connections.saves;
    clock.advanceSeconds(1);
    const run = await runSync(deps, request.queued!);

    expect(outcomesOf(request.syncRunId)).toEqual(['succeeded']);
    expect(statuses).toEqual(['healthy']);
    expect(connections.saves).toBe(savesBefore + 1);
    expect(run).toMatchObject({ trigger: 'webhook', outcome: 'succeeded', startedAt: '2025-03-02T08:00:02.000Z', eventsPublished: true });
    // The commit cleared the marker naming this run; the next auto-sync is an interval away (12 h less the 10 % jitter).
    expect(current()).toMatchObject({ status: 'healthy', syncCursor: 'c2', pendingSync: null, nextSyncAt: '2025-03-02T18:48:02.000Z' });
    expect(outbox.bus.types()).toEqual(['sync.completed', 'transactions.changed']);
  });

  it('has no scheduled-for check: a webhook job runs whatever the due time', async () => {
    const sent = job({ trigger: 'webhook' });
    connections.rows.set(connection.connectionId, { ...current(), nextSyncAt: '2025-03-09T00:00:00.000Z' });
    expect(await runSync(deps, sent)).toMatchObject({ outcome: 'succeeded' });
    expect(current().syncCursor).toBe('c2');
  });

  it('a burst of webhooks before the run starts joins it: one job, and the run read after all of them', async () => {
    const first = await webhookRequest();
    const second = await webhookRequest();
    const third = await webhookRequest();
    expect([second.syncRunId, third.syncRunId]).toEqual([first.syncRunId, first.syncRunId]);
    expect(queue.sent).toHaveLength(1);
    expect(current().pendingSync?.joinedAt).toBe('2025-03-02T08:00:00.000Z');

    await runSync(deps, first.queued!);
    // The joins were there when the run began: it covers them and is not due again.
    expect(current()).toMatchObject({ pendingSync: null, nextSyncAt: '2025-03-02T18:48:00.000Z' });
  });

  it('a webhook arriving between the provider read and the commit still gets a later run (the scheduler\'s next tick)', async () => {
    const first = await webhookRequest();
    let joined: Awaited<ReturnType<typeof webhookRequest>> | undefined;
    // The run has read the provider's page; the commit has not happened yet.
    source.afterPage = async () => {
      clock.advanceSeconds(5);
      joined = await webhookRequest();
    };
    clock.advanceSeconds(1);
    const run = await runSync(deps, first.queued!);

    // It joined the run in progress (one job), and left its note on the marker.
    expect(joined).toEqual({ syncRunId: first.syncRunId, queued: undefined });
    expect(run).toMatchObject({ outcome: 'succeeded', finishedAt: '2025-03-02T08:00:06.000Z' });
    // The commit saw the note, made after the run began: the connection is due at once, the marker gone.
    expect(current()).toMatchObject({ syncCursor: 'c2', pendingSync: null, nextSyncAt: '2025-03-02T08:00:06.000Z' });

    // The scheduler's next tick queues the later run, which reads past what the joiner announced.
    clock.advanceSeconds(60);
    const scheduler = { dueIndex: connections, syncQueue: queue, clock, shardCount: 1 };
    await enqueueDueConnections(scheduler);
    const later = queue.sent.at(-1)!;
    expect(later).toMatchObject({ connectionId: connection.connectionId, trigger: 'schedule', scheduledFor: '2025-03-02T08:00:06.000Z' });
    source.afterPage = undefined;
    source.pulls = [{ pages: [{ added: [providerTransaction('t3')], modified: [], removed: [] }], nextCursor: 'c3' }];
    expect(await runSync(deps, later)).toMatchObject({ outcome: 'succeeded', counts: { added: 1 } });
    expect(current()).toMatchObject({ syncCursor: 'c3', nextSyncAt: '2025-03-02T18:49:06.000Z' });
  });

  it('a webhook joining a pending manual run: that run stays loud (queued, running, syncing) and clears the marker at its start', async () => {
    const manual = await requestSync(requests, connection.userId, connection.connectionId, 'manual');
    clock.advanceSeconds(1);
    const joined = await webhookRequest();
    expect(joined).toEqual({ syncRunId: manual.syncRunId, queued: undefined });

    await runSync(deps, queue.sent[0]!);
    expect(outcomesOf(manual.syncRunId)).toEqual(['queued', 'running', 'succeeded']);
    expect(statuses).toEqual(['syncing', 'healthy']);
    // The note on the marker does not make it due again: the run started after it, and cleared it then.
    expect(current()).toMatchObject({ pendingSync: null, syncCursor: 'c2', nextSyncAt: '2025-03-02T18:48:01.000Z' });
  });

  it('a webhook arriving after the commit finds no marker and gets a run of its own', async () => {
    const first = await webhookRequest();
    await runSync(deps, first.queued!);
    const next = await webhookRequest();
    expect(next.syncRunId).not.toBe(first.syncRunId);
    expect(next.queued).toMatchObject({ syncRunId: next.syncRunId, trigger: 'webhook' });
    expect(current().nextSyncAt).toBe('2025-03-02T18:48:00.000Z');
  });

  it('a job delivered again after the commit but before the record runs again: nothing new, the events go out once', async () => {
    const request = await webhookRequest();
    // The bus fails for the run and again for its catch: the attempt dies after the commit, with no record.
    outbox.bus.failNext = 2;
    await expect(runSync(deps, request.queued!)).rejects.toThrow('bus unavailable');
    expect(outcomesOf(request.syncRunId)).toEqual([]);
    expect(current()).toMatchObject({ syncCursor: 'c2', status: 'healthy', pendingSync: null });
    expect(outbox.bus.put_).toHaveLength(0);

    statuses.length = 0;
    source.pulls = [{ pages: [], nextCursor: 'c2' }];
    const again = await runSync(deps, { ...request.queued! });
    expect(again).toMatchObject({ outcome: 'succeeded', counts: { added: 0, modified: 0, removed: 0 }, eventsPublished: true });
    expect(outcomesOf(request.syncRunId)).toEqual(['succeeded']);
    expect(statuses).toEqual(['healthy']);
    expect(source.cursorsSeen).toEqual([null, 'c1', 'c2']);
    expect(current().syncCursor).toBe('c2');
    // What the first attempt staged (one transaction added) is sent once, under the run's ids.
    expect(outbox.bus.types()).toEqual(['sync.completed', 'transactions.changed']);
    expect(outbox.bus.put_[0]?.data).toMatchObject({ sync_run_id: request.syncRunId });
  });

  it('a job delivered again after the record is skipped: nothing read, written or sent', async () => {
    const request = await webhookRequest();
    const run = await runSync(deps, request.queued!);
    const savesBefore = connections.saves;
    const runsBefore = syncRuns.runs.length;
    const sentBefore = outbox.bus.put_.length;

    expect(await runSync(deps, { ...request.queued! })).toEqual(run);
    expect(connections.saves).toBe(savesBefore);
    expect(syncRuns.runs).toHaveLength(runsBefore);
    expect(outbox.bus.put_).toHaveLength(sentBefore);
    expect(source.cursorsSeen).toEqual([null, 'c1']);
  });

  it('a retryable failure records `retrying` and clears the marker; the next delivery is loud', async () => {
    const request = await webhookRequest();
    source.checkError = new ProviderError('plaid', 'transient', { providerCode: 'INTERNAL_SERVER_ERROR', message: 'try again' });
    await expect(runSync(deps, request.queued!)).rejects.toBeInstanceOf(ProviderError);
    expect(outcomesOf(request.syncRunId)).toEqual(['retrying']);
    expect(statuses).toEqual(['healthy']);
    expect(current()).toMatchObject({ pendingSync: null, syncCursor: 'c1' });

    source.checkError = null;
    statuses.length = 0;
    await runSync(deps, { ...request.queued! });
    expect(outcomesOf(request.syncRunId)).toEqual(['retrying', 'running', 'succeeded']);
    expect(statuses).toEqual(['syncing', 'healthy']);
  });
});

describe('runSync: a scheduled run whose source finds nothing to do (pre-check)', () => {
  let checking: PreCheckingSyncSource;
  const dueAt = '2025-03-02T07:55:00.000Z';

  /** The connection after one full run, due now; the pre-check then answers "nothing to do". */
  beforeEach(async () => {
    checking = new PreCheckingSyncSource();
    checking.accounts = [providerAccount(), providerAccount({ providerAccountId: 'acc-savings', name: 'Savings' })];
    checking.pulls = [{ pages: [{ added: [providerTransaction('t1')], modified: [], removed: [] }], nextCursor: 'c1' }];
    deps = { ...deps, sourceFor: async () => checking };
    await runSync(deps, job({ trigger: 'link' }));
    connections.rows.set(connection.connectionId, { ...current(), nextSyncAt: dueAt });
    outbox.bus.put_.length = 0;
    checking.pulls = [{ pages: [], nextCursor: 'c1' }];
  });

  /** Every status the connection was saved with from now on. */
  function savedStatuses(): string[] {
    const statuses: string[] = [];
    connections.beforeSave = (saved) => void statuses.push(saved.status);
    return statuses;
  }

  it('records a finished run without the running record or the syncing status, and reschedules the connection', async () => {
    const statuses = savedStatuses();
    const runsBefore = syncRuns.runs.length;
    clock.advanceSeconds(1);
    const scheduled = job({ trigger: 'schedule', scheduledFor: dueAt });
    const run = await runSync(deps, scheduled);

    expect(run).toMatchObject({ outcome: 'succeeded', counts: { added: 0, modified: 0, removed: 0, accounts: 2 }, eventsPublished: true, error: null, accountErrors: [] });
    expect(syncRuns.runs.slice(runsBefore).map((recorded) => recorded.outcome)).toEqual(['succeeded']);
    expect(statuses).toEqual(['healthy']);
    expect(current()).toMatchObject({ status: 'healthy', syncCursor: 'c1', lastSyncOutcome: 'succeeded', lastSyncAt: '2025-03-02T08:00:01.000Z' });
    expect(current().nextSyncAt! > dueAt).toBe(true);
    // Nothing was read from the provider beyond the pre-check: no state check, no pull.
    expect(checking.checked).toHaveLength(1);
    expect(checking.cursorsSeen).toEqual([null]);
    expect(outbox.bus.types()).toEqual(['sync.completed']);
  });

  it('emits the same events as a run that went through and found nothing', async () => {
    const skipped = await runSync(deps, job({ trigger: 'schedule', scheduledFor: dueAt }));
    checking.unchanged = null;
    connections.rows.set(connection.connectionId, { ...current(), nextSyncAt: dueAt });
    const ran = await runSync(deps, job({ trigger: 'schedule', scheduledFor: dueAt }));

    expect(checking.cursorsSeen).toEqual([null, 'c1']);
    const [fromSkip, fromRun] = outbox.bus.put_;
    expect(outbox.bus.types()).toEqual(['sync.completed', 'sync.completed']);
    const comparable = (event: typeof fromSkip, run: typeof skipped) => ({ ...event!.data, sync_run_id: run?.syncRunId === event!.data.sync_run_id });
    expect(comparable(fromSkip, skipped)).toEqual(comparable(fromRun, ran));
  });

  it('a job delivered again finds the run finished: nothing written, nothing sent', async () => {
    const scheduled = job({ trigger: 'schedule', scheduledFor: dueAt });
    await runSync(deps, scheduled);
    const runsBefore = syncRuns.runs.length;
    const savesBefore = connections.saves;
    const again = await runSync(deps, { ...scheduled });

    expect(again).toMatchObject({ outcome: 'succeeded', eventsPublished: true });
    expect(syncRuns.runs).toHaveLength(runsBefore);
    expect(connections.saves).toBe(savesBefore);
    expect(checking.preChecked).toHaveLength(1);
    expect(outbox.bus.put_).toHaveLength(1);
  });

  it('events that failed to go out after the commit are sent by the next delivery of the job, once', async () => {
    outbox.bus.failNext = 1;
    const scheduled = job({ trigger: 'schedule', scheduledFor: dueAt });
    await expect(runSync(deps, scheduled)).rejects.toThrow('bus unavailable');
    expect(current().nextSyncAt).not.toBe(dueAt);

    // The connection is rescheduled now, so the job is skipped as rescheduled; what it staged goes out.
    expect(await runSync(deps, { ...scheduled })).toBeNull();
    expect(outbox.bus.types()).toEqual(['sync.completed']);

    // Without a due time to compare, the job runs the pre-check again and sends the staged events once.
    connections.rows.set(connection.connectionId, { ...current(), nextSyncAt: dueAt });
    outbox.bus.failNext = 1;
    const unscheduled = job({ trigger: 'schedule' });
    await expect(runSync(deps, unscheduled)).rejects.toThrow('bus unavailable');
    expect(await runSync(deps, { ...unscheduled })).toMatchObject({ outcome: 'succeeded', eventsPublished: true });
    expect(outbox.bus.types()).toEqual(['sync.completed', 'sync.completed']);
    expect(new Set(outbox.bus.put_.map((event) => event.id)).size).toBe(2);
  });

  it('goes through the run, with the same session, when the pre-check finds work or fails', async () => {
    checking.unchanged = null;
    const statuses = savedStatuses();
    const runsBefore = syncRuns.runs.length;
    const run = await runSync(deps, job({ trigger: 'schedule', scheduledFor: dueAt }));
    expect(run?.outcome).toBe('succeeded');
    // A scheduled run is quiet whether or not the pre-check found work: the connection is written once, at the end.
    expect(statuses).toEqual(['healthy']);
    expect(syncRuns.runs.slice(runsBefore).map((recorded) => recorded.outcome)).toEqual(['succeeded']);
    expect(checking.checked.at(-1)).toBe(checking.preChecked.at(-1));

    connections.rows.set(connection.connectionId, { ...current(), nextSyncAt: dueAt });
    checking.preCheckError = new Error('item read failed');
    checking.checkError = new ProviderError('pluggy', 'permanent', { providerCode: 'ITEM_ERROR', message: 'item read failed' });
    const failed = await runSync(deps, job({ trigger: 'schedule', scheduledFor: dueAt }));
    expect(failed).toMatchObject({ outcome: 'failed', error: { code: 'ITEM_ERROR' } });
    expect(current().status).toBe('error');
  });

  it('is asked only for scheduled runs of a healthy connection that start afresh', async () => {
    await runSync(deps, job({ trigger: 'manual' }));
    await runSync(deps, job({ trigger: 'webhook' }));
    expect(checking.preChecked).toHaveLength(0);

    connections.rows.set(connection.connectionId, { ...current(), status: 'error', nextSyncAt: dueAt });
    outbox.bus.put_.length = 0;
    await runSync(deps, job({ trigger: 'schedule', scheduledFor: dueAt }));
    expect(checking.preChecked).toHaveLength(0);
    expect(current().status).toBe('healthy');
    expect(outbox.bus.types()).toEqual(['sync.completed', 'connection.status_changed']);

    // A run an earlier attempt started (its record says running) is carried on, not pre-checked.
    connections.rows.set(connection.connectionId, { ...current(), nextSyncAt: dueAt });
    const resumed = job({ trigger: 'schedule', scheduledFor: dueAt });
    await syncRuns.put(syncRunRecord({ ...resumed, outcome: 'running', startedAt: clock.now().toISOString() }));
    expect((await runSync(deps, resumed))?.outcome).toBe('succeeded');
    expect(checking.preChecked).toHaveLength(0);
  });

  it('a connection deleted before the commit is purged, as for any run', async () => {
    connections.beforeSave = () => void connections.rows.delete(connection.connectionId);
    expect(await runSync(deps, job({ trigger: 'schedule', scheduledFor: dueAt }))).toBeNull();
    expect(transactions.rows.size).toBe(0);
    expect(outbox.bus.put_).toHaveLength(0);
  });
});
