/**
 * Pluggy as a sync source.
 *
 * Item state first (`GET /items/{id}`; https://docs.pluggy.ai/docs/item-lifecycle): a sync reads what Pluggy last collected,
 * so it only makes sense once the item has settled.
 * - UPDATED → go on. UPDATING / MERGING → wait for it (polling, bounded), then decide; still running after
 *   the wait → `transient` (the job is retried later; the item/updated webhook also queues a sync).
 * - Asking Pluggy to collect fresh data (`PATCH /items/{id}` without parameters, the documented "trigger
 *   new sync") is limited: Pluggy refuses a client update sooner than its minimum frequency after the last
 *   one (409 CLIENT_IS_UPDATING_BEFORE_ALLOWED_FREQUENCY, OAS items-update) and takes 20 a minute (docs
 *   /docs/rate-limits). Pluggy updates every item daily by itself, so a sync reads what Pluggy has and asks
 *   for an update only when the user forced the sync, or when an OUTDATED item ("the last update failed
 *   with an error that may go away") is due one of its {@link PluggySyncSettings.outdatedRetries} automatic
 *   retries. At most one request per run, never before the "not before" time a 409 stated (kept on the
 *   connection in Pluggy's clock, compared with the `Date` of Pluggy's answers); a 409 is recorded, not
 *   retried, so a redelivered job cannot loop on `PATCH /items`. An OUTDATED item still serves its last
 *   data, which the run reads; when the last automatic retry fails too, the connection is `error`.
 * - LOGIN_ERROR → login_required; WAITING_USER_INPUT → mfa_required; WAITING_USER_ACTION →
 *   user_action_required with the authorization URL and its expiry stored on the connection.
 * - ERROR (or any status Pluggy adds) → error, logged and counted.
 * - Open Finance consent is read on every sync (`GET /consents?itemId=`): an expired or revoked consent makes
 *   the item's data endpoints answer empty (https://docs.pluggy.ai/en/docs/security/data-protection), so the sync stops with
 *   `consent_expired` instead of reading nothing; only the user can renew it (update-mode connect token).
 *
 * Transactions: `/v2/transactions` per account (the page-based `/transactions` is retired: https://docs.pluggy.ai/docs/transactions), by
 * creation time, and again by date over the last {@link RECENT_WINDOW_DAYS} days. The cursor is JSON `{v: 1, accounts: {<accountId>: <newest createdAt seen>},
 * settled?, fullRead?}` (see {@link CursorState}); each run asks
 * for `createdAtFrom` = that time minus {@link PluggySyncSettings.overlapMs}, because Pluggy can record a
 * transaction with a `createdAt` slightly before one it recorded earlier (batches of one update are written
 * in parallel). Rows read twice are absorbed by the idempotent writer. When the item says when its last update
 * finished (`lastUpdatedAt`), the cursor needs no overlap: see {@link PluggySyncSource.pullTransactions}. Each page's `next` is followed to the
 * end. An account that fails is reported in `accountFailures` and its cursor entry stays where it was, so
 * the next run reads its window again; the other accounts are not affected. Each page after the first is
 * asked for with `after` from `next` and the first page's filters sent again, as the official SDK does
 * (pluggy-node `fetchAllTransactions`).
 *
 * Webhooks are hints, not the source of truth: Pluggy can lose them (docs
 * /en/docs/developer-tools/webhook-security: treat the payload as a signal and read the API). Edits and
 * deletions of old transactions do not show in a creation-time window, so a full read also re-reads the
 * recent window by date: what Pluggy returns there is upserted (pending rows that posted, edited amounts) and
 * stored rows of that window Pluggy no longer returns are removed. A `transactions/updated` /
 * `transactions/deleted` webhook reaches this source as the session's transaction hint: updated ids are read
 * again by id; a deleted id is removed only once none of the item's accounts returns it.
 *
 * Quiet runs. Pluggy collects new data only in an item update, and an update that succeeds moves the item's
 * `lastUpdatedAt` ("Date of last syncronization", Item schema of the OAS; https://docs.pluggy.ai/docs/item-lifecycle).
 * The cursor keeps the `lastUpdatedAt` the last full read covered and when it ran (Pluggy's clock). A
 * scheduled run, or a run for a `transactions/updated` / `transactions/deleted` webhook, that finds the item
 * UPDATED with that same `lastUpdatedAt` skips the per-account reads (only a hint's ids are read): an
 * unchanged connection costs `GET /items/{id}` and `GET /accounts` (and `GET /consents` for Open Finance),
 * whatever its size or account count; a scheduled run of a healthy connection tells from the item (and
 * consent) alone, before it starts ({@link PluggySyncSource.nothingToSync}), and lists no accounts. Runs for item/updated or transactions/created read in full. Transactions
 * can still change between updates: Pluggy categorizes what it collected and refines it later
 * (https://docs.pluggy.ai/reference/transaction), announced only by `transactions/updated`, which can be
 * lost. Built for that stricter case, a full read runs anyway once {@link FULL_READ_EVERY_HOURS} have passed
 * since the last one. Bound: a change inside the recent window reaches the store at the first scheduled run
 * after the next successful item update (Pluggy updates items daily by itself) or at most
 * {@link FULL_READ_EVERY_HOURS} after the last full read, whichever is first; with auto-syncs every
 * 12 h ± 10 % (and the scheduler's 15-minute tick) that is within about 24 h + 13.2 h = 37.2 h of the change.
 * A user-forced sync (trigger `manual`) and the first sync always read in full.
 */
import type { Consent, Connection, ProviderUpdateState } from '../../banking/model';
import { ProviderError, type ProviderFailureKind } from '../../errors/app-error';
import { NEUTRAL_MESSAGES } from '../../errors/neutral-messages';
import { logger } from '../../observability/logger';
import { countMetric, countMetricBy, detailMetricNames } from '../../observability/metrics';
import {
  ConnectionStateError,
  type AccountFailure,
  type ChangeBatch,
  type ProviderAccount,
  type ProviderSyncSource,
  type ProviderTransaction,
  type PullResult,
  type RefreshedConnectionFields,
  type SyncSession,
} from '../ports';
import { sleepFor } from '../../retry/policies';
import { MAX_TRANSACTION_IDS_PER_QUERY, type PluggyApi, type TransactionQuery } from './pluggy-api';
import { PluggyUpdateTooSoonError } from './pluggy-errors';
import { consentLapsed, currentConsent, itemCondition, saoPauloDayOf, toProviderAccount, toProviderTransaction } from './pluggy-mapping';
import type { PluggyAccount, PluggyItem, PluggyTransaction } from './pluggy-schemas';

export interface PluggySyncSettings {
  /** How long a sync waits for an item that is still collecting before handing the job back to the queue. */
  readonly settleTimeoutMs: number;
  readonly firstPollDelayMs: number;
  readonly maxPollDelayMs: number;
  /** New updates requested for an OUTDATED item within one sync before the connection is marked `error`. */
  readonly outdatedRetries: number;
  /** How far before the newest `createdAt` seen the next run starts reading. */
  readonly overlapMs: number;
  /** Pages per account per run; a `next` chain longer than this is a provider bug, not data. */
  readonly maxPagesPerAccount: number;
}

/**
 * Days of recent history every full read reads again by date, so edits and deletions whose webhooks were
 * lost still converge. Its cost is one more listing per account and full read: one page of 500 while the
 * window holds fewer rows (about 270 for the benchmark's 10,000-transaction year over three accounts, so
 * up to ~18 days would still fit one page each); widen it here if a measurement says late edits reach
 * further back.
 */
export const RECENT_WINDOW_DAYS = 10;

/**
 * Hours after which a run reads every account in full even though the item's `lastUpdatedAt` did not move
 * (the safety net for changes Pluggy makes between updates whose webhooks were lost). A full read costs two
 * `/v2/transactions` requests per account (one page each for a connection whose 10-day window holds under
 * 500 rows) and one DynamoDB Query per account; at two auto-syncs a day, 24 h means at most one full read a
 * day, which Pluggy's own daily update causes anyway for a healthy item.
 */
export const FULL_READ_EVERY_HOURS = 24;

/** When Pluggy's 409 names no time: wait its documented example frequency, a day. */
const DEFAULT_UPDATE_INTERVAL_MS = 24 * 3_600_000;

export const defaultPluggySyncSettings: PluggySyncSettings = {
  settleTimeoutMs: 90_000,
  firstPollDelayMs: 500,
  maxPollDelayMs: 5_000,
  outdatedRetries: 2,
  overlapMs: 24 * 60 * 60 * 1000,
  maxPagesPerAccount: 2_000,
};

const CURSOR_VERSION = 1;

interface CursorState {
  readonly v: typeof CURSOR_VERSION;
  /** Provider account id → newest transaction `createdAt` stored (ISO). */
  readonly accounts: Readonly<Record<string, string>>;
  /** Every position is settled (see {@link settledPosition}): the next read starts just after it, no overlap. */
  readonly settled?: true;
  /**
   * The last run that read every account in full without a failure: the item's `lastUpdatedAt` it covered and
   * when it ran, in Pluggy's clock. Absent: the next run reads in full.
   */
  readonly fullRead?: { readonly itemUpdatedAt: string; readonly at: string };
}

/** Failures that say something about the whole connection: they stop the sync instead of one account. */
const CONNECTION_LEVEL: ReadonlySet<ProviderFailureKind> = new Set([
  'login_required',
  'mfa_required',
  'user_action_required',
  'revoked',
  'consent_expired',
  'item_not_found',
]);

export class PluggySyncSource implements ProviderSyncSource {
  /** Accounts as `listAccounts` read them, per run, for the transaction pass (currency, type). */
  private readonly accountsOfRun = new WeakMap<SyncSession, PluggyAccount[]>();
  /** When the item's last update finished (`lastUpdatedAt` of the settled item), per run. */
  private readonly settledAtOfRun = new WeakMap<SyncSession, string>();
  /** Pluggy's time (`Date` of its answer) when the run last read the item, per run. */
  private readonly pluggyTimeOfRun = new WeakMap<SyncSession, Date>();
  /** The run's first `GET /items/{id}` (answer or failure), made once whether the pre-check or the state check asks first. */
  private readonly firstItemReadOfRun = new WeakMap<SyncSession, Promise<ItemAnswer>>();
  /** The run's `GET /consents` (answer or failure), likewise made once. */
  private readonly consentReadOfRun = new WeakMap<SyncSession, Promise<Consent | null>>();

  constructor(
    private readonly api: PluggyApi,
    private readonly settings: PluggySyncSettings = defaultPluggySyncSettings,
    private readonly sleep: (ms: number) => Promise<void> = sleepFor,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /**
   * The pre-check of a scheduled run (see "Quiet runs" above), from the item read the run makes anyway: nothing
   * to do when the connection is healthy with no update state to track, its last full read covers the item's
   * current `lastUpdatedAt`, that read is less than {@link FULL_READ_EVERY_HOURS} old, the item is UPDATED,
   * and (Open Finance) its consent is current. Such a run would list the accounts and read no transaction:
   * the full read that covered this `lastUpdatedAt` read every account of the item in full, and Pluggy
   * collects accounts, balances and transactions only in an item update
   * (https://docs.pluggy.ai/docs/item-lifecycle), so the accounts and balances it stored are what Pluggy
   * still serves; the next full read is at most {@link FULL_READ_EVERY_HOURS} away, as for the transactions.
   * Anything else (a failed read included) says the run goes on; `checkConnection` then uses the same
   * answers instead of asking Pluggy again.
   */
  async nothingToSync(session: SyncSession): Promise<RefreshedConnectionFields | null> {
    const { connection } = session;
    if (session.trigger !== 'schedule' || session.transactionHint) return null;
    if (connection.status !== 'healthy' || connection.statusReason || connection.pendingUserAction || connection.providerUpdate) return null;
    const state = parseCursor(connection.syncCursor);
    if (!state.settled || !state.fullRead) return null;
    try {
      const { item, serverTime } = await this.firstItemRead(session);
      if (itemCondition(item).kind !== 'ready' || !item.lastUpdatedAt) return null;
      if (!fullReadCovers(state.fullRead, item.lastUpdatedAt, serverTime)) return null;
      const consent = await this.consentRead(session, item);
      if (consent && consentLapsed(consent, this.now())) return null;
      logger.info('Pluggy item not updated since the last full read; nothing to sync');
      return { consent, pendingUserAction: null, providerUpdate: null };
    } catch {
      // The run goes on, and its state check meets the same failure (it is recorded there, as always).
      return null;
    }
  }

  async checkConnection(session: SyncSession): Promise<RefreshedConnectionFields> {
    const itemId = session.connection.providerItemId;
    let { item, serverTime } = await this.settledItem(itemId, this.firstItemRead(session));
    let update: ProviderUpdateState = session.connection.providerUpdate ?? { notBefore: null, outdatedRetries: 0 };
    const outdated = item.status === 'OUTDATED';
    const wanted = session.trigger === 'manual' || (outdated && update.outdatedRetries < this.settings.outdatedRetries);
    const allowed = update.notBefore === null || serverTime.getTime() >= Date.parse(update.notBefore);
    if (wanted && allowed) {
      try {
        logger.info('asking Pluggy for an update', { status: item.status, retry: outdated ? update.outdatedRetries + 1 : 0 });
        await this.api.updateItem(itemId, {});
        update = { notBefore: null, outdatedRetries: outdated ? update.outdatedRetries + 1 : update.outdatedRetries };
        ({ item, serverTime } = await this.settledItem(itemId));
      } catch (error) {
        if (!(error instanceof PluggyUpdateTooSoonError)) throw error;
        // Not an error of the connection: Pluggy keeps what it collected last, which this run reads.
        const notBefore = error.notBefore ?? new Date(serverTime.getTime() + DEFAULT_UPDATE_INTERVAL_MS).toISOString();
        logger.info('Pluggy allows no update yet; reading what it has', { not_before: notBefore });
        countMetric(detailMetricNames.pluggyUpdatesTooSoon);
        update = { ...update, notBefore };
      }
    }
    if (item.status !== 'OUTDATED') update = { ...update, outdatedRetries: 0 };
    const providerUpdate = update.notBefore === null && update.outdatedRetries === 0 ? null : update;
    if (item.status === 'OUTDATED' && update.outdatedRetries >= this.settings.outdatedRetries) {
      const code = item.error?.code ?? item.executionStatus ?? 'OUTDATED';
      logger.warn('Pluggy item still outdated after retries', { code, retries: update.outdatedRetries });
      countMetricBy(detailMetricNames.pluggyItemErrors, 'code', code);
      throw new ConnectionStateError('pluggy', 'permanent', {
        providerCode: 'ITEM_OUTDATED',
        message: 'The bank could not be updated; it will be tried again at the next sync',
        connectionFields: { providerUpdate },
      });
    }

    const condition = itemCondition(item);
    switch (condition.kind) {
      case 'needs_user':
        throw new ConnectionStateError('pluggy', kindOfStatus(condition.status), {
          providerCode: condition.reason.code,
          message: condition.reason.message,
          connectionFields: { pendingUserAction: condition.pendingUserAction, providerUpdate },
        });
      case 'outdated':
        // Retries left, not allowed yet: the item still serves what it collected last.
        break;
      case 'error':
        logger.error('Pluggy item in error', { code: condition.reason.code, status: item.status });
        countMetricBy(detailMetricNames.pluggyItemErrors, 'code', condition.reason.code);
        throw new ProviderError('pluggy', 'permanent', { providerCode: 'ITEM_ERROR', message: condition.reason.message });
      default:
        break;
    }
    if (item.status === 'UPDATED' && item.lastUpdatedAt && Number.isFinite(Date.parse(item.lastUpdatedAt))) {
      this.settledAtOfRun.set(session, item.lastUpdatedAt);
    }
    this.pluggyTimeOfRun.set(session, serverTime);

    const consent = await this.consentRead(session, item);
    if (consent && consentLapsed(consent, this.now())) {
      countMetric(detailMetricNames.pluggyConsentsLapsed);
      throw new ConnectionStateError('pluggy', 'consent_expired', {
        providerCode: consent.revokedAt ? 'CONSENT_REVOKED' : 'CONSENT_EXPIRED',
        message: NEUTRAL_MESSAGES.consent_expired,
        connectionFields: { consent, pendingUserAction: null, providerUpdate },
      });
    }
    return { consent, pendingUserAction: null, providerUpdate };
  }

  async listAccounts(session: SyncSession): Promise<ProviderAccount[]> {
    const accounts = await this.api.listAccounts(session.connection.providerItemId);
    this.accountsOfRun.set(session, accounts);
    return accounts.map(toProviderAccount);
  }

  async pullTransactions(
    session: SyncSession,
    cursor: string | null,
    writerSink: (batch: ChangeBatch) => Promise<void>,
  ): Promise<PullResult> {
    const coalesced = coalescingSink(writerSink, COALESCED_ROWS);
    const result = await this.pullInto(session, cursor, coalesced.sink);
    await coalesced.flush();
    return result;
  }

  private async pullInto(
    session: SyncSession,
    cursor: string | null,
    sink: (batch: ChangeBatch) => Promise<void>,
  ): Promise<PullResult> {
    const accounts = this.accountsOfRun.get(session) ?? (await this.api.listAccounts(session.connection.providerItemId));
    const state = parseCursor(cursor);
    const settledAt = this.settledAtOfRun.get(session) ?? null;
    const positions: Record<string, string> = {};
    // A position kept from an unsettled cursor is moved back by the overlap, so a settled cursor can hold it.
    for (const [id, at] of Object.entries(state.accounts)) positions[id] = settledAt && !state.settled ? this.minusOverlap(at) : at;
    const failures: AccountFailure[] = [];
    const quiet = this.nothingCollectedSince(session, state, accounts);
    if (quiet) logger.info('Pluggy item not updated since the last full read; reading only what a webhook named');
    const recentFrom = saoPauloDayOf(new Date(this.now().getTime() - RECENT_WINDOW_DAYS * 86_400_000).toISOString())!;
    // Listed once before the reads, so that rows Pluggy returns unchanged need no read of their own.
    if (!quiet) await session.readStoredWindow?.(recentFrom);
    for (const account of accounts) {
      const context = { providerAccountId: account.id, currency: toProviderAccount(account).balances.currency };
      try {
        const since = state.accounts[account.id];
        if (quiet && since !== undefined) {
          await this.applyHint(session, account.id, context, sink);
          continue;
        }
        const from = since === undefined ? undefined : state.settled ? afterPosition(since) : this.minusOverlap(since);
        const newest = await this.pullWindow(account.id, from, context, sink);
        if (newest) positions[account.id] = settledAt ? settledPosition(newest, settledAt) : newest;
        await this.pullRecentDays(session, account.id, recentFrom, context, sink);
        await this.applyHint(session, account.id, context, sink);
      } catch (error) {
        if (error instanceof ProviderError && CONNECTION_LEVEL.has(error.kind)) throw error;
        const code = error instanceof ProviderError ? error.code : 'UNEXPECTED_ERROR';
        logger.warn('Pluggy account could not be synced; the others go on', { provider_account_id: account.id, code });
        countMetric(detailMetricNames.pluggyAccountSyncFailures);
        failures.push({
          providerAccountId: account.id,
          code,
          message: error instanceof ProviderError ? error.message : 'The account could not be synced',
        });
      }
    }
    await this.applyHintWithoutAccount(session, accounts, sink);
    const pluggyTime = this.pluggyTimeOfRun.get(session);
    // After a failing account (a hint it could not apply, too) the next run reads everything again.
    const fullRead =
      failures.length > 0
        ? undefined
        : quiet
          ? state.fullRead
          : settledAt && pluggyTime
            ? { itemUpdatedAt: new Date(Date.parse(settledAt)).toISOString(), at: pluggyTime.toISOString() }
            : undefined;
    const next: CursorState = {
      v: CURSOR_VERSION,
      accounts: positions,
      ...(settledAt ? { settled: true as const } : {}),
      ...(fullRead ? { fullRead } : {}),
    };
    return { nextCursor: JSON.stringify(next), accountFailures: failures };
  }

  /**
   * Whether this run may skip the per-account reads (see "Quiet runs" above): a scheduled run, or a webhook
   * run whose hint names the transactions to read (a webhook without one — item/updated,
   * transactions/created — says new rows exist, so it reads in full even if `lastUpdatedAt` stood still);
   * the item UPDATED with the `lastUpdatedAt` the last full read covered, that read less than
   * {@link FULL_READ_EVERY_HOURS} ago by Pluggy's clock; and no hint whose updated ids only a window read
   * would find (they name no account the item lists).
   */
  private nothingCollectedSince(session: SyncSession, state: CursorState, accounts: readonly PluggyAccount[]): boolean {
    const hint = session.transactionHint;
    if (session.trigger !== 'schedule' && !(session.trigger === 'webhook' && hint)) return false;
    const settledAt = this.settledAtOfRun.get(session);
    const pluggyTime = this.pluggyTimeOfRun.get(session);
    if (!settledAt || !pluggyTime || !state.settled || !state.fullRead) return false;
    if (!fullReadCovers(state.fullRead, settledAt, pluggyTime)) return false;
    const hintAccountListed = hint?.providerAccountId != null && accounts.some((account) => account.id === hint.providerAccountId);
    return !hint || hint.updatedIds.length === 0 || hintAccountListed;
  }

  private minusOverlap(position: string): string {
    return new Date(Date.parse(position) - this.settings.overlapMs).toISOString();
  }

  /** Reads one account's transactions created at or after `createdAtFrom` (all without); returns the newest createdAt. */
  private async pullWindow(
    accountId: string,
    createdAtFrom: string | undefined,
    context: { providerAccountId: string; currency: string },
    sink: (batch: ChangeBatch) => Promise<void>,
  ): Promise<string | null> {
    let newest: string | null = null;
    await this.eachPage({ accountId, ...(createdAtFrom ? { createdAtFrom } : {}) }, async (rows) => {
      await sink({ added: rows.map((row) => toProviderTransaction(row, context)), modified: [], removed: [] });
      newest = newestCreatedAt(newest, rows);
    });
    return newest;
  }

  /**
   * Re-reads the account's last {@link RECENT_WINDOW_DAYS} days by date (São Paulo days, as Pluggy dates them):
   * everything returned is upserted, and stored rows of that window Pluggy no longer returns are removed.
   */
  private async pullRecentDays(
    session: SyncSession,
    accountId: string,
    dateFrom: string,
    context: { providerAccountId: string; currency: string },
    sink: (batch: ChangeBatch) => Promise<void>,
  ): Promise<void> {
    const returned = new Set<string>();
    await this.eachPage({ accountId, dateFrom }, async (rows) => {
      for (const row of rows) returned.add(row.id);
      await sink({ added: [], modified: rows.map((row) => toProviderTransaction(row, context)), removed: [] });
    });
    if (!session.storedTransactionIds) return;
    const gone = (await session.storedTransactionIds(accountId, dateFrom)).filter((id) => !returned.has(id));
    if (gone.length > 0) {
      logger.info('Pluggy no longer returns stored transactions of the recent window; removing them', { count: gone.length });
      await sink({ added: [], modified: [], removed: gone });
    }
  }

  /**
   * Every page of a `/v2/transactions` query: each next page is asked for with the `after` of Pluggy's `next`
   * and the first query's filters sent again (pluggy-node `fetchAllTransactions` does the same).
   */
  private async eachPage(first: TransactionQuery, handle: (rows: PluggyTransaction[]) => Promise<void>): Promise<void> {
    let query: Readonly<Record<string, string>> = { ...first };
    const seen = new Set<string>();
    for (let page = 1; ; page += 1) {
      const response = await this.api.transactionPage(query);
      await handle(response.results);
      if (!response.next) return;
      const after = nextPageQuery(response.next, first.accountId).after;
      if (!after || seen.has(after) || page >= this.settings.maxPagesPerAccount) {
        throw new ProviderError('pluggy', 'transient', {
          providerCode: 'CURSOR_LOOP',
          message: 'The bank data provider returned an unusable page cursor',
        });
      }
      seen.add(after);
      query = { ...first, after };
    }
  }

  /** Re-reads the transactions a webhook named for this account; drops the deleted ones Pluggy no longer has. */
  private async applyHint(
    session: SyncSession,
    accountId: string,
    context: { providerAccountId: string; currency: string },
    sink: (batch: ChangeBatch) => Promise<void>,
  ): Promise<void> {
    const hint = session.transactionHint;
    if (!hint || hint.providerAccountId !== accountId) return;
    const updated = await this.transactionsById(accountId, hint.updatedIds);
    const stillThere = new Set((await this.transactionsById(accountId, hint.deletedIds)).map((row) => row.id));
    await sink({
      added: [],
      modified: updated.map((row) => toProviderTransaction(row, context)),
      removed: hint.deletedIds.filter((id) => !stillThere.has(id)),
    });
  }

  /**
   * A hint without an account id (or naming an account the item no longer lists): `accountId` is required on
   * /v2/transactions, so its deleted ids are looked up in every account of the item, and only those none
   * returns are removed. Its updates wait for the window that covers them.
   */
  private async applyHintWithoutAccount(
    session: SyncSession,
    accounts: readonly PluggyAccount[],
    sink: (batch: ChangeBatch) => Promise<void>,
  ): Promise<void> {
    const hint = session.transactionHint;
    if (!hint || hint.deletedIds.length === 0) return;
    if (hint.providerAccountId !== null && accounts.some((account) => account.id === hint.providerAccountId)) return;
    const stillThere = new Set<string>();
    for (const account of accounts) {
      for (const row of await this.transactionsById(account.id, hint.deletedIds)) stillThere.add(row.id);
    }
    const gone = hint.deletedIds.filter((id) => !stillThere.has(id));
    if (gone.length > 0) await sink({ added: [], modified: [], removed: gone });
  }

  private async transactionsById(accountId: string, ids: readonly string[]): Promise<PluggyTransaction[]> {
    const found: PluggyTransaction[] = [];
    for (let start = 0; start < ids.length; start += MAX_TRANSACTION_IDS_PER_QUERY) {
      const chunk = ids.slice(start, start + MAX_TRANSACTION_IDS_PER_QUERY).join(',');
      await this.eachPage({ accountId, ids: chunk }, async (rows) => {
        found.push(...rows);
      });
    }
    return found;
  }

  /** The run's first read of the item, shared by the pre-check and the state check. */
  private firstItemRead(session: SyncSession): Promise<ItemAnswer> {
    return oncePerRun(this.firstItemReadOfRun, session, () => this.api.getItemAt(session.connection.providerItemId));
  }

  private consentRead(session: SyncSession, item: PluggyItem): Promise<Consent | null> {
    return oncePerRun(this.consentReadOfRun, session, () => this.consentOf(item));
  }

  /**
   * The item once it is no longer collecting (polled with growing pauses), or a transient error. `first` is an
   * answer already asked for (the run's first read), used as the first poll.
   */
  private async settledItem(itemId: string, first?: Promise<ItemAnswer>): Promise<ItemAnswer> {
    const deadline = this.now().getTime() + this.settings.settleTimeoutMs;
    // Bounded by count too, so a clock that does not move (or moves backwards) cannot keep the sync here.
    const maxPolls = Math.ceil(this.settings.settleTimeoutMs / Math.max(1, this.settings.firstPollDelayMs)) + 1;
    let delay = this.settings.firstPollDelayMs;
    for (let poll = 1; ; poll += 1) {
      const answer = poll === 1 && first ? await first : await this.api.getItemAt(itemId);
      if (itemCondition(answer.item).kind !== 'in_progress') return answer;
      if (this.now().getTime() + delay > deadline || poll >= maxPolls) {
        throw new ProviderError('pluggy', 'transient', {
          providerCode: 'ITEM_UPDATING',
          message: 'The bank data provider is still collecting data for this connection',
        });
      }
      await this.sleep(delay);
      delay = Math.min(this.settings.maxPollDelayMs, Math.round(delay * 1.5));
    }
  }

  private async consentOf(item: PluggyItem): Promise<Consent | null> {
    // Only Open Finance items carry consents; direct (credential) connectors never have one.
    if (!item.connector.isOpenFinance) return null;
    return currentConsent(await this.api.listConsents(item.id));
  }
}

/**
 * The run's one answer (or failure) of `read`, asked for on first use. Whoever asks first may not await it
 * (the pre-check stops at the connection's own state); a failure is seen by whoever awaits it.
 */
function oncePerRun<T>(answers: WeakMap<SyncSession, Promise<T>>, session: SyncSession, read: () => Promise<T>): Promise<T> {
  let answer = answers.get(session);
  if (!answer) {
    answer = read();
    answer.catch(() => undefined);
    answers.set(session, answer);
  }
  return answer;
}

interface ItemAnswer {
  readonly item: PluggyItem;
  /** Pluggy's clock when it answered (its `Date` header). */
  readonly serverTime: Date;
}

/**
 * Whether the last full read covered the item's current `lastUpdatedAt` and ran less than
 * {@link FULL_READ_EVERY_HOURS} before `pluggyTime` (both in Pluggy's clock).
 */
function fullReadCovers(last: NonNullable<CursorState['fullRead']>, itemUpdatedAt: string, pluggyTime: Date): boolean {
  if (!Number.isFinite(Date.parse(itemUpdatedAt)) || Date.parse(last.itemUpdatedAt) !== Date.parse(itemUpdatedAt)) return false;
  const age = pluggyTime.getTime() - Date.parse(last.at);
  return age >= 0 && age < FULL_READ_EVERY_HOURS * 3_600_000;
}

function kindOfStatus(status: Connection['status']): ProviderFailureKind {
  switch (status) {
    case 'mfa_required':
      return 'mfa_required';
    case 'user_action_required':
      return 'user_action_required';
    default:
      return 'login_required';
  }
}

/** The stored cursor, or an empty one (first sync, or a cursor from an older layout: read everything again). */
export function parseCursor(cursor: string | null): CursorState {
  if (!cursor) return { v: CURSOR_VERSION, accounts: {} };
  try {
    const parsed = JSON.parse(cursor) as Partial<CursorState>;
    if (parsed.v !== CURSOR_VERSION || typeof parsed.accounts !== 'object' || parsed.accounts === null) {
      return { v: CURSOR_VERSION, accounts: {} };
    }
    const accounts: Record<string, string> = {};
    for (const [id, at] of Object.entries(parsed.accounts)) {
      if (typeof at === 'string' && Number.isFinite(Date.parse(at))) accounts[id] = at;
    }
    const fullRead = parsed.fullRead;
    const validFullRead =
      typeof fullRead === 'object' && fullRead !== null && [fullRead.itemUpdatedAt, fullRead.at].every((at) => typeof at === 'string' && Number.isFinite(Date.parse(at)));
    return {
      v: CURSOR_VERSION,
      accounts,
      ...(parsed.settled === true ? { settled: true as const } : {}),
      ...(validFullRead ? { fullRead: { itemUpdatedAt: fullRead.itemUpdatedAt, at: fullRead.at } } : {}),
    };
  } catch {
    return { v: CURSOR_VERSION, accounts: {} };
  }
}

/**
 * Why a settled position needs no overlap. The sync reads transactions only after `checkConnection` saw the
 * item UPDATED, i.e. after the update that finished at `lastUpdatedAt` had written all its rows
 * (https://docs.pluggy.ai/docs/item-lifecycle); a later update writes rows created after it started, so after
 * `lastUpdatedAt`. Every row created at or before `min(newest seen, lastUpdatedAt)` was therefore visible to
 * this read, and the next one can start 1 ms after that point: an unchanged connection costs one page per
 * account instead of re-reading the whole import (all of an import's rows share one `createdAt`, so any
 * overlap before it re-reads them all). Rows created after `lastUpdatedAt` (an update that began while this
 * run read) stay behind the position and are read again next time.
 */
function settledPosition(newest: string, settledAt: string): string {
  return Date.parse(newest) <= Date.parse(settledAt) ? newest : new Date(Date.parse(settledAt)).toISOString();
}

function afterPosition(position: string): string {
  return new Date(Date.parse(position) + 1).toISOString();
}

function newestCreatedAt(current: string | null, rows: readonly PluggyTransaction[]): string | null {
  let newest = current;
  for (const row of rows) {
    if (!row.createdAt || !Number.isFinite(Date.parse(row.createdAt))) continue;
    if (newest === null || Date.parse(row.createdAt) > Date.parse(newest)) newest = new Date(Date.parse(row.createdAt)).toISOString();
  }
  return newest;
}

/**
 * The query of the next page from Pluggy's `next`: a relative query string such as
 * `?accountId=…&after=<base64>` whose values are already percent-encoded (field reports; the SDK resolves it
 * against the base URL). It is decoded with `decodeURIComponent`, which — unlike URLSearchParams — leaves a
 * literal `+` a `+`, so a base64 cursor survives either way Pluggy encodes it; the client encodes it again.
 */
export function nextPageQuery(next: string, accountId: string): Record<string, string> {
  const queryPart = next.includes('?') ? next.slice(next.indexOf('?') + 1) : next;
  const query: Record<string, string> = {};
  for (const pair of queryPart.split('&')) {
    if (!pair) continue;
    const separator = pair.indexOf('=');
    const name = separator === -1 ? pair : pair.slice(0, separator);
    const value = separator === -1 ? '' : pair.slice(separator + 1);
    try {
      query[decodeURIComponent(name)] = decodeURIComponent(value);
    } catch {
      // A malformed escape: leave the pair out; a missing `after` is reported by the caller.
    }
  }
  return { ...query, accountId: query.accountId || accountId };
}

/**
 * Rows handed to the writer at once, at most: a full page of Pluggy's transaction list (500 rows, the page the
 * sync benchmark's floor counts), which is also what the transaction store writes under one change entry.
 */
const COALESCED_ROWS = 500;

/**
 * Passes the reads of every account and window on to the writer together, up to `rowLimit` rows: a run that
 * re-reads a few small windows (the sync after Pluggy's daily update) then checks and stores them with one
 * read, one write and one change entry instead of one of each per account and window, while a large import
 * still streams in pages. The writer upserts added and modified rows alike, keeps the latest of a row sent
 * twice, and applies removals at the end of the run, so merged batches store what the separate ones would.
 */
function coalescingSink(sink: (batch: ChangeBatch) => Promise<void>, rowLimit: number) {
  let added: ProviderTransaction[] = [];
  let modified: ProviderTransaction[] = [];
  let removed: string[] = [];
  const flush = async (): Promise<void> => {
    if (added.length + modified.length + removed.length === 0) return;
    const batch: ChangeBatch = { added, modified, removed };
    added = [];
    modified = [];
    removed = [];
    await sink(batch);
  };
  return {
    sink: async (batch: ChangeBatch): Promise<void> => {
      added.push(...batch.added);
      modified.push(...batch.modified);
      removed.push(...batch.removed);
      if (added.length + modified.length >= rowLimit) await flush();
    },
    flush,
  };
}
