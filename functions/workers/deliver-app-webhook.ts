import { systemClock } from '../../shared/adapters/system-clock';
import { deliverAppWebhook, type DeliverAppWebhookDeps } from '../../shared/events/deliver-app-webhook';
import { appWebhookMessage } from '../../shared/queue/messages';
import { sqsWorker } from '../../shared/queue/sqs-worker';
import { appEventStore, appWebhookRedeliveryDelay, appWebhookTarget, webhookSender } from '../../shared/wiring/events';

const deps: DeliverAppWebhookDeps = {
  events: appEventStore(),
  sender: webhookSender(),
  clock: systemClock,
  target: appWebhookTarget(),
};
const redelivery = appWebhookRedeliveryDelay();

export const handler = sqsWorker({
  name: 'AppWebhookWorker',
  schema: appWebhookMessage,
  logContext: (message) => ({ event_id: message.eventId }),
  handle: async (message) => {
    await deliverAppWebhook(deps, message);
  },
  // A refused delivery comes back after an exponential, jittered delay; after the last one it is dead-lettered.
  beforeRetry: async (record, error) => {
    await redelivery.delay(record, error);
  },
});
