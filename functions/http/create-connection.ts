import { presentAccount, presentConnection, presentMfaPrompt } from '../../shared/api/presenters';
import type { CreatedConnectionBody } from '../../shared/api/responses';
import { createConnectionBody } from '../../shared/api/schemas';
import { userRoute } from '../../shared/http/api-handler';
import { createPluggyConnection } from '../../shared/providers/pluggy/pluggy-linking';
import { pluggyLinkingDeps } from '../../shared/providers/pluggy/pluggy-linking-module';

const deps = pluggyLinkingDeps();

/** POST /api/v1/banking/connections: a connection from the item Pluggy Connect created. */
export const handler = userRoute({ body: createConnectionBody }, async ({ userId, body }) => {
  const created = await createPluggyConnection(deps, userId, {
    itemId: body.item_id,
    ...(body.product_tag ? { productTag: body.product_tag } : {}),
  });
  const answer: CreatedConnectionBody = {
    connection: presentConnection(created.connection),
    accounts: created.accounts.map(presentAccount),
    sync_run_id: created.syncRunId,
    mfa: presentMfaPrompt(created.mfaPrompt),
  };
  return { status: 201, body: answer };
});
