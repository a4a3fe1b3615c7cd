/**
 * Applies provider transaction changes to the store, batch by batch, idempotently:
 *
 * - added and modified are one thing, an overwriting upsert keyed by the provider transaction id, written
 *   only when the provider's data differs from what is stored (a replayed batch writes nothing);
 * - the user's own fields (category override, note, category sync state) are never overwritten by a sync;
 * - a posted transaction that names the pending one it replaces (`pending_transaction_id`) inherits that
 *   pending transaction's user fields, so an edit made while pending survives posting;
 * - removed transactions become tombstones (the change feed reports them), never plain deletes;
 * - removals are deferred to the end of the run, because the pending side of a pending→posted pair may be
 *   removed in an earlier page than the posted side is added, and its user fields are needed until then;
 * - a posted transaction whose `pending_transaction_id` names a stored row replaces that row: the pending
 *   row is deleted once the posted one (carrying its user fields) is stored. The provider does not always
 *   report that removal: a pass restarted after TRANSACTIONS_SYNC_MUTATION_DURING_PAGINATION, or a job
 *   redelivered after failing midway, resumes from the committed cursor, and a pending row that an aborted
 *   pass stored and that posted since then appeared and vanished inside the resumed window, so Plaid never
 *   lists it in `removed` (https://plaid.com/docs/api/products/transactions/#transactionssync,
 *   https://plaid.com/docs/transactions/transactions-data/#pending-and-posted-transactions).
 *
 * Each incoming row is checked against the stored one: read with BatchGetItem, or taken from the run's
 * {@link KnownRows} (the stored window a source re-reads, listed once per run), which settles the common case
 * of a row the provider sends again unchanged without a read. A row that would be written is read from the
 * table all the same, so it carries the user's fields as they are at that moment.
 */
import { transactionIdFor, accountIdFor } from '../banking/ids';
import type { Category, Connection, Transaction } from '../banking/model';
import type { CategoryStore, Clock, TransactionStore } from '../banking/ports';
import type { ChangeBatch, ProviderTransaction } from '../providers/ports';

/**
 * Stored rows of the connection dated `from` or later, as the run last read or wrote them, by transaction id:
 * filled from the stored-window listing (a Query of the date index, which returns whole rows) and kept up to
 * date with what the writer stores and removes. Only the connection's own sync runs change a row's provider
 * data, one at a time (the FIFO queue), so the provider data of a listed row is what the table holds; like
 * the BatchGetItem it stands in for, the index read is eventually consistent
 * (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/GSI.html#GSI.Reads).
 */
export class KnownRows {
  private readonly rows = new Map<string, Transaction>();
  /** Rows the run stored or removed: a listing made after that (the index lags the table) does not replace them. */
  private readonly touched = new Set<string>();
  private from: string | null = null;

  /** Rows a listing of the window from `dateFrom` returned (all of that window's live rows). */
  listed(dateFrom: string, rows: readonly Transaction[]): void {
    if (this.from === null || dateFrom < this.from) this.from = dateFrom;
    for (const row of rows) if (!this.touched.has(row.transactionId)) this.rows.set(row.transactionId, row);
  }

  get(transactionId: string): Transaction | undefined {
    return this.rows.get(transactionId);
  }

  /** Rows stored since: kept when inside the window (a source re-reads it), dropped otherwise. */
  stored(rows: readonly Transaction[]): void {
    for (const row of rows) {
      this.touched.add(row.transactionId);
      if (this.from !== null && row.date >= this.from) this.rows.set(row.transactionId, row);
      else this.rows.delete(row.transactionId);
    }
  }

  removed(transactionIds: readonly string[]): void {
    for (const id of transactionIds) {
      this.touched.add(id);
      this.rows.delete(id);
    }
  }
}

export class TransactionChangeWriter {
  readonly counts = { added: 0, modified: 0, removed: 0 };
  private deferredRemovals = new Set<string>();
  private readonly knownCategories = new Set<string>();
  /** The run's pages share change entries (the store renews one past its write budget). */
  private readonly writes: Pick<TransactionStore, 'putMany'>;

  constructor(
    private readonly store: TransactionStore,
    private readonly categories: CategoryStore,
    private readonly connection: Connection,
    private readonly clock: Clock,
    /** Provider ids of accounts the user revoked: their transactions are not stored again. */
    private readonly revokedAccounts: ReadonlySet<string> = new Set(),
    /** Stored rows the run already listed; the others are read from the store. */
    private readonly known: KnownRows = new KnownRows(),
  ) {
    this.writes = store.changeSession();
  }

  async apply(batch: ChangeBatch): Promise<void> {
    const latest = new Map<string, ProviderTransaction>();
    for (const change of [...batch.added, ...batch.modified]) {
      if (!this.revokedAccounts.has(change.providerAccountId)) latest.set(change.providerTransactionId, change);
    }
    const incoming = [...latest.values()];
    const idOf = (providerId: string) => transactionIdFor(this.connection.connectionId, providerId);
    const now = this.clock.now().toISOString();
    const stored = new Map<string, Transaction>();
    const lookups = new Set<string>();
    for (const change of incoming) {
      const id = idOf(change.providerTransactionId);
      const known = change.pendingProviderTransactionId ? undefined : this.known.get(id);
      // A listed row the provider sends unchanged: nothing to write, nothing to read.
      if (known && sameProviderData(known, this.toTransaction(change, known, known, now))) {
        stored.set(id, known);
        continue;
      }
      lookups.add(id);
      if (change.pendingProviderTransactionId) lookups.add(idOf(change.pendingProviderTransactionId));
    }
    if (lookups.size > 0) {
      for (const row of await this.store.getMany(this.connection.userId, [...lookups])) stored.set(row.transactionId, row);
    }
    const writes: Transaction[] = [];
    const replaced = new Map<string, Transaction>();
    for (const change of incoming) {
      const prior = stored.get(idOf(change.providerTransactionId));
      const pendingPredecessor =
        change.pendingProviderTransactionId && change.pendingProviderTransactionId !== change.providerTransactionId
          ? stored.get(idOf(change.pendingProviderTransactionId))
          : undefined;
      // Checked even when the posted row is already stored: a run that died between the two writes left it behind.
      if (pendingPredecessor && !latest.has(pendingPredecessor.providerTransactionId)) {
        replaced.set(pendingPredecessor.transactionId, pendingPredecessor);
      }
      const next = this.toTransaction(change, prior ?? pendingPredecessor, prior, now);
      if (prior && sameProviderData(prior, next)) continue;
      writes.push(next);
      if (prior) this.counts.modified += 1;
      else this.counts.added += 1;
    }
    await this.writes.putMany(writes);
    this.known.stored(writes);
    await this.registerCategories(writes, now);
    // Only after the posted rows (with the pending rows' user fields) are stored; as tombstones, so the change
    // feed tells clients the pending row is gone.
    if (replaced.size > 0) {
      await this.store.removeMany([...replaced.values()]);
      this.known.removed([...replaced.keys()]);
      this.counts.removed += replaced.size;
    }
    for (const providerId of batch.removed) this.deferredRemovals.add(providerId);
  }

  /** The provider restarted pagination: the replay will resend removals, so forget the ones seen so far. */
  restart(): void {
    this.deferredRemovals = new Set();
  }

  async finish(): Promise<void> {
    const ids = [...this.deferredRemovals].map((providerId) => transactionIdFor(this.connection.connectionId, providerId));
    if (ids.length === 0) return;
    const present = await this.store.getMany(this.connection.userId, ids);
    await this.store.removeMany(present);
    this.known.removed(present.map((row) => row.transactionId));
    this.counts.removed += present.length;
    this.deferredRemovals = new Set();
  }

  private toTransaction(
    change: ProviderTransaction,
    userFieldsFrom: Transaction | undefined,
    prior: Transaction | undefined,
    now: string,
  ): Transaction {
    return {
      userId: this.connection.userId,
      transactionId: transactionIdFor(this.connection.connectionId, change.providerTransactionId),
      connectionId: this.connection.connectionId,
      accountId: accountIdFor(this.connection.connectionId, change.providerAccountId),
      provider: this.connection.provider,
      providerTransactionId: change.providerTransactionId,
      amount: change.amount,
      currency: change.currency,
      date: change.date,
      authorizedDate: change.authorizedDate,
      description: change.description,
      merchantName: change.merchantName,
      pending: change.pending,
      pendingProviderTransactionId: change.pendingProviderTransactionId,
      providerCategory: change.category,
      userCategoryId: userFieldsFrom?.userCategoryId ?? null,
      note: userFieldsFrom?.note ?? null,
      categorySync: userFieldsFrom?.categorySync ?? null,
      createdAt: prior?.createdAt ?? now,
      updatedAt: now,
    };
  }

  /** Provider categories become part of the catalog the first time a transaction uses them. */
  private async registerCategories(written: readonly Transaction[], now: string): Promise<void> {
    const fresh = new Map<string, Category>();
    for (const transaction of written) {
      const category = transaction.providerCategory;
      if (!category || this.knownCategories.has(category.id)) continue;
      this.knownCategories.add(category.id);
      fresh.set(category.id, {
        categoryId: category.id,
        name: category.name ?? category.id,
        source: this.connection.provider,
        parentId: null,
        userId: null,
        createdAt: now,
        updatedAt: now,
      });
    }
    if (fresh.size > 0) await this.categories.addToProviderCatalog(this.connection.provider, [...fresh.values()]);
  }
}

function sameProviderData(a: Transaction, b: Transaction): boolean {
  return (
    a.accountId === b.accountId &&
    a.amount === b.amount &&
    a.currency === b.currency &&
    a.date === b.date &&
    a.authorizedDate === b.authorizedDate &&
    a.description === b.description &&
    a.merchantName === b.merchantName &&
    a.pending === b.pending &&
    a.pendingProviderTransactionId === b.pendingProviderTransactionId &&
    a.providerCategory?.id === b.providerCategory?.id &&
    a.providerCategory?.name === b.providerCategory?.name
  );
}
