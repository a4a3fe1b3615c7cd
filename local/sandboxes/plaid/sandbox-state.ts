/**
 * All mutable state of the Plaid sandbox: link tokens, public tokens, Items with their accounts and
 * transaction ledgers, and the operations that change them (linking, exchange, login resets, clock
 * advances). Endpoint handlers and control endpoints both go through here.
 */
import { randomUUID } from 'node:crypto';
import { Products, type Transaction } from 'plaid';
import { randomAlphanumeric } from '../common/identifiers';
import type { SandboxClock } from '../common/sandbox-clock';
import { epochDay, isoDate } from './calendar';
import { PlaidSandboxError } from './errors';
import {
  customTransaction,
  generateDayActivity,
  generateHistory,
  postPendingTransaction,
  reenrichTransaction,
  type CustomTransactionInput,
} from './history-generator';
import type { SandboxInstitution } from './institutions';
import { createAccounts, historyAccounts, type SandboxAccount, type SandboxItem } from './sandbox-item';
import { resolveTestUser } from './test-users';
import { TransactionLedger } from './transaction-ledger';
import { syncUpdatesAvailableBody, type PlaidWebhookSender } from './webhooks';

/** Lifetimes from https://plaid.com/docs/api/link/#linktokencreate and /api/items/#itempublic_tokenexchange. */
export const LINK_TOKEN_TTL_MS = 4 * 60 * 60 * 1000;
export const UPDATE_MODE_LINK_TOKEN_TTL_MS = 30 * 60 * 1000;
export const PUBLIC_TOKEN_TTL_MS = 30 * 60 * 1000;

const ENVIRONMENT = 'sandbox';

export interface LinkTokenRecord {
  readonly token: string;
  readonly expiresAtMs: number;
  /** Set in update mode: the Item the Link session repairs. */
  readonly accessToken?: string;
  /** `products`: the Item must support every one of them. */
  readonly products: Products[];
  /** `required_if_supported_products` and `optional_products`: added where institution and accounts allow. */
  readonly productsIfSupported: Products[];
  readonly webhook?: string;
  readonly daysRequested?: number;
}

interface PublicTokenRecord {
  readonly itemId: string;
  readonly expiresAtMs: number;
  used: boolean;
}

export interface CreateItemInput {
  readonly institution: SandboxInstitution;
  /** Products the Item must have: linking fails when the institution or the login's accounts lack one. */
  readonly products: Products[];
  /** Products the Item gets only where the institution and the login's accounts support them. */
  readonly productsIfSupported?: Products[];
  readonly username: string;
  readonly password: string;
  readonly webhook: string | null;
  readonly daysRequested: number;
}

export interface AdvanceResult {
  readonly today: string;
  readonly posted: number;
  readonly newPending: number;
  readonly modified: number;
  readonly webhookSent: boolean;
}

export interface BalanceChange {
  readonly available?: number | null;
  readonly current?: number | null;
  readonly limit?: number | null;
}

export class PlaidSandboxState {
  private readonly items = new Map<string, SandboxItem>();
  private readonly itemsByAccessToken = new Map<string, SandboxItem>();
  private readonly linkTokens = new Map<string, LinkTokenRecord>();
  private readonly publicTokens = new Map<string, PublicTokenRecord>();
  private readonly timers = new Set<NodeJS.Timeout>();

  constructor(
    private readonly clock: SandboxClock,
    private readonly webhooks: PlaidWebhookSender,
    private readonly delayedHistoryMs: number,
  ) {}

  // ---- Link tokens -------------------------------------------------------------------------------------

  createLinkToken(input: Omit<LinkTokenRecord, 'token' | 'expiresAtMs'>): LinkTokenRecord {
    const ttl = input.accessToken === undefined ? LINK_TOKEN_TTL_MS : UPDATE_MODE_LINK_TOKEN_TTL_MS;
    const record: LinkTokenRecord = { ...input, token: `link-${ENVIRONMENT}-${randomUUID()}`, expiresAtMs: this.clock.now() + ttl };
    this.linkTokens.set(record.token, record);
    return record;
  }

  linkToken(token: string): LinkTokenRecord {
    const record = this.linkTokens.get(token);
    if (!record) throw new PlaidSandboxError('INVALID_LINK_TOKEN');
    if (record.expiresAtMs <= this.clock.now()) throw new PlaidSandboxError('INVALID_LINK_TOKEN', { detail: 'link token has expired' });
    return record;
  }

  // ---- Items and tokens --------------------------------------------------------------------------------

  /** Creates an Item the way a finished Link session does; throws the error the credentials stand for. */
  createItem(input: CreateItemInput): SandboxItem {
    if (input.institution.linkErrorCode) throw new PlaidSandboxError(input.institution.linkErrorCode);
    const profile = resolveTestUser(input.username, input.password);
    const accounts = createAccounts(input.institution, profile);
    // Only institutions supporting every product in `products` can be picked, and the Item must hold a
    // compatible account for each (spec LinkTokenCreateRequest.products, docs /api/link/#linktokencreate).
    const unsupported = input.products.filter((product) => !input.institution.products.includes(product));
    if (unsupported.length > 0) {
      throw new PlaidSandboxError('PRODUCTS_NOT_SUPPORTED', { detail: `the following products are not supported by this institution: ${unsupported.join(', ')}` });
    }
    for (const product of input.products) assertCompatibleAccount(product, accounts);
    // required_if_supported_products: "only extracted and billed if the user selects an institution and
    // account type that supports them" (spec LinkTokenCreateRequest.required_if_supported_products).
    const ifSupported = (input.productsIfSupported ?? []).filter(
      (product) => input.institution.products.includes(product) && compatibleAccountError(product, accounts) === undefined,
    );
    const nowMs = this.clock.now();
    const item: SandboxItem = {
      itemId: randomAlphanumeric(37),
      accessToken: `access-${ENVIRONMENT}-${randomUUID()}`,
      institution: input.institution,
      profile,
      products: dedupe([...input.products, ...ifSupported].filter((product) => product !== Products.Balance)),
      webhook: input.webhook,
      error: null,
      createdAtMs: nowMs,
      anchorDay: epochDay(nowMs),
      dayOffset: 0,
      daysRequested: input.daysRequested,
      accounts,
      ledger: undefined,
      syncStarted: false,
      historyReady: !profile.delayedHistory,
      removed: false,
      lastWebhook: null,
      lastSuccessfulUpdateMs: nowMs,
    };
    this.items.set(item.itemId, item);
    this.itemsByAccessToken.set(item.accessToken, item);
    return item;
  }

  issuePublicToken(item: SandboxItem): string {
    const token = `public-${ENVIRONMENT}-${randomUUID()}`;
    this.publicTokens.set(token, { itemId: item.itemId, expiresAtMs: this.clock.now() + PUBLIC_TOKEN_TTL_MS, used: false });
    return token;
  }

  /** Public tokens are single-use and live 30 minutes (https://plaid.com/docs/api/items/#itempublic_tokenexchange). */
  exchangePublicToken(token: string): SandboxItem {
    if (!/^public-[a-z]+-[A-Za-z0-9-]+$/.test(token)) {
      throw new PlaidSandboxError('INVALID_PUBLIC_TOKEN', {
        detail: 'provided public token is in an invalid format. expected format: public-<environment>-<identifier>',
      });
    }
    const record = this.publicTokens.get(token);
    const item = record ? this.items.get(record.itemId) : undefined;
    if (!record || record.used || !item || item.removed) throw new PlaidSandboxError('INVALID_PUBLIC_TOKEN');
    if (record.expiresAtMs <= this.clock.now()) {
      throw new PlaidSandboxError('INVALID_PUBLIC_TOKEN', {
        detail:
          'provided public token is expired. Public tokens expire 30 minutes after creation at which point they can no longer be exchanged. To create a new public token, have your user go through Link again.',
      });
    }
    record.used = true;
    return item;
  }

  /** The Item behind an access token, whatever its health; removed Items' tokens are invalid. */
  itemForAccessToken(accessToken: string): SandboxItem {
    if (!/^access-[a-z]+-[A-Za-z0-9-]+$/.test(accessToken)) {
      throw new PlaidSandboxError('INVALID_ACCESS_TOKEN', {
        detail: 'provided access token is in an invalid format. expected format: access-<environment>-<identifier>',
      });
    }
    const item = this.itemsByAccessToken.get(accessToken);
    if (!item || item.removed) throw new PlaidSandboxError('INVALID_ACCESS_TOKEN');
    return item;
  }

  /** Like {@link itemForAccessToken}, for data endpoints: an Item in an error state answers with that error. */
  healthyItemForAccessToken(accessToken: string): SandboxItem {
    const item = this.itemForAccessToken(accessToken);
    if (item.error) throw new PlaidSandboxError(item.error.errorCode);
    return item;
  }

  /**
   * Calling a product endpoint adds the product to the Item if the institution supports it, as Plaid does for
   * Auth and Transactions added after Link (https://plaid.com/docs/link/initializing-products/).
   */
  ensureProduct(item: SandboxItem, product: Products): void {
    if (item.products.includes(product)) return;
    if (!item.institution.products.includes(product)) {
      throw new PlaidSandboxError('PRODUCTS_NOT_SUPPORTED', { detail: `the following products are not supported by this institution: ${product}` });
    }
    assertCompatibleAccount(product, item.accounts);
    item.products.push(product);
  }

  accounts(item: SandboxItem, accountIds?: readonly string[]): SandboxAccount[] {
    if (accountIds === undefined) return item.accounts;
    const unknown = accountIds.filter((id) => !item.accounts.some((account) => account.base.account_id === id));
    if (unknown.length > 0) throw new PlaidSandboxError('INVALID_ACCOUNT_ID');
    return item.accounts.filter((account) => accountIds.includes(account.base.account_id));
  }

  removeItem(item: SandboxItem): void {
    item.removed = true;
  }

  /** The live Item that holds an account (account ids are unique across Items). */
  findItemByAccountId(accountId: string): SandboxItem | undefined {
    for (const item of this.items.values()) {
      if (!item.removed && item.accounts.some((account) => account.base.account_id === accountId)) return item;
    }
    return undefined;
  }

  findItem(itemId: string): SandboxItem | undefined {
    return this.items.get(itemId);
  }

  // ---- Transactions ------------------------------------------------------------------------------------

  today(item: SandboxItem): number {
    return item.anchorDay + item.dayOffset;
  }

  ledger(item: SandboxItem): TransactionLedger {
    if (item.ledger) return item.ledger;
    const ledger = new TransactionLedger();
    const today = this.today(item);
    for (const transaction of generateHistory({
      itemId: item.itemId,
      accounts: historyAccounts(item),
      firstDay: item.anchorDay - item.daysRequested + 1,
      today,
      profile: item.profile,
    })) {
      ledger.add(transaction);
    }
    item.ledger = ledger;
    return ledger;
  }

  /**
   * Records the Item's first /transactions/sync call. For the delayed-history user the data becomes ready a
   * moment later, announced by SYNC_UPDATES_AVAILABLE as Plaid does after the initial pull.
   */
  markSyncStarted(item: SandboxItem): void {
    if (item.syncStarted) return;
    item.syncStarted = true;
    if (item.historyReady) return;
    this.later(this.delayedHistoryMs, () => {
      if (item.removed) return;
      item.historyReady = true;
      item.lastSuccessfulUpdateMs = this.clock.now();
      this.webhooks.send(item, syncUpdatesAvailableBody(item));
    });
  }

  /**
   * Moves the Item's clock forward: every pending transaction posts (removed pending + added posted with
   * `pending_transaction_id`), new pending purchases appear for each new day, and optionally the newest
   * posted transactions are re-enriched (reported as `modified`).
   */
  advance(item: SandboxItem, days: number, modify: number): AdvanceResult {
    const ledger = this.ledger(item);
    // Chosen before anything posts: a transaction created by this advance would be reported as added, not modified.
    const toModify =
      modify > 0
        ? ledger
            .live((transaction) => !transaction.pending && typeof transaction.merchant_name === 'string' && transaction.name !== transaction.merchant_name)
            .sort((left, right) => (left.date < right.date ? 1 : left.date > right.date ? -1 : 0))
            .slice(0, modify)
        : [];
    let posted = 0;
    let newPending = 0;
    for (let step = 0; step < days; step += 1) {
      item.dayOffset += 1;
      const today = this.today(item);
      for (const pendingTransaction of ledger.live((transaction) => transaction.pending)) {
        ledger.remove(pendingTransaction.transaction_id);
        ledger.add(postPendingTransaction(pendingTransaction, today));
        posted += 1;
      }
      for (const transaction of generateDayActivity(item.itemId, historyAccounts(item), today)) {
        ledger.add(transaction);
        newPending += 1;
      }
    }
    for (const transaction of toModify) ledger.modify(reenrichTransaction(transaction));
    item.lastSuccessfulUpdateMs = this.clock.now();
    const webhookSent = this.notifyTransactionsChanged(item);
    return { today: isoDate(this.today(item)), posted, newPending, modified: toModify.length, webhookSent };
  }

  addCustomTransactions(item: SandboxItem, inputs: readonly CustomTransactionInput[]): Transaction[] {
    const ledger = this.ledger(item);
    // Plaid applies custom transactions to the Item's depository account (https://plaid.com/docs/api/sandbox/#sandboxtransactionscreate).
    const account = historyAccounts(item).find((candidate) => candidate.role === 'checking') ?? historyAccounts(item)[0];
    if (!account) throw new PlaidSandboxError('NO_ACCOUNTS');
    const created = inputs.map((input) => customTransaction(randomAlphanumeric(37), account, input));
    for (const transaction of created) ledger.add(transaction);
    item.lastSuccessfulUpdateMs = this.clock.now();
    this.notifyTransactionsChanged(item);
    return created;
  }

  /** SYNC_UPDATES_AVAILABLE after new data, but only once the Item has been synced at least once. */
  notifyTransactionsChanged(item: SandboxItem): boolean {
    if (!item.syncStarted || !item.historyReady) return false;
    return this.webhooks.send(item, syncUpdatesAvailableBody(item)) !== undefined;
  }

  // ---- Balances and login state ------------------------------------------------------------------------

  setBalance(item: SandboxItem, accountId: string, change: BalanceChange): SandboxAccount {
    const [account] = this.accounts(item, [accountId]);
    if (!account) throw new PlaidSandboxError('INVALID_ACCOUNT_ID');
    const balances = account.base.balances;
    if (change.available !== undefined) balances.available = change.available;
    if (change.current !== undefined) balances.current = change.current;
    if (change.limit !== undefined) balances.limit = change.limit;
    return account;
  }

  // ---- Lifecycle ---------------------------------------------------------------------------------------

  reset(): void {
    this.cancelTimers();
    this.items.clear();
    this.itemsByAccessToken.clear();
    this.linkTokens.clear();
    this.publicTokens.clear();
  }

  stop(): void {
    this.cancelTimers();
  }

  private later(delayMs: number, action: () => void): void {
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      action();
    }, delayMs);
    this.timers.add(timer);
  }

  private cancelTimers(): void {
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
  }
}

/**
 * Auth covers checking and savings accounts only (docs /api/accounts/#account-type--product-support-matrix);
 * an Item without one gets NO_AUTH_ACCOUNTS (docs /errors/item/#no_auth_accounts).
 */
function compatibleAccountError(product: Products, accounts: readonly SandboxAccount[]): PlaidSandboxError | undefined {
  if (product === Products.Auth && !accounts.some((account) => account.role !== 'credit')) return new PlaidSandboxError('NO_AUTH_ACCOUNTS');
  return undefined;
}

function assertCompatibleAccount(product: Products, accounts: readonly SandboxAccount[]): void {
  const error = compatibleAccountError(product, accounts);
  if (error) throw error;
}

function dedupe<T>(values: readonly T[]): T[] {
  return [...new Set(values)];
}
