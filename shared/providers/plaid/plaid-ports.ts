/**
 * What this service needs from Plaid about Items (linking, balances, numbers, removal), in our terms. The adapter in
 * `plaid-item-gateway.ts` implements it on the `plaid` SDK.
 */
import type { ProviderAccount } from '../ports';

export interface LinkTokenRequest {
  /** Keyed hash of our user id: stable per user, meaningless to Plaid (no PII, as Plaid asks). */
  readonly clientUserId: string;
  /** Products for a new Item; must be omitted in update mode. */
  readonly products: readonly string[];
  /** Products a new Item gets only where institution and accounts support them; never overlaps `products`. */
  readonly requiredIfSupportedProducts: readonly string[];
  /** Set for update mode (re-authentication or new accounts) on an existing Item. */
  readonly accessToken: string | null;
  readonly accountSelection: boolean;
  readonly webhookUrl: string | null;
  readonly redirectUri: string | null;
  readonly daysRequested: number;
}

export interface AccountNumbers {
  readonly account: string;
  readonly routing: string | null;
  readonly wireRouting: string | null;
}

export interface PlaidItemSummary {
  readonly itemId: string;
  readonly institutionId: string | null;
  readonly institutionName: string | null;
  readonly products: readonly string[];
}

export interface PlaidItemGateway {
  createLinkToken(request: LinkTokenRequest): Promise<{ linkToken: string; expiration: string }>;
  exchangePublicToken(publicToken: string): Promise<{ accessToken: string; itemId: string }>;
  getItem(accessToken: string): Promise<PlaidItemSummary>;
  getAccounts(accessToken: string): Promise<ProviderAccount[]>;
  /** Real-time balances (`/accounts/balance/get`, paid and slow). */
  getLiveBalances(accessToken: string, providerAccountIds: readonly string[]): Promise<ProviderAccount[]>;
  /** Account and routing numbers by provider account id (auth product). */
  getAccountNumbers(accessToken: string): Promise<Map<string, AccountNumbers>>;
  removeItem(accessToken: string): Promise<void>;
}
