/**
 * The Pluggy sync source against an in-memory Pluggy API: item states before a sync (OUTDATED retries,
 * waiting states, consent), per-account transaction windows with overlap, failing accounts and webhook hints.
 */
import { describe, expect, it } from 'vitest';
import type { PluggyApi } from '../../shared/providers/pluggy/pluggy-api';
import type { PluggyAccount, PluggyConsent, PluggyItem, PluggyTransaction } from '../../shared/providers/pluggy/pluggy-schemas';
import { FULL_READ_EVERY_HOURS, PluggySyncSource, type PluggySyncSettings } from '../../shared/providers/pluggy/pluggy-sync-source';
import type { Connection } from '../../shared/banking/model';
import { ProviderError } from '../../shared/errors/app-error';
import { ConnectionStateError, type ChangeBatch, type SyncSession } from '../../shared/providers/ports';

const NOW = new Date('2026-03-01T12:00:00.000Z');
const settings: PluggySyncSettings = {
  settleTimeoutMs: 10_000,
  firstPollDelayMs: 100,
  maxPollDelayMs: 1_000,
  outdatedRetries: 2,
  overlapMs: 24 * 3600_000,
  maxPagesPerAccount: 10,
};

function item(status: string, fields: Partial<PluggyItem> = {}): PluggyItem {
  return { id: 'item-1', connector: { id: 2, name: 'Bank', isOpenFinance: false }, status, ...fields } as PluggyItem;
}

function account(id: string, type = 'BANK'): PluggyAccount {
  return { id, type, subtype: type === 'BANK' ? 'CHECKING_ACCOUNT' : 'CREDIT_CARD', name: id, balance: 1, currencyCode: 'BRL' } as PluggyAccount;
}

function row(id: string, accountId: string, createdAt: string): PluggyTransaction {
  return { id, accountId, date: '2026-02-01T03:00:00.000Z', type: 'DEBIT', amount: -1, createdAt } as PluggyTransaction;
}

/** An in-memory Pluggy: items go through the given statuses; transactions are paged two at a time. */
function fakeApi(options: {
  statuses?: string[];
  itemFields?: Partial<PluggyItem>;
  consents?: PluggyConsent[];
  accounts?: PluggyAccount[];
  transactions?: PluggyTransaction[];
  failingAccounts?: Set<string>;
}) {
  const statuses = [...(options.statuses ?? ['UPDATED'])];
  const calls = { getItem: 0, updateItem: 0, listConsents: 0, queries: [] as Record<string, string>[] };
  let failItemReads = 0;
  const api = {
    getItemAt: async () => {
      calls.getItem += 1;
      if (failItemReads > 0) {
        failItemReads -= 1;
        throw new ProviderError('pluggy', 'transient', { providerCode: 'HTTP_503', message: 'down' });
      }
      const status = statuses.length > 1 ? statuses.shift()! : statuses[0]!;
      return { item: item(status, options.itemFields), serverTime: new Date(clock) };
    },
    updateItem: async () => {
      calls.updateItem += 1;
      return item('UPDATING');
    },
    listConsents: async () => {
      calls.listConsents += 1;
      return options.consents ?? [];
    },
    listAccounts: async () => options.accounts ?? [account('acc-1')],
    transactionPage: async (query: Record<string, string>) => {
      calls.queries.push({ ...query });
      if (options.failingAccounts?.has(query.accountId!)) {
        throw new ProviderError('pluggy', 'transient', { providerCode: 'HTTP_503', message: 'down' });
      }
      let rows = (options.transactions ?? []).filter((candidate) => candidate.accountId === query.accountId);
      if (query.createdAtFrom) rows = rows.filter((candidate) => candidate.createdAt! >= query.createdAtFrom!);
      if (query.dateFrom) rows = rows.filter((candidate) => candidate.date.slice(0, 10) >= query.dateFrom!);
      if (query.ids) rows = rows.filter((candidate) => query.ids!.split(',').includes(candidate.id));
      const start = query.after ? Number(query.after) : 0;
      const page = rows.slice(start, start + 2);
      const next = start + 2 < rows.length ? `?accountId=${query.accountId}&after=${start + 2}` : null;
      return { results: page, next };
    },
  };
  // The clock moves only when the source sleeps (or a test moves it): waiting never takes real time.
  const sleeps: number[] = [];
  let clock = NOW.getTime();
  const advance = (ms: number) => {
    clock += ms;
  };
  const sleep = async (ms: number) => {
    sleeps.push(ms);
    clock += ms;
  };
  const source = new PluggySyncSource(api as unknown as PluggyApi, settings, sleep, () => new Date(clock));
  return {
    source,
    calls,
    sleeps,
    advance,
    itemFields: (fields: Partial<PluggyItem>) => void (options.itemFields = { ...options.itemFields, ...fields }),
    statuses: (next: string[]) => void statuses.splice(0, statuses.length, ...next),
    failNextItemRead: () => void (failItemReads += 1),
  };
}

function session(
  syncCursor: string | null = null,
  transactionHint: SyncSession['transactionHint'] = null,
  fields: Partial<Connection> = {},
  trigger?: SyncSession['trigger'],
): SyncSession {
  const connection = { providerItemId: 'item-1', syncCursor, ...fields } as Connection;
  return { connection, accessToken: null, transactionHint, ...(trigger ? { trigger } : {}) };
}

async function pull(source: PluggySyncSource, current: SyncSession, cursor: string | null) {
  const batches: ChangeBatch[] = [];
  await source.listAccounts(current);
  const result = await source.pullTransactions(current, cursor, async (batch) => void batches.push(batch));
  return { result, batches, added: batches.flatMap((batch) => batch.added.map((change) => change.providerTransactionId)) };
}

describe('PluggySyncSource.checkConnection', () => {
  it('waits for an updating item, then goes on', async () => {
    const { source, sleeps } = fakeApi({ statuses: ['UPDATING', 'UPDATING', 'UPDATED'] });
    await expect(source.checkConnection(session())).resolves.toEqual({ consent: null, pendingUserAction: null, providerUpdate: null });
    expect(sleeps).toHaveLength(2);
  });

  it('asks Pluggy to update an OUTDATED item once per sync, twice at most, and never before the time Pluggy allows', async () => {
    const first = fakeApi({ statuses: ['OUTDATED', 'UPDATING', 'OUTDATED'] });
    await expect(first.source.checkConnection(session())).resolves.toMatchObject({ providerUpdate: { notBefore: null, outdatedRetries: 1 } });
    expect(first.calls.updateItem).toBe(1);

    const last = fakeApi({ statuses: ['OUTDATED', 'UPDATING', 'OUTDATED'] });
    const retried = session(null, null, { providerUpdate: { notBefore: null, outdatedRetries: 1 } });
    await expect(last.source.checkConnection(retried)).rejects.toMatchObject({ kind: 'permanent', code: 'ITEM_OUTDATED' });
    expect(last.calls.updateItem).toBe(1);

    // Not yet allowed: nothing asked, the item's last data is read.
    const early = fakeApi({ statuses: ['OUTDATED'] });
    const waiting = session(null, null, { providerUpdate: { notBefore: '2026-03-02T00:00:00.000Z', outdatedRetries: 1 } });
    await expect(early.source.checkConnection(waiting)).resolves.toMatchObject({ providerUpdate: { notBefore: '2026-03-02T00:00:00.000Z', outdatedRetries: 1 } });
    expect(early.calls.updateItem).toBe(0);

    // Only a user's forced sync asks for an update of an up-to-date item; a scheduled one reads.
    const scheduled = fakeApi({});
    await scheduled.source.checkConnection({ ...session(), trigger: 'schedule' });
    expect(scheduled.calls.updateItem).toBe(0);
    const forced = fakeApi({ statuses: ['UPDATED', 'UPDATING', 'UPDATED'] });
    await forced.source.checkConnection({ ...session(), trigger: 'manual' });
    expect(forced.calls.updateItem).toBe(1);
  });

  it('fails as transient when the item keeps collecting past the wait', async () => {
    const { source } = fakeApi({ statuses: ['UPDATING'] });
    await expect(source.checkConnection(session())).rejects.toMatchObject({ kind: 'transient', code: 'ITEM_UPDATING' });
  });

  it('reports what the user must do, with the authorization URL for the connection', async () => {
    const { source } = fakeApi({
      statuses: ['WAITING_USER_ACTION'],
      itemFields: { userAction: { attributes: { url: 'https://bank.example/auth' }, expiresAt: '2026-03-01T12:10:00.000Z', instructions: 'Go' } },
    });
    const error = await source.checkConnection(session()).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ConnectionStateError);
    expect(error).toMatchObject({
      kind: 'user_action_required',
      connectionFields: { pendingUserAction: { url: 'https://bank.example/auth', expiresAt: '2026-03-01T12:10:00.000Z', instructions: 'Go' } },
    });
    await expect(fakeApi({ statuses: ['LOGIN_ERROR'] }).source.checkConnection(session())).rejects.toMatchObject({ kind: 'login_required' });
    await expect(fakeApi({ statuses: ['WAITING_USER_INPUT'] }).source.checkConnection(session())).rejects.toMatchObject({ kind: 'mfa_required' });
  });

  it('refreshes the Open Finance consent and stops on an expired or revoked one', async () => {
    const openFinance = { connector: { id: 2, name: 'Bank', isOpenFinance: true } };
    const valid: PluggyConsent = { id: 'c', products: ['ACCOUNTS'], createdAt: '2026-01-01T00:00:00.000Z', expiresAt: '2027-01-01T00:00:00.000Z', revokedAt: null };
    await expect(fakeApi({ itemFields: openFinance, consents: [valid] }).source.checkConnection(session())).resolves.toMatchObject({
      consent: { products: ['ACCOUNTS'], expiresAt: '2027-01-01T00:00:00.000Z' },
    });
    const expired = { ...valid, expiresAt: '2026-02-01T00:00:00.000Z' };
    await expect(fakeApi({ itemFields: openFinance, consents: [expired] }).source.checkConnection(session())).rejects.toMatchObject({
      kind: 'consent_expired',
      code: 'CONSENT_EXPIRED',
      connectionFields: { consent: { expiresAt: '2026-02-01T00:00:00.000Z' } },
    });
  });
});

describe('PluggySyncSource.pullTransactions', () => {
  const transactions = [
    row('t1', 'acc-1', '2026-02-01T10:00:00.000Z'),
    row('t2', 'acc-1', '2026-02-02T10:00:00.000Z'),
    row('t3', 'acc-1', '2026-02-20T10:00:00.000Z'),
    row('c1', 'card-1', '2026-02-05T10:00:00.000Z'),
  ];

  it('reads every page, then next time only the window since the newest createdAt (minus the overlap)', async () => {
    const { source, calls } = fakeApi({ accounts: [account('acc-1'), account('card-1', 'CREDIT')], transactions });
    const first = await pull(source, session(), null);
    expect(first.added.sort()).toEqual(['c1', 't1', 't2', 't3']);
    // Two pages by creation time, one for the recent days by date.
    expect(calls.queries.filter((query) => query.accountId === 'acc-1')).toHaveLength(3);
    expect(JSON.parse(first.result.nextCursor!)).toEqual({
      v: 1,
      accounts: { 'acc-1': '2026-02-20T10:00:00.000Z', 'card-1': '2026-02-05T10:00:00.000Z' },
    });

    calls.queries.length = 0;
    const second = await pull(source, session(), first.result.nextCursor);
    expect(calls.queries.find((query) => query.accountId === 'acc-1')?.createdAtFrom).toBe('2026-02-19T10:00:00.000Z');
    // The overlap re-reads the newest rows of each account; the idempotent writer absorbs them.
    expect(second.added).toEqual(['t3', 'c1']);
  });

  it('hands the reads of every account and window to the writer as one batch while they stay under a page', async () => {
    const { source, calls } = fakeApi({ accounts: [account('acc-1'), account('card-1', 'CREDIT')], transactions });
    const { batches } = await pull(source, session(), null);
    // Several queries of two rows or fewer each (two accounts, pages of two, creation-time and recent windows), one batch.
    expect(calls.queries.length).toBeGreaterThan(2);
    expect(batches).toHaveLength(1);
    expect(batches[0]!.added.map((change) => change.providerTransactionId).sort()).toEqual(['c1', 't1', 't2', 't3']);
  });

  it('after a settled item, starts just past the newest createdAt: nothing is read twice', async () => {
    const { source, calls } = fakeApi({
      accounts: [account('acc-1'), account('card-1', 'CREDIT')],
      transactions,
      itemFields: { lastUpdatedAt: '2026-02-20T10:00:00.000Z' },
    });
    const firstSession = session();
    await source.checkConnection(firstSession);
    const first = await pull(source, firstSession, null);
    expect(JSON.parse(first.result.nextCursor!)).toEqual({
      v: 1,
      accounts: { 'acc-1': '2026-02-20T10:00:00.000Z', 'card-1': '2026-02-05T10:00:00.000Z' },
      settled: true,
      fullRead: { itemUpdatedAt: '2026-02-20T10:00:00.000Z', at: NOW.toISOString() },
    });

    calls.queries.length = 0;
    const secondSession = session(first.result.nextCursor);
    await source.checkConnection(secondSession);
    const second = await pull(source, secondSession, first.result.nextCursor);
    expect(calls.queries.find((query) => query.accountId === 'acc-1')?.createdAtFrom).toBe('2026-02-20T10:00:00.001Z');
    // One read by creation time per account, plus the recent-window read by date (RECENT_WINDOW_DAYS).
    expect(calls.queries.filter((query) => query.createdAtFrom !== undefined)).toHaveLength(2);
    expect(calls.queries.filter((query) => query.dateFrom !== undefined && query.createdAtFrom === undefined)).toHaveLength(2);
    expect(calls.queries).toHaveLength(4);
    expect(second.added).toEqual([]);
  });

  it('keeps a row created after the item last settled behind the position, so the next run reads it again', async () => {
    const { source } = fakeApi({
      accounts: [account('acc-1')],
      transactions,
      itemFields: { lastUpdatedAt: '2026-02-10T00:00:00.000Z' },
    });
    const current = session();
    await source.checkConnection(current);
    const first = await pull(source, current, null);
    expect(JSON.parse(first.result.nextCursor!).accounts).toEqual({ 'acc-1': '2026-02-10T00:00:00.000Z' });
    const next = session(first.result.nextCursor);
    await source.checkConnection(next);
    expect((await pull(source, next, first.result.nextCursor)).added).toEqual(['t3']);
  });

  it('reports a failing account and keeps its cursor entry while the others advance', async () => {
    const previous = JSON.stringify({ v: 1, accounts: { 'acc-1': '2026-01-01T00:00:00.000Z', 'card-1': '2026-01-01T00:00:00.000Z' } });
    const { source } = fakeApi({ accounts: [account('acc-1'), account('card-1', 'CREDIT')], transactions, failingAccounts: new Set(['card-1']) });
    const { result, added } = await pull(source, session(), previous);
    expect(result.accountFailures).toEqual([{ providerAccountId: 'card-1', code: 'HTTP_503', message: 'down' }]);
    expect(added.sort()).toEqual(['t1', 't2', 't3']);
    expect(JSON.parse(result.nextCursor!).accounts).toEqual({ 'acc-1': '2026-02-20T10:00:00.000Z', 'card-1': '2026-01-01T00:00:00.000Z' });
  });

  it('stops the whole sync when an account call says the connection needs the user', async () => {
    const { source } = fakeApi({ accounts: [account('acc-1')], transactions });
    const api = (source as unknown as { api: { transactionPage: unknown } }).api;
    api.transactionPage = async () => {
      throw new ProviderError('pluggy', 'consent_expired', { providerCode: 'CONSENT_EXPIRED', message: 'expired' });
    };
    await expect(pull(source, session(), null)).rejects.toMatchObject({ kind: 'consent_expired' });
  });

  it('re-reads transactions a webhook named as updated and removes the deleted ones Pluggy no longer has', async () => {
    const cursor = JSON.stringify({ v: 1, accounts: { 'acc-1': '2026-02-25T00:00:00.000Z' } });
    const hint = { providerAccountId: 'acc-1', updatedIds: ['t1'], deletedIds: ['gone', 't2'] };
    const { source } = fakeApi({ accounts: [account('acc-1')], transactions });
    const { batches } = await pull(source, session(cursor, hint), cursor);
    const modified = batches.flatMap((batch) => batch.modified.map((change) => change.providerTransactionId));
    const removed = batches.flatMap((batch) => batch.removed);
    expect(modified).toEqual(['t1']);
    // `t2` still exists at Pluggy, so the deletion announcement is not applied to it.
    expect(removed).toEqual(['gone']);
  });
});

describe('PluggySyncSource quiet runs (the item has not been updated since the last full read)', () => {
  const transactions = [row('t1', 'acc-1', '2026-02-01T10:00:00.000Z'), row('c1', 'card-1', '2026-02-05T10:00:00.000Z')];
  const accounts = [account('acc-1'), account('card-1', 'CREDIT')];

  /** One run the way the engine drives it: state check, accounts, transactions. */
  async function run(source: PluggySyncSource, current: SyncSession) {
    await source.checkConnection(current);
    return pull(source, current, current.connection.syncCursor);
  }

  async function afterFullRead(extra: Parameters<typeof fakeApi>[0] = {}) {
    const api = fakeApi({ accounts, transactions, itemFields: { lastUpdatedAt: '2026-02-20T10:00:00.000Z' }, ...extra });
    const first = await run(api.source, session(null, null, {}, 'link'));
    api.calls.queries.length = 0;
    return { ...api, cursor: first.result.nextCursor! };
  }

  it('a scheduled run reads no transactions and keeps the cursor when lastUpdatedAt has not moved', async () => {
    const { source, calls, cursor, advance } = await afterFullRead();
    advance(12 * 3_600_000);
    const quiet = await run(source, session(cursor, null, {}, 'schedule'));
    expect(calls.queries).toEqual([]);
    expect(quiet.batches).toEqual([]);
    expect(JSON.parse(quiet.result.nextCursor!)).toEqual(JSON.parse(cursor));
  });

  it('has the stored recent window listed once, before its first read, in a full read only', async () => {
    const { source, calls, cursor, itemFields } = await afterFullRead();
    const listings: { dateFrom: string; queriesBefore: number }[] = [];
    const withListing = (current: SyncSession): SyncSession => ({
      ...current,
      readStoredWindow: async (dateFrom) => void listings.push({ dateFrom, queriesBefore: calls.queries.length }),
      storedTransactionIds: async () => [],
    });
    await run(source, withListing(session(cursor, null, {}, 'schedule')));
    expect(listings).toEqual([]);

    itemFields({ lastUpdatedAt: '2026-02-28T10:00:00.000Z' });
    await run(source, withListing(session(cursor, null, {}, 'schedule')));
    const dateFrom = calls.queries.find((query) => query.dateFrom !== undefined)?.dateFrom;
    expect(listings).toEqual([{ dateFrom, queriesBefore: 0 }]);
  });

  it('reads the creation-time window and the recent days again once lastUpdatedAt moves', async () => {
    const { source, calls, cursor, itemFields } = await afterFullRead();
    itemFields({ lastUpdatedAt: '2026-02-28T10:00:00.000Z' });
    const next = await run(source, session(cursor, null, {}, 'schedule'));
    expect(calls.queries.filter((query) => query.createdAtFrom !== undefined)).toHaveLength(2);
    expect(calls.queries.filter((query) => query.dateFrom !== undefined)).toHaveLength(2);
    expect(JSON.parse(next.result.nextCursor!).fullRead).toEqual({ itemUpdatedAt: '2026-02-28T10:00:00.000Z', at: NOW.toISOString() });
  });

  it(`reads in full once ${FULL_READ_EVERY_HOURS} hours (Pluggy's clock) have passed since the last full read, even without an update`, async () => {
    const { source, calls, cursor, advance } = await afterFullRead();
    advance(FULL_READ_EVERY_HOURS * 3_600_000 - 1);
    const stillQuiet = await run(source, session(cursor, null, {}, 'schedule'));
    expect(calls.queries).toEqual([]);
    advance(1);
    const full = await run(source, session(stillQuiet.result.nextCursor, null, {}, 'schedule'));
    expect(calls.queries.filter((query) => query.dateFrom !== undefined)).toHaveLength(2);
    expect(JSON.parse(full.result.nextCursor!).fullRead.at).toBe(new Date(NOW.getTime() + FULL_READ_EVERY_HOURS * 3_600_000).toISOString());
  });

  it('a user-forced sync, and a webhook run without a hint (item/updated, transactions/created), read in full', async () => {
    const { source, calls, cursor } = await afterFullRead();
    await run(source, session(cursor, null, {}, 'manual'));
    expect(calls.queries.filter((query) => query.dateFrom !== undefined)).toHaveLength(2);
    calls.queries.length = 0;
    await run(source, session(cursor, null, {}, 'webhook'));
    expect(calls.queries.filter((query) => query.createdAtFrom !== undefined)).toHaveLength(2);
    expect(calls.queries.filter((query) => query.dateFrom !== undefined)).toHaveLength(2);
  });

  it('a webhook hint naming an account reads only its ids; one without a listed account reads the window', async () => {
    const { source, calls, cursor } = await afterFullRead();
    const hinted = await run(source, session(cursor, { providerAccountId: 'acc-1', updatedIds: ['t1'], deletedIds: [] }, {}, 'webhook'));
    expect(calls.queries).toEqual([{ accountId: 'acc-1', ids: 't1' }]);
    expect(hinted.batches.flatMap((batch) => batch.modified.map((change) => change.providerTransactionId))).toEqual(['t1']);

    calls.queries.length = 0;
    await run(source, session(cursor, { providerAccountId: null, updatedIds: ['t1'], deletedIds: [] }, {}, 'webhook'));
    expect(calls.queries.filter((query) => query.dateFrom !== undefined)).toHaveLength(2);
  });

  it('reads an account the cursor does not know yet, and everything after a run with a failing account', async () => {
    const { source, calls, cursor } = await afterFullRead({ accounts: [...accounts, account('acc-2')], failingAccounts: new Set(['acc-2']) });
    // acc-2 failed in the first run: no full read was recorded, so the next run reads every account.
    expect(JSON.parse(cursor).fullRead).toBeUndefined();
    await run(source, session(cursor, null, {}, 'schedule'));
    expect(new Set(calls.queries.map((query) => query.accountId))).toEqual(new Set(['acc-1', 'card-1', 'acc-2']));

    const known = JSON.parse(cursor);
    const withFullRead = JSON.stringify({ ...known, accounts: { 'acc-1': known.accounts['acc-1'], 'card-1': known.accounts['card-1'] }, fullRead: { itemUpdatedAt: '2026-02-20T10:00:00.000Z', at: NOW.toISOString() } });
    calls.queries.length = 0;
    const quietWithFailure = await run(source, session(withFullRead, null, {}, 'schedule'));
    // Only the account without a position is read (its first request fails again here)...
    expect(calls.queries.map((query) => query.accountId)).toEqual(['acc-2']);
    // ...and since it failed, the run after reads everything again.
    expect(JSON.parse(quietWithFailure.result.nextCursor!).fullRead).toBeUndefined();
  });
});

describe('PluggySyncSource.nothingToSync (the pre-check of a scheduled run)', () => {
  const accounts = [account('acc-1'), account('card-1', 'CREDIT')];
  const transactions = [row('t1', 'acc-1', '2026-02-01T10:00:00.000Z')];
  const healthy: Partial<Connection> = { status: 'healthy', statusReason: null, pendingUserAction: null, providerUpdate: null };

  async function afterFullRead(extra: Parameters<typeof fakeApi>[0] = {}) {
    const api = fakeApi({ accounts, transactions, itemFields: { lastUpdatedAt: '2026-02-20T10:00:00.000Z' }, ...extra });
    const first = session(null, null, healthy, 'link');
    await api.source.checkConnection(first);
    const { result } = await pull(api.source, first, null);
    api.calls.getItem = 0;
    api.calls.listConsents = 0;
    api.calls.queries.length = 0;
    api.advance(12 * 3_600_000);
    return { ...api, cursor: result.nextCursor! };
  }

  it('says there is nothing to do from the one item read, for a healthy connection whose last full read covers the item', async () => {
    const { source, calls, cursor } = await afterFullRead();
    await expect(source.nothingToSync(session(cursor, null, healthy, 'schedule'))).resolves.toEqual({ consent: null, pendingUserAction: null, providerUpdate: null });
    expect(calls.getItem).toBe(1);
    expect(calls.queries).toEqual([]);
  });

  it('says the run goes on when the item moved, the full read is due, or the run is not a plain scheduled one; the run then reads the item no second time', async () => {
    const api = await afterFullRead();
    for (const trigger of ['manual', 'webhook', 'link'] as const) {
      await expect(api.source.nothingToSync(session(api.cursor, null, healthy, trigger))).resolves.toBeNull();
    }
    const hinted = session(api.cursor, { providerAccountId: 'acc-1', updatedIds: ['t1'], deletedIds: [] }, healthy, 'schedule');
    await expect(api.source.nothingToSync(hinted)).resolves.toBeNull();
    for (const fields of [{ status: 'error' }, { providerUpdate: { notBefore: '2026-03-02T00:00:00.000Z', outdatedRetries: 0 } }] as Partial<Connection>[]) {
      await expect(api.source.nothingToSync(session(api.cursor, null, { ...healthy, ...fields }, 'schedule'))).resolves.toBeNull();
    }
    expect(api.calls.getItem).toBe(0);

    api.itemFields({ lastUpdatedAt: '2026-02-28T10:00:00.000Z' });
    const moved = session(api.cursor, null, healthy, 'schedule');
    await expect(api.source.nothingToSync(moved)).resolves.toBeNull();
    await api.source.checkConnection(moved);
    expect(api.calls.getItem).toBe(1);

    api.itemFields({ lastUpdatedAt: '2026-02-20T10:00:00.000Z' });
    api.advance(FULL_READ_EVERY_HOURS * 3_600_000);
    await expect(api.source.nothingToSync(session(api.cursor, null, healthy, 'schedule'))).resolves.toBeNull();
  });

  it('leaves every item state that moves the connection to the run, which reports it from the same answer', async () => {
    const api = await afterFullRead();
    for (const [status, kind] of [['LOGIN_ERROR', 'login_required'], ['WAITING_USER_INPUT', 'mfa_required'], ['ERROR', 'permanent']] as const) {
      api.statuses([status]);
      api.calls.getItem = 0;
      const current = session(api.cursor, null, healthy, 'schedule');
      await expect(api.source.nothingToSync(current)).resolves.toBeNull();
      await expect(api.source.checkConnection(current)).rejects.toMatchObject({ kind });
      expect(api.calls.getItem).toBe(1);
    }
    // An item still collecting: the run waits for it, starting from the pre-check's answer.
    api.statuses(['UPDATING', 'UPDATED']);
    api.calls.getItem = 0;
    const collecting = session(api.cursor, null, healthy, 'schedule');
    await expect(api.source.nothingToSync(collecting)).resolves.toBeNull();
    await expect(api.source.checkConnection(collecting)).resolves.toMatchObject({ pendingUserAction: null });
    expect(api.calls.getItem).toBe(2);
  });

  it('a failed item read is left to the run, which meets the same failure without asking again', async () => {
    const api = await afterFullRead();
    api.failNextItemRead();
    const current = session(api.cursor, null, healthy, 'schedule');
    await expect(api.source.nothingToSync(current)).resolves.toBeNull();
    await expect(api.source.checkConnection(current)).rejects.toMatchObject({ code: 'HTTP_503' });
    expect(api.calls.getItem).toBe(1);
  });

  it('checks an Open Finance consent with the one consent read the run makes anyway', async () => {
    const openFinance = { connector: { id: 2, name: 'Bank', isOpenFinance: true }, lastUpdatedAt: '2026-02-20T10:00:00.000Z' };
    const valid: PluggyConsent = { id: 'c', products: ['ACCOUNTS'], createdAt: '2026-01-01T00:00:00.000Z', expiresAt: '2027-01-01T00:00:00.000Z', revokedAt: null };
    const current = await afterFullRead({ itemFields: openFinance, consents: [valid] });
    await expect(current.source.nothingToSync(session(current.cursor, null, healthy, 'schedule'))).resolves.toMatchObject({ consent: { expiresAt: '2027-01-01T00:00:00.000Z' } });
    expect(current.calls.listConsents).toBe(1);

    const lapsed = await afterFullRead({ itemFields: openFinance, consents: [{ ...valid, expiresAt: '2026-03-01T13:00:00.000Z' }] });
    const due = session(lapsed.cursor, null, healthy, 'schedule');
    await expect(lapsed.source.nothingToSync(due)).resolves.toBeNull();
    await expect(lapsed.source.checkConnection(due)).rejects.toMatchObject({ kind: 'consent_expired' });
    expect(lapsed.calls.listConsents).toBe(1);
    expect(lapsed.calls.getItem).toBe(1);
  });
});

