/**
 * `POST /banking/connections/{id}/credentials`: re-authenticating a connection, whichever its provider.
 *
 * - Plaid: an update-mode link token (credentials are only ever entered in Plaid Link).
 * - Pluggy: new credentials sent to Pluggy when `parameters` are given, otherwise an update-mode connect
 *   token for Pluggy Connect (which also renews an Open Finance consent).
 *
 * Each provider's dependencies are built on first use, so a request only needs the secrets of its provider.
 */
import { requireConnection } from '../banking/ownership';
import type { ConnectionStore } from '../banking/ports';
import { ValidationError } from '../errors/app-error';
import { createPlaidLinkToken, type PlaidLinkingDeps } from '../providers/plaid/plaid-linking';
import { updatePluggyCredentials, type CredentialsUpdate, type PluggyLinkingDeps } from '../providers/pluggy/pluggy-linking';

export interface ConnectionCredentialsDeps {
  readonly connections: ConnectionStore;
  readonly plaid: () => PlaidLinkingDeps;
  readonly pluggy: () => PluggyLinkingDeps;
}

export interface CredentialsInput {
  /** Pluggy credential fields (`user`, `password`, ...). */
  readonly parameters?: Readonly<Record<string, string>>;
  readonly oauthRedirectUri?: string;
  readonly redirectUri?: string;
  readonly accountSelection?: boolean;
}

export type CredentialsResult =
  | { readonly provider: 'plaid'; readonly linkToken: string; readonly expiration: string }
  | ({ readonly provider: 'pluggy' } & CredentialsUpdate);

export async function renewConnectionCredentials(
  deps: ConnectionCredentialsDeps,
  userId: string,
  connectionId: string,
  input: CredentialsInput,
): Promise<CredentialsResult> {
  const connection = await requireConnection(deps.connections, userId, connectionId);
  if (connection.provider === 'plaid') {
    if (input.parameters) {
      throw new ValidationError('Plaid credentials are entered in Plaid Link', [
        { field: 'body.parameters', message: 'Not accepted for Plaid connections; open Link with the returned token' },
      ]);
    }
    const token = await createPlaidLinkToken(deps.plaid(), userId, {
      connectionId,
      ...(input.accountSelection !== undefined ? { accountSelection: input.accountSelection } : {}),
      ...(input.redirectUri ? { redirectUri: input.redirectUri } : {}),
    });
    return { provider: 'plaid', linkToken: token.linkToken, expiration: token.expiration };
  }
  const update = await updatePluggyCredentials(deps.pluggy(), userId, connectionId, {
    ...(input.parameters ? { parameters: input.parameters } : {}),
    token: input.oauthRedirectUri ? { oauthRedirectUri: input.oauthRedirectUri } : {},
  });
  return { provider: 'pluggy', ...update };
}
