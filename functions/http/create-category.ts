import { presentCategory } from '../../shared/api/presenters';
import { categoryCreateBody } from '../../shared/api/schemas';
import { createCategory } from '../../shared/banking/categories';
import { systemClock } from '../../shared/adapters/system-clock';
import { userRoute } from '../../shared/http/api-handler';
import { categoryStore } from '../../shared/wiring/stores';

const deps = { categories: categoryStore(), clock: systemClock };

export const handler = userRoute({ body: categoryCreateBody }, async ({ userId, body }) => ({
  status: 201,
  body: presentCategory(await createCategory(deps, userId, { name: body.name, parentId: body.parent_id ?? null })),
}));
