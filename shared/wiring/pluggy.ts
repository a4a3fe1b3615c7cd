/**
 * Pluggy adapters, one per container. Only functions that talk to Pluggy (or receive its webhooks) import
 * this module.
 *
 * The API key cache lives in the table, encrypted with the token key: functions granted both
 * (`table:*`, `tokens:encrypt` + `tokens:decrypt`) share keys across containers; a function without them
 * keeps its key in memory only.
 */
import { DynamoProviderKeyStore } from '../adapters/dynamodb/provider-key-store';
import { PluggyApi } from '../adapters/pluggy/pluggy-api';
import { VaultApiKeyCache, type ApiKeyCache } from '../adapters/pluggy/pluggy-api-key';
import { PluggyCategoryWriter } from '../adapters/pluggy/pluggy-category-writer';
import { PluggyClient } from '../adapters/pluggy/pluggy-client';
import { PluggyApiConnectGateway } from '../adapters/pluggy/pluggy-connect-gateway';
import { PluggyConnectionRemover } from '../adapters/pluggy/pluggy-connection-remover';
import { PluggyLiveBalances } from '../adapters/pluggy/pluggy-live-balances';
import { PluggySyncSource } from '../adapters/pluggy/pluggy-sync-source';
import { PluggyWebhookVerifier } from '../adapters/pluggy/pluggy-webhook-verifier';
import { pluggySecretReader, pluggyWebhookSecretReader, userHashSecretReader } from '../adapters/secrets/secret-reader';
import { systemClock } from '../banking/ports';
import type { PluggyLinkingDeps } from '../linking/pluggy-linking';
import { providerUserId } from '../linking/user-hash';
import { describePluggyWebhook } from '../webhooks/pluggy-webhook-body';
import type { WebhookSource } from '../webhooks/receive-webhook';
import { autoSyncConfig, pluggyConfig, tableConfig, webhookConfig } from './config';
import { once } from './once';
import { syncJobQueue } from './queues';
import { connectionStore, syncRunStore } from './stores';
import { tokenVault } from './vault';

export const pluggySecret = once(() => pluggySecretReader());

function sharedKeyCache(): ApiKeyCache | undefined {
  if (!process.env.TABLE_NAME || !process.env.TOKEN_KEY_ID) return undefined;
  return new VaultApiKeyCache(new DynamoProviderKeyStore({ tableName: tableConfig().TABLE_NAME }), tokenVault(), systemClock);
}

export const pluggyApi = once(() => {
  const secret = pluggySecret();
  const keyCache = sharedKeyCache();
  const client = new PluggyClient({
    baseUrl: pluggyConfig().PLUGGY_BASE_URL,
    credentials: async () => {
      const value = await secret.read();
      return { clientId: value.client_id, clientSecret: value.client_secret };
    },
    onCredentialsRejected: () => secret.invalidate(),
    ...(keyCache ? { keyCache } : {}),
  });
  return new PluggyApi(client);
});

export const pluggyConnectGateway = once(() => new PluggyApiConnectGateway(pluggyApi()));
export const pluggySyncSource = once(() => new PluggySyncSource(pluggyApi()));
export const pluggyConnectionRemover = () => new PluggyConnectionRemover(pluggyApi());
export const pluggyLiveBalances = () => new PluggyLiveBalances(pluggyApi());
export const pluggyCategoryWriter = once(() => new PluggyCategoryWriter(pluggyApi()));

/** Our Pluggy webhook route; absent without a public base URL. */
export function pluggyWebhookUrl(): string | null {
  const base = webhookConfig().PUBLIC_API_BASE_URL;
  return base ? `${base.replace(/\/+$/, '')}/api/v1/webhooks/pluggy` : null;
}

export function pluggyLinkingDeps(): PluggyLinkingDeps {
  // Read on first use: only connect tokens and new connections need the user hash (and its grant).
  const userHash = once(() => userHashSecretReader());
  const settings = pluggyConfig();
  return {
    gateway: pluggyConnectGateway(),
    connections: connectionStore(),
    syncRuns: syncRunStore(),
    syncQueue: syncJobQueue(),
    clock: systemClock,
    providerUserIdOf: async (userId) => providerUserId((await userHash().read()).key, userId),
    webhookUrl: settings.PLUGGY_ITEM_WEBHOOKS ? pluggyWebhookUrl() : null,
    autoSyncIntervalHours: autoSyncConfig().AUTO_SYNC_INTERVAL_HOURS,
    widget: { includeSandbox: settings.PLUGGY_ENV !== 'production', connectBaseUrl: settings.PLUGGY_CONNECT_URL },
  };
}

/** Pluggy's half of webhook receipt: the secret header (and optional signature) and `clientId` checks. */
export function pluggyWebhookSource(): WebhookSource {
  const settings = pluggyConfig();
  // Its own secret: the public webhook function never reads the API credentials.
  const secret = pluggyWebhookSecretReader();
  return {
    provider: 'pluggy',
    verifier: new PluggyWebhookVerifier({
      secrets: async () => {
        const value = await secret.read();
        return { clientId: value.client_id, webhookSecret: value.webhook_secret, signingSecret: value.webhook_signing_secret };
      },
      secretHeader: settings.PLUGGY_WEBHOOK_SECRET_HEADER,
      signatureHeader: settings.PLUGGY_WEBHOOK_SIGNATURE_HEADER,
      allowUnsigned: settings.PLUGGY_WEBHOOK_ALLOW_UNSIGNED,
    }),
    describe: describePluggyWebhook,
  };
}
