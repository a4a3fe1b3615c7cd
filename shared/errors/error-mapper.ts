/**
 * The one place that decides what an error means to the outside world: HTTP status and body for API
 * handlers, retry for queue workers, and the connection status a provider failure implies.
 */
import type { ConnectionStatus } from '../banking/model';
import {
  AppError,
  ConfigError,
  ConflictError,
  GoneError,
  ItemAlreadyExistsError,
  MalformedJsonError,
  NotFoundError,
  PayloadTooLargeError,
  ProviderError,
  UnauthorizedError,
  UnsupportedMediaTypeError,
  ValidationError,
  type ProviderFailureKind,
} from './app-error';

export interface ErrorDescription {
  readonly httpStatus: number;
  readonly code: string;
  /** Safe for the caller: never a stack trace, a provider secret or a raw provider message. */
  readonly message: string;
  readonly details: unknown;
  /** Whether the same work may succeed if tried again later (drives SQS retry vs. give up). */
  readonly retryable: boolean;
  /** The status a connection should take because of this error, when it says something about the connection. */
  readonly connectionStatus?: ConnectionStatus;
  /** The provider's id for the failed request (Plaid `request_id`), for logs and sync runs. */
  readonly providerRequestId?: string;
}

const providerKinds: Readonly<
  Record<ProviderFailureKind, { httpStatus: number; retryable: boolean; connectionStatus?: ConnectionStatus }>
> = {
  // A rate limit never marks a connection broken: the connection is healthy, we were merely too fast.
  rate_limited: { httpStatus: 503, retryable: true },
  transient: { httpStatus: 502, retryable: true },
  mutation_during_pagination: { httpStatus: 502, retryable: true },
  login_required: { httpStatus: 409, retryable: false, connectionStatus: 'login_required' },
  mfa_required: { httpStatus: 409, retryable: false, connectionStatus: 'mfa_required' },
  user_action_required: { httpStatus: 409, retryable: false, connectionStatus: 'user_action_required' },
  revoked: { httpStatus: 409, retryable: false, connectionStatus: 'revoked' },
  consent_expired: { httpStatus: 409, retryable: false, connectionStatus: 'consent_expired' },
  item_not_found: { httpStatus: 409, retryable: false, connectionStatus: 'revoked' },
  invalid_input: { httpStatus: 400, retryable: false },
  permanent: { httpStatus: 502, retryable: false, connectionStatus: 'error' },
};

export function describeError(error: unknown): ErrorDescription {
  if (error instanceof ProviderError) {
    const kind = providerKinds[error.kind];
    return {
      httpStatus: kind.httpStatus,
      code: error.code,
      message: error.message,
      details: error.details,
      retryable: kind.retryable,
      ...(kind.connectionStatus ? { connectionStatus: kind.connectionStatus } : {}),
      ...(error.requestId ? { providerRequestId: error.requestId } : {}),
    };
  }
  if (error instanceof ConfigError) {
    // Secret names, environment variable names and ARNs say how the deployment is built; the caller (possibly
    // anonymous: webhooks, health) gets the opaque 500 and the request id, the log gets the detail.
    return { ...internalError, retryable: false };
  }
  if (error instanceof AppError) {
    return {
      httpStatus: httpStatusOf(error),
      code: error.code,
      message: error.message,
      details: error.details ?? null,
      retryable: false,
    };
  }
  // Unknown failures (SDK errors, bugs) are retryable for workers: most are throttling or network blips,
  // and a message that keeps failing ends in the dead-letter queue where it is visible.
  return internalError;
}

/** What a caller learns of a failure that is ours: nothing but that it happened. */
const internalError: ErrorDescription = {
  httpStatus: 500,
  code: 'INTERNAL_ERROR',
  message: 'Internal error',
  details: null,
  retryable: true,
};

function httpStatusOf(error: AppError): number {
  if (error instanceof ValidationError || error instanceof MalformedJsonError) return 400;
  if (error instanceof ItemAlreadyExistsError) return 400;
  if (error instanceof UnauthorizedError) return 401;
  if (error instanceof NotFoundError) return 404;
  if (error instanceof ConflictError) return 409;
  if (error instanceof GoneError) return 410;
  if (error instanceof PayloadTooLargeError) return 413;
  if (error instanceof UnsupportedMediaTypeError) return 415;
  return 500;
}
