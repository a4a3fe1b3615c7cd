/**
 * Sandbox test credentials and what each one produces (docs https://plaid.com/docs/sandbox/test-credentials/),
 * plus two local additions for benchmarks and slow-history tests.
 *
 * | username                    | password                 | result                                                     |
 * |-----------------------------|--------------------------|------------------------------------------------------------|
 * | any                         | `error_<ERROR_CODE>`     | that Plaid error at public-token creation                  |
 * | `user_good`                 | `pass_good` (`credential_good`, `mfa_*`) | standard history                            |
 * | `user_transactions_dynamic` | any non-blank            | standard history; accepts /sandbox/transactions/create     |
 * | `user_yuppie`, `user_ewa_user`, `user_small_business` | any non-blank | standard history                  |
 * | `user_large_history`        | `txn_count_<N>` or other | exactly N (default 30,000) transactions; accepts create    |
 * | `user_delayed_history`      | `pass_good`              | first /transactions/sync answers NOT_READY and `""`, data  |
 * |                             |                          | follows shortly with SYNC_UPDATES_AVAILABLE                |
 * | `user_credit_only`          | any non-blank            | local: only the credit card account, so Auth (which needs  |
 * |                             |                          | a checking or savings account) cannot be added             |
 *
 * MFA passwords succeed directly: /sandbox/public_token/create has no Link session to ask the questions in.
 */
import { PlaidSandboxError } from './errors';

export type HistoryProfile =
  | {
      readonly kind: 'standard';
      readonly acceptsCustomTransactions: boolean;
      readonly delayedHistory: boolean;
      /** The login holds only a credit card: no account Auth could cover. */
      readonly creditOnly?: boolean;
    }
  | { readonly kind: 'large'; readonly transactionCount: number; readonly acceptsCustomTransactions: true; readonly delayedHistory: false };

export const DEFAULT_LARGE_HISTORY_COUNT = 30_000;
export const MAX_LARGE_HISTORY_COUNT = 200_000;

const PERSONA_USERS = new Set(['user_transactions_dynamic', 'user_yuppie', 'user_ewa_user', 'user_small_business']);
const ERROR_PASSWORD = /^error_([A-Z][A-Z0-9_]*)$/;
const COUNT_PASSWORD = /^txn_count_(\d{1,6})$/;

/**
 * Resolves Sandbox credentials to a history profile, or throws the Plaid error they stand for.
 *
 * @example
 * resolveTestUser('user_good', 'pass_good'); // { kind: 'standard', ... }
 * resolveTestUser('user_good', 'error_ITEM_LOCKED'); // throws ITEM_LOCKED
 */
export function resolveTestUser(username: string, password: string): HistoryProfile {
  const errorCode = ERROR_PASSWORD.exec(password)?.[1];
  if (errorCode !== undefined) throw new PlaidSandboxError(errorCode);
  if (password.trim() === '') throw new PlaidSandboxError('INVALID_CREDENTIALS');

  if (username === 'user_good') {
    if (password === 'pass_good' || password === 'credential_good' || password.startsWith('mfa_')) {
      return { kind: 'standard', acceptsCustomTransactions: false, delayedHistory: false };
    }
    throw new PlaidSandboxError('INVALID_CREDENTIALS');
  }
  if (PERSONA_USERS.has(username)) {
    return { kind: 'standard', acceptsCustomTransactions: username === 'user_transactions_dynamic', delayedHistory: false };
  }
  if (username === 'user_large_history') {
    const requested = COUNT_PASSWORD.exec(password)?.[1];
    const transactionCount = requested === undefined ? DEFAULT_LARGE_HISTORY_COUNT : Number(requested);
    if (transactionCount < 1 || transactionCount > MAX_LARGE_HISTORY_COUNT) {
      throw new PlaidSandboxError('INVALID_CREDENTIALS', { detail: `txn_count must be between 1 and ${MAX_LARGE_HISTORY_COUNT}` });
    }
    return { kind: 'large', transactionCount, acceptsCustomTransactions: true, delayedHistory: false };
  }
  if (username === 'user_credit_only') {
    return { kind: 'standard', acceptsCustomTransactions: false, delayedHistory: false, creditOnly: true };
  }
  if (username === 'user_delayed_history' && password === 'pass_good') {
    return { kind: 'standard', acceptsCustomTransactions: false, delayedHistory: true };
  }
  throw new PlaidSandboxError('INVALID_CREDENTIALS');
}
