/**
 * In-memory implementations of the storage, queue, vault and clock ports (`shared/banking/ports.ts`), for
 * unit tests of the use-cases without the emulator. They keep the contracts the DynamoDB adapters keep
 * (optimistic `save`, guard rows that refuse duplicates, conditional leases, all-or-nothing user edits), so
 * a use-case that relies on one of them is tested against the same promise. Paging is by offset: a cursor
 * is the index of the next row.
 */
import type {
  Account,
  Category,
  Connection,
  EncryptedSecret,
  ItemGuard,
  PendingSync,
  Provider,
  RemovedTransaction,
  SyncRun,
  Transaction,
  FeedPosition,
  TransactionChange,
  WebhookEvent,
} from '../../../shared/banking/model';
import { effectiveCategoryId } from '../../../shared/banking/model';
import type {
  AccountStore,
  CachedProviderKey,
  CategoryStore,
  Clock,
  ConnectionRef,
  ConnectionStore,
  DueClaim,
  DueConnection,
  DueConnectionIndex,
  DueLeaseOutcome,
  Page,
  ProviderKeyStore,
  ProviderWriteJob,
  ProviderWriteQueue,
  SyncJob,
  SyncJobQueue,
  SyncRunStore,
  TokenContext,
  TokenVault,
  TransactionFilter,
  TransactionChangeFeed,
  TransactionStore,
  WebhookEventJob,
  WebhookEventQueue,
  WebhookEventStore,
} from '../../../shared/banking/ports';
import { dueShardOf } from '../../../shared/adapters/dynamodb/entities/connection';
import { ConflictError, ItemAlreadyExistsError, NotFoundError } from '../../../shared/errors/app-error';

function page<T>(rows: readonly T[], cursor: string | null, limit: number): Page<T> {
  const start = cursor ? Number(cursor) : 0;
  const items = rows.slice(start, start + limit);
  return { items, nextCursor: start + limit < rows.length ? String(start + limit) : null };
}

export class TestClock implements Clock {
  constructor(private current: Date = new Date('2025-03-01T12:00:00.000Z')) {}
  now(): Date {
    return new Date(this.current);
  }
  set(iso: string): void {
    this.current = new Date(iso);
  }
  advanceSeconds(seconds: number): void {
    this.current = new Date(this.current.getTime() + seconds * 1000);
  }
  get epochSeconds(): number {
    return Math.floor(this.current.getTime() / 1000);
  }
}

export class InMemoryConnectionStore implements ConnectionStore, DueConnectionIndex {
  readonly rows = new Map<string, Connection>();
  readonly guards = new Map<string, ItemGuard>();
  saves = 0;
  /** Calls of `findByProviderItem` (the item-pointer Query a webhook receipt makes). */
  itemLookups = 0;
  /** Makes the next N saves fail as if another writer got there first. */
  conflictsToInject = 0;
  /** Called before every `save`, e.g. to delete the connection while a sync runs. */
  beforeSave?: (connection: Connection) => void;

  constructor(...connections: Connection[]) {
    for (const connection of connections) this.rows.set(connection.connectionId, connection);
  }

  private guardKey(guard: Pick<ItemGuard, 'userId' | 'provider' | 'institutionId' | 'fingerprint'>): string {
    return [guard.userId, guard.provider, guard.institutionId, guard.fingerprint].join('#');
  }

  async get(userId: string, connectionId: string): Promise<Connection | null> {
    const row = this.rows.get(connectionId);
    return row && row.userId === userId ? row : null;
  }

  async listByUser(userId: string): Promise<Connection[]> {
    return [...this.rows.values()].filter((row) => row.userId === userId);
  }

  async findByProviderItem(provider: Provider, providerItemId: string): Promise<ConnectionRef | null> {
    this.itemLookups += 1;
    const row = [...this.rows.values()].find((candidate) => candidate.provider === provider && candidate.providerItemId === providerItemId);
    return row ? { userId: row.userId, connectionId: row.connectionId } : null;
  }

  async createWithAccounts(connection: Connection, _accounts: readonly Account[], guards: readonly ItemGuard[]): Promise<void> {
    if (this.rows.has(connection.connectionId)) throw new ConflictError('CONNECTION_EXISTS', 'connection exists');
    if (guards.some((guard) => this.guards.has(this.guardKey(guard)))) throw new ItemAlreadyExistsError();
    for (const guard of guards) this.guards.set(this.guardKey(guard), guard);
    this.rows.set(connection.connectionId, connection);
    this.createdAccounts.push(..._accounts);
  }
  /** Accounts written together with a new connection (an account store sees them only via `accountsCreatedWith`). */
  readonly createdAccounts: Account[] = [];

  async findGuards(userId: string, provider: Provider, institutionId: string, fingerprints: readonly string[]): Promise<ItemGuard[]> {
    return fingerprints
      .map((fingerprint) => this.guards.get(this.guardKey({ userId, provider, institutionId, fingerprint })))
      .filter((guard): guard is ItemGuard => guard !== undefined);
  }

  async save(connection: Connection, expectedUpdatedAt: string): Promise<void> {
    this.beforeSave?.(connection);
    const current = this.rows.get(connection.connectionId);
    if (!current) throw new NotFoundError('connection');
    if (this.conflictsToInject > 0) {
      this.conflictsToInject -= 1;
      // Another writer's change lands first (it bumps the version we read).
      this.rows.set(current.connectionId, { ...current, updatedAt: new Date(Date.parse(current.updatedAt) + 1).toISOString() });
      throw new ConflictError('CONCURRENT_UPDATE', 'connection changed');
    }
    if (current.updatedAt !== expectedUpdatedAt) throw new ConflictError('CONCURRENT_UPDATE', 'connection changed');
    this.saves += 1;
    this.rows.set(connection.connectionId, connection);
  }

  async claimPendingSync(userId: string, connectionId: string, pendingSync: PendingSync, staleBefore: string) {
    const current = await this.get(userId, connectionId);
    if (!current) throw new NotFoundError('connection');
    if (current.pendingSync && current.pendingSync.requestedAt >= staleBefore) {
      return { claimed: false, pending: current.pendingSync };
    }
    this.rows.set(connectionId, { ...current, pendingSync, updatedAt: pendingSync.requestedAt });
    return { claimed: true, pending: pendingSync };
  }

  async joinPendingSync(userId: string, connectionId: string, syncRunId: string, joinedAt: string) {
    const current = await this.get(userId, connectionId);
    if (current?.pendingSync?.syncRunId !== syncRunId) return false;
    this.rows.set(connectionId, { ...current, pendingSync: { ...current.pendingSync, joinedAt }, updatedAt: joinedAt });
    return true;
  }

  async releasePendingSync(userId: string, connectionId: string, syncRunId: string, now: string) {
    const current = await this.get(userId, connectionId);
    if (current?.pendingSync?.syncRunId === syncRunId) this.rows.set(connectionId, { ...current, pendingSync: null, updatedAt: now });
  }

  async delete(connection: Connection): Promise<void> {
    this.rows.delete(connection.connectionId);
    for (const [key, guard] of this.guards) if (guard.connectionId === connection.connectionId) this.guards.delete(key);
  }

  // DueConnectionIndex. Rows are spread over `dueShardCount` shards the way the DynamoDB store spreads them.
  dueShardCount = 1;
  /** Lease writes that fail (as if throttled), by connection id; those connections stay due. */
  readonly leaseFailuresFor = new Set<string>();
  /** Called after a page of the due index was read, e.g. to change a connection before it is leased. */
  afterListDue?: (page: Page<DueConnection>) => void;
  /** Claim marks of the due index by shard, oldest first (`claimDueWindow`). */
  readonly dueClaims = new Map<number, string[]>();

  /**
   * Paged like a DynamoDB query of the due index: the cursor is the sort key (`<nextSyncAt>#<connectionId>`)
   * of the last row returned, not an offset, so rows leased out of the window since do not shift the pages.
   * Returns what the index projects, not the whole row.
   */
  async listDue(shard: number, dueAfter: string | null, dueBefore: string, cursor: string | null, limit: number): Promise<Page<DueConnection>> {
    if (!Number.isInteger(shard) || shard < 0 || shard >= this.dueShardCount) throw new Error(`no shard ${shard}`);
    const sortKey = (row: DueConnection) => `${row.nextSyncAt}#${row.connectionId}`;
    const due = [...this.rows.values()]
      .filter((row) => row.nextSyncAt !== null && row.nextSyncAt <= dueBefore && (dueAfter === null || row.nextSyncAt > dueAfter))
      .filter((row) => dueShardOf(row.connectionId, this.dueShardCount) === shard)
      .filter((row) => cursor === null || sortKey(row) > cursor)
      .sort((a, b) => sortKey(a).localeCompare(sortKey(b)))
      .map(({ userId, connectionId, provider, institution, status, nextSyncAt }): DueConnection => ({ userId, connectionId, provider, institution, status, nextSyncAt }));
    const items = due.slice(0, limit);
    const result = { items, nextCursor: due.length > limit ? sortKey(items[items.length - 1] as DueConnection) : null };
    this.afterListDue?.(result);
    return result;
  }

  async claimDueWindow(shard: number, until: string, overdueBefore: string): Promise<DueClaim | 'taken'> {
    const marks = this.dueClaims.get(shard) ?? [];
    const after = marks.at(-1) ?? null;
    if (after !== null && after >= until) return 'taken';
    const overdueUntil = marks.filter((mark) => mark <= overdueBefore).at(-1) ?? null;
    this.dueClaims.set(shard, [...marks, until]);
    return { after, overdueUntil };
  }

  async claimDueWindows(shards: readonly number[], until: string, overdueBefore: string): Promise<PromiseSettledResult<DueClaim | 'taken'>[]> {
    return Promise.allSettled(shards.map((shard) => this.claimDueWindow(shard, until, overdueBefore)));
  }

  async leaseDue(due: readonly DueConnection[], leaseUntil: string): Promise<DueLeaseOutcome> {
    const leased: DueConnection[] = [];
    let changed = 0;
    let failed = 0;
    for (const read of due) {
      if (this.leaseFailuresFor.has(read.connectionId)) {
        failed += 1;
        continue;
      }
      const current = this.rows.get(read.connectionId);
      if (!current || current.nextSyncAt !== read.nextSyncAt) {
        changed += 1;
        continue;
      }
      const next = { ...current, nextSyncAt: leaseUntil };
      this.rows.set(current.connectionId, next);
      leased.push(next);
    }
    return { leased, changed, failed, firstFailure: failed > 0 ? new Error('ThrottlingException') : undefined };
  }

  async dropFromDueIndex(waiting: readonly DueConnection[]): Promise<number> {
    let dropped = 0;
    for (const read of waiting) {
      const current = this.rows.get(read.connectionId);
      if (current && current.nextSyncAt !== null) {
        this.rows.set(current.connectionId, { ...current, nextSyncAt: null });
        dropped += 1;
      }
    }
    return dropped;
  }
}

export class InMemoryAccountStore implements AccountStore {
  readonly rows = new Map<string, Account>();
  async get(userId: string, accountId: string): Promise<Account | null> {
    const row = this.rows.get(accountId);
    return row && row.userId === userId ? row : null;
  }
  async listByUser(userId: string): Promise<Account[]> {
    return [...this.rows.values()].filter((row) => row.userId === userId);
  }
  async listByConnection(userId: string, connectionId: string): Promise<Account[]> {
    return [...this.rows.values()].filter((row) => row.userId === userId && row.connectionId === connectionId);
  }
  async putMany(accounts: readonly Account[]): Promise<void> {
    for (const account of accounts) this.rows.set(account.accountId, account);
  }
  async deleteMany(accounts: readonly Account[]): Promise<void> {
    for (const account of accounts) this.rows.delete(account.accountId);
  }
}

export class InMemoryTransactionStore implements TransactionStore, TransactionChangeFeed {
  readonly rows = new Map<string, Transaction>();
  /** Rows written by `putMany`, in order, replays included (a replay that writes nothing adds nothing). */
  readonly writes: Transaction[] = [];
  /** Makes the next N `putMany` calls fail (a throttled table). */
  failuresToInject = 0;

  private key(userId: string, transactionId: string): string {
    return `${userId}#${transactionId}`;
  }
  async get(userId: string, transactionId: string): Promise<Transaction | null> {
    return this.rows.get(this.key(userId, transactionId)) ?? null;
  }
  async getMany(userId: string, transactionIds: readonly string[]): Promise<Transaction[]> {
    return [...new Set(transactionIds)].map((id) => this.rows.get(this.key(userId, id))).filter((row): row is Transaction => row !== undefined);
  }
  async list(userId: string, filter: TransactionFilter, limit: number, cursor: string | null): Promise<Page<Transaction>> {
    const rows = [...this.rows.values()]
      .filter((row) => row.userId === userId)
      .filter((row) => filter.accountId === undefined || row.accountId === filter.accountId)
      .filter((row) => filter.connectionId === undefined || row.connectionId === filter.connectionId)
      .filter((row) => filter.dateFrom === undefined || row.date >= filter.dateFrom)
      .filter((row) => filter.dateTo === undefined || row.date <= filter.dateTo)
      .filter((row) => filter.pending === undefined || row.pending === filter.pending)
      .filter((row) => filter.categoryId === undefined || effectiveCategoryId(row) === filter.categoryId)
      .sort((a, b) => b.date.localeCompare(a.date) || a.transactionId.localeCompare(b.transactionId));
    return page(rows, cursor, limit);
  }
  async putMany(transactions: readonly Transaction[]): Promise<void> {
    if (this.failuresToInject > 0) {
      this.failuresToInject -= 1;
      throw new Error('DynamoDB unavailable');
    }
    for (const transaction of transactions) {
      const key = this.key(transaction.userId, transaction.transactionId);
      this.rows.set(key, transaction);
      this.tombstones.delete(key);
      this.stamp(transaction.userId, transaction.transactionId);
    }
    this.writes.push(...transactions);
  }
  /** Every write is its own change here, so a session is the store itself. */
  changeSession(): Pick<TransactionStore, 'putMany'> {
    return { putMany: (transactions) => this.putMany(transactions) };
  }
  /** Tombstones of removed transactions, by the same key as `rows`. */
  readonly tombstones = new Map<string, RemovedTransaction>();
  /** The change key of each live row or tombstone: a counter stands in for the store's time stamps. */
  private readonly changeKeys = new Map<string, string>();
  private changeCounter = 0;

  private stamp(userId: string, transactionId: string): void {
    this.changeCounter += 1;
    this.changeKeys.set(this.key(userId, transactionId), `${String(this.changeCounter).padStart(12, '0')}#${transactionId}`);
  }
  async removeMany(transactions: readonly Transaction[]): Promise<void> {
    for (const transaction of transactions) {
      const key = this.key(transaction.userId, transaction.transactionId);
      this.rows.delete(key);
      this.tombstones.set(key, {
        userId: transaction.userId,
        transactionId: transaction.transactionId,
        connectionId: transaction.connectionId,
        accountId: transaction.accountId,
        removedAt: new Date(0).toISOString(),
      });
      this.stamp(transaction.userId, transaction.transactionId);
    }
  }
  /** Each write is its own entry here: the counter stands for the entry id, `i<id>` for the place in it. */
  async listChanges(
    userId: string,
    range: { after: FeedPosition | null; upTo: string; limit: number; connectionId?: string },
  ): Promise<{ changes: TransactionChange[]; hasMore: boolean; reached: FeedPosition }> {
    const changes: TransactionChange[] = [];
    const isAfter = (position: FeedPosition) =>
      range.after === null ||
      position.entry > range.after.entry ||
      (position.entry === range.after.entry && range.after.inner !== null && (position.inner ?? '') > range.after.inner);
    for (const [key, changeKey] of this.changeKeys) {
      if (!key.startsWith(`${userId}#`)) continue;
      const [entry, transactionId] = changeKey.split('#') as [string, string];
      const position = { entry, inner: `i${transactionId}` };
      if (!isAfter(position) || entry > range.upTo) continue;
      const live = this.rows.get(key);
      const tombstone = this.tombstones.get(key);
      if (live && (!range.connectionId || live.connectionId === range.connectionId)) {
        changes.push({ kind: 'live', position, transaction: live });
      } else if (tombstone && (!range.connectionId || tombstone.connectionId === range.connectionId)) {
        changes.push({ kind: 'removed', position, removal: tombstone });
      }
    }
    changes.sort((a, b) => a.position.entry.localeCompare(b.position.entry) || (a.position.inner ?? '').localeCompare(b.position.inner ?? ''));
    const page = changes.slice(0, range.limit);
    const hasMore = changes.length > range.limit;
    return { changes: page, hasMore, reached: hasMore ? page.at(-1)!.position : { entry: range.upTo, inner: null } };
  }
  async deleteMany(transactions: readonly Pick<Transaction, 'userId' | 'transactionId'>[]): Promise<void> {
    for (const transaction of transactions) {
      const key = this.key(transaction.userId, transaction.transactionId);
      this.rows.delete(key);
      this.tombstones.delete(key);
      this.changeKeys.delete(key);
    }
  }
  async listByConnection(userId: string, connectionId: string, cursor: string | null): Promise<Page<Transaction>> {
    return page([...this.rows.values()].filter((row) => row.userId === userId && row.connectionId === connectionId), cursor, 100);
  }
  async isUserCategoryInUse(userId: string, categoryId: string): Promise<boolean> {
    return [...this.rows.values()].some((row) => row.userId === userId && row.userCategoryId === categoryId);
  }
  async listByUserCategory(userId: string, categoryId: string, cursor: string | null): Promise<Page<Transaction>> {
    return page([...this.rows.values()].filter((row) => row.userId === userId && row.userCategoryId === categoryId), cursor, 100);
  }
  async updateUserFields(
    userId: string,
    edits: readonly { transactionId: string; userCategoryId?: string | null; note?: string | null; categorySync?: Transaction['categorySync'] }[],
    now: string,
  ): Promise<Transaction[]> {
    const current = edits.map((edit) => this.rows.get(this.key(userId, edit.transactionId)));
    if (current.some((row) => row === undefined)) throw new NotFoundError('transaction');
    const updated = edits.map((edit, index) => {
      const { transactionId: _id, ...fields } = edit;
      return { ...(current[index] as Transaction), ...fields, updatedAt: now };
    });
    for (const row of updated) {
      this.rows.set(this.key(userId, row.transactionId), row);
      this.stamp(userId, row.transactionId);
    }
    return updated;
  }
}

export class InMemorySyncRunStore implements SyncRunStore {
  readonly runs: SyncRun[] = [];
  async put(run: SyncRun): Promise<void> {
    this.runs.push(run);
  }
  async get(connectionId: string, syncRunId: string): Promise<SyncRun | null> {
    return this.runs.findLast((run) => run.connectionId === connectionId && run.syncRunId === syncRunId) ?? null;
  }
  /** The latest version of each run, newest first; with `fromRunId`, runs whose ids sort at or after it. */
  async listByConnection(connectionId: string, limit: number, cursor: string | null, fromRunId?: string): Promise<Page<SyncRun>> {
    const latest = new Map<string, SyncRun>();
    for (const run of this.runs) if (run.connectionId === connectionId) latest.set(run.syncRunId, run);
    const listed = [...latest.values()].reverse().filter((run) => fromRunId === undefined || run.syncRunId >= fromRunId);
    return page(listed, cursor, limit);
  }
  async deleteByConnection(connectionId: string): Promise<void> {
    for (let index = this.runs.length - 1; index >= 0; index -= 1) if (this.runs[index]!.connectionId === connectionId) this.runs.splice(index, 1);
  }
}

export class InMemoryCategoryStore implements CategoryStore {
  readonly catalog = new Map<string, Category>();
  readonly userCategories = new Map<string, Category>();
  async listProviderCatalog(provider: Provider): Promise<Category[]> {
    return [...this.catalog.values()].filter((category) => category.source === provider);
  }
  async putProviderCatalog(_provider: Provider, categories: readonly Category[]): Promise<void> {
    for (const category of categories) this.catalog.set(category.categoryId, category);
  }
  async addToProviderCatalog(_provider: Provider, categories: readonly Category[]): Promise<void> {
    for (const category of categories) if (!this.catalog.has(category.categoryId)) this.catalog.set(category.categoryId, category);
  }
  async listUserCategories(userId: string): Promise<Category[]> {
    return [...this.userCategories.values()].filter((category) => category.userId === userId);
  }
  async getUserCategory(userId: string, categoryId: string): Promise<Category | null> {
    const category = this.userCategories.get(categoryId);
    return category && category.userId === userId ? category : null;
  }
  async getProviderCategory(categoryId: string): Promise<Category | null> {
    return this.catalog.get(categoryId) ?? null;
  }
  async createUserCategory(category: Category): Promise<void> {
    const taken = [...this.userCategories.values()].some(
      (other) => other.userId === category.userId && other.name.toLowerCase() === category.name.toLowerCase(),
    );
    if (taken) throw new ConflictError('CATEGORY_NAME_TAKEN', 'A category with this name already exists');
    this.userCategories.set(category.categoryId, category);
  }
  async renameUserCategory(category: Category): Promise<void> {
    this.userCategories.set(category.categoryId, category);
  }
  async deleteUserCategory(category: Category): Promise<void> {
    this.userCategories.delete(category.categoryId);
  }
}

export class InMemoryWebhookEventStore implements WebhookEventStore {
  /** `listed`: saved at least once, as the DynamoDB store lists only those (see `listByConnection`). */
  readonly rows = new Map<string, { event: WebhookEvent; expiresAt: number; listed: boolean }>();

  private key(provider: Provider, eventId: string): string {
    return `${provider}#${eventId}`;
  }
  async storeUnlessSeen(event: WebhookEvent, expiresAtEpochSeconds: number, replaceReceivedBefore: string | null): Promise<WebhookEvent | null> {
    const seen = this.rows.get(this.key(event.provider, event.eventId));
    if (seen && (replaceReceivedBefore === null || seen.event.receivedAt >= replaceReceivedBefore)) return seen.event;
    this.rows.set(this.key(event.provider, event.eventId), { event, expiresAt: expiresAtEpochSeconds, listed: false });
    return null;
  }
  async get(provider: Provider, eventId: string): Promise<WebhookEvent | null> {
    return this.rows.get(this.key(provider, eventId))?.event ?? null;
  }
  async save(event: WebhookEvent): Promise<void> {
    const key = this.key(event.provider, event.eventId);
    const row = this.rows.get(key);
    if (!row || row.event.receivedAt !== event.receivedAt) throw new NotFoundError('webhook event');
    this.rows.set(key, { ...row, event, listed: true });
  }
  async listByConnection(connectionId: string, limit: number, cursor: string | null): Promise<Page<WebhookEvent>> {
    const listed = [...this.rows.values()].filter((row) => row.listed && row.event.connectionId === connectionId);
    return page(listed.map((row) => row.event), cursor, limit);
  }
  all(): WebhookEvent[] {
    return [...this.rows.values()].map((row) => row.event);
  }
}

export class InMemoryProviderKeyStore implements ProviderKeyStore {
  readonly rows = new Map<string, CachedProviderKey>();
  async get(provider: Provider, clientDigest: string): Promise<CachedProviderKey | null> {
    return this.rows.get(`${provider}#${clientDigest}`) ?? null;
  }
  async put(key: CachedProviderKey): Promise<void> {
    this.rows.set(`${key.provider}#${key.clientDigest}`, key);
  }
}

/**
 * A vault that "encrypts" by encoding the plaintext with its context, and refuses to decrypt with another
 * context, the way KMS refuses a ciphertext whose encryption context differs.
 */
export class FakeTokenVault implements TokenVault {
  readonly contexts: TokenContext[] = [];
  async encrypt(plaintext: string, context: TokenContext): Promise<EncryptedSecret> {
    this.contexts.push(context);
    const sealed = JSON.stringify({ plaintext, context: contextParts(context) });
    return { ciphertext: Buffer.from(sealed).toString('base64'), keyId: 'fake-key', contextVersion: 1 };
  }
  async decrypt(secret: EncryptedSecret, context: TokenContext): Promise<string> {
    const sealed = JSON.parse(Buffer.from(secret.ciphertext, 'base64').toString()) as { plaintext: string; context: string[] };
    if (sealed.context.join('#') !== contextParts(context).join('#')) {
      throw new Error('InvalidCiphertextException: encryption context does not match');
    }
    return sealed.plaintext;
  }
}

class RecordingQueue<Job> {
  readonly sent: Job[] = [];
  failuresToInject = 0;
  protected record(jobs: readonly Job[]): void {
    if (this.failuresToInject > 0) {
      this.failuresToInject -= 1;
      throw new Error('SQS unavailable');
    }
    this.sent.push(...jobs);
  }
}

export class RecordingSyncQueue extends RecordingQueue<SyncJob> implements SyncJobQueue {
  async enqueue(jobs: readonly SyncJob[]): Promise<void> {
    this.record(jobs);
  }
}

export class RecordingWebhookQueue extends RecordingQueue<WebhookEventJob> implements WebhookEventQueue {
  async enqueue(job: WebhookEventJob): Promise<void> {
    this.record([job]);
  }
}

export class RecordingProviderWriteQueue extends RecordingQueue<ProviderWriteJob> implements ProviderWriteQueue {
  async enqueue(jobs: readonly ProviderWriteJob[]): Promise<void> {
    this.record(jobs);
  }
}

function contextParts(context: TokenContext): string[] {
  return 'purpose' in context ? [context.purpose, context.provider] : [context.userId, context.connectionId, context.provider];
}
