/**
 * What connecting a bank through Pluggy needs from Pluggy, in our terms. The adapter in
 * `pluggy-connect-gateway.ts` implements it on the Pluggy client.
 */
import type { Category, Consent, ConnectionStatus, PendingUserAction, StatusReason } from '../../banking/model';
import type { ProviderAccount } from '../ports';

export interface ConnectTokenRequest {
  /** Update mode: the token may only touch this item (Pluggy refuses an unknown one with ITEM_NOT_FOUND). */
  readonly itemId: string | null;
  /** Keyed hash of our user id; Pluggy stores it on every item the token creates and echoes it in webhooks. */
  readonly clientUserId: string;
  readonly webhookUrl: string | null;
  readonly oauthRedirectUri: string | null;
  readonly avoidDuplicates: boolean | null;
}

export interface ConnectToken {
  readonly accessToken: string;
  /** When Pluggy stops accepting it (30 minutes after issue, https://docs.pluggy.ai/docs/authentication). */
  readonly expiresAt: string;
}

/** What the widget or our API asks the user for while an item waits for input (Pluggy `item.parameter`). */
export interface MfaPrompt {
  readonly name: string;
  readonly label: string | null;
  readonly type: string | null;
  readonly placeholder: string | null;
  readonly assistiveText: string | null;
  readonly validation: string | null;
  readonly expiresAt: string | null;
  /** A base64 image or QR payload for `image` prompts. */
  readonly data: string | null;
  readonly options: readonly { readonly value: string; readonly label: string }[];
}

export interface PluggyItemSummary {
  readonly itemId: string;
  /** The `clientUserId` the item was created with; the ownership check compares it with ours. */
  readonly clientUserId: string | null;
  readonly connector: { readonly id: string; readonly name: string; readonly isOpenFinance: boolean };
  readonly products: readonly string[];
  /** The connection status the item's own status implies (UPDATED → healthy, LOGIN_ERROR → login_required, ...). */
  readonly status: ConnectionStatus;
  readonly statusReason: StatusReason | null;
  readonly pendingUserAction: PendingUserAction | null;
  readonly mfaPrompt: MfaPrompt | null;
}

export interface PluggyConnectGateway {
  createConnectToken(request: ConnectTokenRequest): Promise<ConnectToken>;
  /** Throws a ProviderError of kind `item_not_found` for an item Pluggy does not know. */
  getItem(itemId: string): Promise<PluggyItemSummary>;
  getAccounts(itemId: string): Promise<ProviderAccount[]>;
  /** `PATCH /items/{id}` with new credentials: Pluggy starts a new update with them. */
  updateCredentials(itemId: string, parameters: Readonly<Record<string, string>>): Promise<PluggyItemSummary>;
  /** `POST /items/{id}/mfa` with the answer to the item's pending parameter. */
  submitMfa(itemId: string, parameters: Readonly<Record<string, string>>): Promise<PluggyItemSummary>;
  /** The item's current Open Finance consent, or null for items without one (direct connectors). */
  getConsent(itemId: string): Promise<Consent | null>;
  /** Pluggy's whole category tree as catalog entries (`GET /categories`). */
  getCategoryCatalog(): Promise<Category[]>;
}
