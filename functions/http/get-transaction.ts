import { presentTransaction } from '../../shared/api/presenters';
import { transactionPath } from '../../shared/api/schemas';
import { getTransaction } from '../../shared/banking/transactions';
import { userRoute } from '../../shared/http/api-handler';
import { transactionReader } from '../../shared/wiring/stores';

const transactions = transactionReader();

export const handler = userRoute({ params: transactionPath }, async ({ userId, params }) => ({
  status: 200,
  body: presentTransaction(await getTransaction(transactions, userId, params.transactionId)),
}));
