/**
 * Plaid's provider module and its wiring: one instance of each adapter per container, built on first use.
 * Provider-neutral code reaches it through `../registry.ts`; the Plaid-only routes (link token, exchange)
 * build their deps in `plaid-linking-module.ts`, so that the registry's users bundle no sync queue.
 */
import { PlaidConnectionRemover } from './plaid-connection-remover';
import { PlaidSdkItemGateway } from './plaid-item-gateway';
import { PlaidLiveBalances } from './plaid-live-balances';
import { PlaidSyncSource } from './plaid-sync-source';
import { interpretPlaidWebhook } from './plaid-webhook-interpreter';
import { plaidApi, plaidWebhookSource } from './plaid-webhook-module';
import type { ProviderModule } from '../ports';
import { plaidConfig, webhookConfig } from '../../wiring/config';
import { once } from '../../wiring/once';
import { tokenVault } from '../../wiring/vault';

export { plaidApi };

export const plaidItemGateway = /* @__PURE__ */ once(() => {
  const settings = plaidConfig();
  return new PlaidSdkItemGateway(plaidApi(), {
    clientName: settings.PLAID_CLIENT_NAME,
    countryCodes: settings.PLAID_COUNTRY_CODES,
    language: settings.PLAID_LANGUAGE,
  });
});

export const plaidModule: ProviderModule = {
  provider: 'plaid',
  syncSource: /* @__PURE__ */ once(() => new PlaidSyncSource(plaidApi())),
  connectionRemover: /* @__PURE__ */ once(() => new PlaidConnectionRemover(plaidItemGateway(), tokenVault())),
  liveBalances: /* @__PURE__ */ once(() => new PlaidLiveBalances(plaidItemGateway())),
  webhookSource: plaidWebhookSource,
  interpretWebhook: interpretPlaidWebhook,
};

/** Webhook URL Plaid is told at link time; absent when no public base URL is configured. */
export function plaidWebhookUrl(): string | null {
  const base = webhookConfig().PUBLIC_API_BASE_URL;
  return base ? plaidWebhookUrlFor(base) : null;
}

/** Path of the Plaid webhook route (infra/catalog/routes.ts) under the API's base URL. */
export const PLAID_WEBHOOK_PATH = '/api/v1/webhooks/plaid';

/** The Plaid webhook URL under an API base URL (`https://api.example.com` → `…/api/v1/webhooks/plaid`). */
export function plaidWebhookUrlFor(baseUrl: string): string {
  return `${baseUrl.replace(/\/+$/, '')}${PLAID_WEBHOOK_PATH}`;
}
