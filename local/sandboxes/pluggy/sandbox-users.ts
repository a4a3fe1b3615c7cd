/**
 * How an Item's execution ends, derived from its credentials the way Pluggy Bank does it (https://docs.pluggy.ai/en/docs/sandbox,
 * "Basic flows"): `user-ok` / `password-ok` succeed, the documented error users end in their execution status,
 * anything else is INVALID_CREDENTIALS. `user-ok-perf-<x>` succeeds with x times the usual history (x ≤ 5000),
 * for pagination tests.
 *
 * Pluggy has no item status `ERROR`: an unexpected failure ends `OUTDATED` with executionStatus
 * `UNEXPECTED_ERROR` (or `ERROR`) — https://docs.pluggy.ai/en/docs/connections/errors-validations.
 */

export const SANDBOX_PASSWORD = 'password-ok';
export const SANDBOX_MFA_TOKEN = '123456';
export const MAX_PERF_MULTIPLIER = 5_000;

export type ItemStatus = 'UPDATING' | 'UPDATED' | 'LOGIN_ERROR' | 'OUTDATED' | 'WAITING_USER_INPUT' | 'WAITING_USER_ACTION' | 'MERGING';

/** Execution statuses an execution can finish in (SDK execution.d.ts: error and final statuses). */
export const FINAL_EXECUTION_STATUSES = [
  'SUCCESS',
  'PARTIAL_SUCCESS',
  'INVALID_CREDENTIALS',
  'INVALID_CREDENTIALS_MFA',
  'ALREADY_LOGGED_IN',
  'ACCOUNT_LOCKED',
  'ACCOUNT_NEEDS_ACTION',
  'ACCOUNT_CREDENTIALS_RESET',
  'USER_NOT_SUPPORTED',
  'USER_AUTHORIZATION_NOT_GRANTED',
  'USER_INPUT_TIMEOUT',
  'SITE_NOT_AVAILABLE',
  'CONNECTION_ERROR',
  'UNEXPECTED_ERROR',
  'ERROR',
] as const;
export type FinalExecutionStatus = (typeof FINAL_EXECUTION_STATUSES)[number];

export interface ExecutionEnd {
  readonly executionStatus: FinalExecutionStatus;
  /** Only with ACCOUNT_NEEDS_ACTION: the bank's own words, as `user-account-need-actions-provider-message` shows. */
  readonly providerMessage?: string;
  /** `user-ok-account-warning`: the run succeeds but the accounts product carries a warning. */
  readonly accountsWarning?: boolean;
}

export interface LoginOutcome extends ExecutionEnd {
  /** History size factor (`user-ok-perf-<x>`); 1 otherwise. */
  readonly multiplier: number;
}

/** Item status each final execution status leaves the Item in. */
export function itemStatusFor(executionStatus: FinalExecutionStatus): ItemStatus {
  switch (executionStatus) {
    case 'SUCCESS':
    case 'PARTIAL_SUCCESS':
      return 'UPDATED';
    case 'INVALID_CREDENTIALS':
    case 'INVALID_CREDENTIALS_MFA':
    case 'ACCOUNT_LOCKED':
    case 'ACCOUNT_NEEDS_ACTION':
    case 'ACCOUNT_CREDENTIALS_RESET':
    case 'USER_NOT_SUPPORTED':
    case 'USER_AUTHORIZATION_NOT_GRANTED':
      // Needs the user: Pluggy stops auto-sync until new credentials arrive (https://docs.pluggy.ai/docs/item-lifecycle).
      return 'LOGIN_ERROR';
    default:
      // Retryable with the same credentials.
      return 'OUTDATED';
  }
}

/** `item.error` for a failed execution (`{code, message, providerMessage?}`; code = the execution status). */
export function executionError(end: ExecutionEnd): { code: string; message: string; providerMessage?: string } | null {
  const messages: Partial<Record<FinalExecutionStatus, string>> = {
    INVALID_CREDENTIALS: 'Invalid credentials.',
    INVALID_CREDENTIALS_MFA: 'The MFA parameter provided was incorrect.',
    ALREADY_LOGGED_IN: 'The user already has an opened login session.',
    ACCOUNT_LOCKED: 'User account is locked, needs manual action to be unlocked.',
    ACCOUNT_NEEDS_ACTION: 'Provider is requesting some manual action from the user.',
    ACCOUNT_CREDENTIALS_RESET: 'The user needs to update some of their credentials.',
    USER_NOT_SUPPORTED: 'The user type is not supported by this connector.',
    USER_AUTHORIZATION_NOT_GRANTED: 'The user did not grant necessary permissions for their account.',
    USER_INPUT_TIMEOUT: 'The user did not provide the required input in time.',
    SITE_NOT_AVAILABLE: 'Provider site was not available.',
    CONNECTION_ERROR: 'Connectivity error, please try again.',
    UNEXPECTED_ERROR: 'Unexpected error.',
    ERROR: 'Unexpected error.',
  };
  const message = messages[end.executionStatus];
  if (message === undefined) return null;
  // ERROR is a generic execution status; its error code is UNEXPECTED_ERROR (docs errors-validations examples).
  const code = end.executionStatus === 'ERROR' ? 'UNEXPECTED_ERROR' : end.executionStatus;
  return end.providerMessage === undefined ? { code, message } : { code, message, providerMessage: end.providerMessage };
}

const ERROR_USERS: Readonly<Record<string, ExecutionEnd>> = {
  'user-logged': { executionStatus: 'ALREADY_LOGGED_IN' },
  'user-locked': { executionStatus: 'ACCOUNT_LOCKED' },
  'user-error': { executionStatus: 'UNEXPECTED_ERROR' },
  'user-unavailable': { executionStatus: 'SITE_NOT_AVAILABLE' },
  'user-account-need-actions': { executionStatus: 'ACCOUNT_NEEDS_ACTION' },
  'user-account-need-actions-provider-message': {
    executionStatus: 'ACCOUNT_NEEDS_ACTION',
    providerMessage: 'Acesse o internet banking e aceite os novos termos de uso.',
  },
  'user-connection-error': { executionStatus: 'CONNECTION_ERROR' },
  'user-account-credentials-reset': { executionStatus: 'ACCOUNT_CREDENTIALS_RESET' },
  'user-not-supported': { executionStatus: 'USER_NOT_SUPPORTED' },
};

/** Outcome of the login step for user/password connectors. */
export function loginOutcome(user: string, password: string): LoginOutcome {
  const errorUser = ERROR_USERS[user];
  if (errorUser) return { ...errorUser, multiplier: 1 };
  if (password !== SANDBOX_PASSWORD) return { executionStatus: 'INVALID_CREDENTIALS', multiplier: 1 };
  if (user === 'user-ok') return { executionStatus: 'SUCCESS', multiplier: 1 };
  if (user === 'user-ok-account-error') return { executionStatus: 'PARTIAL_SUCCESS', multiplier: 1 };
  if (user === 'user-ok-account-warning') return { executionStatus: 'SUCCESS', accountsWarning: true, multiplier: 1 };
  const perf = /^user-ok-perf-(\d{1,7})$/.exec(user);
  if (perf) {
    const multiplier = Number(perf[1]);
    if (multiplier >= 1 && multiplier <= MAX_PERF_MULTIPLIER) return { executionStatus: 'SUCCESS', multiplier };
  }
  return { executionStatus: 'INVALID_CREDENTIALS', multiplier: 1 };
}

/** Accepts `12345678909` and `123.456.789-09`. */
export function isCpf(value: string): boolean {
  return /^(\d{3}\.?\d{3}\.?\d{3}-?\d{2})$/.test(value);
}
