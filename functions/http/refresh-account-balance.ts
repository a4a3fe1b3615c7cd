import { presentAccount } from '../../shared/api/presenters';
import { accountPath } from '../../shared/api/schemas';
import { refreshAccountBalance } from '../../shared/banking/balance-refresh';
import { systemClock } from '../../shared/banking/ports';
import { userRoute } from '../../shared/http/api-handler';
import { liveBalanceSources } from '../../shared/wiring/providers';
import { accountStore, connectionStore } from '../../shared/wiring/stores';
import { tokenVault } from '../../shared/wiring/vault';

const deps = {
  accounts: accountStore(),
  connections: connectionStore(),
  vault: tokenVault(),
  clock: systemClock,
  balanceSourceFor: liveBalanceSources(),
};

export const handler = userRoute({ params: accountPath }, async ({ userId, params }) => ({
  status: 200,
  body: presentAccount(await refreshAccountBalance(deps, userId, params.accountId)),
}));
