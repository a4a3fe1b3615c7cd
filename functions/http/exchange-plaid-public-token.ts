import { presentAccount, presentConnection } from '../../shared/api/presenters';
import type { PlaidExchangeBody } from '../../shared/api/responses';
import { plaidExchangeBody } from '../../shared/api/schemas';
import { userRoute } from '../../shared/http/api-handler';
import { exchangePlaidPublicToken } from '../../shared/providers/plaid/plaid-linking';
import { plaidLinkingDeps } from '../../shared/providers/plaid/plaid-linking-module';

const deps = plaidLinkingDeps();

export const handler = userRoute({ body: plaidExchangeBody }, async ({ userId, body }) => {
  const productTag = body.product_tag ?? body.product;
  const linked = await exchangePlaidPublicToken(deps, userId, {
    publicToken: body.public_token,
    ...(body.institution
      ? { institution: { id: body.institution.institution_id, name: body.institution.name ?? null } }
      : {}),
    ...(body.accounts ? { accounts: body.accounts.map((account) => ({ name: account.name, mask: account.mask ?? null })) } : {}),
    ...(productTag ? { productTag } : {}),
  });
  const exchanged: PlaidExchangeBody = {
    connection: presentConnection(linked.connection),
    accounts: linked.accounts.map(presentAccount),
    sync_run_id: linked.syncRunId,
    // Seed 002 reads these at the top level; the access token itself never leaves the vault.
    item_id: linked.connection.providerItemId,
    product: linked.connection.productTag,
  };
  return { status: 201, body: exchanged };
});
