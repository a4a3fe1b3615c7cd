import { NotFoundError } from '../../shared/errors/app-error';
import { publicRoute } from '../../shared/http/api-handler';

/** API Gateway's `$default` route: unknown paths get the standard error envelope instead of a bare 404. */
export const handler = publicRoute(async () => {
  throw new NotFoundError('route');
});
