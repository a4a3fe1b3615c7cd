/**
 * The neutral sentences a caller (and through the frontend, the user) sees when the provider gives nothing
 * fit to show: Plaid's `display_message` is null for most errors and its `error_message` is developer text;
 * Pluggy's messages are developer text except for input the user can correct. One sentence per situation,
 * whichever provider or path (an API error, a webhook, an item status read during sync) reported it, so the
 * same state of a connection always reads the same.
 */
import type { ConnectionStatus } from '../banking/model';
import type { ProviderFailureKind } from './app-error';

/** Situations with a sentence of their own beyond the provider failure kinds. */
type ConnectionSituation =
  /** The provider reports a problem with the connection that names no user action. */
  | 'connection_error'
  /** The provider's last update of the connection failed and the provider will try again by itself. */
  | 'update_failed'
  /** The connection was removed at the provider (its dashboard, the bank's consent page, ...). */
  | 'deleted_at_provider';

export const NEUTRAL_MESSAGES: Readonly<Record<ProviderFailureKind | ConnectionSituation, string>> = {
  rate_limited: 'The bank data provider is busy; try again shortly',
  transient: 'The bank or the data provider is temporarily unavailable',
  login_required: 'The bank login needs to be renewed',
  mfa_required: 'The bank asks for an extra verification step',
  user_action_required: 'The bank asks the user to authorize access',
  revoked: 'Access to this bank connection was revoked',
  consent_expired: 'The consent for this bank connection expired or was revoked',
  item_not_found: 'The bank connection no longer exists at the provider',
  invalid_input: 'The provider rejected the request',
  mutation_during_pagination: 'Transactions changed while being read',
  permanent: 'The bank data provider rejected the request',
  connection_error: 'The bank data provider reported a problem with this connection',
  update_failed: 'The last update at the bank failed; it will be retried',
  deleted_at_provider: 'The connection was deleted at the bank data provider',
};

const SENTENCE_OF_STATUS: Partial<Record<ConnectionStatus, string>> = {
  login_required: NEUTRAL_MESSAGES.login_required,
  mfa_required: NEUTRAL_MESSAGES.mfa_required,
  user_action_required: NEUTRAL_MESSAGES.user_action_required,
  revoked: NEUTRAL_MESSAGES.revoked,
  consent_expired: NEUTRAL_MESSAGES.consent_expired,
};

/** The sentence for a connection that has this status for a reason the provider did not put in words. */
export function neutralMessageOfStatus(status: ConnectionStatus): string {
  return SENTENCE_OF_STATUS[status] ?? NEUTRAL_MESSAGES.connection_error;
}
