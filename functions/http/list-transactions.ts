import { presentPage, presentTransaction } from '../../shared/api/presenters';
import { transactionListQuery } from '../../shared/api/schemas';
import { listTransactions } from '../../shared/banking/transactions';
import { userRoute } from '../../shared/http/api-handler';
import { accountStore, connectionReader, transactionReader } from '../../shared/wiring/stores';

const deps = { transactions: transactionReader(), accounts: accountStore(), connections: connectionReader() };

export const handler = userRoute({ query: transactionListQuery }, async ({ userId, query }) => {
  const filter = {
    ...(query.account_id ? { accountId: query.account_id } : {}),
    ...(query.connection_id ? { connectionId: query.connection_id } : {}),
    ...(query.date_from ? { dateFrom: query.date_from } : {}),
    ...(query.date_to ? { dateTo: query.date_to } : {}),
    ...(query.pending !== undefined ? { pending: query.pending } : {}),
    ...(query.category_id ? { categoryId: query.category_id } : {}),
  };
  const page = await listTransactions(deps, userId, filter, query.limit, query.cursor ?? null);
  return { status: 200, body: presentPage(page, presentTransaction) };
});
