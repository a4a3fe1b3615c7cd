import { presentCategory } from '../../shared/api/presenters';
import { listCategories } from '../../shared/banking/categories';
import { userRoute } from '../../shared/http/api-handler';
import { categoryStore } from '../../shared/wiring/stores';

const categories = categoryStore();

export const handler = userRoute({}, async ({ userId }) => ({
  status: 200,
  body: (await listCategories(categories, userId)).map(presentCategory),
}));
