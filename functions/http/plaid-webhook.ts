import { plaidVerificationKeyFetcher, PlaidWebhookVerifier } from '../../shared/adapters/plaid/plaid-webhook-verifier';
import { systemClock } from '../../shared/banking/ports';
import { webhookRoute } from '../../shared/http/webhook-handler';
import { describePlaidWebhook } from '../../shared/webhooks/plaid-webhook-body';
import { receiveWebhook, type WebhookSource } from '../../shared/webhooks/receive-webhook';
import { plaidApi } from '../../shared/wiring/plaid';
import { webhookEventQueue } from '../../shared/wiring/queues';
import { connectionStore, syncRunStore, webhookEventStore } from '../../shared/wiring/stores';

const deps = {
  events: webhookEventStore(),
  connections: connectionStore(),
  queue: webhookEventQueue(),
  clock: systemClock,
  // SYNC_UPDATES_AVAILABLE repeats byte for byte: the sync history says whether a repeat is already covered.
  syncRuns: syncRunStore(),
};

// Created at module scope: the verifier's key cache lives as long as the container.
const plaid: WebhookSource = {
  provider: 'plaid',
  verifier: new PlaidWebhookVerifier({ fetchKey: plaidVerificationKeyFetcher(plaidApi()) }),
  describe: describePlaidWebhook,
};

/** POST /api/v1/webhooks/plaid: Plaid waits at most 10 s, so the work is stored and queued, never done here. */
export const handler = webhookRoute(async (request) => {
  const receipt = await receiveWebhook(deps, plaid, request);
  return { status: 200, body: { received: true, event_id: receipt.eventId, duplicate: receipt.outcome === 'duplicate' } };
});
