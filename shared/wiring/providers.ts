/**
 * Provider registries: which adapter serves each provider for removal and live balances. A provider whose
 * adapters are not part of this build answers with a clear 409 instead of failing obscurely.
 */
import type { LiveBalanceSource } from '../banking/balance-refresh';
import type { Provider } from '../banking/model';
import type { ProviderConnectionRemover } from '../banking/ports';
import { ConflictError } from '../errors/app-error';
import { plaidConnectionRemover, plaidLiveBalances } from './plaid';
import { pluggyConnectionRemover, pluggyLiveBalances } from './pluggy';

function registry<T>(build: Partial<Record<Provider, () => T>>): () => (provider: Provider) => T {
  return () => {
    const built = new Map<Provider, T>();
    return (provider) => {
      const existing = built.get(provider);
      if (existing) return existing;
      const factory = build[provider];
      if (!factory) throw new ConflictError('PROVIDER_NOT_SUPPORTED', `Provider ${provider} is not supported for this operation`);
      const instance = factory();
      built.set(provider, instance);
      return instance;
    };
  };
}

export const providerRemovers = registry<ProviderConnectionRemover>({ plaid: plaidConnectionRemover, pluggy: pluggyConnectionRemover });
export const liveBalanceSources = registry<LiveBalanceSource>({ plaid: plaidLiveBalances, pluggy: pluggyLiveBalances });
