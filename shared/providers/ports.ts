/**
 * What the sync engine needs from a provider, in provider-neutral terms. The Plaid and Pluggy adapters
 * implement {@link ProviderSyncSource}; they translate amounts to our sign convention (negative = money
 * out), map account types, and map their errors to `ProviderError` kinds before anything reaches the engine.
 */
import type { AccountType, Connection, ConnectionStatus, Provider, ProviderCategoryRef, StatusReason, SyncTrigger, Transaction } from '../banking/model';
import type { TransactionChangeHint } from '../banking/ports';
import { ProviderError, type ProviderFailureKind } from '../errors/app-error';
import type { WebhookVerifier } from './webhook-verification';

export interface ProviderAccount {
  readonly providerAccountId: string;
  readonly name: string;
  readonly officialName: string | null;
  readonly type: AccountType;
  readonly subtype: string | null;
  readonly mask: string | null;
  readonly balances: {
    readonly current: string | null;
    readonly available: string | null;
    readonly limit: string | null;
    readonly currency: string;
  };
}

export interface ProviderTransaction {
  readonly providerTransactionId: string;
  readonly providerAccountId: string;
  /** Signed exact decimal in OUR convention: negative = money out. */
  readonly amount: string;
  readonly currency: string;
  readonly date: string;
  readonly authorizedDate: string | null;
  readonly description: string;
  readonly merchantName: string | null;
  readonly pending: boolean;
  /** On a posted transaction, the provider id of the pending transaction it replaces (Plaid only). */
  readonly pendingProviderTransactionId: string | null;
  readonly category: ProviderCategoryRef | null;
}

export interface ChangeBatch {
  readonly added: readonly ProviderTransaction[];
  readonly modified: readonly ProviderTransaction[];
  /** Provider transaction ids that no longer exist at the provider. */
  readonly removed: readonly string[];
}

export interface AccountFailure {
  readonly providerAccountId: string;
  readonly code: string;
  readonly message: string;
}

export interface PullResult {
  /** The cursor to store once every batch passed to the sink is stored; null keeps the previous one. */
  readonly nextCursor: string | null;
  /** Accounts whose transactions could not be read this time (the others still synced). */
  readonly accountFailures: readonly AccountFailure[];
}

export interface SyncSession {
  readonly connection: Connection;
  /** Decrypted provider access token, held only in memory for the duration of the run (Plaid). */
  readonly accessToken: string | null;
  /** Transactions a webhook named as updated or deleted, to be read again (Pluggy); absent otherwise. */
  readonly transactionHint?: TransactionChangeHint | null;
  /** Why this run happens: only a user's own request may ask a provider to collect fresh data. */
  readonly trigger?: SyncTrigger;
  /**
   * Provider ids of the stored transactions of one provider account dated `dateFrom` (`YYYY-MM-DD`) or later:
   * what a source that re-reads a recent window compares with to find rows deleted at the provider.
   */
  readonly storedTransactionIds?: (providerAccountId: string, dateFrom: string) => Promise<string[]>;
  /**
   * Lists the stored transactions dated `dateFrom` or later now, before the source pulls that window again:
   * the rows it gets back unchanged are then checked against this listing instead of being read one by one,
   * and `storedTransactionIds` answers from it.
   */
  readonly readStoredWindow?: (dateFrom: string) => Promise<void>;
}

/** The connection fields a provider state check refreshes. */
export type RefreshedConnectionFields = Partial<Pick<Connection, 'consent' | 'pendingUserAction' | 'providerUpdate'>>;

/**
 * A provider failure that also says what to store on the connection: the authorization URL and its expiry
 * of an Open Finance consent waiting for the user, the consent that expired. The engine stores these fields
 * with the status the failure implies, so the user sees what to do next.
 */
export class ConnectionStateError extends ProviderError {
  constructor(
    provider: 'plaid' | 'pluggy',
    kind: ProviderFailureKind,
    options: ConstructorParameters<typeof ProviderError>[2] & { readonly connectionFields: RefreshedConnectionFields },
  ) {
    super(provider, kind, options);
    this.connectionFields = options.connectionFields;
  }

  readonly connectionFields: RefreshedConnectionFields;
}

export interface ProviderSyncSource {
  /**
   * Provider-side state check before pulling data (Pluggy item status, Open Finance consent). Throws a
   * `ProviderError` whose kind says what the connection needs; returns connection fields to refresh.
   */
  checkConnection(session: SyncSession): Promise<RefreshedConnectionFields>;
  /**
   * Optional, for scheduled runs: a look at the provider, from requests the run would make anyway, that can
   * tell the run would change nothing. Returns the connection fields to refresh when so; null when the run
   * must go on (anything unusual included: the run's own checks then handle it, with the same answers). A
   * provider that cannot tell without reading the changes (Plaid's /transactions/sync) has none.
   */
  nothingToSync?(session: SyncSession): Promise<RefreshedConnectionFields | null>;
  listAccounts(session: SyncSession): Promise<ProviderAccount[]>;
  /**
   * Pulls transaction changes after `cursor` and hands them to `sink` batch by batch; the engine stores
   * each batch before the next is requested. If the provider asks for a restart (Plaid's mutation during
   * pagination), the source starts over from `cursor` and replays batches: the sink is idempotent.
   */
  pullTransactions(
    session: SyncSession,
    cursor: string | null,
    sink: (batch: ChangeBatch) => Promise<void>,
    onRestart: () => void,
  ): Promise<PullResult>;
}

/** The provider side of removing a connection: revoke the access / delete the item at the provider. */
export interface ProviderConnectionRemover {
  remove(connection: Connection): Promise<void>;
}


export interface LiveBalanceSource {
  liveBalances(connection: Connection, accessToken: string | null, providerAccountIds: readonly string[]): Promise<ProviderAccount[]>;
}

/** A provider's half of category feedback. */
export interface ProviderCategoryWriter {
  /** The provider's own id for one of our category ids, or null when the category is not in its catalog. */
  providerCategoryIdOf(categoryId: string): string | null;
  /** Sends the category; throws a ProviderError when the provider refuses or cannot be reached. */
  writeCategory(transaction: Transaction, providerCategoryId: string): Promise<void>;
}


// ---- Webhooks ----

/** What the receipt needs to know about a verified body. */
export interface DescribedWebhook {
  /** e.g. `TRANSACTIONS/SYNC_UPDATES_AVAILABLE`; used for the stored event and the metric dimension. */
  readonly type: string;
  readonly providerItemId: string | null;
  /** The provider's own event id when it sends one (Pluggy); null derives one from the body (Plaid). */
  readonly providerEventId: string | null;
  /**
   * The provider sends exactly these bytes again whenever the same thing happens anew (Plaid's
   * SYNC_UPDATES_AVAILABLE: no id, no timestamp, identical on every firing for an Item). Such an event is
   * a duplicate only while the work of its earlier delivery still lies ahead (see acknowledgeDuplicate).
   */
  readonly repeatable?: boolean;
  /**
   * True for events about the provider itself rather than an item (Pluggy `connector/status_updated`):
   * they are queued for the worker without a connection instead of being set aside as "unknown item".
   */
  readonly aboutProvider?: boolean;
  /**
   * Set when the provider's interpreter ignores this event whatever the state of its connection, as its type
   * (and code) alone decide: Plaid's legacy TRANSACTIONS codes, products or events the service does not use.
   * It is the interpreter's note, from the same table the interpreter reads. The receipt settles such an event
   * itself: stored as `ignored`, tied to no connection, not queued.
   */
  readonly ignoredNote?: string;
}

/** A provider's half of webhook receipt. */
export interface WebhookSource {
  readonly provider: Provider;
  readonly verifier: WebhookVerifier;
  /** Reads a VERIFIED body; throws MalformedJsonError / ValidationError when it is not a webhook. */
  describe(rawBody: Buffer): DescribedWebhook;
}

/**
 * What a webhook asks of us, in provider-neutral terms. Each provider's interpreter turns its own webhook
 * codes into one of these; `applyWebhookEvent` carries them out the same way for every provider.
 */
export type WebhookAction =
  /** New data waits at the provider: queue a sync (told which transactions changed, when the provider says). */
  | { readonly kind: 'sync'; readonly transactionHint?: TransactionChangeHint }
  /** The connection's state changed at the provider. */
  | {
      readonly kind: 'status';
      readonly status: ConnectionStatus;
      readonly reason: StatusReason | null;
      /** When the provider announced the end of access (consent expiry, institution disconnect). */
      readonly accessEndsAt?: string;
      /** The user withdrew consent: stamp the consent as revoked. */
      readonly consentRevoked?: boolean;
      /** Queue a sync once the status is stored (e.g. a repaired login has data waiting). */
      readonly thenSync?: boolean;
    }
  /** The user revoked one account of the connection; the connection and its other accounts carry on. */
  | { readonly kind: 'account_revoked'; readonly providerAccountId: string; readonly reason: StatusReason }
  /** The provider reports an institution's health (Pluggy connector status): no connection involved. */
  | {
      readonly kind: 'institution';
      readonly institutionId: string;
      readonly status: 'operational' | 'degraded';
      readonly note: string;
    }
  /** Worth keeping as processed, nothing to change (e.g. a webhook URL change was confirmed). */
  | { readonly kind: 'record'; readonly note: string }
  /** Acknowledged and deliberately not acted on. */
  | { readonly kind: 'ignore'; readonly note: string };


/** Reads a stored, verified webhook body of one provider. Throws a ValidationError for a body it cannot read. */
export type WebhookInterpreter = (body: string) => WebhookAction;

// ---- The provider module ----

/**
 * Everything the provider-neutral use-cases need from one provider, behind one object. Parts that hold
 * clients or read secrets are factories, built on first use and kept for the container's life, so a
 * function that only interprets webhooks never reads a credential.
 *
 * Linking (Plaid Link tokens and exchange, Pluggy connect tokens and items) is provider-specific by nature
 * and stays inside each provider's folder.
 */
export interface ProviderModule {
  readonly provider: Provider;
  /** Accounts and transactions for the sync engine. */
  syncSource(): ProviderSyncSource;
  /** Ends access at the provider when the user deletes a connection. */
  connectionRemover(): ProviderConnectionRemover;
  /** Real-time balances for a forced balance refresh. */
  liveBalances(): LiveBalanceSource;
  /** Authenticates and describes the provider's webhook deliveries. */
  webhookSource(): WebhookSource;
  /** Turns a stored, verified webhook body into an action; pure, needs no credentials. */
  readonly interpretWebhook: WebhookInterpreter;
  /** Carries a user's category choice back to the provider; absent when the provider takes none. */
  categoryWriter?(): ProviderCategoryWriter;
}
