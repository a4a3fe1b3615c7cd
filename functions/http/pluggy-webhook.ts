import { webhookRoute } from '../../shared/http/webhook-handler';
import { pluggyWebhookSource } from '../../shared/providers/pluggy/pluggy-webhook-module';
import { webhookReceiver } from '../../shared/wiring/webhook-receipt';

const receive = webhookReceiver(pluggyWebhookSource);

/**
 * POST /api/v1/webhooks/pluggy: Pluggy counts an answer slower than 10 s as a failure and retries it, so the
 * event is only verified, stored and queued here; the webhook worker applies it.
 */
export const handler = webhookRoute(async (request) => {
  const receipt = await receive(request);
  return { status: 200, body: { received: true, event_id: receipt.eventId, duplicate: receipt.outcome === 'duplicate' } };
});
