/**
 * Ports: what the use-cases need from the outside world. The DynamoDB, KMS, SQS and provider adapters in
 * `shared/adapters/` implement them; the use-cases never import an SDK.
 */
import type {
  Account,
  Category,
  Connection,
  EncryptedSecret,
  ItemGuard,
  PendingSync,
  Provider,
  SyncRun,
  SyncTrigger,
  Transaction,
  FeedPosition,
  TransactionChange,
  WebhookEvent,
} from './model';

/** One page of a newest-first listing; `nextCursor` is opaque to callers and null on the last page. */
export interface Page<T> {
  readonly items: readonly T[];
  readonly nextCursor: string | null;
}

/** What identifies a stored connection: its owner and its id (the connection's primary key). */
export interface ConnectionRef {
  readonly userId: string;
  readonly connectionId: string;
}

/**
 * Reading connections. Its own port (the store below extends it) so that a function that only reads takes
 * this and its bundle carries none of the store's writes.
 */
export interface ConnectionReader {
  get(userId: string, connectionId: string): Promise<Connection | null>;
  listByUser(userId: string): Promise<Connection[]>;
  /**
   * The keys of the connection of a provider item (webhooks name the item, not the user); null when no
   * connection has it. Read the row itself with {@link get} when more than the keys is needed.
   */
  findByProviderItem(provider: Provider, providerItemId: string): Promise<ConnectionRef | null>;
}

export interface ConnectionStore extends ConnectionReader {
  /**
   * Writes a new connection, its accounts and its duplicate-item guards in one DynamoDB transaction.
   * Throws `ItemAlreadyExistsError` when any guard row already exists.
   */
  createWithAccounts(connection: Connection, accounts: readonly Account[], guards: readonly ItemGuard[]): Promise<void>;
  /**
   * The guard rows that already exist among these fingerprints of (user, provider, institution): the
   * read-side duplicate check before a public token is exchanged. Empty when none is taken.
   */
  findGuards(userId: string, provider: Provider, institutionId: string, fingerprints: readonly string[]): Promise<ItemGuard[]>;
  /** Replaces the stored connection; fails with a ConflictError if `updatedAt` changed since it was read. */
  save(connection: Connection, expectedUpdatedAt: string): Promise<void>;
  /**
   * Marks `pendingSync` as the connection's next sync unless another one is already pending (and was asked
   * for after `staleBefore`). One conditional write, so concurrent requests agree on a single winner.
   * Returns the sync that is pending afterwards: the new one when claimed, the earlier one otherwise.
   */
  claimPendingSync(
    userId: string,
    connectionId: string,
    pendingSync: PendingSync,
    staleBefore: string,
  ): Promise<{ claimed: boolean; pending: PendingSync }>;
  /**
   * Notes on the pending sync that a request joined it at `joinedAt`, if it is still `syncRunId`; false when
   * it is not (it started or ended meanwhile). Moves the connection's version, so a run holding an older copy
   * reads the note before it writes.
   */
  joinPendingSync(userId: string, connectionId: string, syncRunId: string, joinedAt: string): Promise<boolean>;
  /** Forgets the pending sync if it is still `syncRunId` (its job could not be queued). */
  releasePendingSync(userId: string, connectionId: string, syncRunId: string, now: string): Promise<void>;
  /** Removes the connection row and its guard rows together. */
  delete(connection: Connection): Promise<void>;
}

export interface AccountStore {
  get(userId: string, accountId: string): Promise<Account | null>;
  listByUser(userId: string): Promise<Account[]>;
  listByConnection(userId: string, connectionId: string): Promise<Account[]>;
  /** Upserts (batched, unprocessed items retried); used by sync to refresh balances and add accounts. */
  putMany(accounts: readonly Account[]): Promise<void>;
  deleteMany(accounts: readonly Account[]): Promise<void>;
}

export interface TransactionFilter {
  readonly accountId?: string;
  readonly connectionId?: string;
  /** Inclusive `YYYY-MM-DD` bounds. */
  readonly dateFrom?: string;
  readonly dateTo?: string;
  readonly pending?: boolean;
  /** Matches the effective category (user override first, provider category otherwise). */
  readonly categoryId?: string;
}

/** Reading live transactions (a tombstone reads as absent); the store below extends it, as for connections. */
export interface TransactionReader {
  get(userId: string, transactionId: string): Promise<Transaction | null>;
  getMany(userId: string, transactionIds: readonly string[]): Promise<Transaction[]>;
  list(userId: string, filter: TransactionFilter, limit: number, cursor: string | null): Promise<Page<Transaction>>;
}

/** The change feed of the user's transactions, which the store's writes append to. */
export interface TransactionChangeFeed {
  /**
   * The user's changes after position `after` (null: from the first), in entries stamped no later than
   * `upTo`, oldest first, at most `limit`; optionally one connection's only. `hasMore` says whether the range
   * holds more; `reached` is the position up to which everything was examined (the next read starts there).
   */
  listChanges(
    userId: string,
    range: { after: FeedPosition | null; upTo: string; limit: number; connectionId?: string },
  ): Promise<{ changes: TransactionChange[]; hasMore: boolean; reached: FeedPosition }>;
}

export interface TransactionStore extends TransactionReader {
  /** Upserts by key (batched, unprocessed items retried with backoff); the write is a change at the feed's end. */
  putMany(transactions: readonly Transaction[]): Promise<void>;
  /** Replaces transactions the provider removed by tombstones (the change feed reports them as removed). */
  removeMany(transactions: readonly Transaction[]): Promise<void>;
  /**
   * Upserts for one writer's run of consecutive writes (a sync run's pages, one after another): writes made
   * through the returned handle may share one change entry while it is within its write budget, instead of
   * one entry per write.
   */
  changeSession(): Pick<TransactionStore, 'putMany'>;
  /** Deletes rows outright, tombstones included (purge of a deleted connection). */
  deleteMany(transactions: readonly Pick<Transaction, 'userId' | 'transactionId'>[]): Promise<void>;
  /** Every row of a connection, tombstones included (for purge), page by page. */
  listByConnection(
    userId: string,
    connectionId: string,
    cursor: string | null,
  ): Promise<Page<Pick<Transaction, 'userId' | 'transactionId'>>>;
  /** Whether any transaction of the user has this category as its user override. */
  isUserCategoryInUse(userId: string, categoryId: string): Promise<boolean>;
  /** Transactions whose user override is this category, page by page (for reassignment). */
  listByUserCategory(userId: string, categoryId: string, cursor: string | null): Promise<Page<Transaction>>;
  /**
   * Applies user edits (category and/or note) to many transactions atomically, each conditional on the
   * transaction still existing; all or nothing. An edit keeps the transaction's `createdAt`; its `updatedAt`
   * becomes the edit's time: `now`, or the store's own stamp of the edit where the store stamps its changes
   * itself (DynamoDB: the edit's change entry), which is the same instant up to the request's latency.
   */
  updateUserFields(
    userId: string,
    edits: readonly {
      transactionId: string;
      userCategoryId?: string | null;
      note?: string | null;
      categorySync?: Transaction['categorySync'];
    }[],
    now: string,
  ): Promise<Transaction[]>;
}

export interface SyncRunStore {
  put(run: SyncRun): Promise<void>;
  get(connectionId: string, syncRunId: string): Promise<SyncRun | null>;
  /**
   * Runs of a connection, newest first; with `fromRunId`, only runs whose ids sort at or after it (run ids
   * sort by when the run was requested: `firstSyncRunIdAt` in `ids.ts`).
   */
  listByConnection(connectionId: string, limit: number, cursor: string | null, fromRunId?: string): Promise<Page<SyncRun>>;
  deleteByConnection(connectionId: string): Promise<void>;
}

export interface CategoryStore {
  listProviderCatalog(provider: Provider): Promise<Category[]>;
  putProviderCatalog(provider: Provider, categories: readonly Category[]): Promise<void>;
  /** Adds the entries the catalog does not have yet; an entry already there (with its name) is left as it is. */
  addToProviderCatalog(provider: Provider, categories: readonly Category[]): Promise<void>;
  listUserCategories(userId: string): Promise<Category[]>;
  getUserCategory(userId: string, categoryId: string): Promise<Category | null>;
  getProviderCategory(categoryId: string): Promise<Category | null>;
  /** Conditional on the name being free for this user (case-insensitive); ConflictError otherwise. */
  createUserCategory(category: Category): Promise<void>;
  renameUserCategory(category: Category, previousName: string): Promise<void>;
  deleteUserCategory(category: Category): Promise<void>;
}

export interface WebhookEventStore {
  /**
   * Stores the event unless an event of the same provider and id is stored, in one conditional write; returns
   * null when stored, otherwise the stored event that made this one a duplicate. With `replaceReceivedBefore`,
   * a stored event received before that time does not count: the new one replaces it (content-derived ids,
   * whose same bytes arriving later are a new event).
   */
  storeUnlessSeen(event: WebhookEvent, expiresAtEpochSeconds: number, replaceReceivedBefore: string | null): Promise<WebhookEvent | null>;
  get(provider: Provider, eventId: string): Promise<WebhookEvent | null>;
  /**
   * The connection's events newest first, among those saved at least once: an event only stored (still
   * queued, or dead-lettered before any attempt was saved) is found by id, not listed.
   */
  listByConnection(connectionId: string, limit: number, cursor: string | null): Promise<Page<WebhookEvent>>;
  /**
   * Updates the stored event as read: conditional on the row still holding the event received at
   * `event.receivedAt` (NotFoundError otherwise: gone, or replaced by a later arrival of the same bytes).
   * From its first save on, an event tied to a connection is listed by `listByConnection`.
   */
  save(event: WebhookEvent): Promise<void>;
}

/** Encryption context that binds a ciphertext to its owner; a ciphertext moved to another row won't decrypt. */
export type TokenContext = ConnectionTokenContext | ServiceKeyContext;

/** A connection's secret (access token, account numbers). */
export interface ConnectionTokenContext {
  readonly userId: string;
  readonly connectionId: string;
  readonly provider: Provider;
}

/** A secret of the service itself (a provider API key cached for every function), named by its purpose. */
export interface ServiceKeyContext {
  readonly provider: Provider;
  readonly purpose: 'api-key-cache';
}

export interface TokenVault {
  encrypt(plaintext: string, context: TokenContext): Promise<EncryptedSecret>;
  decrypt(secret: EncryptedSecret, context: TokenContext): Promise<string>;
}

/**
 * A provider API key shared by every function of the service (Pluggy's key is per client, lives 2 hours and
 * costs an `/auth` call to mint), cached encrypted so cold starts reuse it instead of minting their own.
 */
export interface CachedProviderKey {
  readonly provider: Provider;
  /** Digest of the client id the key belongs to: a rotated client id never picks up the old client's key. */
  readonly clientDigest: string;
  readonly key: EncryptedSecret;
  /** When the provider stops accepting the key (ISO-8601). */
  readonly expiresAt: string;
  readonly updatedAt: string;
}

export interface ProviderKeyStore {
  get(provider: Provider, clientDigest: string): Promise<CachedProviderKey | null>;
  /** Stores the key; the row expires by TTL once the key has. */
  put(key: CachedProviderKey): Promise<void>;
}

export interface SyncJob {
  readonly userId: string;
  readonly connectionId: string;
  readonly syncRunId: string;
  readonly trigger: SyncTrigger;
  /** Set by the scheduler: one id per cycle, so a repeated tick cannot enqueue the same connection twice. */
  readonly deduplicationId?: string;
  /**
   * Set by the scheduler: the connection's `nextSyncAt` when the job was sent (the due time it read, or the
   * lease it wrote). A scheduled sync whose connection no longer holds it was rescheduled meanwhile (a sync
   * finished, the status changed) and is skipped.
   */
  readonly scheduledFor?: string;
  /** Transactions a provider webhook named as changed or deleted (Pluggy), for the sync to re-read. */
  readonly transactionHint?: TransactionChangeHint;
}

/**
 * Provider transaction ids a webhook announced as updated or deleted. A sync that reads new transactions
 * by creation time would not see changes to old ones; the hint tells it which ones to read again.
 */
export interface TransactionChangeHint {
  /** The provider account they belong to, when the webhook says. */
  readonly providerAccountId: string | null;
  readonly updatedIds: readonly string[];
  readonly deletedIds: readonly string[];
}

export interface SyncJobQueue {
  /** Sends up to any number of jobs, in SQS batches of 10, each in its connection's message group. */
  enqueue(jobs: readonly SyncJob[]): Promise<void>;
}

export interface ProviderWriteJob {
  readonly kind: 'transaction_category';
  readonly userId: string;
  readonly transactionId: string;
  readonly connectionId: string;
  readonly provider: Provider;
}

export interface ProviderWriteQueue {
  enqueue(jobs: readonly ProviderWriteJob[]): Promise<void>;
}

export interface Clock {
  now(): Date;
}

/** What the due index holds of a connection (its projection): who, when, whether it waits, its institution. */
export type DueConnection = Pick<Connection, 'userId' | 'connectionId' | 'provider' | 'institution' | 'status' | 'nextSyncAt'>;

/** The due index as the scheduler uses it (implemented by the DynamoDB connection store). */
export interface DueConnectionIndex {
  /**
   * Connections of one shard due after `dueAfter` (exclusive; null: from the start) and at or before
   * `dueBefore` (inclusive), oldest first, paged.
   */
  listDue(shard: number, dueAfter: string | null, dueBefore: string, cursor: string | null, limit: number): Promise<Page<DueConnection>>;
  /**
   * Claims each shard's due times up to `until` (the run's `now`) for this run: a shard's claim mark moves
   * forward only, and remembers the recent marks. Per shard (in the order given): where the previous claim
   * ended (`after`, null: no run ever claimed this shard) and the latest mark set at or before
   * `overdueBefore` (`overdueUntil`: connections due by then were handed out at least that long ago; null
   * when no mark is that old), or `'taken'` when a run already claimed up to `until` or later; or why that
   * shard's claim failed (the other shards' claims stand).
   */
  claimDueWindows(shards: readonly number[], until: string, overdueBefore: string): Promise<PromiseSettledResult<DueClaim | 'taken'>[]>;
  /** Moves each connection's `nextSyncAt` from the value read to `leaseUntil`, if nothing changed it since. */
  leaseDue(due: readonly DueConnection[], leaseUntil: string): Promise<DueLeaseOutcome>;
  /** Takes connections that wait for their user out of the index; returns how many were taken out. */
  dropFromDueIndex(waiting: readonly DueConnection[]): Promise<number>;
}

/** A run's claim of one shard of the due index (see {@link DueConnectionIndex.claimDueWindows}). */
export interface DueClaim {
  readonly after: string | null;
  readonly overdueUntil: string | null;
}

/** What a lease attempt on due connections came to. */
export interface DueLeaseOutcome {
  /** Leased now (their `nextSyncAt` is the lease expiry): these, and only these, are enqueued. */
  readonly leased: DueConnection[];
  /** Changed since they were read (synced, re-scheduled, waiting for the user, leased by a racing run). */
  readonly changed: number;
  /** Writes that failed for another reason (throttling after the SDK's retries); they stay due. */
  readonly failed: number;
  readonly firstFailure: unknown;
}

/** What the webhook-event queue carries: a pointer to the stored event, never the body itself. */
export interface WebhookEventJob {
  readonly provider: Provider;
  readonly eventId: string;
}

export interface WebhookEventQueue {
  enqueue(job: WebhookEventJob): Promise<void>;
}
