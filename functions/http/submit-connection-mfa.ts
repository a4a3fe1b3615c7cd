import { presentConnection, presentMfaPrompt } from '../../shared/api/presenters';
import type { MfaSubmittedBody } from '../../shared/api/responses';
import { connectionMfaBody, connectionPath } from '../../shared/api/schemas';
import { userRoute } from '../../shared/http/api-handler';
import { submitPluggyMfa } from '../../shared/providers/pluggy/pluggy-linking';
import { pluggyMfaDeps } from '../../shared/providers/pluggy/pluggy-linking-module';

const deps = pluggyMfaDeps();

/** POST /api/v1/banking/connections/{connectionId}/mfa: the answer to a Pluggy item's MFA prompt. */
export const handler = userRoute({ params: connectionPath, body: connectionMfaBody }, async ({ userId, params, body }) => {
  const result = await submitPluggyMfa(deps, userId, params.connectionId, body.parameters);
  const answer: MfaSubmittedBody = { connection: presentConnection(result.connection), sync_run_id: result.syncRunId, mfa: presentMfaPrompt(result.mfaPrompt) };
  return { status: 202, body: answer };
});
