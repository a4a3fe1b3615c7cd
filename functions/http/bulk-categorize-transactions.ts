import { presentTransaction } from '../../shared/api/presenters';
import { bulkCategorizeBody } from '../../shared/api/schemas';
import { systemClock } from '../../shared/adapters/system-clock';
import { bulkCategorize } from '../../shared/banking/transactions';
import { userRoute } from '../../shared/http/api-handler';
import { providerWriteQueue } from '../../shared/wiring/queues';
import { categoryStore, transactionStore } from '../../shared/wiring/stores';

const deps = {
  transactions: transactionStore(),
  categories: categoryStore(),
  providerWrites: providerWriteQueue(),
  clock: systemClock,
};

export const handler = userRoute({ body: bulkCategorizeBody }, async ({ userId, body }) => {
  const updated = await bulkCategorize(deps, userId, body.transaction_ids, body.category_id);
  return { status: 200, body: { updated: updated.length, data: updated.map(presentTransaction) } };
});
