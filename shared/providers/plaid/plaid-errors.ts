/**
 * Plaid failures → `ProviderError`. Plaid's `error_code` is the stable thing to switch on
 * (https://plaid.com/docs/errors/). The message the caller sees:
 * - for input the caller can correct (`invalid_input`: a bad or expired public token, wrong credentials),
 *   Plaid's `error_message`, the developer text saying what was wrong with the request. Plaid's
 *   `display_message` is null for most of these (INVALID_PUBLIC_TOKEN among them), so it alone would leave
 *   the caller with nothing to go on;
 * - otherwise `display_message` (end-user text) or our neutral sentence (`errors/neutral-messages.ts`):
 *   for connection states and outages Plaid's developer text says nothing the caller can act on.
 * `display_message` itself (string or null) is always passed on in `details` for the frontend to show.
 *
 * The SDK rejects with an AxiosError whose `config` holds the PLAID-SECRET header and the request body
 * (with the access token). Nothing here keeps a reference to it: only status and Plaid's error fields are
 * copied out, and the ProviderError carries no `cause`.
 */
import { ProviderError, type ProviderFailureKind } from '../../errors/app-error';
import { NEUTRAL_MESSAGES } from '../../errors/neutral-messages';
import { PLAID_TOKEN_PATTERN } from '../../observability/redaction';
import { measuredProviderCall } from '../provider-call-metrics';

interface PlaidErrorBody {
  error_type?: string;
  error_code?: string;
  error_message?: string | null;
  display_message?: string | null;
  request_id?: string;
}

const KIND_BY_CODE: Readonly<Record<string, ProviderFailureKind>> = {
  ITEM_LOGIN_REQUIRED: 'login_required',
  // In an API answer these come back to a user who is linking right now and can type again
  // (https://plaid.com/docs/errors/item/#invalid_credentials): a 400 they correct, not a broken connection.
  // The same codes in an ITEM ERROR webhook mean the stored login stopped working with nobody present, so
  // there they mark the connection `login_required` (STATUS_BY_ITEM_ERROR in plaid-webhook-interpreter.ts).
  INVALID_CREDENTIALS: 'invalid_input',
  INVALID_MFA: 'invalid_input',
  ITEM_LOCKED: 'login_required',
  USER_SETUP_REQUIRED: 'login_required',
  ITEM_NOT_FOUND: 'item_not_found',
  INVALID_ACCESS_TOKEN: 'item_not_found',
  ACCESS_NOT_GRANTED: 'revoked',
  USER_PERMISSION_REVOKED: 'revoked',
  TRANSACTIONS_SYNC_MUTATION_DURING_PAGINATION: 'mutation_during_pagination',
  INVALID_PUBLIC_TOKEN: 'invalid_input',
  INSTITUTION_DOWN: 'transient',
  INSTITUTION_NOT_RESPONDING: 'transient',
  INSTITUTION_NOT_AVAILABLE: 'transient',
  INTERNAL_SERVER_ERROR: 'transient',
  PLANNED_MAINTENANCE: 'transient',
  PRODUCT_NOT_READY: 'transient',
};

export function plaidErrorFrom(error: unknown): ProviderError {
  if (error instanceof ProviderError) return error;
  const response = (error as { response?: { status?: number; data?: unknown; headers?: Record<string, unknown> } })?.response;
  if (!response) {
    // No response at all: timeout, connection reset, DNS. Worth retrying.
    const code = (error as { code?: string })?.code ?? 'NETWORK_ERROR';
    return new ProviderError('plaid', 'transient', { providerCode: code, message: NEUTRAL_MESSAGES.transient });
  }
  const body = (typeof response.data === 'object' && response.data !== null ? response.data : {}) as PlaidErrorBody;
  const code = body.error_code ?? `HTTP_${response.status ?? 'UNKNOWN'}`;
  const kind = kindOf(body, response.status);
  const retryAfter = Number(response.headers?.['retry-after']);
  const displayMessage = typeof body.display_message === 'string' && body.display_message.trim() ? body.display_message : null;
  const message = (kind === 'invalid_input' ? developerMessage(body) : null) ?? displayMessage ?? NEUTRAL_MESSAGES[kind];
  // Every Plaid error body carries `request_id` (spec schema PlaidError); Plaid support asks for it.
  const requestId = typeof body.request_id === 'string' && body.request_id.trim() ? body.request_id : undefined;
  return new ProviderError('plaid', kind, {
    providerCode: code,
    message,
    extraDetails: { display_message: displayMessage },
    ...(requestId ? { requestId } : {}),
    ...(Number.isFinite(retryAfter) && retryAfter > 0 ? { retryAfterSeconds: retryAfter } : {}),
  });
}

const MAX_DEVELOPER_MESSAGE_LENGTH = 300;

function developerMessage(body: PlaidErrorBody): string | null {
  const text = typeof body.error_message === 'string' ? body.error_message.trim() : '';
  if (!text) return null;
  // Plaid's token formats are never echoed back, should a message quote one.
  return text.replace(PLAID_TOKEN_PATTERN, '[token]').slice(0, MAX_DEVELOPER_MESSAGE_LENGTH);
}

function kindOf(body: PlaidErrorBody, status: number | undefined): ProviderFailureKind {
  const byCode = body.error_code ? KIND_BY_CODE[body.error_code] : undefined;
  if (byCode) return byCode;
  if (body.error_type === 'RATE_LIMIT_EXCEEDED' || status === 429) return 'rate_limited';
  if (body.error_type === 'INSTITUTION_ERROR' || body.error_type === 'API_ERROR' || (status ?? 0) >= 500) return 'transient';
  if (body.error_type === 'INVALID_INPUT' || body.error_type === 'INVALID_REQUEST') return 'permanent';
  return 'permanent';
}

/** Runs a Plaid SDK call and returns its `data`, translating any failure; each call is measured (provider metrics). */
export async function callPlaid<T>(call: () => Promise<{ data: T }>): Promise<T> {
  return measuredProviderCall('plaid', async () => {
    try {
      return (await call()).data;
    } catch (error) {
      throw plaidErrorFrom(error);
    }
  });
}
