/**
 * Adapters on a side path take their SDK client at their first request, not when they are built (see
 * `ClientSource` in shared/adapters/aws-clients.ts): a function whose request never publishes an app event,
 * queues category feedback or delays a redelivery constructs no EventBridge or SQS client for it.
 */
import { beforeEach, describe, expect, it, vi } from 'vitest';
import type { SQSRecord } from 'aws-lambda';

const taken = vi.hoisted(() => {
  const sent: string[] = [];
  const fake = (name: string) => ({
    send: async (command: { constructor: { name: string } }) => {
      sent.push(`${name}.${command.constructor.name}`);
      if (command.constructor.name === 'GetQueueUrlCommand') return { QueueUrl: 'https://sqs.local/queue' };
      if (command.constructor.name === 'GetQueueAttributesCommand') return { Attributes: { VisibilityTimeout: '30' } };
      return {};
    },
  });
  return { sent, sqs: fake('sqs'), eventBridge: fake('eventbridge'), dynamo: fake('dynamodb'), kms: fake('kms') };
});

const getters = vi.hoisted(() => ({
  sqsClient: vi.fn(() => taken.sqs),
  eventBridgeClient: vi.fn(() => taken.eventBridge),
  dynamoDocumentClient: vi.fn(() => taken.dynamo),
  kmsClient: vi.fn(() => taken.kms),
}));

vi.mock('../../shared/adapters/aws-clients', async (importOriginal) => ({
  ...(await importOriginal<typeof import('../../shared/adapters/aws-clients')>()),
  ...getters,
}));

const { SqsProviderWriteQueue } = await import('../../shared/adapters/sqs/sqs-provider-write-queue');
const { SqsAppWebhookQueue } = await import('../../shared/adapters/sqs/sqs-app-webhook-queue');
const { SqsRedeliveryDelay } = await import('../../shared/adapters/sqs/message-visibility');
const { EventBridgeEventBus } = await import('../../shared/adapters/eventbridge/eventbridge-event-bus');

beforeEach(() => {
  for (const getter of Object.values(getters)) getter.mockClear();
  taken.sent.length = 0;
});

describe('side-path adapters', () => {
  it('the provider-write queue takes the SQS client at its first send', async () => {
    const queue = new SqsProviderWriteQueue('https://sqs.local/provider-writes');
    await queue.enqueue([]);
    expect(getters.sqsClient).not.toHaveBeenCalled();

    await queue.enqueue([{ kind: 'transaction_category', userId: 'u1', transactionId: 't1', connectionId: 'c1', provider: 'pluggy' }]);
    expect(getters.sqsClient).toHaveBeenCalledTimes(1);
    expect(taken.sent).toEqual(['sqs.SendMessageBatchCommand']);
  });

  it('the app-webhook queue takes the SQS client at its first send', async () => {
    const queue = new SqsAppWebhookQueue('https://sqs.local/app-webhooks');
    expect(getters.sqsClient).not.toHaveBeenCalled();
    await queue.enqueue(['evt_1']);
    expect(taken.sent).toEqual(['sqs.SendMessageBatchCommand']);
  });

  it('the redelivery delay takes the SQS client when a record first fails', async () => {
    const delay = new SqsRedeliveryDelay({ baseSeconds: 1, maxSeconds: 30 }, undefined, () => 0);
    expect(getters.sqsClient).not.toHaveBeenCalled();
    const record = {
      eventSourceARN: 'arn:aws:sqs:us-east-1:123456789012:jobs',
      receiptHandle: 'handle',
      attributes: { ApproximateReceiveCount: '1' },
    } as unknown as SQSRecord;
    await delay.delay(record, new Error('provider down'));
    expect(taken.sent).toEqual(['sqs.GetQueueUrlCommand', 'sqs.GetQueueAttributesCommand', 'sqs.ChangeMessageVisibilityCommand']);
  });

  it('the event bus takes the EventBridge client at its first put', async () => {
    const bus = new EventBridgeEventBus('bus', 'open-banking');
    expect(getters.eventBridgeClient).not.toHaveBeenCalled();
    await bus.put([{ id: 'evt_1', type: 'connection.status_changed', timestamp: '2026-12-07T00:00:00.000Z', userId: 'u1', data: {} }]);
    expect(getters.eventBridgeClient).toHaveBeenCalledTimes(1);
    expect(taken.sent).toEqual(['eventbridge.PutEventsCommand']);
  });
});

describe('functions whose requests mostly do not use a side-path client', () => {
  beforeEach(() => {
    vi.resetModules();
    vi.stubEnv('TABLE_NAME', 'banking');
    vi.stubEnv('PROVIDER_WRITE_QUEUE_URL', 'https://sqs.local/provider-writes');
    vi.stubEnv('SYNC_QUEUE_URL', 'https://sqs.local/sync.fifo');
    vi.stubEnv('EVENT_BUS_NAME', 'bus');
    vi.stubEnv('APP_WEBHOOK_URL', 'https://app.example/webhooks');
    vi.stubEnv('APP_WEBHOOK_QUEUE_URL', 'https://sqs.local/app-webhooks');
    vi.stubEnv('TOKEN_KEY_ID', 'alias/tokens');
    vi.stubEnv('USER_HASH_SECRET_ARN', 'user-hash');
    vi.stubEnv('PLAID_SECRET_ARN', 'plaid');
  });

  it('a transaction edit route builds no SQS client when it starts', async () => {
    await import('../../functions/http/update-transaction');
    expect(getters.dynamoDocumentClient).toHaveBeenCalled();
    expect(getters.sqsClient).not.toHaveBeenCalled();
  });

  it('the Plaid link-token route builds no KMS client when it starts (only update mode decrypts)', async () => {
    await import('../../functions/http/create-plaid-link-token');
    expect(getters.dynamoDocumentClient).toHaveBeenCalled();
    expect(getters.kmsClient).not.toHaveBeenCalled();
  });

  it('the Plaid exchange route builds its KMS client when it starts (every exchange encrypts)', async () => {
    await import('../../functions/http/exchange-plaid-public-token');
    expect(getters.kmsClient).toHaveBeenCalled();
  });

  it('the webhook worker builds no EventBridge client when it starts', async () => {
    await import('../../functions/workers/apply-webhook-event');
    expect(getters.dynamoDocumentClient).toHaveBeenCalled();
    // The sync job queue is on its main path (most events ask for a sync): taken at start.
    expect(getters.sqsClient).toHaveBeenCalled();
    expect(getters.eventBridgeClient).not.toHaveBeenCalled();
  });
});
