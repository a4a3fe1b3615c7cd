import { accountPath } from '../../shared/api/schemas';
import { revealAccountNumbers } from '../../shared/banking/account-numbers';
import { userRoute } from '../../shared/http/api-handler';
import { accountStore, connectionReader } from '../../shared/wiring/stores';
import { tokenVault } from '../../shared/wiring/vault';

const deps = { accounts: accountStore(), connections: connectionReader(), vault: tokenVault() };

/** The only place account numbers leave the vault; the response is marked no-store by the adapter. */
export const handler = userRoute({ params: accountPath }, async ({ userId, params }) => {
  const numbers = await revealAccountNumbers(deps, userId, params.accountId);
  return {
    status: 200,
    body: {
      account_id: numbers.accountId,
      account_number: numbers.account,
      routing_number: numbers.routing,
      wire_routing_number: numbers.wireRouting,
    },
  };
});
