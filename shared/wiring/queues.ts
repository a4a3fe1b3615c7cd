/** SQS producers, one per container. */
import { SqsRedeliveryDelay } from '../adapters/sqs/message-visibility';
import { SqsProviderWriteQueue } from '../adapters/sqs/sqs-provider-write-queue';
import { SqsSyncJobQueue } from '../adapters/sqs/sqs-sync-job-queue';
import { SqsWebhookEventQueue } from '../adapters/sqs/sqs-webhook-event-queue';
import { providerWriteQueueConfig, syncQueueConfig, webhookQueueConfig } from './config';
import { providerWriteRedeliveryBackoff, syncRedeliveryBackoff } from '../retry/policies';
import { once } from './once';

export const syncJobQueue = /* @__PURE__ */ once(() => new SqsSyncJobQueue(syncQueueConfig().SYNC_QUEUE_URL));
export const providerWriteQueue = /* @__PURE__ */ once(() => new SqsProviderWriteQueue(providerWriteQueueConfig().PROVIDER_WRITE_QUEUE_URL));
export const webhookEventQueue = /* @__PURE__ */ once(() => new SqsWebhookEventQueue(webhookQueueConfig().WEBHOOK_EVENT_QUEUE_URL));
/** Delays a failed sync job's redelivery exponentially (the sync worker's `beforeRetry`). */
export const syncRedeliveryDelay = /* @__PURE__ */ once(() => new SqsRedeliveryDelay(syncRedeliveryBackoff));
/** Delays a failed provider write's redelivery exponentially (the provider-write worker's `beforeRetry`). */
export const providerWriteRedeliveryDelay = /* @__PURE__ */ once(() => new SqsRedeliveryDelay(providerWriteRedeliveryBackoff));
