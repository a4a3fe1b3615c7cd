import { presentTransaction } from '../../shared/api/presenters';
import { transactionPath, transactionUpdateBody } from '../../shared/api/schemas';
import { systemClock } from '../../shared/adapters/system-clock';
import { updateTransaction } from '../../shared/banking/transactions';
import { userRoute } from '../../shared/http/api-handler';
import { providerWriteQueue } from '../../shared/wiring/queues';
import { categoryStore, transactionStore } from '../../shared/wiring/stores';

const deps = {
  transactions: transactionStore(),
  categories: categoryStore(),
  providerWrites: providerWriteQueue(),
  clock: systemClock,
};

export const handler = userRoute(
  { params: transactionPath, body: transactionUpdateBody },
  async ({ userId, params, body }) => {
    const updated = await updateTransaction(deps, userId, params.transactionId, {
      ...(body.category_id !== undefined ? { userCategoryId: body.category_id } : {}),
      ...(body.note !== undefined ? { note: body.note } : {}),
    });
    return { status: 200, body: presentTransaction(updated) };
  },
);
