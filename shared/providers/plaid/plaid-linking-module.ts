/**
 * Composition roots of the Plaid linking routes, one per use-case: the link-token route gets no sync queue
 * (nor its SQS client); the exchange and credential routes get everything linking needs.
 */
import { userHashSecretReader } from '../../adapters/secrets/secret-reader';
import { systemClock } from '../../adapters/system-clock';
import type { PlaidLinkingDeps, PlaidLinkTokenDeps } from './plaid-linking';
import { plaidItemGateway, plaidWebhookUrl } from './plaid-module';
import { providerUserId } from '../user-hash';
import { autoSyncConfig } from '../../wiring/config';
import { syncJobQueue } from '../../wiring/queues';
import { connectionStore, syncRunStore } from '../../wiring/stores';
import { tokenVault, tokenVaultOnFirstUse } from '../../wiring/vault';
import type { TokenVault } from '../../banking/ports';

/**
 * The link-token route's deps: everything linking needs but the sync queue and run store. Its vault decrypts
 * only for update mode (a new link needs none), so it takes its KMS client when it first does.
 */
export function plaidLinkTokenDeps(vault: TokenVault = tokenVaultOnFirstUse()): PlaidLinkTokenDeps {
  const userHash = userHashSecretReader();
  return {
    gateway: plaidItemGateway(),
    vault,
    connections: connectionStore(),
    providerUserIdOf: async (userId) => providerUserId((await userHash.read()).key, userId),
    webhookUrl: plaidWebhookUrl(),
  };
}

export function plaidLinkingDeps(): PlaidLinkingDeps {
  return {
    ...plaidLinkTokenDeps(tokenVault()),
    syncRuns: syncRunStore(),
    syncQueue: syncJobQueue(),
    clock: systemClock,
    autoSyncIntervalHours: autoSyncConfig().AUTO_SYNC_INTERVAL_HOURS,
  };
}
