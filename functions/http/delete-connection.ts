import { connectionPath } from '../../shared/api/schemas';
import { removeConnection } from '../../shared/banking/connections';
import { userRoute } from '../../shared/http/api-handler';
import { providerPart } from '../../shared/providers/registry';
import { accountStore, connectionStore, syncRunStore, transactionStore } from '../../shared/wiring/stores';

const deps = {
  connections: connectionStore(),
  accounts: accountStore(),
  transactions: transactionStore(),
  syncRuns: syncRunStore(),
  removerFor: providerPart((provider) => provider.connectionRemover(), 'connection removal'),
};

export const handler = userRoute({ params: connectionPath }, async ({ userId, params }) => {
  await removeConnection(deps, userId, params.connectionId);
  return { status: 204 };
});
