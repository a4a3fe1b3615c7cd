/**
 * {@link PluggyConnectGateway} on the Pluggy API: connect tokens, items, their accounts, credentials, MFA
 * answers and Open Finance consents, translated to our model.
 */
import type { Category, Consent } from '../../banking/model';
import type {
  ConnectToken,
  ConnectTokenRequest,
  MfaPrompt,
  PluggyConnectGateway,
  PluggyItemSummary,
} from './pluggy-ports';
import type { ProviderAccount } from '../ports';
import { jwtExpiryMs } from './pluggy-api-key';
import type { PluggyApi } from './pluggy-api';
import { connectionStatusOf, currentConsent, toCatalogCategory, toProviderAccount } from './pluggy-mapping';
import type { PluggyItem } from './pluggy-schemas';

/** Connect tokens live 30 minutes (https://docs.pluggy.ai/docs/authentication); used when the token is not a readable JWT. */
const CONNECT_TOKEN_LIFETIME_MS = 30 * 60 * 1000;

export class PluggyApiConnectGateway implements PluggyConnectGateway {
  constructor(
    private readonly api: PluggyApi,
    private readonly now: () => number = Date.now,
  ) {}

  async createConnectToken(request: ConnectTokenRequest): Promise<ConnectToken> {
    const issuedAt = this.now();
    // Pluggy's connect token takes only these options (OAS ItemOptions); connector filters are widget props.
    const accessToken = await this.api.createConnectToken(request.itemId, {
      clientUserId: request.clientUserId,
      ...(request.webhookUrl ? { webhookUrl: request.webhookUrl } : {}),
      ...(request.oauthRedirectUri ? { oauthRedirectUri: request.oauthRedirectUri } : {}),
      ...(request.avoidDuplicates !== null ? { avoidDuplicates: request.avoidDuplicates } : {}),
    });
    const expiresAtMs = jwtExpiryMs(accessToken) ?? issuedAt + CONNECT_TOKEN_LIFETIME_MS;
    return { accessToken, expiresAt: new Date(expiresAtMs).toISOString() };
  }

  async getItem(itemId: string): Promise<PluggyItemSummary> {
    return summaryOf(await this.api.getItem(itemId));
  }

  async getAccounts(itemId: string): Promise<ProviderAccount[]> {
    return (await this.api.listAccounts(itemId)).map(toProviderAccount);
  }

  async updateCredentials(itemId: string, parameters: Readonly<Record<string, string>>): Promise<PluggyItemSummary> {
    return summaryOf(await this.api.updateItem(itemId, { parameters }));
  }

  async submitMfa(itemId: string, parameters: Readonly<Record<string, string>>): Promise<PluggyItemSummary> {
    return summaryOf(await this.api.submitMfa(itemId, parameters));
  }

  async getConsent(itemId: string): Promise<Consent | null> {
    return currentConsent(await this.api.listConsents(itemId));
  }

  async getCategoryCatalog(): Promise<Category[]> {
    const now = new Date(this.now()).toISOString();
    return (await this.api.listCategories()).map((entry) => toCatalogCategory(entry, now));
  }
}

export function summaryOf(item: PluggyItem): PluggyItemSummary {
  const state = connectionStatusOf(item);
  return {
    itemId: item.id,
    clientUserId: item.clientUserId ?? null,
    connector: { id: String(item.connector.id), name: item.connector.name, isOpenFinance: item.connector.isOpenFinance ?? false },
    products: item.products ?? item.connector.products ?? [],
    status: state.status,
    statusReason: state.reason,
    pendingUserAction: state.pendingUserAction,
    mfaPrompt: item.status === 'WAITING_USER_INPUT' && item.parameter ? promptOf(item.parameter) : null,
  };
}

function promptOf(parameter: NonNullable<PluggyItem['parameter']>): MfaPrompt {
  return {
    name: parameter.name,
    label: parameter.label ?? null,
    type: parameter.type ?? null,
    placeholder: parameter.placeholder ?? null,
    assistiveText: parameter.assistiveText ?? parameter.instructions ?? null,
    validation: parameter.validation ?? null,
    expiresAt: parameter.expiresAt ?? null,
    data: parameter.data ?? null,
    options: (parameter.options ?? []).map((option) => ({ value: option.value, label: option.label })),
  };
}
