import { presentAccount } from '../../shared/api/presenters';
import { accountPath } from '../../shared/api/schemas';
import { refreshAccountBalance } from '../../shared/sync/balance-refresh';
import { systemClock } from '../../shared/adapters/system-clock';
import { userRoute } from '../../shared/http/api-handler';
import { providerPart } from '../../shared/providers/registry';
import { accountStore, connectionStore } from '../../shared/wiring/stores';
import { tokenVault } from '../../shared/wiring/vault';

const deps = {
  accounts: accountStore(),
  connections: connectionStore(),
  vault: tokenVault(),
  clock: systemClock,
  balanceSourceFor: providerPart((provider) => provider.liveBalances(), 'live balances'),
};

export const handler = userRoute({ params: accountPath }, async ({ userId, params }) => ({
  status: 200,
  body: presentAccount(await refreshAccountBalance(deps, userId, params.accountId)),
}));
