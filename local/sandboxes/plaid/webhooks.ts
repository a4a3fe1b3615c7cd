/**
 * Plaid webhook payloads and their signed, asynchronous delivery.
 *
 * Bodies are serialised like Plaid's: keys sorted, 2-space indentation. Receivers must hash the raw bytes
 * (the JWT's `request_body_sha256` covers exactly these), so re-serialising parsed JSON would fail; sending
 * the indented form catches that mistake locally.
 */
import { WebhookEnvironmentValues, type ItemErrorWebhook, type SyncUpdatesAvailableWebhook } from 'plaid';
import type { SandboxClock } from '../common/sandbox-clock';
import type { WebhookDelivery, WebhookDispatcher } from '../common/webhook-dispatcher';
import type { PlaidSandboxError } from './errors';
import type { SandboxItem } from './sandbox-item';
import type { WebhookSigner } from './webhook-signer';

export const SANDBOX_ENVIRONMENT = WebhookEnvironmentValues.Sandbox;

/**
 * Any Plaid webhook body: the envelope fields plus code-specific ones. Callers build bodies typed with the
 * `plaid` package's own webhook interfaces (SyncUpdatesAvailableWebhook, ...), so a contract change in the
 * SDK fails type-checking here.
 */
export interface PlaidWebhookBody {
  readonly webhook_type: string;
  readonly webhook_code: string;
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (typeof value !== 'object' || value === null) return value;
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(value).sort()) out[key] = sortKeys((value as Record<string, unknown>)[key]);
  return out;
}

export function serializeWebhookBody(body: PlaidWebhookBody): string {
  return JSON.stringify(sortKeys(body), null, 2);
}

export class PlaidWebhookSender {
  constructor(
    private readonly signer: WebhookSigner,
    private readonly dispatcher: WebhookDispatcher,
    private readonly clock: SandboxClock,
  ) {}

  /**
   * Queues `body` for the Item's webhook URL (or `url`); returns undefined when there is nowhere to send it.
   * Each attempt is signed afresh so a retry carries a current `iat`.
   */
  send(item: SandboxItem, body: PlaidWebhookBody, url: string | null = item.webhook): WebhookDelivery | undefined {
    if (url === null) return undefined;
    const text = serializeWebhookBody(body);
    item.lastWebhook = { sentAt: this.clock.isoNow(), code: body.webhook_code };
    return this.dispatcher.enqueue({
      url,
      body: text,
      label: `${body.webhook_type}/${body.webhook_code}`,
      itemId: item.itemId,
      headersFor: () => ({ 'Plaid-Verification': this.signer.sign(text) }),
    });
  }
}

export function syncUpdatesAvailableBody(item: SandboxItem): SyncUpdatesAvailableWebhook {
  return {
    webhook_type: 'TRANSACTIONS',
    webhook_code: 'SYNC_UPDATES_AVAILABLE',
    item_id: item.itemId,
    initial_update_complete: item.historyReady,
    historical_update_complete: item.historyReady,
    environment: SANDBOX_ENVIRONMENT,
  };
}

export function itemErrorBody(item: SandboxItem, error: PlaidSandboxError): ItemErrorWebhook {
  return {
    webhook_type: 'ITEM',
    webhook_code: 'ERROR',
    item_id: item.itemId,
    error: error.toEmbeddedError(),
    environment: SANDBOX_ENVIRONMENT,
  };
}
