/**
 * Pluggy webhook events → actions (events: https://docs.pluggy.ai/en/docs/reference/webhooks, SDK WEBHOOK_EVENTS; item
 * statuses: /docs/item-lifecycle). Pluggy asks receivers to treat a webhook as a signal and read the
 * current state from the API; so most events queue a sync, whose provider check reads the item (status,
 * MFA prompt, authorization URL, consent) and records what it finds.
 *
 * One exception on purpose: `item/error` never queues a sync. A sync asks Pluggy to update an OUTDATED item
 * again, and each failed update emits `item/error`; a sync per `item/error` would feed that loop. Errors the
 * user must resolve set the status directly; retryable ones are only recorded (Pluggy retries at its next
 * update, and the next sync decides). A status set here while a sync runs is kept by that sync, so only
 * states that really need the user are set from a webhook.
 *
 * Which events are acted on at all is decided by the event name alone in `pluggy-webhook-events.ts` (shared
 * with the receipt, which settles the ignored ones itself).
 */
import type { ConnectionStatus } from '../../banking/model';
import { NEUTRAL_MESSAGES, neutralMessageOfStatus } from '../../errors/neutral-messages';
import { parsePluggyWebhook, type PluggyWebhookBody } from './pluggy-webhook-body';
import { pluggyWebhookHandling } from './pluggy-webhook-events';
import type { WebhookAction } from '../ports';

/** Execution error codes (SDK execution.d.ts) that only new credentials or the user's action can clear. */
const STATUS_BY_ERROR_CODE: Readonly<Record<string, ConnectionStatus>> = {
  INVALID_CREDENTIALS: 'login_required',
  INVALID_CREDENTIALS_MFA: 'login_required',
  ACCOUNT_LOCKED: 'login_required',
  ACCOUNT_NEEDS_ACTION: 'login_required',
  ACCOUNT_CREDENTIALS_RESET: 'login_required',
  USER_NOT_SUPPORTED: 'login_required',
  USER_AUTHORIZATION_NOT_GRANTED: 'login_required',
  // Open Finance: the consent is waiting at the bank (item/error also fires for it, per the docs).
  USER_AUTHORIZATION_PENDING: 'user_action_required',
};

export function interpretPluggyWebhook(body: string): WebhookAction {
  const webhook = parsePluggyWebhook(body);
  const handling = pluggyWebhookHandling(webhook.event);
  if (handling.kind === 'ignore') return { kind: 'ignore', note: handling.note };
  switch (handling.event) {
    // A finished update (first collection or a later one): new data may be waiting.
    case 'item/created':
    case 'item/updated':
    case 'transactions/created':
      return { kind: 'sync' };
    case 'transactions/updated':
      return { kind: 'sync', transactionHint: hintOf(webhook, 'updated') };
    case 'transactions/deleted':
      return { kind: 'sync', transactionHint: hintOf(webhook, 'deleted') };
    case 'item/error':
      return itemErrorAction(webhook);
    // The sync that follows reads the prompt or the authorization URL and its expiry onto the connection.
    case 'item/waiting_user_input':
      return { kind: 'status', status: 'mfa_required', reason: { code: 'WAITING_USER_INPUT', message: NEUTRAL_MESSAGES.mfa_required }, thenSync: true };
    case 'item/waiting_user_action':
      return {
        kind: 'status',
        status: 'user_action_required',
        reason: { code: 'WAITING_USER_ACTION', message: NEUTRAL_MESSAGES.user_action_required },
        thenSync: true,
      };
    // Deleted at Pluggy (dashboard, Meu Pluggy, or our own DELETE, whose purge usually wins the race).
    case 'item/deleted':
      return { kind: 'status', status: 'revoked', reason: { code: 'ITEM_DELETED', message: NEUTRAL_MESSAGES.deleted_at_provider } };
    case 'connector/status_updated':
      return connectorStatusAction(webhook);
  }
}

function itemErrorAction(webhook: PluggyWebhookBody): WebhookAction {
  const code = webhook.error?.code ?? 'ITEM_ERROR';
  const status = STATUS_BY_ERROR_CODE[code];
  if (!status) return { kind: 'record', note: `item error ${code}; Pluggy retries at its next update` };
  return {
    kind: 'status',
    status,
    reason: { code, message: neutralMessageOfStatus(status) },
    thenSync: status === 'user_action_required',
  };
}

function hintOf(webhook: PluggyWebhookBody, change: 'updated' | 'deleted') {
  const ids = [...new Set(webhook.transactionIds ?? [])];
  return {
    providerAccountId: webhook.accountId ?? null,
    updatedIds: change === 'updated' ? ids : [],
    deletedIds: change === 'deleted' ? ids : [],
  };
}

/**
 * Connector health (`ONLINE` | `OFFLINE` | `UNSTABLE`, Pluggy OpenAPI `Connector.health.status`): anything but
 * ONLINE makes the institution unavailable until ONLINE comes back. Our institution id for a Pluggy connection
 * is the connector id (`pluggy-linking.ts`).
 */
function connectorStatusAction(webhook: PluggyWebhookBody): WebhookAction {
  const data = webhook.data as { status?: unknown; connectorId?: unknown } | undefined;
  const connectorId = (webhook as { connectorId?: unknown }).connectorId ?? data?.connectorId;
  const status = data?.status;
  if ((typeof connectorId !== 'number' && typeof connectorId !== 'string') || typeof status !== 'string') {
    return { kind: 'record', note: `connector status: ${connectorStatusOf(webhook)}` };
  }
  return {
    kind: 'institution',
    institutionId: String(connectorId),
    status: status === 'ONLINE' ? 'operational' : 'degraded',
    note: `Pluggy reports connector ${String(connectorId)} ${status}`,
  };
}

function connectorStatusOf(webhook: PluggyWebhookBody): string {
  const data = webhook.data as { status?: unknown; connectorId?: unknown } | undefined;
  const connectorId = (webhook as { connectorId?: unknown }).connectorId ?? data?.connectorId;
  const status = typeof data?.status === 'string' ? data.status : 'unknown';
  return connectorId === undefined ? status : `${String(connectorId)} ${status}`;
}
