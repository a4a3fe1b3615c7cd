/**
 * What the user should do next about a connection, so a client can show one clear prompt ("renew your bank
 * login", "your consent ends on 3 May: renew it") and call the right route, instead of decoding statuses.
 *
 * Pure: derived from the stored connection (and the institution's health) each time it is presented or put
 * in an event.
 */
import { accessEndsAt, type Connection } from './model';

export const nextStepActions = [
  'reauthenticate',
  'renew_consent',
  'answer_mfa',
  'authorize_at_bank',
  'relink',
  'review_new_accounts',
  'retry_sync',
  'wait_for_institution',
] as const;

export type NextStepAction = (typeof nextStepActions)[number];

export interface NextStep {
  readonly action: NextStepAction;
  readonly message: string;
  /** The API call that starts the step, when there is one (relative to the API base URL). */
  readonly method: 'POST' | null;
  readonly path: string | null;
  /** Where the user goes instead (an Open Finance authorization page). */
  readonly url: string | null;
  /** When the step must be done by (consent or access end), when known. */
  readonly dueBy: string | null;
}

export interface NextStepOptions {
  /** Warn about a consent this many days before it expires; default {@link DEFAULT_CONSENT_WARNING_DAYS}. */
  readonly consentWarningDays?: number;
  /** The connection's institution is known to be down. */
  readonly institutionDegraded?: boolean;
}

export const DEFAULT_CONSENT_WARNING_DAYS = 7;

const DAY_MS = 86_400_000;


export function nextStepFor(connection: Connection, now: Date, options: NextStepOptions = {}): NextStep | null {
  const base = `/api/v1/banking/connections/${connection.connectionId}`;
  // Re-authentication goes through update mode: Plaid Link or Pluggy Connect, started by the credentials route.
  const renew = { method: 'POST' as const, path: `${base}/credentials`, url: null };
  const endsAt = accessEndsAt(connection);
  switch (connection.status) {
    case 'login_required':
      return { action: 'reauthenticate', message: 'Sign in to the bank again to resume syncing', ...renew, dueBy: null };
    case 'consent_expired':
      return { action: 'renew_consent', message: 'The consent expired; renew it to resume syncing', ...renew, dueBy: null };
    case 'pending_expiration':
      return { action: 'renew_consent', message: renewMessage(endsAt), ...renew, dueBy: endsAt };
    case 'mfa_required':
      return {
        action: 'answer_mfa',
        message: connection.pendingUserAction?.instructions ?? 'Answer the bank’s verification prompt',
        method: 'POST',
        path: `${base}/mfa`,
        url: null,
        dueBy: connection.pendingUserAction?.expiresAt ?? null,
      };
    case 'user_action_required':
      return {
        action: 'authorize_at_bank',
        message: connection.pendingUserAction?.instructions ?? 'Authorize access at the bank',
        method: null,
        path: null,
        url: connection.pendingUserAction?.url ?? null,
        dueBy: connection.pendingUserAction?.expiresAt ?? null,
      };
    case 'revoked':
      return { action: 'relink', message: 'Access was revoked; link the bank again', method: null, path: null, url: null, dueBy: null };
    default:
      break;
  }
  if (options.institutionDegraded) {
    return {
      action: 'wait_for_institution',
      message: 'The bank is unavailable at the moment; syncing resumes on its own when it is back',
      method: null,
      path: null,
      url: null,
      dueBy: null,
    };
  }
  if (connection.status === 'new_accounts_available') {
    return { action: 'review_new_accounts', message: 'New accounts are available; choose which to share', ...renew, dueBy: null };
  }
  const warningDays = options.consentWarningDays ?? DEFAULT_CONSENT_WARNING_DAYS;
  if (endsAt && new Date(endsAt).getTime() - now.getTime() <= warningDays * DAY_MS) {
    return { action: 'renew_consent', message: renewMessage(endsAt), ...renew, dueBy: endsAt };
  }
  if (connection.status === 'error') {
    return { action: 'retry_sync', message: 'The last sync failed; try again', method: 'POST', path: `${base}/sync`, url: null, dueBy: null };
  }
  return null;
}

function renewMessage(endsAt: string | null): string {
  return endsAt ? `Access ends at ${endsAt}; renew the consent before then` : 'Access ends soon; renew the consent';
}
