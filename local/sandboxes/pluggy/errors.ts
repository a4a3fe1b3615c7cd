/**
 * Pluggy's error vocabulary as the sandbox speaks it.
 *
 * Every Pluggy error body is `{code, message, codeDescription?, data?}` where `code` repeats the HTTP status and
 * `codeDescription` is the stable thing to branch on (https://docs.pluggy.ai/en/docs/reference/basic-concepts; spec schema
 * "Global Error Response Schema"). Bodies and messages below follow the examples in Pluggy's OpenAPI document
 * (pluggy-openapi-readme-2025-11.json, published at https://docs.pluggy.ai/reference) where it has one; where a 404 example there carries no
 * `codeDescription` (PATCH /transactions/{id}), neither does ours.
 */

export interface PluggyErrorBody {
  readonly code: number;
  readonly message: string;
  readonly codeDescription?: string;
  readonly data?: Record<string, unknown>;
  readonly [extra: string]: unknown;
}

export class PluggyApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly codeDescription?: string,
    /** Fields beside `code`/`message`/`codeDescription` (`data`, `errors`, `items`, ...). */
    readonly extra: Record<string, unknown> = {},
    /** Response headers (rate limits). */
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = 'PluggyApiError';
  }

  toBody(): PluggyErrorBody {
    return {
      code: this.status,
      ...(this.codeDescription === undefined ? {} : { codeDescription: this.codeDescription }),
      message: this.message,
      ...this.extra,
    };
  }
}

/** Shape and wording of the OAS example for a bad or missing `X-API-KEY` (no codeDescription). */
export const invalidApiKey = (): PluggyApiError => new PluggyApiError(403, 'Missing or invalid authorization token');

export const clientKeysUnauthorized = (): PluggyApiError => new PluggyApiError(401, 'Client keys are invalid', 'CLIENT_KEYS_UNAUTHORIZED');

export const itemNotFound = (): PluggyApiError => new PluggyApiError(404, 'item not found', 'ITEM_NOT_FOUND');
export const connectorNotFound = (): PluggyApiError => new PluggyApiError(404, 'connector not found', 'CONNECTOR_NOT_FOUND');
export const accountNotFound = (): PluggyApiError => new PluggyApiError(404, 'account not found', 'ACCOUNT_NOT_FOUND');
export const transactionNotFound = (): PluggyApiError => new PluggyApiError(404, 'Transaction not found', 'TRANSACTION_NOT_FOUND');
export const consentNotFound = (): PluggyApiError => new PluggyApiError(404, 'Consent not found', 'CONSENT_NOT_FOUND');
export const categoryNotFound = (): PluggyApiError => new PluggyApiError(404, 'category not found', 'CATEGORY_NOT_FOUND');
export const webhookNotFound = (): PluggyApiError => new PluggyApiError(404, 'webhook not found', 'WEBHOOK_NOT_FOUND');

/** Pluggy's validation layer answers `400 {message: "a,b", code: 400}` listing every failed constraint. */
export const invalidParameters = (problems: readonly string[]): PluggyApiError => new PluggyApiError(400, problems.join(','));

/** Pluggy documents `"Too many requests…"`, code 429, and these three headers (https://docs.pluggy.ai/docs/rate-limits). */
export const RATE_LIMIT_MESSAGE = 'Too many requests, please try again later.';

export function rateLimited(limit: number, resetSeconds: number, retryAfterSeconds: number): PluggyApiError {
  return new PluggyApiError(429, RATE_LIMIT_MESSAGE, undefined, {}, {
    'RateLimit-Limit': String(limit),
    'RateLimit-Remaining': '0',
    'RateLimit-Reset': String(resetSeconds),
    'Retry-After': String(retryAfterSeconds),
  });
}

/**
 * HTTP status and message for a `codeDescription`, used when a fault names one. Codes come from the OAS
 * examples, https://docs.pluggy.ai/reference/items ("Creating & Updating Item errors") and field reports (ENDPOINT_DEPRECATED).
 */
export const ERROR_CATALOG: Readonly<Record<string, { status: number; message: string }>> = {
  CLIENT_KEYS_UNAUTHORIZED: { status: 401, message: 'Client keys are invalid' },
  CLIENT_DISABLED: { status: 401, message: 'Client is disabled' },
  ITEM_NOT_FOUND: { status: 404, message: 'item not found' },
  CONNECTOR_NOT_FOUND: { status: 404, message: 'connector not found' },
  ACCOUNT_NOT_FOUND: { status: 404, message: 'account not found' },
  TRANSACTION_NOT_FOUND: { status: 404, message: 'Transaction not found' },
  CONSENT_NOT_FOUND: { status: 404, message: 'Consent not found' },
  CATEGORY_NOT_FOUND: { status: 404, message: 'category not found' },
  WEBHOOK_NOT_FOUND: { status: 404, message: 'webhook not found' },
  ITEM_ALREADY_UPDATING: { status: 400, message: 'An update is already in progress, wait until the last execution ends' },
  ITEM_IS_ALREADY_UPDATING: { status: 400, message: "There is an active item for the set of credentials that hasn't finished executing" },
  MFA_PARAMERTER_WAS_ALREADY_USED_ERROR: { status: 400, message: 'MFA parameter has to be updated from last execution' },
  CONNECTOR_VALIDATION_ERROR: { status: 400, message: 'Connector parameters do not match validation rules' },
  TOO_MANY_CONSECUTIVE_ERRORS: { status: 400, message: 'There have been more than 5 failing synchronization, please contact support' },
  TOO_MANY_CONSECUTIVE_LOGIN_FAILURES: { status: 400, message: 'Too many consecutive login failures' },
  CLIENT_IS_UPDATING_BEFORE_ALLOWED_FREQUENCY: { status: 409, message: 'Client updates on this item are allowed at most every 24 hours.' },
  ITEM_CREATION_LIMIT_EXCEEDED: { status: 409, message: 'Client exceeded item creation limit for the current subscription level.' },
  ENDPOINT_DEPRECATED: { status: 410, message: 'This endpoint is deprecated. Use GET /v2/transactions instead.' },
  INTERNAL_SERVER_ERROR: { status: 500, message: 'Internal Server Error' },
};

export function errorForCode(codeDescription: string): PluggyApiError {
  const known = ERROR_CATALOG[codeDescription];
  return new PluggyApiError(known?.status ?? 400, known?.message ?? codeDescription, codeDescription);
}

/** The body for a bare injected status: Pluggy's own wording for the statuses it documents. */
export function errorForStatus(status: number, codeDescription?: string): PluggyApiError {
  if (codeDescription !== undefined) {
    const known = ERROR_CATALOG[codeDescription];
    return new PluggyApiError(status, known?.message ?? codeDescription, codeDescription);
  }
  switch (status) {
    case 401:
      // Field reports: a valid key without permission for the call gets this body.
      return new PluggyApiError(401, 'Unauthorized');
    case 403:
      return invalidApiKey();
    case 404:
      return new PluggyApiError(404, 'Not Found');
    case 429:
      return rateLimited(360, 60, 60);
    case 503:
      return new PluggyApiError(503, 'Service Unavailable', 'SERVICE_UNAVAILABLE');
    default:
      return status >= 500
        ? new PluggyApiError(status, 'Internal Server Error', 'INTERNAL_SERVER_ERROR')
        : new PluggyApiError(status, 'Bad Request');
  }
}
