/**
 * Composition of a provider's webhook route: the receipt use-case with the stores and queue, and the
 * provider's webhook source, which the route imports itself (`<provider>-webhook-module.ts`) so its bundle
 * holds that provider's verifier and nothing else of any provider. The source is built on the first delivery,
 * so a configuration error answers that delivery (as a 500 the provider retries) instead of failing the
 * container's start.
 */
import { systemClock } from '../adapters/system-clock';
import type { WebhookSource } from '../providers/ports';
import type { ReceivedWebhook } from '../providers/webhook-verification';
import { receiveWebhook, type WebhookReceipt } from '../webhooks/receive-webhook';
import { webhookEventQueue } from './queues';
import { connectionReader, syncRunStore, webhookEventStore } from './stores';

export function webhookReceiver(sourceOf: () => WebhookSource): (request: ReceivedWebhook) => Promise<WebhookReceipt> {
  const deps = {
    events: webhookEventStore(),
    connections: connectionReader(),
    queue: webhookEventQueue(),
    clock: systemClock,
    // Repeatable events (Plaid's SYNC_UPDATES_AVAILABLE) ask the sync history whether a repeat is covered.
    syncRuns: syncRunStore(),
  };
  return async (request) => receiveWebhook(deps, sourceOf(), request);
}
