/**
 * The provider-agnostic sync engine. One run, for one connection (the FIFO queue guarantees no two runs of
 * the same connection overlap):
 *
 *   load connection → decrypt token (one KMS call) → provider state check → accounts and balances →
 *   transaction changes batch by batch (each stored before the next is pulled) → deferred removals →
 *   stage the run's app events → commit the cursor together with the connection's new status → send the
 *   events → record the run (`shared/events/sync-events.ts` has why this order loses no event).
 *
 * A run a user asked for first records itself `running` and sets the connection `syncing`, for whoever
 * follows it; a scheduled or webhook-requested one is quiet: nothing is written before its end (see `quiet` in
 * runSync, and `lateJoin` in endRun for the pending-sync marker such a run leaves in place while it reads).
 *
 * Every write is idempotent and skipped when nothing changed, so replaying a batch, retrying a message or
 * re-running a sync with nothing new leaves the stored data exactly as it was.
 */
import { updateConnection } from '../banking/connection-updates';
import { purgeAccountTransactions } from '../banking/account-revocation';
import { purgeConnectionData, purgeConnectionRows } from '../banking/connections';
import {
  statusesNeedingUser,
  type Connection,
  type ConnectionStatus,
  type Provider,
  type StatusReason,
  type SyncCounts,
  type SyncRun,
  type Transaction,
} from '../banking/model';
import type {
  AccountStore,
  CategoryStore,
  Clock,
  ConnectionStore,
  SyncJob,
  SyncRunStore,
  TokenVault,
  TransactionStore,
} from '../banking/ports';
import { accountIdFor } from '../banking/ids';
import { syncRunRecord } from '../banking/sync-requests';
import { tokenContextOf } from '../banking/token-context';
import { describeError } from '../errors/error-mapper';
import { logger } from '../observability/logger';
import { countMetric, countMetricBy, durationMetric, metricNames } from '../observability/metrics';
import { storeAccounts } from './account-writer';
import { ConnectionStateError, type ProviderSyncSource, type RefreshedConnectionFields, type SyncSession } from '../providers/ports';
import { nextAutoSyncAt } from './schedule';
import { statusChangedEventId } from '../events/model';
import {
  publishRunEvents,
  runEventIds,
  stageRunEvents,
  withdrawRunEvent,
  type StagedRunEvents,
  type SyncEventDeps,
} from '../events/sync-events';
import type { InstitutionHealthMonitor } from '../institutions/institution-health';
import { KnownRows, TransactionChangeWriter } from './transaction-writer';

export interface SyncEngineDeps extends SyncEventDeps {
  readonly connections: ConnectionStore;
  readonly accounts: AccountStore;
  readonly transactions: TransactionStore;
  readonly syncRuns: SyncRunStore;
  readonly categories: CategoryStore;
  readonly vault: TokenVault;
  readonly sourceFor: (provider: Provider) => Promise<ProviderSyncSource>;
  readonly clock: Clock;
  readonly autoSync: { readonly intervalHours: number; readonly random: () => number };
  /** Told how each run went, to notice an institution that is down (and back). */
  readonly institutions?: InstitutionHealthMonitor;
}

const FINAL_OUTCOMES: ReadonlySet<SyncRun['outcome']> = new Set(['succeeded', 'partial', 'failed']);

/** Informational statuses a successful sync leaves in place (the user still has something to do later). */
const STATUSES_KEPT_AFTER_SUCCESS: ReadonlySet<ConnectionStatus> = new Set(['pending_expiration', 'new_accounts_available']);

/**
 * Runs one sync job. Returns the recorded run, or null when the connection no longer exists. Throws only
 * for failures worth retrying (the message then returns to the queue); anything else is recorded on the
 * run and the connection, and the job is considered done.
 */
export async function runSync(deps: SyncEngineDeps, job: SyncJob): Promise<SyncRun | null> {
  // Both reads are needed by almost every job, so they go out together (one round trip instead of two).
  const [connection, recorded] = await Promise.all([
    deps.connections.get(job.userId, job.connectionId),
    deps.syncRuns.get(job.connectionId, job.syncRunId),
  ]);
  if (!connection) {
    // An earlier attempt of this job may have written rows before it died; with the connection gone nothing
    // else would ever remove them. Purging an id that never had rows costs a few empty queries.
    logger.info('sync skipped: connection no longer exists; purging anything an earlier attempt wrote');
    await purgeConnectionRows(deps, job);
    return null;
  }
  if (job.trigger === 'schedule' && statusesNeedingUser.has(connection.status)) {
    logger.info('sync skipped: connection waits for the user', { status: connection.status });
    return null;
  }
  // The same job can arrive twice (SQS delivers at least once). A run that already reached an outcome is
  // not repeated; one left `running` by an attempt that died midway is picked up again (writes are idempotent).
  if (recorded && FINAL_OUTCOMES.has(recorded.outcome)) {
    logger.info('sync skipped: this run already finished', { outcome: recorded.outcome });
    // A run recorded before runs carried the flag may have left events staged: they are sent now.
    if (!recorded.eventsPublished) await deps.events.flush(runEventIds(connection.connectionId, job.syncRunId));
    return recorded;
  }
  // `queued` is the request's record; `running` or `retrying` means an earlier attempt of this job started.
  const resumed = recorded !== null && recorded.outcome !== 'queued';
  // The scheduler reads the due index without writing to each row (shared/sync/auto-sync-scheduler.ts); a
  // connection rescheduled between that read and this job (a sync finished) already has its next time. A run
  // this job already started is carried on regardless (it may be what rescheduled the connection).
  if (!recorded && job.trigger === 'schedule' && job.scheduledFor !== undefined && connection.nextSyncAt !== job.scheduledFor) {
    logger.info('sync skipped: connection rescheduled since the job was sent', { scheduled_for: job.scheduledFor });
    // A quiet run records no start: an attempt of this job that rescheduled the connection and died before
    // sending its events left them staged, and they are sent now.
    await deps.events.flush(runEventIds(connection.connectionId, job.syncRunId));
    return null;
  }
  const started = deps.clock.now();
  // Both are kept for the run below when the pre-check says it has work: the source reuses what it read.
  let source: ProviderSyncSource | null = null;
  let session: RunSession | null = null;
  if (!recorded && job.trigger === 'schedule' && connection.status === 'healthy') {
    let unchanged: RefreshedConnectionFields | null = null;
    try {
      source = await deps.sourceFor(connection.provider);
      if (source.nothingToSync) {
        session = await openSession(deps, connection, job);
        unchanged = await source.nothingToSync(session);
      }
    } catch (error) {
      // The run below meets the same failure and records it, as it always did.
      logger.info('sync pre-check failed; the run goes on', { error: error as Error });
    }
    if (unchanged) return recordNothingToSync(deps, connection, job, unchanged, started);
  }
  let run = syncRunRecord({
    userId: connection.userId,
    connectionId: connection.connectionId,
    syncRunId: job.syncRunId,
    trigger: job.trigger,
    outcome: 'running',
    startedAt: started.toISOString(),
  });
  const statusBefore = connection.status === 'syncing' ? 'healthy' : connection.status;
  // A scheduled or webhook-requested run is followed by nobody: it has no `queued` record (the scheduler and
  // the webhook worker send the job without one, shared/banking/sync-requests.ts) and no caller waits for it;
  // the app learns of it through its `sync.completed` event. It runs quietly, recorded once when it ends,
  // without the `running` record and the `syncing` status written first: on every such sync those cost three
  // write units (the status is projected into the due index) and two requests. A run that a user asked for
  // (manual, link) keeps both, so whoever follows it by id sees it start. One an earlier attempt recorded
  // (`retrying`), or a connection left `syncing`, goes the loud way too.
  const quiet = (job.trigger === 'schedule' || job.trigger === 'webhook') && !recorded && connection.status !== 'syncing';
  let state = new RunState(connection);
  if (!quiet) {
    await deps.syncRuns.put(run);
    // Starting clears the pending-sync marker if it names this run: a request from now on may see data this
    // run has already read past, so it gets a run of its own (see requestSync).
    const startedRow = await setStatus(deps, connection, (current) => ({ ...current, status: 'syncing', pendingSync: pendingSyncAfter(current, job) }), connection);
    if (!startedRow) return connectionRemovedDuringRun(deps, connection, job.syncRunId);
    state = new RunState(startedRow);
  }
  countMetric(metricNames.syncRunsStarted);

  try {
    session ??= await openSession(deps, connection, job);
    source ??= await deps.sourceFor(connection.provider);
    const refreshed = await source.checkConnection(session);
    const providerAccounts = await source.listAccounts(session);
    const stored = await storeAccounts(deps.accounts, connection, providerAccounts, deps.clock.now().toISOString());
    const revokedAccounts = new Set(stored.revoked.map((account) => account.providerAccountId));
    const writer = new TransactionChangeWriter(deps.transactions, deps.categories, connection, deps.clock, revokedAccounts, session.knownRows);
    const pulled = await source.pullTransactions(
      session,
      connection.syncCursor,
      (batch) => writer.apply(batch),
      () => writer.restart(),
    );
    await writer.finish();
    // A run that overlapped the revocation may have stored rows of a revoked account after its purge.
    for (const account of stored.revoked) await purgeAccountTransactions(deps, account);

    const finished = deps.clock.now();
    const counts: SyncCounts = { ...writer.counts, accounts: stored.accountCount };
    const accountErrors = pulled.accountFailures.map((failure) => ({
      accountId: stored.accountIdOf(failure.providerAccountId),
      code: failure.code,
      message: failure.message,
    }));
    const outcome = accountErrors.length > 0 ? 'partial' : 'succeeded';
    run = { ...run, outcome, finishedAt: finished.toISOString(), counts, accountErrors };
    // The cursor is committed only here, after every batch it covers has been stored.
    const cursor = pulled.nextCursor === null ? {} : { syncCursor: pulled.nextCursor };
    const ended = await endRun(deps, connection, job, state, succeededEnding(run, statusBefore, refreshed, resumed, cursor));
    if (!ended) return null;
    run = ended.run;
    await observeInstitution(() => deps.institutions?.syncSucceeded(ended.stored));
    recordRunMetrics(run, finished.getTime() - started.getTime());
    logger.info('sync finished', { outcome, ...counts, account_errors: accountErrors.length, quiet });
    return run;
  } catch (error) {
    const described = describeError(error);
    const finished = deps.clock.now();
    const status: ConnectionStatus = described.connectionStatus ?? (described.retryable ? statusBefore : 'error');
    const failureReason = { code: described.code, message: described.message };
    const ended = await endRun(deps, connection, job, state, {
      run: {
        ...run,
        outcome: described.retryable ? 'retrying' : 'failed',
        finishedAt: finished.toISOString(),
        // Plaid's request_id travels with the run: Plaid support asks for it.
        error: { ...failureReason, ...(described.providerRequestId ? { providerRequestId: described.providerRequestId } : {}) },
      },
      statusBefore,
      status,
      statusReason: described.connectionStatus || !described.retryable ? failureReason : connection.statusReason,
      // A provider state failure may carry what the user needs next (authorization URL, lapsed consent).
      refreshed: error instanceof ConnectionStateError ? error.connectionFields : {},
      fields: { lastSyncOutcome: described.retryable ? 'retrying' : 'failed' },
      // An earlier attempt, or this one before it failed, may have staged events: they go out now.
      afterEarlierAttempt: resumed || state.staged,
    });
    if (!ended) return null;
    run = ended.run;
    await observeInstitution(() => deps.institutions?.syncFailed(ended.stored, described.code));
    recordRunMetrics(run, finished.getTime() - started.getTime(), described.code);
    if (described.retryable) {
      logger.warn('sync failed, will retry', { code: described.code, provider_request_id: described.providerRequestId, quiet });
      throw error;
    }
    logger.warn('sync failed', { code: described.code, status, provider_request_id: described.providerRequestId, quiet });
    return run;
  }
}

/** What the provider side of a run works with; the token is decrypted here (one KMS call), held in memory only. */
async function openSession(deps: SyncEngineDeps, connection: Connection, job: SyncJob): Promise<RunSession> {
  const accessToken = connection.accessToken ? await deps.vault.decrypt(connection.accessToken, tokenContextOf(connection)) : null;
  const knownRows = new KnownRows();
  const window = storedWindowReader(deps, connection, knownRows);
  return {
    connection,
    accessToken,
    transactionHint: job.transactionHint ?? null,
    trigger: job.trigger,
    storedTransactionIds: window.idsOf,
    readStoredWindow: window.read,
    knownRows,
  };
}

/** The session of one run, with the stored rows it has listed (for the transaction writer). */
interface RunSession extends SyncSession {
  readonly knownRows: KnownRows;
}

/**
 * A scheduled run whose source's pre-check found nothing to do: recorded as a successful run that changed
 * nothing, ended like any quiet run (stage the events, commit the connection, send, record) but with no
 * failure handling of its own: a job delivered again after the record finds the run finished; one delivered
 * after the commit but before the record finds the connection rescheduled, and the skip for that sends what
 * is still staged (see runSync).
 *
 * `counts.accounts` is the connection's stored accounts: the run asked the provider for none, and they are
 * what the last run that listed them stored.
 */
async function recordNothingToSync(
  deps: SyncEngineDeps,
  connection: Connection,
  job: SyncJob,
  refreshed: RefreshedConnectionFields,
  started: Date,
): Promise<SyncRun | null> {
  countMetric(metricNames.syncRunsStarted);
  const accounts = await deps.accounts.listByConnection(connection.userId, connection.connectionId);
  const finished = deps.clock.now();
  const run: SyncRun = {
    ...syncRunRecord({
      userId: connection.userId,
      connectionId: connection.connectionId,
      syncRunId: job.syncRunId,
      trigger: job.trigger,
      outcome: 'succeeded',
      startedAt: started.toISOString(),
    }),
    finishedAt: finished.toISOString(),
    counts: { added: 0, modified: 0, removed: 0, accounts: accounts.length },
  };
  const ended = await endRun(deps, connection, job, new RunState(connection), succeededEnding(run, connection.status, refreshed, false));
  if (!ended) return null;
  await observeInstitution(() => deps.institutions?.syncSucceeded(ended.stored));
  recordRunMetrics(ended.run, finished.getTime() - started.getTime());
  logger.info('sync finished: nothing to do', { outcome: ended.run.outcome, ...ended.run.counts });
  return ended.run;
}

/**
 * Where a run stands with its connection row. `held` is the row as this run last read or wrote it: its writes
 * apply their change to it without reading it again, and read only when another writer got there first
 * (setStatus). `startedAs` is the row as the run left it when it began: `syncing` after a loud start, the
 * stored status itself for a quiet run.
 */
class RunState {
  held: Connection;
  /** This attempt staged its events: a failure after that (the bus down) leaves them for the catch to send. */
  staged = false;
  /** The run's own connection write is stored: what it says is the run's result, never replaced by its catch. */
  committed = false;

  constructor(readonly startedAs: Connection) {
    this.held = startedAs;
  }

  /**
   * Whether the run may still set the status. A status other than the one the run started from was set by
   * another writer while the run went on (a webhook saying the login broke): it is newer information than
   * the run, and stays, with its reason and fields.
   */
  ownsStatus(current: Connection): boolean {
    return !this.committed && current.status === this.startedAs.status;
  }
}

/** How a run ends: its final record, and what it writes on the connection. */
interface RunEnding {
  /** The final record, before its events are sent. */
  readonly run: SyncRun;
  readonly statusBefore: ConnectionStatus;
  /** The status and reason the run leaves unless another writer set one meanwhile (RunState.ownsStatus). */
  readonly status: ConnectionStatus;
  readonly statusReason: StatusReason | null;
  /** Connection fields the provider check refreshed; they go with the run's status. */
  readonly refreshed: RefreshedConnectionFields;
  /** Written whatever the status. */
  readonly fields: Partial<Pick<Connection, 'syncCursor' | 'lastSyncAt' | 'lastSyncOutcome'>>;
  /** An earlier attempt of the run may have staged events (stageRunEvents). */
  readonly afterEarlierAttempt: boolean;
}

/** The ending of a run that succeeded (or partly): the status it leaves, the sync time and outcome. */
function succeededEnding(
  run: SyncRun,
  statusBefore: ConnectionStatus,
  refreshed: RefreshedConnectionFields,
  afterEarlierAttempt: boolean,
  fields: RunEnding['fields'] = {},
): RunEnding {
  return {
    run,
    statusBefore,
    // An informational status stays: the user still has something to do later.
    status: STATUSES_KEPT_AFTER_SUCCESS.has(statusBefore) ? statusBefore : 'healthy',
    statusReason: null,
    refreshed,
    fields: { ...fields, lastSyncAt: run.finishedAt, lastSyncOutcome: run.outcome },
    afterEarlierAttempt,
  };
}

/**
 * Ends a run, in the order shared/events/sync-events.ts explains: stage its events, commit the connection
 * (status, cursor, next sync time), send the events, record the run. `state` follows along, so a failure
 * after any step finds there what is done. Null when the connection was deleted meanwhile (purged here).
 */
async function endRun(
  deps: SyncEngineDeps,
  connection: Connection,
  job: SyncJob,
  state: RunState,
  ending: RunEnding,
): Promise<{ run: SyncRun; stored: Connection } | null> {
  const expected: Connection = { ...connection, ...ending.refreshed, status: ending.status, statusReason: ending.statusReason };
  const staged = await stageRunEvents(deps, expected, ending.statusBefore, ending.run, ending.afterEarlierAttempt);
  state.staged = true;
  const finished = new Date(ending.run.finishedAt ?? deps.clock.now().toISOString());
  const succeeded = ending.run.outcome === 'succeeded' || ending.run.outcome === 'partial';
  let dueAgain = false;
  const stored = await setStatus(deps, connection, (current) => {
    const own = state.ownsStatus(current);
    const status = own ? ending.status : current.status;
    dueAgain = succeeded && lateJoin(connection, current, job) && !statusesNeedingUser.has(status);
    return {
      ...current,
      ...(own ? { ...ending.refreshed, status, statusReason: ending.statusReason } : {}),
      ...ending.fields,
      pendingSync: pendingSyncAfter(current, job),
      // A status waiting for the user takes the connection out of auto-sync. A request that joined while this
      // run read gets the scheduler's next tick (see lateJoin).
      nextSyncAt: statusesNeedingUser.has(status)
        ? null
        : dueAgain
          ? finished.toISOString()
          : nextAutoSyncAt(finished, deps.autoSync.intervalHours, deps.autoSync.random),
    };
  }, state.held);
  if (dueAgain) logger.info('a sync request joined this run while it read; the connection is due again');
  if (!stored) return connectionRemovedDuringRun(deps, connection, job.syncRunId);
  state.held = stored;
  state.committed = true;
  await publishRunEvents(deps, await finishRunEvents(deps, staged, stored, ending.status));
  const run: SyncRun = { ...ending.run, eventsPublished: true };
  await deps.syncRuns.put(run);
  return { run, stored };
}

/** The pending-sync marker once this run started: cleared if it names this run (see requestSync). */
function pendingSyncAfter(current: Connection, job: SyncJob): Connection['pendingSync'] {
  return current.pendingSync?.syncRunId === job.syncRunId ? null : (current.pendingSync ?? null);
}

/**
 * Whether a request joined this run after the run read the connection it began from (`began`), so after it
 * may have started reading the provider: the request may announce data the run read past.
 *
 * A loud run clears the pending-sync marker when it starts, so a request from then on gets a run of its own.
 * A quiet run writes nothing before its commit: the marker names it while it reads, and requests join it. A
 * webhook joining a run it cannot read a record of notes its time on the marker (`joinPendingSync`, which
 * moves the connection's version, so this run's conditional commit re-reads the row and sees it). The note is
 * compared with the one in the row the run began from, by value, not by time: a note already there was made
 * before the run read anything, so the run covers it; a different one came later. Such a run makes the
 * connection due at its commit, so the scheduler's next tick (every 15 minutes, infra/catalog/routes.ts)
 * queues a later run, which reads past the joiner's data. That costs no write of its own: `nextSyncAt` is
 * written with the commit anyway, where a start write (clearing the marker) would cost one on every run. A
 * request after the commit finds no marker and queues its own run.
 */
function lateJoin(began: Connection, current: Connection, job: SyncJob): boolean {
  const marker = current.pendingSync;
  if (marker?.syncRunId !== job.syncRunId || !marker.joinedAt) return false;
  return began.pendingSync?.syncRunId !== job.syncRunId || began.pendingSync.joinedAt !== marker.joinedAt;
}

/**
 * Provider ids of the connection's stored rows dated `dateFrom` or later, by account. The source asks account
 * by account with the same window; the index partition holds all of the user's rows by date, so one read of
 * the connection's window serves every account of the run instead of one read per account, each filtering out
 * the others' rows it read too. A row an account's own read stores after that is one the provider returned,
 * never one to report gone, so the earlier read is all the check needs. A source can have the window read
 * before it pulls (`readStoredWindow`): the listed rows then answer the writer's existence checks of that window.
 */
function storedWindowReader(
  deps: SyncEngineDeps,
  connection: Connection,
  knownRows: KnownRows,
): { idsOf: NonNullable<SyncSession['storedTransactionIds']>; read: NonNullable<SyncSession['readStoredWindow']> } {
  const windows = new Map<string, Promise<Map<string, string[]>>>();
  const readWindow = async (dateFrom: string): Promise<Map<string, string[]>> => {
    const byAccount = new Map<string, string[]>();
    const rows: Transaction[] = [];
    let cursor: string | null = null;
    do {
      const page = await deps.transactions.list(connection.userId, { connectionId: connection.connectionId, dateFrom }, 500, cursor);
      for (const row of page.items) {
        const ids = byAccount.get(row.accountId) ?? [];
        ids.push(row.providerTransactionId);
        byAccount.set(row.accountId, ids);
      }
      rows.push(...page.items);
      cursor = page.nextCursor;
    } while (cursor);
    // The listing returns whole rows (the index projects every attribute): the writer checks against them.
    knownRows.listed(dateFrom, rows);
    return byAccount;
  };
  const windowFrom = (dateFrom: string): Promise<Map<string, string[]>> => {
    let window = windows.get(dateFrom);
    if (!window) {
      window = readWindow(dateFrom);
      windows.set(dateFrom, window);
    }
    return window;
  };
  return {
    idsOf: async (providerAccountId, dateFrom) =>
      (await windowFrom(dateFrom)).get(accountIdFor(connection.connectionId, providerAccountId)) ?? [],
    read: async (dateFrom) => void (await windowFrom(dateFrom)),
  };
}

/**
 * Applies a change to the stored connection; null when the connection no longer exists. `held` is the row as
 * this run last read or wrote it: the write is conditional on its `updated_at`, and the row is read again
 * only when that fails (another writer or a delete came between), so a run that nobody disturbs writes
 * without reading first.
 */
function setStatus(
  deps: SyncEngineDeps,
  connection: Connection,
  change: (current: Connection) => Connection,
  held: Connection,
): Promise<Connection | null> {
  return updateConnection(deps.connections, connection.userId, connection.connectionId, change, () => deps.clock.now(), held);
}

/**
 * The user deleted the connection while this run was writing. The delete purged what existed then; rows
 * this run stored afterwards would be orphans nobody can see or delete, so they are purged again here.
 */
async function connectionRemovedDuringRun(deps: SyncEngineDeps, connection: Connection, syncRunId: string): Promise<null> {
  logger.info('sync abandoned: the connection was deleted while it ran');
  await deps.events.discard(runEventIds(connection.connectionId, syncRunId));
  await purgeConnectionData(deps, connection);
  return null;
}

/**
 * Another writer set the status while the run went on (a webhook): the status stored is theirs, and so is the
 * event about it; the one this run staged describes a change that did not happen.
 */
async function finishRunEvents(
  deps: SyncEngineDeps,
  staged: StagedRunEvents,
  stored: Connection,
  expectedStatus: ConnectionStatus,
): Promise<StagedRunEvents> {
  if (stored.status === expectedStatus) return staged;
  return withdrawRunEvent(deps, staged, statusChangedEventId(stored.connectionId, staged.syncRunId));
}

/** Institution health is bookkeeping around the sync: its failure is logged, never fails the run. */
async function observeInstitution(observe: () => Promise<void> | undefined): Promise<void> {
  try {
    await observe();
  } catch (error) {
    logger.warn('institution health not updated', { error: error as Error });
  }
}

function recordRunMetrics(run: SyncRun, durationMs: number, failureCode?: string): void {
  countMetric(run.outcome === 'succeeded' || run.outcome === 'partial' ? metricNames.syncRunsSucceeded : metricNames.syncRunsFailed);
  if (failureCode) countMetricBy(metricNames.syncRunsFailedByReason, 'reason', failureCode);
  durationMetric(metricNames.syncDuration, durationMs);
  countMetric(metricNames.transactionsAdded, run.counts.added);
  countMetric(metricNames.transactionsModified, run.counts.modified);
  countMetric(metricNames.transactionsRemoved, run.counts.removed);
}
