/**
 * Composition roots of the Pluggy linking routes, one per use-case: the connect-token and consent routes get
 * no sync queue (nor its SQS client); an MFA answer gets no user hash or category store; creating a
 * connection and credential updates get everything.
 */
import { userHashSecretReader } from '../../adapters/secrets/secret-reader';
import { systemClock } from '../../adapters/system-clock';
import type { PluggyConnectTokenDeps, PluggyConsentDeps, PluggyLinkingDeps, PluggyMfaDeps } from './pluggy-linking';
import { pluggyConnectGateway, pluggyWebhookUrl } from './pluggy-module';
import { providerUserId } from '../user-hash';
import { autoSyncConfig, pluggyConfig } from '../../wiring/config';
import { once } from '../../wiring/once';
import { syncJobQueue } from '../../wiring/queues';
import { categoryStore, connectionStore, syncRunStore } from '../../wiring/stores';

/** The connect-token route's deps: no sync queue or run store (and so no SQS client in its bundle). */
export function pluggyConnectTokenDeps(): PluggyConnectTokenDeps {
  // Read on first use: only connect tokens and new connections need the user hash (and its grant).
  const userHash = once(() => userHashSecretReader());
  const settings = pluggyConfig();
  return {
    gateway: pluggyConnectGateway(),
    connections: connectionStore(),
    providerUserIdOf: async (userId) => providerUserId((await userHash().read()).key, userId),
    webhookUrl: settings.PLUGGY_ITEM_WEBHOOKS ? pluggyWebhookUrl() : null,
    widget: { includeSandbox: settings.PLUGGY_ENV !== 'production', connectBaseUrl: settings.PLUGGY_CONNECT_URL },
  };
}

/** The consent route's deps: Pluggy, the connection store and the clock. */
export function pluggyConsentDeps(): PluggyConsentDeps {
  return { gateway: pluggyConnectGateway(), connections: connectionStore(), clock: systemClock };
}

/** The MFA route's deps: Pluggy, the connection and the sync it queues. */
export function pluggyMfaDeps(): PluggyMfaDeps {
  return {
    gateway: pluggyConnectGateway(),
    connections: connectionStore(),
    syncRuns: syncRunStore(),
    syncQueue: syncJobQueue(),
    clock: systemClock,
    autoSyncIntervalHours: autoSyncConfig().AUTO_SYNC_INTERVAL_HOURS,
  };
}

export function pluggyLinkingDeps(): PluggyLinkingDeps {
  // The stores, queue and gateway are one instance per container (`once`), so the two roots share them.
  return { ...pluggyConnectTokenDeps(), ...pluggyMfaDeps(), categories: categoryStore() };
}
