import { presentTransactionChanges } from '../../shared/api/presenters';
import { transactionChangesQuery } from '../../shared/api/schemas';
import { systemClock } from '../../shared/adapters/system-clock';
import { listTransactionChanges } from '../../shared/banking/transaction-feed';
import { userRoute } from '../../shared/http/api-handler';
import { connectionReader, transactionChangeFeed } from '../../shared/wiring/stores';

const deps = { transactions: transactionChangeFeed(), connections: connectionReader(), clock: systemClock };

export const handler = userRoute({ query: transactionChangesQuery }, async ({ userId, query }) => {
  const changes = await listTransactionChanges(deps, userId, {
    cursor: query.cursor ?? null,
    limit: query.limit,
    ...(query.connection_id ? { connectionId: query.connection_id } : {}),
  });
  return { status: 200, body: presentTransactionChanges(changes) };
});
