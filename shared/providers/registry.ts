/**
 * The provider registry: the one place that maps a provider name to its module. Sync, webhook receipt and
 * application, provider writes, deletion and balance refresh all find their provider here.
 *
 * Modules load on first use (a dynamic import, which the bundler keeps lazy), so a container that only ever
 * meets Plaid connections never initialises the Pluggy client, and the reverse. The webhook interpreters have
 * their own table in `./webhook-interpreters` (see there why).
 */
import type { Provider } from '../banking/model';
import { ConflictError } from '../errors/app-error';
import type { ProviderCategoryWriter, ProviderModule } from './ports';

const modules: Readonly<Record<Provider, () => Promise<ProviderModule>>> = {
  plaid: () => import('./plaid/plaid-module').then((loaded) => loaded.plaidModule),
  pluggy: () => import('./pluggy/pluggy-module').then((loaded) => loaded.pluggyModule),
};

export async function providerModule(provider: Provider): Promise<ProviderModule> {
  const load = Object.hasOwn(modules, provider) ? modules[provider] : undefined;
  if (!load) throw new ConflictError('PROVIDER_NOT_SUPPORTED', `Provider ${String(provider)} is not supported`);
  return load();
}

/**
 * One part of every provider's module, looked up per call: `providerPart((module) => module.syncSource())`
 * gives the use-cases their `(provider) => Promise<part>` dependency.
 */
export function providerPart<T>(pick: (module: ProviderModule) => T | undefined, purpose: string): (provider: Provider) => Promise<T> {
  return async (provider) => {
    const part = pick(await providerModule(provider));
    if (part === undefined) throw new ConflictError('PROVIDER_NOT_SUPPORTED', `Provider ${provider} does not support ${purpose}`);
    return part;
  };
}

/**
 * Category feedback only (Pluggy): the provider-write worker looks its writer up here instead of through
 * {@link providerPart}, so its bundle holds only the providers that write categories (no Plaid SDK).
 */
const categoryWriters: Readonly<Partial<Record<Provider, () => Promise<ProviderCategoryWriter>>>> = {
  pluggy: () => import('./pluggy/pluggy-module').then((loaded) => loaded.pluggyCategoryWriter()),
};

export async function categoryWriterFor(provider: Provider): Promise<ProviderCategoryWriter> {
  const load = Object.hasOwn(categoryWriters, provider) ? categoryWriters[provider] : undefined;
  if (!load) throw new ConflictError('PROVIDER_NOT_SUPPORTED', `Provider ${String(provider)} does not support category feedback`);
  return load();
}
