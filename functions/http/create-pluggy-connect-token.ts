import { presentPluggyConnectToken } from '../../shared/api/presenters';
import { pluggyConnectTokenBody } from '../../shared/api/schemas';
import { userRoute } from '../../shared/http/api-handler';
import { createPluggyConnectToken } from '../../shared/providers/pluggy/pluggy-linking';
import { pluggyConnectTokenDeps } from '../../shared/providers/pluggy/pluggy-linking-module';

const deps = pluggyConnectTokenDeps();

/** POST /api/v1/banking/pluggy/connect-token */
export const handler = userRoute({ body: pluggyConnectTokenBody }, async ({ userId, body }) => {
  const token = await createPluggyConnectToken(deps, userId, {
    ...(body.avoid_duplicates !== undefined ? { avoidDuplicates: body.avoid_duplicates } : {}),
    ...(body.country_codes ? { countryCodes: body.country_codes } : {}),
    ...(body.connector_types ? { connectorTypes: body.connector_types } : {}),
    ...(body.connector_ids ? { connectorIds: body.connector_ids } : {}),
    ...(body.products_types ? { productsTypes: body.products_types } : {}),
    ...(body.oauth_redirect_uri ? { oauthRedirectUri: body.oauth_redirect_uri } : {}),
    ...(body.connection_id ? { connectionId: body.connection_id } : {}),
  });
  return { status: 200, body: presentPluggyConnectToken(token) };
});
