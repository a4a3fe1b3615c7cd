import { presentCategory } from '../../shared/api/presenters';
import { categoryPath, categoryRenameBody } from '../../shared/api/schemas';
import { renameCategory } from '../../shared/banking/categories';
import { systemClock } from '../../shared/adapters/system-clock';
import { userRoute } from '../../shared/http/api-handler';
import { categoryStore } from '../../shared/wiring/stores';

const deps = { categories: categoryStore(), clock: systemClock };

export const handler = userRoute({ params: categoryPath, body: categoryRenameBody }, async ({ userId, params, body }) => ({
  status: 200,
  body: presentCategory(await renameCategory(deps, userId, params.categoryId, body.name)),
}));
