/**
 * The error hierarchy of the service.
 *
 * Every error that crosses a module boundary is an {@link AppError} with a stable `code` (UPPER_SNAKE, part of
 * the public API contract) and an optional `details` payload that is safe to show to the caller. Anything
 * else thrown inside the service is treated as a bug: `describeError` in `./error-mapper` turns it into an
 * opaque 500 and the original is only logged.
 */
export interface FieldIssue {
  /** Dotted path of the offending field, e.g. `body.category_id` or `query.limit`. */
  readonly field: string;
  readonly message: string;
}

export abstract class AppError extends Error {
  abstract readonly code: string;
  readonly details: unknown;

  constructor(message: string, options?: { details?: unknown; cause?: unknown }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.details = options?.details;
  }
}

/** The request itself is wrong: a field fails validation. */
export class ValidationError extends AppError {
  readonly code = 'VALIDATION_FAILED';
  constructor(message: string, readonly issues: readonly FieldIssue[]) {
    super(message, { details: issues });
  }
}

export class MalformedJsonError extends AppError {
  readonly code = 'MALFORMED_JSON';
}

export class UnsupportedMediaTypeError extends AppError {
  readonly code = 'UNSUPPORTED_MEDIA_TYPE';
}

export class PayloadTooLargeError extends AppError {
  readonly code = 'PAYLOAD_TOO_LARGE';
}

/** Missing, or owned by someone else: the two are indistinguishable to the caller on purpose. */
export class NotFoundError extends AppError {
  readonly code = 'NOT_FOUND';
  constructor(readonly resource: string) {
    super(`${resource} not found`);
  }
}

/** The caller could not be authenticated (no verified JWT claims, a webhook that fails verification). */
export class UnauthorizedError extends AppError {
  constructor(
    message: string,
    readonly code: string = 'UNAUTHORIZED',
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** The request is valid but conflicts with the current state (e.g. deleting a category still in use). */
export class ConflictError extends AppError {
  constructor(
    readonly code: string,
    message: string,
    details?: unknown,
  ) {
    super(message, { details });
  }
}

/** What the request points at existed but is gone for good (an expired change-feed cursor). */
export class GoneError extends AppError {
  constructor(
    readonly code: string,
    message: string,
    details?: unknown,
  ) {
    super(message, { details });
  }
}

/** The same bank login is already connected for this user (Plaid's duplicate-Item guidance). */
export class ItemAlreadyExistsError extends AppError {
  readonly code = 'ITEM_ALREADY_EXISTS';
  constructor() {
    super('Item already exists');
  }
}

/** A required setting is missing or malformed; raised at cold start so a misconfigured function fails fast. */
export class ConfigError extends AppError {
  readonly code = 'CONFIG_INVALID';
}

/**
 * What went wrong at a provider, in provider-neutral terms. The provider adapters translate their own error
 * codes (Plaid `error_code`, Pluggy `codeDescription` / item status) into one of these kinds, and
 * `describeError` decides HTTP status, retry and connection status from the kind alone.
 */
export type ProviderFailureKind =
  /** Provider throttled us; the connection itself is fine. */
  | 'rate_limited'
  /** 5xx, timeout, institution down: retry later. */
  | 'transient'
  /** The user must log in again (Plaid ITEM_LOGIN_REQUIRED, Pluggy LOGIN_ERROR). */
  | 'login_required'
  /** The provider waits for an MFA answer. */
  | 'mfa_required'
  /** The provider waits for the user to act elsewhere (Open Finance authorization). */
  | 'user_action_required'
  /** The user or institution revoked access / consent. */
  | 'revoked'
  /** Open Finance consent expired. */
  | 'consent_expired'
  /** The item no longer exists at the provider. */
  | 'item_not_found'
  /** The provider rejected our input (bad public token, bad MFA answer, ...); the user can fix it. */
  | 'invalid_input'
  /** Pagination data changed under us; restart from the first cursor. */
  | 'mutation_during_pagination'
  /** The provider failed in a way retrying will not fix (misconfiguration, unexpected error). */
  | 'permanent';

export class ProviderError extends AppError {
  readonly code: string;

  constructor(
    readonly provider: 'plaid' | 'pluggy',
    readonly kind: ProviderFailureKind,
    options: {
      /** The provider's own stable code (e.g. `INVALID_PUBLIC_TOKEN`), surfaced to callers where useful. */
      providerCode: string;
      /** Message safe to show to an end user (Plaid `display_message`), or a neutral one of ours. */
      message: string;
      /** Seconds the provider asked us to wait (Retry-After / RateLimit-Reset). */
      retryAfterSeconds?: number;
      /** More caller-safe fields for `details` (e.g. Plaid's `display_message`). */
      extraDetails?: Readonly<Record<string, unknown>>;
      /** The provider's id for the failed request (Plaid `request_id`), which its support asks for. */
      requestId?: string;
      cause?: unknown;
    },
  ) {
    super(options.message, {
      cause: options.cause,
      details: { ...options.extraDetails, provider, provider_code: options.providerCode },
    });
    this.code = options.providerCode;
    this.retryAfterSeconds = options.retryAfterSeconds;
    this.requestId = options.requestId;
  }

  readonly retryAfterSeconds: number | undefined;
  readonly requestId: string | undefined;
}

/** Narrows an unknown catch value to an Error (anything else thrown is wrapped, never lost). */
export function asError(value: unknown): Error {
  return value instanceof Error ? value : new Error(String(value));
}
