/** Outbound app events: the outbox publisher and the webhook delivery target, one per container. */
import { DynamoAppEventStore } from '../adapters/dynamodb/app-event-store';
import { EventBridgeEventBus } from '../adapters/eventbridge/eventbridge-event-bus';
import { FetchWebhookSender } from '../adapters/http/fetch-webhook-sender';
import { SecretReader } from '../adapters/secrets/secret-reader';
import { SqsAppWebhookQueue } from '../adapters/sqs/sqs-app-webhook-queue';
import { systemClock } from '../adapters/system-clock';
import { eventBus, queues, secrets } from '../catalog/resources';
import { appEventSettings, consentWarningSettings, institutionHealthSettings, readEnv } from '../config/env';
import { DynamoInstitutionHealthStore } from '../adapters/dynamodb/institution-health-store';
import { InstitutionHealthService } from '../institutions/institution-health';
import { ConfigError } from '../errors/app-error';
import type { AppWebhookTarget } from '../events/deliver-app-webhook';
import { OutboxEventPublisher } from '../events/event-publisher';
import { signingKeyOf } from '../events/standard-webhooks';
import { appWebhookRedeliveryBackoff } from '../retry/policies';
import { SqsRedeliveryDelay } from '../adapters/sqs/message-visibility';
import { tableConfig } from './config';
import { once } from './once';

export const appEventConfig = /* @__PURE__ */ once(() => {
  const config = readEnv(appEventSettings);
  if (config.APP_WEBHOOK_URL && !config.APP_WEBHOOK_QUEUE_URL) {
    throw new ConfigError(`APP_WEBHOOK_URL is set but ${queues.appWebhooks.urlEnvVar} is not (the delivery queue)`);
  }
  return config;
});

export const consentWarningConfig = /* @__PURE__ */ once(() => readEnv(consentWarningSettings));

export const appEventStore = /* @__PURE__ */ once(() => new DynamoAppEventStore({ tableName: tableConfig().TABLE_NAME }));

export const eventPublisher = /* @__PURE__ */ once(() => {
  const config = appEventConfig();
  return new OutboxEventPublisher({
    store: appEventStore(),
    bus: new EventBridgeEventBus(config.EVENT_BUS_NAME, eventBus.source),
    webhooks: config.APP_WEBHOOK_URL && config.APP_WEBHOOK_QUEUE_URL ? new SqsAppWebhookQueue(config.APP_WEBHOOK_QUEUE_URL) : null,
    clock: systemClock,
  });
});

export const webhookSender = /* @__PURE__ */ once(() => new FetchWebhookSender());

/** The delivery worker's target: the URL from the environment, the key from the app-webhook secret. */
export const appWebhookTarget = /* @__PURE__ */ once(() => {
  const url = readEnv({ APP_WEBHOOK_URL: appEventSettings.APP_WEBHOOK_URL }).APP_WEBHOOK_URL;
  if (!url) return async (): Promise<AppWebhookTarget | null> => null;
  const secret = new SecretReader<'signing_secret'>(secrets.appWebhook);
  return async (): Promise<AppWebhookTarget> => ({ url, key: signingKeyOf((await secret.read()).signing_secret) });
});

/** Delays a failed delivery's redelivery exponentially (the delivery worker's `beforeRetry`). */
export const appWebhookRedeliveryDelay = /* @__PURE__ */ once(() => new SqsRedeliveryDelay(appWebhookRedeliveryBackoff));

export const institutionHealthStore = /* @__PURE__ */ once(() => new DynamoInstitutionHealthStore({ tableName: tableConfig().TABLE_NAME }));

/** Institution health for the workers that observe it (sync, webhooks); publishes through the outbox. */
export const institutionHealth = /* @__PURE__ */ once(() => {
  const config = readEnv(institutionHealthSettings);
  return new InstitutionHealthService({
    health: institutionHealthStore(),
    publisher: eventPublisher(),
    clock: systemClock,
    threshold: config.INSTITUTION_DOWN_THRESHOLD,
    windowMinutes: config.INSTITUTION_DOWN_WINDOW_MINUTES,
  });
});
