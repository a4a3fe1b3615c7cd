/**
 * Plaid adapters, one per container. Only functions that talk to Plaid import this module, which keeps
 * the `plaid` SDK (hundreds of kilobytes, tens of milliseconds to load) out of every other bundle.
 */
import type { PlaidApi } from 'plaid';
import { plaidApiFactory } from '../adapters/plaid/plaid-api';
import { PlaidConnectionRemover } from '../adapters/plaid/plaid-connection-remover';
import { PlaidSdkLinkGateway } from '../adapters/plaid/plaid-link-gateway';
import { PlaidLiveBalances } from '../adapters/plaid/plaid-live-balances';
import { PlaidSyncSource } from '../adapters/plaid/plaid-sync-source';
import { plaidSecretReader, userHashSecretReader } from '../adapters/secrets/secret-reader';
import { systemClock } from '../banking/ports';
import type { PlaidLinkingDeps } from '../linking/plaid-linking';
import { providerUserId } from '../linking/user-hash';
import { autoSyncConfig, plaidConfig, webhookConfig } from './config';
import { syncJobQueue } from './queues';
import { connectionStore, syncRunStore } from './stores';
import { once } from './once';
import { tokenVault } from './vault';

export const plaidApi = once((): (() => Promise<PlaidApi>) => {
  const settings = plaidConfig();
  const secret = plaidSecretReader();
  return plaidApiFactory({ environment: settings.PLAID_ENV, localBaseUrl: settings.PLAID_LOCAL_BASE_URL }, () => secret.read());
});

export const plaidLinkGateway = once(() => {
  const settings = plaidConfig();
  return new PlaidSdkLinkGateway(plaidApi(), {
    clientName: settings.PLAID_CLIENT_NAME,
    countryCodes: settings.PLAID_COUNTRY_CODES,
    language: settings.PLAID_LANGUAGE,
  });
});

export const plaidSyncSource = () => new PlaidSyncSource(plaidApi());
export const plaidConnectionRemover = () => new PlaidConnectionRemover(plaidLinkGateway(), tokenVault());
export const plaidLiveBalances = () => new PlaidLiveBalances(plaidLinkGateway());

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

export function plaidLinkingDeps(): PlaidLinkingDeps {
  const userHash = userHashSecretReader();
  return {
    gateway: plaidLinkGateway(),
    vault: tokenVault(),
    connections: connectionStore(),
    syncRuns: syncRunStore(),
    syncQueue: syncJobQueue(),
    clock: systemClock,
    providerUserIdOf: async (userId) => providerUserId((await userHash.read()).key, userId),
    webhookUrl: plaidWebhookUrl(),
    autoSyncIntervalHours: autoSyncConfig().AUTO_SYNC_INTERVAL_HOURS,
  };
}
