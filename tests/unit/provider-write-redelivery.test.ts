/**
 * The provider-write worker (functions/workers/write-provider-change.ts) backs off on redelivery: a write
 * the provider keeps refusing is hidden for a growing delay on each delivery (ChangeMessageVisibility), not
 * left to come back after the queue's fixed visibility timeout.
 *
 * Narrow unit test of the worker's composition: the container wiring (stores, registry, SQS client) is
 * replaced by in-memory fakes and a recording SQS client; the worker, the use-case and the redelivery
 * backoff are the real ones.
 */
import type { SQSEvent, SQSRecord } from 'aws-lambda';
import { describe, expect, it, vi } from 'vitest';
import { queues } from '../../shared/catalog/resources';
import { ProviderError } from '../../shared/errors/app-error';
import { providerWriteRedeliveryBackoff } from '../../shared/retry/policies';
import { makeTransaction } from '../helpers/dynamodb-fixtures';

const fakes = vi.hoisted(() => ({
  store: undefined as unknown,
  writer: undefined as unknown,
  visibilityChanges: [] as number[],
}));

vi.mock('../../shared/wiring/stores', async () => {
  const { InMemoryTransactionStore } = await import('../helpers/fakes/banking-stores');
  fakes.store = new InMemoryTransactionStore();
  return { transactionStore: () => fakes.store };
});

vi.mock('../../shared/providers/registry', async () => {
  const { RecordingCategoryWriter } = await import('../helpers/fakes/providers');
  fakes.writer = new RecordingCategoryWriter();
  return { categoryWriterFor: async () => fakes.writer };
});

vi.mock('../../shared/wiring/queues', async () => {
  const { SqsRedeliveryDelay } = await import('../../shared/adapters/sqs/message-visibility');
  const { providerWriteRedeliveryBackoff: policy } = await import('../../shared/retry/policies');
  const { queues: catalog } = await import('../../shared/catalog/resources');
  const sqs = {
    send: async (command: { constructor: { name: string }; input: { VisibilityTimeout?: number } }) => {
      switch (command.constructor.name) {
        case 'GetQueueUrlCommand':
          return { QueueUrl: 'https://sqs.us-east-1.amazonaws.com/123456789012/prod-banking-provider-writes' };
        case 'GetQueueAttributesCommand':
          return { Attributes: { VisibilityTimeout: String(catalog.providerWrites.visibilityTimeoutSeconds) } };
        case 'ChangeMessageVisibilityCommand':
          fakes.visibilityChanges.push(command.input.VisibilityTimeout as number);
          return {};
        default:
          throw new Error(`unexpected SQS call ${command.constructor.name}`);
      }
    },
  };
  const delay = new SqsRedeliveryDelay(policy, sqs as never, () => 0);
  return { providerWriteRedeliveryDelay: () => delay };
});

const { logger } = await import('../../shared/observability/logger');
logger.setLogLevel('ERROR');
const { handler } = await import('../../functions/workers/write-provider-change');
const { InMemoryTransactionStore } = await import('../helpers/fakes/banking-stores');
const { RecordingCategoryWriter } = await import('../helpers/fakes/providers');

function delivery(receiveCount: number, body: object): SQSEvent {
  const record = {
    messageId: `m-${receiveCount}`,
    receiptHandle: `receipt-${receiveCount}`,
    body: JSON.stringify(body),
    attributes: { ApproximateReceiveCount: String(receiveCount) },
    messageAttributes: {},
    md5OfBody: '',
    eventSource: 'aws:sqs',
    eventSourceARN: 'arn:aws:sqs:us-east-1:123456789012:prod-banking-provider-writes',
    awsRegion: 'us-east-1',
  } as unknown as SQSRecord;
  return { Records: [record] };
}

describe('provider-write worker redelivery', () => {
  it('hides a failed write for a growing delay on each delivery, and gives up on the last', async () => {
    const store = fakes.store as InstanceType<typeof InMemoryTransactionStore>;
    const writer = fakes.writer as InstanceType<typeof RecordingCategoryWriter>;
    const transaction = makeTransaction(
      { userId: 'user-1', accountId: 'acc-1', connectionId: 'conn-1', provider: 'pluggy' },
      { userCategoryId: 'pluggy:05000000', categorySync: { status: 'pending', updatedAt: '2025-03-01T10:00:00.000Z', error: null } },
    );
    await store.putMany([transaction]);
    const job = {
      kind: 'transaction_category',
      userId: 'user-1',
      transactionId: transaction.transactionId,
      connectionId: 'conn-1',
      provider: 'pluggy',
    };
    const outage = () => new ProviderError('pluggy', 'transient', { providerCode: 'SERVICE_UNAVAILABLE', message: 'down' });

    const deliveries = [1, 2, 3, 4, 5, 6, 7];
    for (const receiveCount of deliveries) {
      writer.failures.push(outage());
      const response = await handler(delivery(receiveCount, job));
      expect(response.batchItemFailures).toEqual([{ itemIdentifier: `m-${receiveCount}` }]);
    }

    // 30 s doubling per delivery, capped at the queue's visibility timeout (jitter fixed at 0 here).
    expect(fakes.visibilityChanges).toEqual([30, 60, 120, 240, 480, 900, 900]);
    expect(providerWriteRedeliveryBackoff.maxSeconds).toBeLessThanOrEqual(queues.providerWrites.visibilityTimeoutSeconds);
    expect((await store.get('user-1', transaction.transactionId))?.categorySync?.status).toBe('pending');

    // The last delivery the queue allows marks the write failed before it goes to the dead-letter queue.
    writer.failures.push(outage());
    await handler(delivery(queues.providerWrites.maxReceiveCount, job));
    expect((await store.get('user-1', transaction.transactionId))?.categorySync).toMatchObject({ status: 'failed' });
  });
});
