/**
 * Forced balance refresh of one account, asking the provider for live figures (Plaid
 * `/accounts/balance/get`) rather than the cached ones a sync reads.
 */
import { ValidationError } from '../errors/app-error';
import { storeAccounts } from './account-writer';
import type { LiveBalanceSource } from '../providers/ports';
import type { Account, Provider } from '../banking/model';
import { requireAccount, requireConnection } from '../banking/ownership';
import type { AccountStore, Clock, ConnectionStore, TokenVault } from '../banking/ports';
import { tokenContextOf } from '../banking/token-context';

export interface BalanceRefreshDeps {
  readonly accounts: AccountStore;
  readonly connections: ConnectionStore;
  readonly vault: TokenVault;
  readonly clock: Clock;
  readonly balanceSourceFor: (provider: Provider) => Promise<LiveBalanceSource>;
}

export async function refreshAccountBalance(deps: BalanceRefreshDeps, userId: string, accountId: string): Promise<Account> {
  const account = await requireAccount(deps.accounts, userId, accountId);
  const connection = await requireConnection(deps.connections, userId, account.connectionId);
  const accessToken = connection.accessToken
    ? await deps.vault.decrypt(connection.accessToken, tokenContextOf(connection))
    : null;
  const source = await deps.balanceSourceFor(connection.provider);
  const reported = await source.liveBalances(connection, accessToken, [
    account.providerAccountId,
  ]);
  const fresh = reported.filter((candidate) => candidate.providerAccountId === account.providerAccountId);
  if (fresh.length === 0) {
    throw new ValidationError('The provider no longer reports this account', [
      { field: 'path.accountId', message: 'Account not reported by the provider' },
    ]);
  }
  await storeAccounts(deps.accounts, connection, fresh, deps.clock.now().toISOString());
  return requireAccount(deps.accounts, userId, accountId);
}
