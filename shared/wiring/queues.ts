/** SQS producers, one per container. */
import { SqsProviderWriteQueue } from '../adapters/sqs/sqs-provider-write-queue';
import { SqsSyncJobQueue } from '../adapters/sqs/sqs-sync-job-queue';
import { SqsWebhookEventQueue } from '../adapters/sqs/sqs-webhook-event-queue';
import { providerWriteQueueConfig, syncQueueConfig, webhookQueueConfig } from './config';
import { once } from './once';

export const syncJobQueue = once(() => new SqsSyncJobQueue(syncQueueConfig().SYNC_QUEUE_URL));
export const providerWriteQueue = once(() => new SqsProviderWriteQueue(providerWriteQueueConfig().PROVIDER_WRITE_QUEUE_URL));
export const webhookEventQueue = once(() => new SqsWebhookEventQueue(webhookQueueConfig().WEBHOOK_EVENT_QUEUE_URL));
