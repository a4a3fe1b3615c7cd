/** Dependencies of the sync worker. */
import { systemClock } from '../banking/ports';
import type { SyncEngineDeps } from '../sync/sync-engine';
import type { ProviderSyncSource } from '../sync/provider-source';
import { ConflictError } from '../errors/app-error';
import { autoSyncConfig } from './config';
import { plaidSyncSource } from './plaid';
import { pluggySyncSource } from './pluggy';
import { accountStore, categoryStore, connectionStore, syncRunStore, transactionStore } from './stores';
import { tokenVault } from './vault';

export function syncEngineDeps(): SyncEngineDeps {
  const plaid = plaidSyncSource();
  return {
    connections: connectionStore(),
    accounts: accountStore(),
    transactions: transactionStore(),
    syncRuns: syncRunStore(),
    categories: categoryStore(),
    vault: tokenVault(),
    sourceFor: (provider): ProviderSyncSource => {
      if (provider === 'plaid') return plaid;
      // Built on first use: a container that only syncs Plaid connections never reads the Pluggy secret.
      if (provider === 'pluggy') return pluggySyncSource();
      throw new ConflictError('PROVIDER_NOT_SUPPORTED', `Provider ${provider} is not supported by this sync worker`);
    },
    clock: systemClock,
    autoSync: { intervalHours: autoSyncConfig().AUTO_SYNC_INTERVAL_HOURS, random: Math.random },
  };
}
