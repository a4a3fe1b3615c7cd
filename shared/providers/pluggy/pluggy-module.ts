/**
 * Pluggy adapters, one per container. Only functions that talk to Pluggy (or receive its webhooks) import
 * this module.
 *
 * The API key cache lives in the table, encrypted with the token key: functions granted both
 * (`table:*`, `tokens:encrypt` + `tokens:decrypt`) share keys across containers; a function without them
 * keeps its key in memory only.
 */
import { DynamoProviderKeyStore } from '../../adapters/dynamodb/provider-key-store';
import { PluggyApi } from './pluggy-api';
import { VaultApiKeyCache, type ApiKeyCache } from './pluggy-api-key';
import { PluggyCategoryWriter } from './pluggy-category-writer';
import { PluggyClient } from './pluggy-client';
import { PluggyApiConnectGateway } from './pluggy-connect-gateway';
import { PluggyConnectionRemover } from './pluggy-connection-remover';
import { PluggyLiveBalances } from './pluggy-live-balances';
import { PluggySyncSource } from './pluggy-sync-source';
import { pluggySecret, pluggyWebhookSource } from './pluggy-webhook-module';
import { systemClock } from '../../adapters/system-clock';
import { interpretPluggyWebhook } from './pluggy-webhook-interpreter';
import type { ProviderModule } from '../ports';
import { pluggyConfig, tableConfig, webhookConfig } from '../../wiring/config';
import { once } from '../../wiring/once';
import { tokenVault } from '../../wiring/vault';

export { pluggySecret };

function sharedKeyCache(): ApiKeyCache | undefined {
  if (!process.env.TABLE_NAME || !process.env.TOKEN_KEY_ID) return undefined;
  return new VaultApiKeyCache(new DynamoProviderKeyStore({ tableName: tableConfig().TABLE_NAME }), tokenVault(), systemClock);
}

export const pluggyApi = /* @__PURE__ */ once(() => {
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

export const pluggyConnectGateway = /* @__PURE__ */ once(() => new PluggyApiConnectGateway(pluggyApi()));

/** Our Pluggy webhook route; absent without a public base URL. */
export function pluggyWebhookUrl(): string | null {
  const base = webhookConfig().PUBLIC_API_BASE_URL;
  return base ? `${base.replace(/\/+$/, '')}/api/v1/webhooks/pluggy` : null;
}

/** Category feedback; the category-writer table in `../registry.ts` loads it without the rest of the module's users. */
export const pluggyCategoryWriter = /* @__PURE__ */ once(() => new PluggyCategoryWriter(pluggyApi()));

export const pluggyModule: ProviderModule = {
  provider: 'pluggy',
  syncSource: /* @__PURE__ */ once(() => new PluggySyncSource(pluggyApi())),
  connectionRemover: /* @__PURE__ */ once(() => new PluggyConnectionRemover(pluggyApi())),
  liveBalances: /* @__PURE__ */ once(() => new PluggyLiveBalances(pluggyApi())),
  webhookSource: pluggyWebhookSource,
  interpretWebhook: interpretPluggyWebhook,
  categoryWriter: pluggyCategoryWriter,
};
