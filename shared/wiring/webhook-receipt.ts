/**
 * Composition of a provider's webhook route: the receipt use-case with the stores and queue, and the
 * provider's webhook source from the registry. The source is built on the first delivery, so a configuration
 * error answers that delivery (as a 500 the provider retries) instead of failing the container's start.
 */
import { systemClock } from '../adapters/system-clock';
import type { Provider } from '../banking/model';
import { providerModule } from '../providers/registry';
import type { ReceivedWebhook } from '../providers/webhook-verification';
import { receiveWebhook, type WebhookReceipt } from '../webhooks/receive-webhook';
import { once } from './once';
import { webhookEventQueue } from './queues';
import { connectionStore, syncRunStore, webhookEventStore } from './stores';

export function webhookReceiver(provider: Provider): (request: ReceivedWebhook) => Promise<WebhookReceipt> {
  const deps = {
    events: webhookEventStore(),
    connections: connectionStore(),
    queue: webhookEventQueue(),
    clock: systemClock,
    // Repeatable events (Plaid's SYNC_UPDATES_AVAILABLE) ask the sync history whether a repeat is covered.
    syncRuns: syncRunStore(),
  };
  const source = once(() => providerModule(provider).then((module) => module.webhookSource()));
  return async (request) => receiveWebhook(deps, await source(), request);
}
