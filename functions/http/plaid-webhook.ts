import { webhookRoute } from '../../shared/http/webhook-handler';
import { plaidWebhookSource } from '../../shared/providers/plaid/plaid-webhook-module';
import { webhookReceiver } from '../../shared/wiring/webhook-receipt';

const receive = webhookReceiver(plaidWebhookSource);

/** POST /api/v1/webhooks/plaid: Plaid waits at most 10 s, so the work is stored and queued, never done here. */
export const handler = webhookRoute(async (request) => {
  const receipt = await receive(request);
  return { status: 200, body: { received: true, event_id: receipt.eventId, duplicate: receipt.outcome === 'duplicate' } };
});
