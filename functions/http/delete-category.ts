import { categoryDeleteQuery, categoryPath } from '../../shared/api/schemas';
import { deleteCategory, type DeleteCategoryMode } from '../../shared/banking/categories';
import { systemClock } from '../../shared/adapters/system-clock';
import { userRoute } from '../../shared/http/api-handler';
import { providerWriteQueue } from '../../shared/wiring/queues';
import { categoryStore, transactionStore } from '../../shared/wiring/stores';

const deps = {
  categories: categoryStore(),
  transactions: transactionStore(),
  providerWrites: providerWriteQueue(),
  clock: systemClock,
};

export const handler = userRoute({ params: categoryPath, query: categoryDeleteQuery }, async ({ userId, params, query }) => {
  const mode: DeleteCategoryMode = query.reassign_to
    ? { kind: 'reassign', toCategoryId: query.reassign_to }
    : query.clear_overrides
      ? { kind: 'clear_overrides' }
      : { kind: 'refuse_if_used' };
  const { reassigned } = await deleteCategory(deps, userId, params.categoryId, mode);
  return { status: 200, body: { deleted: params.categoryId, reassigned } };
});
