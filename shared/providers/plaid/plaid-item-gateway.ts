/**
 * The linking side of Plaid: link tokens, public-token exchange, Item and account reads, auth numbers.
 * Request shapes follow https://plaid.com/docs/api/link/#linktokencreate and
 * https://plaid.com/docs/api/items/#itempublic_tokenexchange.
 */
import { CountryCode, Products, type LinkTokenCreateRequest, type PlaidApi } from 'plaid';
import { ProviderError } from '../../errors/app-error';
import type {
  AccountNumbers,
  LinkTokenRequest,
  PlaidItemSummary,
  PlaidItemGateway,
} from './plaid-ports';
import { withProviderRetry } from '../provider-retry';
import { PLAID_SLOW_CALL_TIMEOUT_MS } from './plaid-api';
import { callPlaid } from './plaid-errors';
import { toProviderAccount } from './plaid-mapping';

export interface PlaidItemSettings {
  /** Shown in Link; Plaid truncates names over 30 characters to "This Application". */
  readonly clientName: string;
  readonly countryCodes: readonly string[];
  readonly language: string;
}

export class PlaidSdkItemGateway implements PlaidItemGateway {
  constructor(
    private readonly plaid: () => Promise<PlaidApi>,
    private readonly settings: PlaidItemSettings,
  ) {}

  async createLinkToken(request: LinkTokenRequest) {
    const api = await this.plaid();
    const body: LinkTokenCreateRequest = {
      client_name: this.settings.clientName,
      language: this.settings.language,
      country_codes: this.settings.countryCodes as CountryCode[],
      user: { client_user_id: request.clientUserId },
      ...(request.webhookUrl ? { webhook: request.webhookUrl } : {}),
      ...(request.redirectUri ? { redirect_uri: request.redirectUri } : {}),
    };
    if (request.accessToken) {
      // Update mode: Plaid requires `products` to be omitted, and ignores `webhook` (that is changed
      // through /item/webhook/update instead).
      body.access_token = request.accessToken;
      if (request.accountSelection) body.update = { account_selection_enabled: true };
    } else {
      body.products = request.products as Products[];
      const ifSupported = request.requiredIfSupportedProducts.filter((product) => !request.products.includes(product));
      if (ifSupported.length > 0) body.required_if_supported_products = ifSupported as Products[];
      // Only honoured when the Item is created; later requests cannot extend history.
      body.transactions = { days_requested: request.daysRequested };
    }
    const response = await withProviderRetry(() => callPlaid(() => api.linkTokenCreate(body)));
    return { linkToken: response.link_token, expiration: response.expiration };
  }

  async exchangePublicToken(publicToken: string) {
    const api = await this.plaid();
    // Not retried: a public token is single-use, and a retry after a lost response would fail anyway.
    const response = await callPlaid(() => api.itemPublicTokenExchange({ public_token: publicToken }));
    return { accessToken: response.access_token, itemId: response.item_id };
  }

  async getItem(accessToken: string): Promise<PlaidItemSummary> {
    const api = await this.plaid();
    const { item } = await withProviderRetry(() => callPlaid(() => api.itemGet({ access_token: accessToken })));
    return {
      itemId: item.item_id,
      institutionId: item.institution_id ?? null,
      institutionName: item.institution_name ?? null,
      products: [...(item.billed_products ?? []), ...(item.products ?? [])].filter(
        (product, index, all) => all.indexOf(product) === index,
      ),
    };
  }

  async getAccounts(accessToken: string) {
    const api = await this.plaid();
    const response = await withProviderRetry(() => callPlaid(() => api.accountsGet({ access_token: accessToken })));
    return response.accounts.map(toProviderAccount);
  }

  async getLiveBalances(accessToken: string, providerAccountIds: readonly string[]) {
    const api = await this.plaid();
    const response = await withProviderRetry(() =>
      callPlaid(() =>
        api.accountsBalanceGet(
          { access_token: accessToken, options: { account_ids: [...providerAccountIds] } },
          { timeout: PLAID_SLOW_CALL_TIMEOUT_MS },
        ),
      ),
    );
    return response.accounts.map(toProviderAccount);
  }

  async getAccountNumbers(accessToken: string): Promise<Map<string, AccountNumbers>> {
    const api = await this.plaid();
    const response = await withProviderRetry(() => callPlaid(() => api.authGet({ access_token: accessToken })));
    const numbers = new Map<string, AccountNumbers>();
    for (const ach of response.numbers.ach) {
      numbers.set(ach.account_id, { account: ach.account, routing: ach.routing, wireRouting: ach.wire_routing ?? null });
    }
    return numbers;
  }

  /**
   * Points the Item's webhooks at `webhookUrl` (https://plaid.com/docs/api/items/#itemwebhookupdate). Plaid
   * answers by sending WEBHOOK_UPDATE_ACKNOWLEDGED to the NEW address, which proves it is reachable.
   * Retried like the other calls: setting the same URL twice is harmless.
   */
  async updateWebhook(accessToken: string, webhookUrl: string): Promise<void> {
    const api = await this.plaid();
    await withProviderRetry(() => callPlaid(() => api.itemWebhookUpdate({ access_token: accessToken, webhook: webhookUrl })));
  }

  async removeItem(accessToken: string): Promise<void> {
    const api = await this.plaid();
    try {
      await withProviderRetry(() => callPlaid(() => api.itemRemove({ access_token: accessToken })));
    } catch (error) {
      if (error instanceof ProviderError && error.kind === 'item_not_found') return;
      throw error;
    }
  }
}
