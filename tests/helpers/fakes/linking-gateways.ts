/**
 * In-memory fakes of the two linking gateways (`shared/providers/plaid/plaid-ports.ts`,
 * `shared/providers/pluggy/pluggy-ports.ts`), for unit tests of the linking use-cases. Each keeps the
 * provider's own rules that linking depends on: a Plaid public token exchanges once; a removed Item is gone;
 * a Pluggy item unknown to Pluggy answers `item_not_found`, and every item carries the clientUserId its
 * connect token stamped on it. Calls are recorded in order.
 */
import type { Category, Consent } from '../../../shared/banking/model';
import { ProviderError } from '../../../shared/errors/app-error';
import type { ProviderAccount } from '../../../shared/providers/ports';
import type { AccountNumbers, LinkTokenRequest, PlaidItemGateway, PlaidItemSummary } from '../../../shared/providers/plaid/plaid-ports';
import type {
  ConnectToken,
  ConnectTokenRequest,
  PluggyConnectGateway,
  PluggyItemSummary,
} from '../../../shared/providers/pluggy/pluggy-ports';
import { providerAccount } from './providers';

interface PlaidItem {
  readonly summary: PlaidItemSummary;
  readonly accounts: ProviderAccount[];
  readonly numbers: Map<string, AccountNumbers>;
}

/** What the next public token Link hands out will link. */
export interface PlaidLinkScript {
  readonly institutionId?: string | null;
  readonly institutionName?: string | null;
  readonly products?: readonly string[];
  readonly accounts?: ProviderAccount[];
  readonly numbers?: Map<string, AccountNumbers>;
}

export class FakePlaidItemGateway implements PlaidItemGateway {
  readonly calls: string[] = [];
  readonly linkTokenRequests: LinkTokenRequest[] = [];
  /** Items by access token; removed ones are deleted. */
  readonly items = new Map<string, PlaidItem>();
  readonly removedAccessTokens: string[] = [];
  private readonly publicTokens = new Map<string, PlaidLinkScript>();
  private minted = 0;

  /** Plays Link: returns a public token that exchanges for a new Item shaped by `script`. */
  link(script: PlaidLinkScript = {}): string {
    this.minted += 1;
    const publicToken = `public-sandbox-${this.minted}`;
    this.publicTokens.set(publicToken, script);
    return publicToken;
  }

  async createLinkToken(request: LinkTokenRequest): Promise<{ linkToken: string; expiration: string }> {
    this.calls.push('createLinkToken');
    this.linkTokenRequests.push(request);
    return { linkToken: `link-sandbox-${this.linkTokenRequests.length}`, expiration: '2025-03-01T16:00:00Z' };
  }

  async exchangePublicToken(publicToken: string): Promise<{ accessToken: string; itemId: string }> {
    this.calls.push('exchangePublicToken');
    const script = this.publicTokens.get(publicToken);
    if (!script) {
      throw new ProviderError('plaid', 'invalid_input', { providerCode: 'INVALID_PUBLIC_TOKEN', message: 'provided public token is in an invalid format' });
    }
    this.publicTokens.delete(publicToken);
    const serial = publicToken.slice('public-sandbox-'.length);
    const accessToken = `access-sandbox-${serial}`;
    const itemId = `item-${serial}`;
    this.items.set(accessToken, {
      summary: {
        itemId,
        institutionId: script.institutionId === undefined ? 'ins_1' : script.institutionId,
        institutionName: script.institutionName === undefined ? 'First Platypus Bank' : script.institutionName,
        products: script.products ?? ['transactions', 'auth'],
      },
      accounts: script.accounts ?? [providerAccount()],
      numbers: script.numbers ?? new Map(),
    });
    return { accessToken, itemId };
  }

  async getItem(accessToken: string): Promise<PlaidItemSummary> {
    this.calls.push('getItem');
    return this.item(accessToken).summary;
  }

  async getAccounts(accessToken: string): Promise<ProviderAccount[]> {
    this.calls.push('getAccounts');
    return this.item(accessToken).accounts;
  }

  async getLiveBalances(accessToken: string, providerAccountIds: readonly string[]): Promise<ProviderAccount[]> {
    this.calls.push('getLiveBalances');
    return this.item(accessToken).accounts.filter((account) => providerAccountIds.includes(account.providerAccountId));
  }

  async getAccountNumbers(accessToken: string): Promise<Map<string, AccountNumbers>> {
    this.calls.push('getAccountNumbers');
    return this.item(accessToken).numbers;
  }

  async removeItem(accessToken: string): Promise<void> {
    this.calls.push('removeItem');
    this.item(accessToken);
    this.items.delete(accessToken);
    this.removedAccessTokens.push(accessToken);
  }

  private item(accessToken: string): PlaidItem {
    const item = this.items.get(accessToken);
    if (!item) throw new ProviderError('plaid', 'item_not_found', { providerCode: 'ITEM_NOT_FOUND', message: 'item not found' });
    return item;
  }
}

/** A Pluggy item as the fake holds it: the summary linking reads, its accounts and its consent. */
export interface FakePluggyItem {
  summary: PluggyItemSummary;
  accounts: ProviderAccount[];
  consent: Consent | null;
}

export function pluggyItemSummary(itemId: string, clientUserId: string | null, overrides: Partial<PluggyItemSummary> = {}): PluggyItemSummary {
  return {
    itemId,
    clientUserId,
    connector: { id: '201', name: 'Pluggy Bank', isOpenFinance: false },
    products: ['ACCOUNTS', 'TRANSACTIONS'],
    status: 'healthy',
    statusReason: null,
    pendingUserAction: null,
    mfaPrompt: null,
    ...overrides,
  };
}

export class FakePluggyConnectGateway implements PluggyConnectGateway {
  readonly calls: string[] = [];
  readonly connectTokenRequests: ConnectTokenRequest[] = [];
  readonly items = new Map<string, FakePluggyItem>();
  /** What the item looks like after the next credentials update or MFA answer. */
  afterUserInput: Partial<PluggyItemSummary> = { status: 'syncing' };
  readonly userInputs: { itemId: string; kind: 'credentials' | 'mfa'; parameters: Readonly<Record<string, string>> }[] = [];

  addItem(item: Partial<FakePluggyItem> & { summary: PluggyItemSummary }): this {
    this.items.set(item.summary.itemId, { accounts: [providerAccount({ providerAccountId: `${item.summary.itemId}-acc` })], consent: null, ...item });
    return this;
  }

  async createConnectToken(request: ConnectTokenRequest): Promise<ConnectToken> {
    this.calls.push('createConnectToken');
    if (request.itemId !== null) this.item(request.itemId);
    this.connectTokenRequests.push(request);
    return { accessToken: `connect-token-${this.connectTokenRequests.length}`, expiresAt: '2025-03-01T12:30:00.000Z' };
  }

  /** Pluggy's category tree as the gateway reads it; `catalogFails` makes the read throw. */
  catalog: Category[] = [];
  catalogFails = false;

  async getCategoryCatalog(): Promise<Category[]> {
    this.calls.push('getCategoryCatalog');
    if (this.catalogFails) throw new Error('Pluggy unavailable');
    return this.catalog;
  }

  async getItem(itemId: string): Promise<PluggyItemSummary> {
    this.calls.push('getItem');
    return this.item(itemId).summary;
  }

  async getAccounts(itemId: string): Promise<ProviderAccount[]> {
    this.calls.push('getAccounts');
    return this.item(itemId).accounts;
  }

  async updateCredentials(itemId: string, parameters: Readonly<Record<string, string>>): Promise<PluggyItemSummary> {
    this.calls.push('updateCredentials');
    return this.userInput(itemId, 'credentials', parameters);
  }

  async submitMfa(itemId: string, parameters: Readonly<Record<string, string>>): Promise<PluggyItemSummary> {
    this.calls.push('submitMfa');
    return this.userInput(itemId, 'mfa', parameters);
  }

  async getConsent(itemId: string): Promise<Consent | null> {
    this.calls.push('getConsent');
    return this.item(itemId).consent;
  }

  private userInput(itemId: string, kind: 'credentials' | 'mfa', parameters: Readonly<Record<string, string>>): PluggyItemSummary {
    const item = this.item(itemId);
    this.userInputs.push({ itemId, kind, parameters });
    item.summary = { ...item.summary, ...this.afterUserInput };
    return item.summary;
  }

  private item(itemId: string): FakePluggyItem {
    const item = this.items.get(itemId);
    if (!item) throw new ProviderError('pluggy', 'item_not_found', { providerCode: 'ITEM_NOT_FOUND', message: 'Item not found' });
    return item;
  }
}
