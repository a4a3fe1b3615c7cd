/**
 * In-memory implementations of the provider ports (`shared/providers/ports.ts`): a scripted sync source
 * that pages through transaction changes like Plaid's /transactions/sync (including a restart after a
 * mutation during pagination, and a failure between pages), and recording fakes of removal, live balances,
 * category writes and webhook sources.
 */
import type { Connection, Provider, Transaction } from '../../../shared/banking/model';
import type {
  ChangeBatch,
  DescribedWebhook,
  LiveBalanceSource,
  ProviderAccount,
  ProviderCategoryWriter,
  ProviderConnectionRemover,
  ProviderModule,
  ProviderSyncSource,
  ProviderTransaction,
  PullResult,
  RefreshedConnectionFields,
  SyncSession,
  WebhookAction,
  WebhookSource,
} from '../../../shared/providers/ports';
import { WebhookVerificationError, type WebhookVerifier } from '../../../shared/providers/webhook-verification';

export function providerAccount(overrides: Partial<ProviderAccount> = {}): ProviderAccount {
  return {
    providerAccountId: 'acc-checking',
    name: 'Checking',
    officialName: null,
    type: 'checking',
    subtype: 'checking',
    mask: '0000',
    balances: { current: '100.00', available: '90.00', limit: null, currency: 'USD' },
    ...overrides,
  };
}

export function providerTransaction(id: string, overrides: Partial<ProviderTransaction> = {}): ProviderTransaction {
  return {
    providerTransactionId: id,
    providerAccountId: 'acc-checking',
    amount: '-12.50',
    currency: 'USD',
    date: '2025-02-28',
    authorizedDate: null,
    description: `Purchase ${id}`,
    merchantName: null,
    pending: false,
    pendingProviderTransactionId: null,
    category: null,
    ...overrides,
  };
}

export const noChanges: ChangeBatch = { added: [], modified: [], removed: [] };

/** One pull's script: the pages it hands to the sink, and what it does around them. */
export interface PullScript {
  readonly pages: readonly ChangeBatch[];
  readonly nextCursor: string | null;
  /** Restart once after this many pages were handed over (Plaid's TRANSACTIONS_SYNC_MUTATION_DURING_PAGINATION). */
  readonly restartAfterPage?: number;
  /** Throw this after this many pages were handed over (the provider failed between pages). */
  readonly failAfterPage?: { readonly pages: number; readonly error: Error };
  readonly accountFailures?: PullResult['accountFailures'];
}

export class ScriptedSyncSource implements ProviderSyncSource {
  accounts: ProviderAccount[] = [providerAccount()];
  /** One script per pull, used in order; the last one repeats. */
  pulls: PullScript[] = [{ pages: [], nextCursor: 'cursor-1' }];
  checkResult: RefreshedConnectionFields = {};
  checkError: Error | null = null;
  readonly cursorsSeen: (string | null)[] = [];
  readonly tokensSeen: (string | null)[] = [];
  /** Runs after each page the sink stored, e.g. to delete the connection mid-run. */
  afterPage?: (pageIndex: number) => void | Promise<void>;
  /** Runs with the session before a pull hands over its pages (what a source may ask the engine first). */
  beforePull?: (session: SyncSession) => void | Promise<void>;

  async checkConnection(session: SyncSession): Promise<RefreshedConnectionFields> {
    this.tokensSeen.push(session.accessToken);
    if (this.checkError) throw this.checkError;
    return this.checkResult;
  }

  async listAccounts(): Promise<ProviderAccount[]> {
    return this.accounts;
  }

  /** The session of the last pull. */
  lastSession: SyncSession | null = null;
  async pullTransactions(
    session: SyncSession,
    cursor: string | null,
    sink: (batch: ChangeBatch) => Promise<void>,
    onRestart: () => void,
  ): Promise<PullResult> {
    this.cursorsSeen.push(cursor);
    this.lastSession = session;
    await this.beforePull?.(session);
    const script = (this.pulls.length > 1 ? this.pulls.shift() : this.pulls[0]) as PullScript;
    let restarted = false;
    for (let index = 0; index < script.pages.length; index += 1) {
      if (script.failAfterPage && index === script.failAfterPage.pages) throw script.failAfterPage.error;
      await sink(script.pages[index] as ChangeBatch);
      await this.afterPage?.(index);
      if (!restarted && script.restartAfterPage === index + 1) {
        restarted = true;
        onRestart();
        index = -1;
      }
    }
    if (script.failAfterPage && script.failAfterPage.pages >= script.pages.length) throw script.failAfterPage.error;
    return { nextCursor: script.nextCursor, accountFailures: script.accountFailures ?? [] };
  }
}

/** A scripted source with the optional pre-check of scheduled runs (Pluggy has one; Plaid has none). */
export class PreCheckingSyncSource extends ScriptedSyncSource {
  /** What the pre-check answers: the fields to refresh when there is nothing to sync, null to run. */
  unchanged: RefreshedConnectionFields | null = { consent: null, pendingUserAction: null, providerUpdate: null };
  preCheckError: Error | null = null;
  readonly preChecked: SyncSession[] = [];
  readonly checked: SyncSession[] = [];

  async nothingToSync(session: SyncSession): Promise<RefreshedConnectionFields | null> {
    this.preChecked.push(session);
    if (this.preCheckError) throw this.preCheckError;
    return this.unchanged;
  }

  override async checkConnection(session: SyncSession): Promise<RefreshedConnectionFields> {
    this.checked.push(session);
    return super.checkConnection(session);
  }
}

export class RecordingConnectionRemover implements ProviderConnectionRemover {
  readonly removed: Connection[] = [];
  failWith: Error | null = null;
  async remove(connection: Connection): Promise<void> {
    if (this.failWith) throw this.failWith;
    this.removed.push(connection);
  }
}

export class FixedLiveBalances implements LiveBalanceSource {
  accounts: ProviderAccount[] = [providerAccount()];
  readonly calls: { connectionId: string; providerAccountIds: readonly string[] }[] = [];
  async liveBalances(connection: Connection, _accessToken: string | null, providerAccountIds: readonly string[]): Promise<ProviderAccount[]> {
    this.calls.push({ connectionId: connection.connectionId, providerAccountIds });
    return this.accounts.filter((account) => providerAccountIds.includes(account.providerAccountId));
  }
}

export class RecordingCategoryWriter implements ProviderCategoryWriter {
  readonly written: { transactionId: string; providerCategoryId: string }[] = [];
  /** Errors thrown by the next writes, in order. */
  readonly failures: Error[] = [];
  constructor(private readonly prefix = 'pluggy:') {}
  providerCategoryIdOf(categoryId: string): string | null {
    return categoryId.startsWith(this.prefix) ? categoryId.slice(this.prefix.length) : null;
  }
  async writeCategory(transaction: Transaction, providerCategoryId: string): Promise<void> {
    const failure = this.failures.shift();
    if (failure) throw failure;
    this.written.push({ transactionId: transaction.transactionId, providerCategoryId });
  }
}

/**
 * A webhook source whose bodies are JSON `{type, item_id?, event_id?, repeatable?, about_provider?}`; the
 * verifier accepts what `accept` says.
 */
export class JsonWebhookSource implements WebhookSource {
  accept = true;
  constructor(readonly provider: Provider) {}
  readonly verifier: WebhookVerifier = {
    verify: async () => {
      if (!this.accept) throw new WebhookVerificationError('bad_signature');
    },
  };
  describe(rawBody: Buffer): DescribedWebhook {
    const body = JSON.parse(rawBody.toString()) as {
      type: string;
      item_id?: string;
      event_id?: string;
      repeatable?: boolean;
      about_provider?: boolean;
      ignored_note?: string;
    };
    return {
      type: body.type,
      providerItemId: body.item_id ?? null,
      providerEventId: body.event_id ?? null,
      ...(body.repeatable ? { repeatable: true } : {}),
      ...(body.about_provider ? { aboutProvider: true } : {}),
      ...(body.ignored_note ? { ignoredNote: body.ignored_note } : {}),
    };
  }
}

/** A provider module assembled from fakes; parts left out throw when used. */
export function fakeProviderModule(
  provider: Provider,
  parts: Partial<{
    syncSource: ProviderSyncSource;
    remover: ProviderConnectionRemover;
    liveBalances: LiveBalanceSource;
    webhookSource: WebhookSource;
    interpretWebhook: (body: string) => WebhookAction;
    categoryWriter: ProviderCategoryWriter;
  }>,
): ProviderModule {
  const missing = (part: string) => (): never => {
    throw new Error(`fake ${provider} module has no ${part}`);
  };
  return {
    provider,
    syncSource: parts.syncSource ? () => parts.syncSource as ProviderSyncSource : missing('syncSource'),
    connectionRemover: parts.remover ? () => parts.remover as ProviderConnectionRemover : missing('connectionRemover'),
    liveBalances: parts.liveBalances ? () => parts.liveBalances as LiveBalanceSource : missing('liveBalances'),
    webhookSource: parts.webhookSource ? () => parts.webhookSource as WebhookSource : missing('webhookSource'),
    interpretWebhook: parts.interpretWebhook ?? missing('interpretWebhook'),
    ...(parts.categoryWriter ? { categoryWriter: () => parts.categoryWriter as ProviderCategoryWriter } : {}),
  };
}
