import { plaidLinkTokenBody } from '../../shared/api/schemas';
import { userRoute } from '../../shared/http/api-handler';
import { createPlaidLinkToken } from '../../shared/providers/plaid/plaid-linking';
import { plaidLinkingDeps } from '../../shared/providers/plaid/plaid-module';

const deps = plaidLinkingDeps();

export const handler = userRoute({ body: plaidLinkTokenBody }, async ({ userId, body }) => {
  const token = await createPlaidLinkToken(deps, userId, {
    ...(body.products ? { products: body.products } : {}),
    ...(body.connection_id ? { connectionId: body.connection_id } : {}),
    ...(body.account_selection !== undefined ? { accountSelection: body.account_selection } : {}),
    ...(body.redirect_uri ? { redirectUri: body.redirect_uri } : {}),
  });
  return { status: 200, body: { link_token: token.linkToken, expiration: token.expiration, mode: token.mode } };
});
