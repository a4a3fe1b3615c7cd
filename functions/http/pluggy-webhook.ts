import { systemClock } from '../../shared/banking/ports';
import { webhookRoute } from '../../shared/http/webhook-handler';
import { receiveWebhook } from '../../shared/webhooks/receive-webhook';
import { pluggyWebhookSource } from '../../shared/wiring/pluggy';
import { webhookEventQueue } from '../../shared/wiring/queues';
import { connectionStore, webhookEventStore } from '../../shared/wiring/stores';

const deps = {
  events: webhookEventStore(),
  connections: connectionStore(),
  queue: webhookEventQueue(),
  clock: systemClock,
};
const pluggy = pluggyWebhookSource();

/**
 * POST /api/v1/webhooks/pluggy: Pluggy counts an answer slower than 10 s as a failure and retries it, so the
 * event is only verified, stored and queued here; the webhook worker applies it.
 */
export const handler = webhookRoute(async (request) => {
  const receipt = await receiveWebhook(deps, pluggy, request);
  return { status: 200, body: { received: true, event_id: receipt.eventId, duplicate: receipt.outcome === 'duplicate' } };
});
