import { plaidLinkTokenBody } from '../../shared/api/schemas';
import { ValidationError } from '../../shared/errors/app-error';
import { userRoute } from '../../shared/http/api-handler';
import { createPlaidLinkToken } from '../../shared/providers/plaid/plaid-linking';
import { plaidLinkTokenDeps } from '../../shared/providers/plaid/plaid-linking-module';

const deps = plaidLinkTokenDeps();

export const handler = userRoute({ body: plaidLinkTokenBody }, async ({ userId, body }) => {
  // The JWT is the authority; a body naming someone else is a client bug worth a clear 400, not a quiet override.
  if (body.user_id !== undefined && body.user_id !== userId) {
    throw new ValidationError('Invalid body.user_id: Must be the authenticated user', [
      { field: 'body.user_id', message: 'Must be the authenticated user' },
    ]);
  }
  const token = await createPlaidLinkToken(deps, userId, {
    ...(body.products ? { products: body.products } : {}),
    ...(body.connection_id ? { connectionId: body.connection_id } : {}),
    ...(body.account_selection !== undefined ? { accountSelection: body.account_selection } : {}),
    ...(body.redirect_uri ? { redirectUri: body.redirect_uri } : {}),
  });
  return { status: 200, body: { link_token: token.linkToken, expiration: token.expiration, mode: token.mode } };
});
