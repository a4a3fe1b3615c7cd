import { presentConnection, presentMfaPrompt, presentPluggyConnectToken } from '../../shared/api/presenters';
import type { CredentialsSentBody } from '../../shared/api/responses';
import { connectionCredentialsBody, connectionPath } from '../../shared/api/schemas';
import { userRoute } from '../../shared/http/api-handler';
import { renewConnectionCredentials } from '../../shared/linking/connection-credentials';
import { once } from '../../shared/wiring/once';
import { plaidLinkingDeps } from '../../shared/providers/plaid/plaid-linking-module';
import { pluggyLinkingDeps } from '../../shared/providers/pluggy/pluggy-linking-module';
import { connectionStore } from '../../shared/wiring/stores';

const deps = { connections: connectionStore(), plaid: once(plaidLinkingDeps), pluggy: once(pluggyLinkingDeps) };

/** POST /api/v1/banking/connections/{connectionId}/credentials */
export const handler = userRoute({ params: connectionPath, body: connectionCredentialsBody }, async ({ userId, params, body }) => {
  const result = await renewConnectionCredentials(deps, userId, params.connectionId, {
    ...(body.parameters ? { parameters: body.parameters } : {}),
    ...(body.oauth_redirect_uri ? { oauthRedirectUri: body.oauth_redirect_uri } : {}),
    ...(body.redirect_uri ? { redirectUri: body.redirect_uri } : {}),
    ...(body.account_selection !== undefined ? { accountSelection: body.account_selection } : {}),
  });
  if (result.provider === 'plaid') {
    return { status: 200, body: { provider: 'plaid', mode: 'link_token', link_token: result.linkToken, expiration: result.expiration } };
  }
  if (result.kind === 'connect_token') {
    // `mode` says what the client got (here a connect token); the token's own mode is always update.
    const { mode: _updateMode, ...token } = presentPluggyConnectToken(result.token);
    return { status: 200, body: { provider: 'pluggy', mode: 'connect_token', ...token } };
  }
  const sent: CredentialsSentBody = {
    provider: 'pluggy',
    mode: 'credentials_sent',
    connection: presentConnection(result.connection),
    sync_run_id: result.syncRunId,
    mfa: presentMfaPrompt(result.mfaPrompt),
  };
  return { status: 202, body: sent };
});
