import { presentAccount } from '../../shared/api/presenters';
import { accountPath } from '../../shared/api/schemas';
import { getAccount } from '../../shared/banking/accounts';
import { userRoute } from '../../shared/http/api-handler';
import { accountStore } from '../../shared/wiring/stores';

const accounts = accountStore();

export const handler = userRoute({ params: accountPath }, async ({ userId, params }) => ({
  status: 200,
  body: presentAccount(await getAccount(accounts, userId, params.accountId)),
}));
