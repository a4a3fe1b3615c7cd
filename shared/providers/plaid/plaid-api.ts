/**
 * Builds the `plaid` SDK client. The base path decides which Plaid answers: Plaid's sandbox or
 * production host, or the local Plaid sandbox of the offline stack (`PLAID_ENV=local`).
 *
 * Credentials come from Secrets Manager through `readCredentials` (cached there); the client is rebuilt
 * only when they change, so a rotated secret takes effect without a redeploy.
 */
import { Configuration, PlaidApi, PlaidEnvironments } from 'plaid';

export type PlaidEnvironmentName = 'sandbox' | 'production' | 'local';

export interface PlaidSettings {
  readonly environment: PlaidEnvironmentName;
  /** Base URL of the local sandbox; used only when `environment` is `local`. */
  readonly localBaseUrl: string;
}

export interface PlaidCredentials {
  readonly client_id: string;
  readonly secret: string;
}

/**
 * Default request timeout. Plaid documents `/accounts/balance/get` as "typically <10 s, occasionally 30 s or
 * more"; that call passes its own longer timeout, everything else is fast and fails sooner.
 */
export const PLAID_TIMEOUT_MS = 20_000;
export const PLAID_SLOW_CALL_TIMEOUT_MS = 40_000;

export function plaidBasePath(settings: PlaidSettings): string {
  if (settings.environment === 'local') return settings.localBaseUrl.replace(/\/+$/, '');
  return PlaidEnvironments[settings.environment] as string;
}

export function plaidApiFactory(
  settings: PlaidSettings,
  readCredentials: () => Promise<PlaidCredentials>,
): () => Promise<PlaidApi> {
  let cached: { credentials: PlaidCredentials; api: PlaidApi } | undefined;
  return async () => {
    const credentials = await readCredentials();
    if (cached && cached.credentials.client_id === credentials.client_id && cached.credentials.secret === credentials.secret) {
      return cached.api;
    }
    const configuration = new Configuration({
      basePath: plaidBasePath(settings),
      baseOptions: {
        timeout: PLAID_TIMEOUT_MS,
        headers: { 'PLAID-CLIENT-ID': credentials.client_id, 'PLAID-SECRET': credentials.secret },
      },
    });
    cached = { credentials, api: new PlaidApi(configuration) };
    return cached.api;
  };
}
