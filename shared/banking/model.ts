/**
 * Provider-neutral domain model. Field names are camelCase here; the API presenters turn them into
 * snake_case JSON and the DynamoDB entity modules into stored attributes.
 *
 * Money is always an exact decimal string (`"-12.34"`) next to an ISO currency code. Negative means money
 * leaving the account, whatever sign convention the provider uses (Plaid's positive amounts are outflows).
 */

export const providers = ['plaid', 'pluggy'] as const;
export type Provider = (typeof providers)[number];

export const connectionStatuses = [
  'healthy',
  'syncing',
  'login_required',
  'pending_expiration',
  'revoked',
  'new_accounts_available',
  'error',
  'mfa_required',
  'user_action_required',
  'consent_expired',
] as const;
export type ConnectionStatus = (typeof connectionStatuses)[number];

/** Statuses in which only the user can move the connection forward; auto-sync skips them. */
export const statusesNeedingUser: ReadonlySet<ConnectionStatus> = new Set([
  'login_required',
  'mfa_required',
  'user_action_required',
  'revoked',
  'consent_expired',
]);

/** A secret (access token, account number) encrypted by the token vault. Plaintext never gets stored. */
export interface EncryptedSecret {
  /** Base64 KMS ciphertext blob. */
  readonly ciphertext: string;
  /** ARN of the KMS key that produced it (kept so a rotation or key change can be traced). */
  readonly keyId: string;
  /** Version of the encryption-context layout, so the layout can evolve without breaking old rows. */
  readonly contextVersion: number;
}

export interface Institution {
  readonly id: string;
  readonly name: string;
}

export interface StatusReason {
  readonly code: string;
  readonly message: string;
}

export interface Consent {
  readonly products: readonly string[];
  readonly createdAt: string | null;
  readonly expiresAt: string | null;
  readonly revokedAt: string | null;
}

export interface PendingUserAction {
  readonly url: string | null;
  readonly expiresAt: string | null;
  readonly instructions: string | null;
}

export interface Connection {
  readonly userId: string;
  readonly connectionId: string;
  readonly provider: Provider;
  /** Plaid `item_id` / Pluggy item id: how webhooks name the connection. */
  readonly providerItemId: string;
  readonly institution: Institution;
  readonly products: readonly string[];
  /** Free-form label the client attached at link time (e.g. which product flow created it). */
  readonly productTag: string | null;
  readonly status: ConnectionStatus;
  readonly statusReason: StatusReason | null;
  /** Provider access token (Plaid); Pluggy items need none (the API key is per client). */
  readonly accessToken: EncryptedSecret | null;
  /** Provider sync cursor, committed only after every page it covers is stored. */
  readonly syncCursor: string | null;
  readonly consent: Consent | null;
  readonly pendingUserAction: PendingUserAction | null;
  readonly createdAt: string;
  readonly updatedAt: string;
  readonly lastSyncAt: string | null;
  readonly lastSyncOutcome: SyncOutcome | null;
  /** When auto-sync picks this connection up next; null while auto-sync must skip it. */
  readonly nextSyncAt: string | null;
  /**
   * A requested sync that has not started yet. Further requests join it instead of queueing another run
   * that would only re-read the same data; the worker clears it when the run starts.
   */
  readonly pendingSync?: PendingSync | null;
  /** What the provider allows us to ask of it next (Pluggy's item update limits); absent until it matters. */
  readonly providerUpdate?: ProviderUpdateState | null;
  /**
   * The access end date (`consent.expiresAt`) a `consent.expiring` event was already sent for; a renewed consent
   * has a new date and is warned about again.
   */
  readonly consentWarningSentFor?: string | null;
}

/**
 * A provider limits how often a client may ask it to collect fresh data (Pluggy: `PATCH /items/{id}` answers
 * 409 CLIENT_IS_UPDATING_BEFORE_ALLOWED_FREQUENCY). `notBefore` is when the next request is allowed, in the
 * provider's clock; `outdatedRetries` counts automatic retries of a failed collection since the last success.
 */
export interface ProviderUpdateState {
  readonly notBefore: string | null;
  readonly outdatedRetries: number;
}

export interface PendingSync {
  readonly syncRunId: string;
  readonly requestedAt: string;
  /**
   * When a request last joined this sync without a record to read (a webhook's): a run that commits without
   * a start write compares it with what it read when it began, to tell a request that came while it ran
   * (shared/sync/sync-engine.ts). Absent until a request joins.
   */
  readonly joinedAt?: string | null;
}

export const accountTypes = ['checking', 'savings', 'credit_card', 'loan', 'investment', 'other'] as const;
export type AccountType = (typeof accountTypes)[number];

/** `revoked`: the user withdrew this one account at the institution; the connection's other accounts carry on. */
export const accountStatuses = ['active', 'revoked'] as const;
export type AccountStatus = (typeof accountStatuses)[number];

export interface Balances {
  readonly current: string | null;
  readonly available: string | null;
  readonly limit: string | null;
  readonly currency: string;
  readonly updatedAt: string | null;
}

export interface Account {
  readonly userId: string;
  readonly accountId: string;
  readonly connectionId: string;
  readonly provider: Provider;
  readonly providerAccountId: string;
  readonly name: string;
  readonly officialName: string | null;
  readonly type: AccountType;
  /** The provider's own subtype string, kept verbatim (providers extend their enums without notice). */
  readonly subtype: string | null;
  /** Last 2–4 characters of the account number as the provider shows them; never the full number. */
  readonly mask: string | null;
  readonly balances: Balances;
  /** Account and routing numbers (Plaid auth), encrypted; only `GET /accounts/{id}/numbers` decrypts them. */
  readonly numbers: EncryptedSecret | null;
  /** Absent means `active`. */
  readonly status?: AccountStatus;
  readonly createdAt: string;
  readonly updatedAt: string;
}

export type CategorySyncStatus = 'pending' | 'synced' | 'failed';

export interface CategorySync {
  readonly status: CategorySyncStatus;
  readonly updatedAt: string;
  readonly error: string | null;
}

export interface ProviderCategoryRef {
  readonly id: string;
  readonly name: string | null;
}

export interface Transaction {
  readonly userId: string;
  readonly transactionId: string;
  readonly connectionId: string;
  readonly accountId: string;
  readonly provider: Provider;
  readonly providerTransactionId: string;
  /** Signed exact decimal; negative = money out. */
  readonly amount: string;
  readonly currency: string;
  /** Posted date (or transaction date while pending), `YYYY-MM-DD`. */
  readonly date: string;
  readonly authorizedDate: string | null;
  readonly description: string;
  readonly merchantName: string | null;
  readonly pending: boolean;
  /** On a posted transaction: the provider id of the pending one it replaces. */
  readonly pendingProviderTransactionId: string | null;
  /** Category the provider assigned (id in our catalog namespace, e.g. `plaid:FOOD_AND_DRINK`). */
  readonly providerCategory: ProviderCategoryRef | null;
  /** The user's override; wins over the provider's category and survives pending→posted. */
  readonly userCategoryId: string | null;
  readonly note: string | null;
  /** Where the user's category stands at the provider (Pluggy category feedback); null when not sent. */
  readonly categorySync: CategorySync | null;
  readonly createdAt: string;
  readonly updatedAt: string;
}

/**
 * What remains of a transaction the provider removed: kept as a tombstone in the change feed for a fixed
 * retention so clients that cache transactions learn about the removal (`transaction-feed.ts`).
 */
export interface RemovedTransaction {
  readonly userId: string;
  readonly transactionId: string;
  readonly connectionId: string;
  readonly accountId: string;
  readonly removedAt: string;
}

/**
 * How long the change feed reaches back (its change entries and tombstones are kept that long); a cursor
 * older than this may have missed changes and is refused.
 */
export const FEED_RETENTION_DAYS = 30;

/**
 * How long a connection's sync history keeps a run: long enough to compare a quarter of syncs when support
 * asks why data is late, short enough that the history of a connection synced twice a day for years does
 * not grow without end (the connection itself carries its last sync's time and outcome).
 */
export const SYNC_RUN_RETENTION_DAYS = 90;

/**
 * How far behind the clock change-feed readers stay (`transaction-feed.ts`). It bounds the time from stamping
 * a change entry to the writes it covers being stored:
 * one DynamoDB request including the SDK's own retries (3 attempts, backoff of at most a few seconds,
 * https://docs.aws.amazon.com/sdkref/latest/guide/feature-retry-behavior.html), sent within half of it after
 * the stamp; the store re-stamps rows it retries itself past that.
 */
export const FEED_SETTLE_MILLISECONDS = 10_000;

/**
 * A place in a user's change feed: a change entry's id (`<stamp>#<random>`, or a bare instant that lies
 * before every entry stamped at it), and how far into that entry (an opaque, ordered inner position; null:
 * the whole entry).
 */
export interface FeedPosition {
  readonly entry: string;
  readonly inner: string | null;
}

/** One change of a user's change feed, at its position. */
export type TransactionChange =
  | { readonly kind: 'live'; readonly position: FeedPosition; readonly transaction: Transaction }
  | { readonly kind: 'removed'; readonly position: FeedPosition; readonly removal: RemovedTransaction };

/** The category a transaction counts under: the user's choice first, then the provider's. */
export function effectiveCategoryId(transaction: Pick<Transaction, 'userCategoryId' | 'providerCategory'>): string | null {
  return transaction.userCategoryId ?? transaction.providerCategory?.id ?? null;
}

export type CategorySource = Provider | 'user';

export interface Category {
  readonly categoryId: string;
  readonly name: string;
  readonly source: CategorySource;
  readonly parentId: string | null;
  /** Set for the user's own categories only. */
  readonly userId: string | null;
  readonly createdAt: string;
  readonly updatedAt: string;
}

export type SyncTrigger = 'link' | 'manual' | 'webhook' | 'schedule';
/**
 * `queued` until a worker picks the job up; `retrying` after a transient failure, until the queue delivers
 * the job again; `partial` when some accounts failed while others synced.
 */
export type SyncOutcome = 'queued' | 'running' | 'retrying' | 'succeeded' | 'partial' | 'failed';

export interface SyncCounts {
  readonly added: number;
  readonly modified: number;
  readonly removed: number;
  readonly accounts: number;
}

export interface SyncRunError extends StatusReason {
  /** The provider's id for the failed request (Plaid `request_id`); absent when the provider gave none. */
  readonly providerRequestId?: string;
}

export interface SyncRun {
  readonly userId: string;
  readonly connectionId: string;
  readonly syncRunId: string;
  readonly trigger: SyncTrigger;
  readonly outcome: SyncOutcome;
  readonly startedAt: string;
  readonly finishedAt: string | null;
  readonly counts: SyncCounts;
  readonly error: SyncRunError | null;
  /** Accounts that failed while the others synced (Pluggy syncs account by account). */
  readonly accountErrors: readonly { accountId: string; code: string; message: string }[];
  /**
   * Set on the run's last write once the run's app events were sent (`shared/events/sync-events.ts`); a finished
   * run without it (written before the flag existed) has its events flushed from the outbox by a retry.
   */
  readonly eventsPublished?: boolean;
}

export type WebhookEventStatus = 'received' | 'processed' | 'ignored' | 'failed';

export interface WebhookEvent {
  readonly provider: Provider;
  /** Provider event id (Pluggy `eventId`) or a digest of the verified body (Plaid sends no id). */
  readonly eventId: string;
  readonly type: string;
  readonly providerItemId: string | null;
  readonly connectionId: string | null;
  readonly userId: string | null;
  /** The verified body, verbatim, so the event can be replayed. */
  readonly body: string;
  readonly status: WebhookEventStatus;
  readonly receivedAt: string;
  readonly processedAt: string | null;
  readonly attempts: number;
}

/**
 * One row per linked account fingerprint: (user, provider, institution, account name + mask). A second link
 * of the same bank login collides on these rows, which is how duplicate Items are refused at write time.
 */
export interface ItemGuard {
  readonly userId: string;
  readonly provider: Provider;
  readonly institutionId: string;
  readonly fingerprint: string;
  readonly connectionId: string;
}

/** The consent or access end date the user must act before, if the connection has one and it is not revoked. */
export function accessEndsAt(connection: Pick<Connection, 'consent'>): string | null {
  const consent = connection.consent;
  if (!consent || consent.revokedAt || !consent.expiresAt) return null;
  return consent.expiresAt;
}
