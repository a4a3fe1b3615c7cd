import { presentAccount } from '../../shared/api/presenters';
import { accountListQuery } from '../../shared/api/schemas';
import { listAccounts } from '../../shared/banking/accounts';
import { userRoute } from '../../shared/http/api-handler';
import { accountStore } from '../../shared/wiring/stores';

const accounts = accountStore();

export const handler = userRoute({ query: accountListQuery }, async ({ userId, query }) => ({
  status: 200,
  body: (await listAccounts(accounts, userId, query.connection_id)).map(presentAccount),
}));
