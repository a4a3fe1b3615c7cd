/**
 * Plaid webhook codes → actions. Which codes are acted on at all is decided by type and code alone in
 * `plaid-webhook-codes.ts` (shared with the receipt, which settles the ignored ones itself); this file reads
 * the rest of the body of the ones that are. Every TRANSACTIONS and ITEM code Plaid documents is handled on
 * purpose; other webhook types (AUTH, HOLDINGS, LINK, ...) belong to products this service does not use and
 * are acknowledged and ignored, as are codes Plaid adds later (its enums are extensible).
 *
 * TRANSACTIONS: https://plaid.com/docs/api/products/transactions/#webhooks
 * ITEM:         https://plaid.com/docs/api/items/#webhooks
 */
import * as z from '../../validation/zod';
import { lazySchema } from '../../validation/lazy-schema';
import type { ConnectionStatus, StatusReason } from '../../banking/model';
import { NEUTRAL_MESSAGES, neutralMessageOfStatus } from '../../errors/neutral-messages';
import { parsePlaidWebhook } from './plaid-webhook-body';
import { plaidWebhookHandling, type PlaidItemCode } from './plaid-webhook-codes';
import type { WebhookAction } from '../ports';

export function interpretPlaidWebhook(body: string): WebhookAction {
  const webhook = parsePlaidWebhook(body);
  const handling = plaidWebhookHandling(webhook.webhook_type, webhook.webhook_code);
  switch (handling.kind) {
    case 'ignore':
      return { kind: 'ignore', note: handling.note };
    case 'sync':
      return { kind: 'sync' };
    case 'item':
      return itemAction(handling.code, webhook);
  }
}

const itemError = /* @__PURE__ */ lazySchema(() =>
  z.looseObject({
    error_code: z.string().check(z.minLength(1)),
    display_message: z.nullish(z.string()),
  }),
);

const itemFields = /* @__PURE__ */ lazySchema(() =>
  z.looseObject({
    error: z.optional(z.unknown()),
    consent_expiration_time: z.nullish(z.string()),
    reason: z.nullish(z.string()),
    disconnect_time: z.nullish(z.string()),
  }),
);

/**
 * ITEM ERROR codes that only the user can resolve, by re-authenticating through Link update mode
 * (https://plaid.com/docs/errors/item/) or because access is gone. Any other item error marks the
 * connection `error`; the next successful sync clears it.
 */
const STATUS_BY_ITEM_ERROR: Readonly<Record<string, ConnectionStatus>> = {
  ITEM_LOGIN_REQUIRED: 'login_required',
  ITEM_LOCKED: 'login_required',
  USER_SETUP_REQUIRED: 'login_required',
  // Unlike in an API answer (KIND_BY_CODE in plaid-errors.ts, where they are `invalid_input`: the user is
  // linking and can retype), a webhook reports them for an Item nobody is logging into: only a re-login
  // through update mode repairs it (https://plaid.com/docs/errors/item/#invalid_credentials).
  INVALID_CREDENTIALS: 'login_required',
  INVALID_MFA: 'login_required',
  INVALID_UPDATED_USERNAME: 'login_required',
  ITEM_NOT_FOUND: 'revoked',
  ACCESS_NOT_GRANTED: 'revoked',
  USER_PERMISSION_REVOKED: 'revoked',
};

function itemAction(code: PlaidItemCode, body: Record<string, unknown>): WebhookAction {
  const fields = z.safeParse(itemFields, body);
  const item = fields.success ? fields.data : {};
  switch (code) {
    // Carries a Plaid error object; ITEM_LOGIN_REQUIRED is the common one (also what
    // /sandbox/item/reset_login fires).
    case 'ERROR':
      return itemErrorAction(item.error);
    // Some integrations receive the login problem as a code of its own rather than inside ERROR.
    case 'ITEM_LOGIN_REQUIRED':
      return statusAction('login_required', code, NEUTRAL_MESSAGES.login_required);
    // UK/EU: consent expires in 7 days; the user must re-consent through update mode.
    case 'PENDING_EXPIRATION': {
      const expiresAt = item.consent_expiration_time ?? undefined;
      return {
        ...statusAction('pending_expiration', code, expiresAt ? `Consent expires at ${expiresAt}` : 'Consent expires soon'),
        ...(expiresAt ? { accessEndsAt: expiresAt } : {}),
      };
    }
    // US/CA: the institution will disconnect the Item in 7 days (migration or token expiry); the user
    // must re-authenticate through update mode before then, like an expiring consent.
    case 'PENDING_DISCONNECT': {
      const at = item.disconnect_time ?? undefined;
      const why = item.reason ? ` (${item.reason})` : '';
      return {
        ...statusAction('pending_expiration', code, at ? `The institution disconnects this connection at ${at}${why}` : `The institution disconnects this connection soon${why}`),
        ...(at ? { accessEndsAt: at } : {}),
      };
    }
    // The user revoked access at the institution or through Plaid; update mode may not repair it, a new
    // link is needed.
    case 'USER_PERMISSION_REVOKED':
      return { ...statusAction('revoked', code, NEUTRAL_MESSAGES.revoked), consentRevoked: true };
    // One account revoked at the institution's portal; the Item and its other accounts carry on, and the
    // account's data is to be deleted (spec UserAccountRevokedWebhook, where `account_id` is required).
    // Without an account id there is no telling which account, so the whole connection is treated as revoked.
    case 'USER_ACCOUNT_REVOKED': {
      const accountId = typeof body.account_id === 'string' && body.account_id !== '' ? body.account_id : null;
      if (!accountId) return { ...statusAction('revoked', code, NEUTRAL_MESSAGES.revoked), consentRevoked: true };
      return { kind: 'account_revoked', providerAccountId: accountId, reason: { code, message: 'The user revoked access to this account at the bank' } };
    }
    // The Item left ITEM_LOGIN_REQUIRED without our help; data will flow again, so catch up now.
    case 'LOGIN_REPAIRED':
      return { kind: 'status', status: 'healthy', reason: null, thenSync: true };
    // Offer Link update mode with account selection.
    case 'NEW_ACCOUNTS_AVAILABLE':
      return statusAction('new_accounts_available', code, 'New accounts are available at the institution');
    // Fired by /item/webhook/update to the new URL: proof the new address works, nothing to change.
    case 'WEBHOOK_UPDATE_ACKNOWLEDGED':
      return { kind: 'record', note: 'webhook URL change acknowledged' };
  }
}

function itemErrorAction(error: unknown): WebhookAction {
  const parsed = z.safeParse(itemError, error);
  if (!parsed.success) return statusAction('error', 'ITEM_ERROR', NEUTRAL_MESSAGES.connection_error);
  const status = STATUS_BY_ITEM_ERROR[parsed.data.error_code] ?? 'error';
  return statusAction(status, parsed.data.error_code, parsed.data.display_message || neutralMessageOfStatus(status));
}

function statusAction(status: ConnectionStatus, code: string, message: string): WebhookAction & { kind: 'status' } {
  const reason: StatusReason = { code, message };
  return { kind: 'status', status, reason };
}
