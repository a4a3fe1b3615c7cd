/** Dependencies of the sync worker. */
import { systemClock } from '../adapters/system-clock';
import type { SyncEngineDeps } from '../sync/sync-engine';
import { providerPart } from '../providers/registry';
import { autoSyncConfig } from './config';
import { eventPublisher, institutionHealth } from './events';
import { accountStore, categoryStore, connectionStore, syncRunStore, transactionStore } from './stores';
import { tokenVault } from './vault';

export function syncEngineDeps(): SyncEngineDeps {
  return {
    connections: connectionStore(),
    accounts: accountStore(),
    transactions: transactionStore(),
    syncRuns: syncRunStore(),
    categories: categoryStore(),
    vault: tokenVault(),
    // Each provider's module loads with its first connection: a Plaid-only container never reads Pluggy's secret.
    sourceFor: providerPart((provider) => provider.syncSource(), 'sync'),
    clock: systemClock,
    autoSync: { intervalHours: autoSyncConfig().AUTO_SYNC_INTERVAL_HOURS, random: Math.random },
    events: eventPublisher(),
    institutions: institutionHealth(),
  };
}
