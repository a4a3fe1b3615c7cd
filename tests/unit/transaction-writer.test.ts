/**
 * The transaction writer against in-memory stores: upserts keyed by the provider id, idempotent replays,
 * user fields that survive a sync and pending→posted, removals deferred to the end of the run, and the
 * provider category catalog. No emulator, no network.
 */
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { transactionIdFor } from '../../shared/banking/ids';
import type { Connection, Transaction } from '../../shared/banking/model';
import { KnownRows, TransactionChangeWriter } from '../../shared/sync/transaction-writer';
import { InMemoryCategoryStore, InMemoryTransactionStore, TestClock } from '../helpers/fakes/banking-stores';
import { providerTransaction } from '../helpers/fakes/providers';
import { testConnection } from './plaid-webhook-support';

let store: InMemoryTransactionStore;
let categories: InMemoryCategoryStore;
let clock: TestClock;
let connection: Connection;

const writer = () => new TransactionChangeWriter(store, categories, connection, clock);
const stored = (providerId: string): Transaction | undefined =>
  store.rows.get(`${connection.userId}#${transactionIdFor(connection.connectionId, providerId)}`);

/** Sets the user's own fields on a stored transaction, as PATCH /transactions/{id} does. */
async function editByUser(providerId: string, fields: Pick<Transaction, 'userCategoryId' | 'note' | 'categorySync'>) {
  await store.updateUserFields(connection.userId, [{ transactionId: transactionIdFor(connection.connectionId, providerId), ...fields }], clock.now().toISOString());
}

beforeEach(() => {
  store = new InMemoryTransactionStore();
  categories = new InMemoryCategoryStore();
  clock = new TestClock(new Date('2025-03-02T08:00:00.000Z'));
  connection = testConnection();
});

describe('TransactionChangeWriter', () => {
  it('stores added transactions under ids derived from the connection and the provider ids', async () => {
    const changes = writer();
    await changes.apply({ added: [providerTransaction('t1', { amount: '-4.20', merchantName: 'Cafe' })], modified: [], removed: [] });

    expect(stored('t1')).toMatchObject({
      userId: connection.userId,
      connectionId: connection.connectionId,
      provider: 'plaid',
      providerTransactionId: 't1',
      amount: '-4.20',
      merchantName: 'Cafe',
      userCategoryId: null,
      note: null,
      createdAt: '2025-03-02T08:00:00.000Z',
      updatedAt: '2025-03-02T08:00:00.000Z',
    });
    expect(changes.counts).toEqual({ added: 1, modified: 0, removed: 0 });
  });

  it('writes nothing for a replayed batch, and counts nothing', async () => {
    const batch = { added: [providerTransaction('t1'), providerTransaction('t2')], modified: [], removed: [] };
    await writer().apply(batch);
    const writes = store.writes.length;

    const replay = writer();
    await replay.apply(batch);
    await replay.apply({ added: [], modified: batch.added, removed: [] });

    expect(store.writes.length).toBe(writes);
    expect(replay.counts).toEqual({ added: 0, modified: 0, removed: 0 });
  });

  it("overwrites the provider's data on a change, keeping createdAt and the user's category, note and sync state", async () => {
    await writer().apply({ added: [providerTransaction('t1')], modified: [], removed: [] });
    await editByUser('t1', { userCategoryId: 'user:groceries', note: 'weekly shop', categorySync: { status: 'synced', updatedAt: '2025-03-02T08:00:00.000Z', error: null } });
    clock.advanceSeconds(3600);

    const changes = writer();
    await changes.apply({ added: [], modified: [providerTransaction('t1', { amount: '-13.00', description: 'Corrected' })], removed: [] });

    expect(stored('t1')).toMatchObject({
      amount: '-13.00',
      description: 'Corrected',
      userCategoryId: 'user:groceries',
      note: 'weekly shop',
      categorySync: { status: 'synced' },
      createdAt: '2025-03-02T08:00:00.000Z',
      updatedAt: '2025-03-02T09:00:00.000Z',
    });
    expect(changes.counts).toEqual({ added: 0, modified: 1, removed: 0 });
  });

  it('writes one row when a batch names the same transaction twice, the last version winning', async () => {
    const changes = writer();
    await changes.apply({
      added: [providerTransaction('t1', { amount: '-1.00' })],
      modified: [providerTransaction('t1', { amount: '-2.00' })],
      removed: [],
    });

    expect(store.writes.map((row) => row.amount)).toEqual(['-2.00']);
    expect(changes.counts.added).toBe(1);
  });

  describe('pending → posted', () => {
    beforeEach(async () => {
      await writer().apply({ added: [providerTransaction('pending-1', { pending: true })], modified: [], removed: [] });
      await editByUser('pending-1', { userCategoryId: 'user:travel', note: 'taxi to the airport', categorySync: null });
    });

    it('the posted transaction inherits the edits made while pending and replaces the pending one at once', async () => {
      const changes = writer();
      await changes.apply({
        added: [providerTransaction('posted-1', { pendingProviderTransactionId: 'pending-1', amount: '-31.75' })],
        modified: [],
        removed: ['pending-1'],
      });
      // The posted row replaces its pending row as soon as it is stored: never both, even if the run dies here.
      expect(stored('pending-1')).toBeUndefined();
      await changes.finish();

      expect(stored('posted-1')).toMatchObject({ pending: false, amount: '-31.75', userCategoryId: 'user:travel', note: 'taxi to the airport' });
      expect(stored('pending-1')).toBeUndefined();
      expect(changes.counts).toEqual({ added: 1, modified: 0, removed: 1 });
    });

    it('still inherits them when the pending side is removed in an earlier page than the posted side arrives', async () => {
      const changes = writer();
      await changes.apply({ added: [], modified: [], removed: ['pending-1'] });
      await changes.apply({ added: [providerTransaction('posted-1', { pendingProviderTransactionId: 'pending-1' })], modified: [], removed: [] });
      await changes.finish();

      expect(stored('posted-1')).toMatchObject({ userCategoryId: 'user:travel', note: 'taxi to the airport' });
      expect(stored('pending-1')).toBeUndefined();
    });
  });

  describe('removals', () => {
    it('leave tombstones for the change feed and count only transactions that existed', async () => {
      await writer().apply({ added: [providerTransaction('t1'), providerTransaction('t2')], modified: [], removed: [] });

      const changes = writer();
      await changes.apply({ added: [], modified: [], removed: ['t1', 'never-seen'] });
      await changes.finish();

      expect(stored('t1')).toBeUndefined();
      expect(stored('t2')).toBeDefined();
      expect([...store.tombstones.values()].map((tombstone) => tombstone.transactionId)).toEqual([transactionIdFor(connection.connectionId, 't1')]);
      expect(changes.counts.removed).toBe(1);
    });

    it('seen before a restart of the pagination are forgotten; the replay resends the ones that still hold', async () => {
      await writer().apply({ added: [providerTransaction('t1'), providerTransaction('t2')], modified: [], removed: [] });

      const changes = writer();
      await changes.apply({ added: [], modified: [], removed: ['t1'] });
      changes.restart();
      await changes.apply({ added: [], modified: [], removed: ['t2'] });
      await changes.finish();

      expect(stored('t1')).toBeDefined();
      expect(stored('t2')).toBeUndefined();
      expect(changes.counts.removed).toBe(1);
    });

    it('are applied once: a second finish removes nothing more', async () => {
      await writer().apply({ added: [providerTransaction('t1')], modified: [], removed: [] });
      const changes = writer();
      await changes.apply({ added: [], modified: [], removed: ['t1'] });
      await changes.finish();
      await changes.finish();
      expect(changes.counts.removed).toBe(1);
    });
  });

  it("adds each provider category to the provider's catalog the first time a transaction uses it", async () => {
    const changes = writer();
    await changes.apply({
      added: [
        providerTransaction('t1', { category: { id: 'plaid:FOOD_AND_DRINK', name: 'Food and drink' } }),
        providerTransaction('t2', { category: { id: 'plaid:FOOD_AND_DRINK', name: 'Food and drink' } }),
        providerTransaction('t3', { category: { id: 'plaid:TRAVEL', name: null } }),
        providerTransaction('t4'),
      ],
      modified: [],
      removed: [],
    });

    expect(await categories.listProviderCatalog('plaid')).toEqual([
      expect.objectContaining({ categoryId: 'plaid:FOOD_AND_DRINK', name: 'Food and drink', source: 'plaid', userId: null }),
      // A category without a name is listed under its id until the provider names it.
      expect.objectContaining({ categoryId: 'plaid:TRAVEL', name: 'plaid:TRAVEL', source: 'plaid' }),
    ]);
  });

  it('lets a failed write surface, so the run fails and retries from the last committed cursor', async () => {
    store.failuresToInject = 1;
    await expect(writer().apply({ added: [providerTransaction('t1')], modified: [], removed: [] })).rejects.toThrow('DynamoDB unavailable');
    expect(stored('t1')).toBeUndefined();
  });
});

describe('TransactionChangeWriter with the rows a run listed (KnownRows)', () => {
  const windowFrom = '2025-02-20';
  const recent = (id: string, fields: Parameters<typeof providerTransaction>[1] = {}) => providerTransaction(id, { date: '2025-02-28', ...fields });

  /** Stores the rows, then lists the window the way the engine does for a source that re-reads it. */
  async function listedAfter(...ids: string[]): Promise<KnownRows> {
    await writer().apply({ added: ids.map((id) => recent(id)), modified: [], removed: [] });
    const known = new KnownRows();
    const listed = await store.list(connection.userId, { connectionId: connection.connectionId, dateFrom: windowFrom }, 500, null);
    known.listed(windowFrom, listed.items);
    return known;
  }

  it('checks rows the provider sends back unchanged against the listing, without reading them', async () => {
    const known = await listedAfter('t1', 't2');
    const reads = vi.spyOn(store, 'getMany');
    const writesBefore = store.writes.length;
    const changes = new TransactionChangeWriter(store, categories, connection, clock, new Set(), known);
    await changes.apply({ added: [], modified: [recent('t1'), recent('t2')], removed: [] });

    expect(reads).not.toHaveBeenCalled();
    expect(store.writes.length).toBe(writesBefore);
    expect(changes.counts).toEqual({ added: 0, modified: 0, removed: 0 });
  });

  it("reads a changed row before writing it, so an edit the user made after the listing survives; new rows are read too", async () => {
    const known = await listedAfter('t1');
    await editByUser('t1', { userCategoryId: 'user:travel', note: 'edited after the listing', categorySync: null });
    const reads = vi.spyOn(store, 'getMany');
    const changes = new TransactionChangeWriter(store, categories, connection, clock, new Set(), known);
    await changes.apply({ added: [recent('t-new')], modified: [recent('t1', { amount: '-99.00' })], removed: [] });

    expect(reads).toHaveBeenCalledTimes(1);
    expect(new Set(reads.mock.calls[0]![1])).toEqual(new Set(['t1', 't-new'].map((id) => transactionIdFor(connection.connectionId, id))));
    expect(stored('t1')).toMatchObject({ amount: '-99.00', userCategoryId: 'user:travel', note: 'edited after the listing' });
    expect(changes.counts).toEqual({ added: 1, modified: 1, removed: 0 });
  });

  it('keeps up with what the run stores and removes: a row sent again later in the run is neither read nor lost', async () => {
    const known = await listedAfter('t1', 'pending-1');
    const changes = new TransactionChangeWriter(store, categories, connection, clock, new Set(), known);
    await changes.apply({ added: [recent('t-new')], modified: [recent('t1', { amount: '-99.00' })], removed: [] });
    await changes.apply({ added: [recent('posted-1', { pendingProviderTransactionId: 'pending-1' })], modified: [], removed: [] });
    expect(stored('pending-1')).toBeUndefined();

    const reads = vi.spyOn(store, 'getMany');
    const writesBefore = store.writes.length;
    // The recent window read again: what this run stored is known as stored; the replaced pending row is not.
    await changes.apply({ added: [], modified: [recent('t-new'), recent('t1', { amount: '-99.00' }), recent('pending-1')], removed: [] });
    expect(reads.mock.calls.map((call) => call[1])).toEqual([[transactionIdFor(connection.connectionId, 'pending-1')]]);
    expect(store.writes.length - writesBefore).toBe(1);
    expect(stored('pending-1')).toBeDefined();
  });

  it('a listing made after the run stored a row does not replace what it stored', async () => {
    const known = await listedAfter('t1');
    const changes = new TransactionChangeWriter(store, categories, connection, clock, new Set(), known);
    const listedBefore = (await store.list(connection.userId, { connectionId: connection.connectionId, dateFrom: windowFrom }, 500, null)).items;
    await changes.apply({ added: [], modified: [recent('t1', { amount: '-99.00' })], removed: [] });
    // An index that lags the table still answers the old row.
    known.listed(windowFrom, listedBefore);

    const reads = vi.spyOn(store, 'getMany');
    await changes.apply({ added: [], modified: [recent('t1', { amount: '-99.00' })], removed: [] });
    expect(reads).not.toHaveBeenCalled();
    expect(changes.counts).toEqual({ added: 0, modified: 1, removed: 0 });
  });
});

