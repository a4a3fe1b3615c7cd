/**
 * Plaid's error vocabulary as the sandbox speaks it.
 *
 * Every failure leaves the sandbox as Plaid's error body (spec schema `PlaidError`): `error_type`,
 * `error_code`, `error_message`, `display_message`, `request_id`, ... with the HTTP status Plaid uses for that
 * code (docs https://plaid.com/docs/errors/). Messages follow Plaid's wording where it
 * is documented; Plaid itself says they may change, so callers must switch on `error_code` only.
 */
import { PlaidErrorType, type PlaidError } from 'plaid';

export interface ErrorDefinition {
  readonly type: PlaidErrorType;
  readonly status: number;
  readonly message: string;
  readonly display: string | null;
}

const LOGIN_REQUIRED_MESSAGE =
  "the login details of this item have changed (credentials, MFA, or required user action) and a user login is required to update this information. use Link's update mode to restore the item to a good state";
const INSTITUTION_UNAVAILABLE_MESSAGE = 'this institution is not currently responding to this request. please try again soon';
const INSTITUTION_UNAVAILABLE_DISPLAY = 'This financial institution is not currently responding to requests. We apologize for the inconvenience.';
const RATE_LIMIT_MESSAGE = 'rate limit exceeded for attempts to access this item. please try again later';

/** Codes the sandbox can raise, by `error_code`. */
export const ERROR_CATALOG: Readonly<Record<string, ErrorDefinition>> = {
  // INVALID_REQUEST: malformed calls.
  MISSING_FIELDS: { type: PlaidErrorType.InvalidRequest, status: 400, message: 'the following required fields are missing: {fields}', display: null },
  INVALID_FIELD: { type: PlaidErrorType.InvalidRequest, status: 400, message: '{detail}', display: null },
  INVALID_BODY: { type: PlaidErrorType.InvalidRequest, status: 400, message: 'body could not be parsed as JSON', display: null },
  INVALID_HEADERS: { type: PlaidErrorType.InvalidRequest, status: 400, message: '{detail}', display: null },
  NOT_FOUND: { type: PlaidErrorType.InvalidRequest, status: 404, message: 'not found', display: null },
  METHOD_NOT_ALLOWED: { type: PlaidErrorType.InvalidRequest, status: 405, message: 'only POST requests are accepted', display: null },
  // INVALID_INPUT: well-formed calls with unusable values.
  INVALID_API_KEYS: { type: PlaidErrorType.InvalidInput, status: 400, message: 'invalid client_id or secret provided', display: null },
  INVALID_ACCESS_TOKEN: { type: PlaidErrorType.InvalidInput, status: 400, message: 'could not find matching access token', display: null },
  INVALID_PUBLIC_TOKEN: { type: PlaidErrorType.InvalidInput, status: 400, message: 'could not find matching public token', display: null },
  INVALID_LINK_TOKEN: { type: PlaidErrorType.InvalidInput, status: 400, message: 'could not find matching link token', display: null },
  INVALID_INSTITUTION: { type: PlaidErrorType.InvalidInput, status: 400, message: 'invalid institution_id provided', display: null },
  INVALID_PRODUCT: { type: PlaidErrorType.InvalidInput, status: 400, message: '{detail}', display: null },
  INVALID_ACCOUNT_ID: { type: PlaidErrorType.InvalidInput, status: 400, message: 'one or more of the account IDs is invalid', display: null },
  INVALID_WEBHOOK_VERIFICATION_KEY_ID: { type: PlaidErrorType.InvalidInput, status: 400, message: 'invalid key_id provided', display: null },
  // ITEM_ERROR.
  ITEM_LOGIN_REQUIRED: { type: PlaidErrorType.ItemError, status: 400, message: LOGIN_REQUIRED_MESSAGE, display: LOGIN_REQUIRED_MESSAGE },
  ITEM_NOT_FOUND: {
    type: PlaidErrorType.ItemError,
    status: 400,
    message: 'The Item you requested cannot be found. This Item does not exist, has been previously removed via /item/remove, or has had access removed by the user.',
    display: null,
  },
  INVALID_CREDENTIALS: { type: PlaidErrorType.ItemError, status: 400, message: 'the provided credentials were not correct', display: 'The provided credentials were not correct. Please try again.' },
  INVALID_MFA: { type: PlaidErrorType.ItemError, status: 400, message: 'the provided MFA response(s) were not correct', display: 'The provided MFA responses were not correct. Please try again.' },
  INVALID_SEND_METHOD: { type: PlaidErrorType.ItemError, status: 400, message: 'the provided MFA send_method was invalid', display: null },
  INVALID_UPDATED_USERNAME: { type: PlaidErrorType.ItemError, status: 400, message: 'the username provided is not the same as the original username for this item', display: 'The provided username did not match the original username for this account.' },
  ITEM_LOCKED: {
    type: PlaidErrorType.ItemError,
    status: 400,
    message: "the account is locked. prompt the user to visit the institution's site and unlock their account",
    display: "The given account has been locked by the financial institution. Please visit your bank's website to unlock your account.",
  },
  ITEM_NOT_SUPPORTED: { type: PlaidErrorType.ItemError, status: 400, message: 'this account is currently not supported', display: 'The given account is not currently supported for this financial institution. We apologize for the inconvenience.' },
  MFA_NOT_SUPPORTED: { type: PlaidErrorType.ItemError, status: 400, message: 'this account requires a MFA type that we do not currently support', display: 'The multi-factor security features enabled on this account are not currently supported for this financial institution. We apologize for the inconvenience.' },
  NO_ACCOUNTS: { type: PlaidErrorType.ItemError, status: 400, message: 'no valid accounts were found for this item', display: 'No valid accounts were found at the financial institution. Please visit your financial institution\'s website to confirm accounts are available.' },
  NO_AUTH_ACCOUNTS: { type: PlaidErrorType.ItemError, status: 400, message: 'no valid checking or savings accounts were found for this item', display: 'No valid checking or savings accounts were found at the financial institution.' },
  PASSWORD_RESET_REQUIRED: { type: PlaidErrorType.ItemError, status: 400, message: 'the user must log in directly to the financial institution and reset their password', display: 'The financial institution indicates that your password must be reset. Please log in to your institution and reset your password.' },
  USER_SETUP_REQUIRED: { type: PlaidErrorType.ItemError, status: 400, message: 'the user must log into their account and complete a required action', display: 'You must log in to your financial institution and complete an action before continuing.' },
  INSUFFICIENT_CREDENTIALS: { type: PlaidErrorType.ItemError, status: 400, message: 'insufficient authorization was provided to complete the request', display: 'Insufficient authorization was provided to complete the request.' },
  ACCESS_NOT_GRANTED: { type: PlaidErrorType.ItemError, status: 400, message: 'access to this product was not granted for the account', display: 'The user did not grant the necessary permissions for this product on their account.' },
  PRODUCTS_NOT_SUPPORTED: { type: PlaidErrorType.ItemError, status: 400, message: '{detail}', display: null },
  PRODUCT_NOT_READY: { type: PlaidErrorType.ItemError, status: 400, message: 'the requested product is not yet ready. please provide a webhook or try the request again later', display: null },
  USER_PERMISSION_REVOKED: { type: PlaidErrorType.ItemError, status: 400, message: 'the holder of this account has revoked their permission for your application to access it', display: 'The holder of this account has revoked their permission for your application to access it.' },
  // INSTITUTION_ERROR.
  INSTITUTION_DOWN: { type: PlaidErrorType.InstitutionError, status: 400, message: INSTITUTION_UNAVAILABLE_MESSAGE, display: INSTITUTION_UNAVAILABLE_DISPLAY },
  INSTITUTION_NOT_RESPONDING: { type: PlaidErrorType.InstitutionError, status: 400, message: INSTITUTION_UNAVAILABLE_MESSAGE, display: INSTITUTION_UNAVAILABLE_DISPLAY },
  INSTITUTION_NOT_AVAILABLE: { type: PlaidErrorType.InstitutionError, status: 400, message: INSTITUTION_UNAVAILABLE_MESSAGE, display: INSTITUTION_UNAVAILABLE_DISPLAY },
  INSTITUTION_NO_LONGER_SUPPORTED: { type: PlaidErrorType.InstitutionError, status: 400, message: 'this institution is no longer supported', display: 'This financial institution is no longer supported. We apologize for the inconvenience.' },
  // TRANSACTIONS_ERROR.
  TRANSACTIONS_SYNC_MUTATION_DURING_PAGINATION: {
    type: PlaidErrorType.TransactionsError,
    status: 400,
    message: 'Underlying transaction data changed since last page was fetched. Please restart pagination from last update.',
    display: null,
  },
  // RATE_LIMIT_EXCEEDED: always HTTP 429 (https://plaid.com/docs/errors/rate-limit-exceeded).
  RATE_LIMIT: { type: PlaidErrorType.RateLimitExceeded, status: 429, message: 'rate limit exceeded for this client. please try again later', display: null },
  RATE_LIMIT_EXCEEDED: { type: PlaidErrorType.RateLimitExceeded, status: 429, message: RATE_LIMIT_MESSAGE, display: null },
  TRANSACTIONS_SYNC_LIMIT: { type: PlaidErrorType.RateLimitExceeded, status: 429, message: RATE_LIMIT_MESSAGE, display: null },
  BALANCE_LIMIT: { type: PlaidErrorType.RateLimitExceeded, status: 429, message: 'rate limit exceeded for attempts to access this item\'s balance. please try again later', display: null },
  ACCOUNTS_BALANCE_GET_LIMIT: { type: PlaidErrorType.RateLimitExceeded, status: 429, message: 'rate limit exceeded for /accounts/balance/get. please try again later', display: null },
  ACCOUNTS_LIMIT: { type: PlaidErrorType.RateLimitExceeded, status: 429, message: RATE_LIMIT_MESSAGE, display: null },
  AUTH_LIMIT: { type: PlaidErrorType.RateLimitExceeded, status: 429, message: RATE_LIMIT_MESSAGE, display: null },
  ITEM_GET_LIMIT: { type: PlaidErrorType.RateLimitExceeded, status: 429, message: RATE_LIMIT_MESSAGE, display: null },
  INSTITUTION_RATE_LIMIT: { type: PlaidErrorType.RateLimitExceeded, status: 429, message: 'rate limit exceeded for this institution. please try again later', display: null },
  // API_ERROR: Plaid-side failures.
  INTERNAL_SERVER_ERROR: { type: PlaidErrorType.ApiError, status: 500, message: 'an unexpected error occurred', display: null },
  PLANNED_MAINTENANCE: { type: PlaidErrorType.ApiError, status: 503, message: 'the Plaid API is temporarily unavailable due to planned maintenance. visit https://status.plaid.com/ for more information', display: null },
  // SANDBOX_ERROR.
  SANDBOX_PRODUCT_NOT_ENABLED: { type: PlaidErrorType.SandboxError, status: 400, message: '{detail}', display: null },
  SANDBOX_WEBHOOK_INVALID: { type: PlaidErrorType.SandboxError, status: 400, message: 'the webhook for this item is not set or is invalid', display: null },
};

/** Default `error_code` for an injected 429 on an endpoint: the per-endpoint limit Plaid names. */
export const RATE_LIMIT_CODE_BY_ENDPOINT: Readonly<Record<string, string>> = {
  '/transactions/sync': 'TRANSACTIONS_SYNC_LIMIT',
  '/accounts/balance/get': 'BALANCE_LIMIT',
  '/accounts/get': 'ACCOUNTS_LIMIT',
  '/auth/get': 'AUTH_LIMIT',
  '/item/get': 'ITEM_GET_LIMIT',
};

const DOCUMENTATION_SECTION: Partial<Record<PlaidErrorType, string>> = {
  [PlaidErrorType.InvalidRequest]: 'invalid-request',
  [PlaidErrorType.InvalidInput]: 'invalid-input',
  [PlaidErrorType.InvalidResult]: 'invalid-result',
  [PlaidErrorType.ItemError]: 'item',
  [PlaidErrorType.InstitutionError]: 'institution',
  [PlaidErrorType.RateLimitExceeded]: 'rate-limit-exceeded',
  [PlaidErrorType.ApiError]: 'api',
  [PlaidErrorType.TransactionsError]: 'transactions',
  [PlaidErrorType.SandboxError]: 'sandbox',
};

/** A Plaid API failure raised anywhere in the sandbox and turned into Plaid's error body by the server. */
export class PlaidSandboxError extends Error {
  readonly errorType: PlaidErrorType;
  readonly errorCode: string;
  readonly status: number;
  readonly displayMessage: string | null;

  constructor(
    errorCode: string,
    options: { detail?: string; fields?: readonly string[]; status?: number; type?: PlaidErrorType; displayMessage?: string | null } = {},
  ) {
    const definition = ERROR_CATALOG[errorCode] ?? fallbackDefinition(options.status);
    const message = definition.message
      .replace('{detail}', options.detail ?? errorCode.toLowerCase().replaceAll('_', ' '))
      .replace('{fields}', (options.fields ?? []).join(', '));
    super(options.detail !== undefined && !definition.message.includes('{detail}') ? options.detail : message);
    this.name = 'PlaidSandboxError';
    this.errorCode = errorCode;
    this.errorType = options.type ?? definition.type;
    this.status = options.status ?? definition.status;
    this.displayMessage = options.displayMessage !== undefined ? options.displayMessage : definition.display;
  }

  /** The error as an API reply body. */
  toResponseBody(requestId: string): PlaidError {
    return { ...this.toPlaidError(), request_id: requestId };
  }

  /**
   * The error as it appears inside a webhook or an Item's `error` field: with `status`, without `request_id`
   * (spec schema `PlaidError`; ITEM ERROR webhook example).
   */
  toEmbeddedError(): PlaidError {
    return { ...this.toPlaidError(), status: this.status };
  }

  private toPlaidError(): PlaidError {
    const section = DOCUMENTATION_SECTION[this.errorType];
    return {
      error_type: this.errorType,
      error_code: this.errorCode,
      error_code_reason: null,
      error_message: this.message,
      display_message: this.displayMessage,
      causes: [],
      documentation_url: section ? `https://plaid.com/docs/errors/${section}/#${this.errorCode.toLowerCase()}` : 'https://plaid.com/docs/errors/',
      suggested_action: null,
    };
  }
}

/**
 * A code outside the catalog (a sandbox `error_<CODE>` password or an injected fault naming an unusual
 * code) is still raised; its type follows the HTTP status.
 */
function fallbackDefinition(status: number | undefined): ErrorDefinition {
  if (status === 429) return { type: PlaidErrorType.RateLimitExceeded, status, message: RATE_LIMIT_MESSAGE, display: null };
  if (status !== undefined && status >= 500) return { type: PlaidErrorType.ApiError, status, message: 'an unexpected error occurred', display: null };
  return { type: PlaidErrorType.ItemError, status: status ?? 400, message: '{detail}', display: null };
}

export function missingFields(...fields: string[]): PlaidSandboxError {
  return new PlaidSandboxError('MISSING_FIELDS', { fields });
}

export function invalidField(detail: string): PlaidSandboxError {
  return new PlaidSandboxError('INVALID_FIELD', { detail });
}
