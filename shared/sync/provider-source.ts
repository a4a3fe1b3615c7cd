/**
 * What the sync engine needs from a provider, in provider-neutral terms. The Plaid and Pluggy adapters
 * implement {@link ProviderSyncSource}; they translate amounts to our sign convention (negative = money
 * out), map account types, and map their errors to `ProviderError` kinds before anything reaches the engine.
 */
import type { AccountType, Connection, ProviderCategoryRef } from '../banking/model';
import type { TransactionChangeHint } from '../banking/ports';
import { ProviderError, type ProviderFailureKind } from '../errors/app-error';

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
}

/** The connection fields a provider state check refreshes. */
export type RefreshedConnectionFields = Partial<Pick<Connection, 'consent' | 'pendingUserAction'>>;

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
