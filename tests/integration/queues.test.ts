/**
 * The SQS producers against the emulator: batching, FIFO message groups and deduplication, resending the
 * entries SQS reports as failed, and the wire format the workers parse.
 *
 * Each test file gets private queues (own prefix) so that counting messages never races with other test
 * files that enqueue work on the run's shared queues.
 */
import { randomUUID } from 'node:crypto';
import {
  DeleteMessageBatchCommand,
  ReceiveMessageCommand,
  SQSClient,
  type Message,
  type SendMessageBatchRequestEntry,
} from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queues } from '../../shared/catalog/resources';
import { provisionQueue, type ProvisionedQueue } from '../../local/aws/provision';
import type { ProviderWriteJob, SyncJob } from '../../shared/banking/ports';
import { QueueSendError, sendBatchWith, type SendBatch } from '../../shared/adapters/sqs/send-in-batches';
import { SqsProviderWriteQueue } from '../../shared/adapters/sqs/sqs-provider-write-queue';
import { SqsSyncJobQueue } from '../../shared/adapters/sqs/sqs-sync-job-queue';
import { providerWriteMessage, syncJobMessage } from '../../shared/queue/messages';
import { localAwsClientConfig } from '../setup/local-aws-context';

const sqs = new SQSClient(localAwsClientConfig());
const noWait = { maxAttempts: 4, baseDelayMs: 1, maxDelayMs: 1, sleep: async () => {} };
let syncQueue: ProvisionedQueue;
let providerWriteQueue: ProvisionedQueue;

beforeAll(async () => {
  const prefix = `queues-${randomUUID().slice(0, 8)}`;
  [syncQueue, providerWriteQueue] = await Promise.all([
    provisionQueue(sqs, queues.sync, prefix, 30),
    provisionQueue(sqs, queues.providerWrites, prefix, 30),
  ]);
});

afterAll(() => sqs.destroy());

/**
 * Receives (and deletes) until the queue stays empty for two polls. Deleting as we go releases each FIFO
 * message group, so later messages of the same group become receivable.
 */
async function drain(queueUrl: string): Promise<Message[]> {
  const received: Message[] = [];
  for (let emptyPolls = 0, polls = 0; emptyPolls < 2 && polls < 50; polls++) {
    const result = await sqs.send(
      new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, MessageSystemAttributeNames: ['All'] }),
    );
    const messages = result.Messages ?? [];
    emptyPolls = messages.length === 0 ? emptyPolls + 1 : 0;
    received.push(...messages);
    if (messages.length > 0) {
      await sqs.send(
        new DeleteMessageBatchCommand({
          QueueUrl: queueUrl,
          Entries: messages.map((message, index) => ({ Id: String(index), ReceiptHandle: message.ReceiptHandle! })),
        }),
      );
    }
  }
  return received;
}

function syncJob(connectionId: string, overrides: Partial<SyncJob> = {}): SyncJob {
  return { userId: 'user-1', connectionId, syncRunId: randomUUID(), trigger: 'schedule', ...overrides };
}

describe('SqsSyncJobQueue', () => {
  it('lands a batch of 23 jobs as 23 messages, each in its connection message group, in order per group', async () => {
    const connections = ['conn-1', 'conn-2', 'conn-3', 'conn-4', 'conn-5'];
    const jobs = Array.from({ length: 23 }, (_, index) => syncJob(connections[index % connections.length]!));

    await new SqsSyncJobQueue(syncQueue.url).enqueue(jobs);
    const messages = await drain(syncQueue.url);

    expect(messages).toHaveLength(23);
    const bodies = messages.map((message) => syncJobMessage.parse(JSON.parse(message.Body!)));
    expect(bodies.map((body) => body.syncRunId).sort()).toEqual(jobs.map((job) => job.syncRunId).sort());
    for (const message of messages) {
      const body = syncJobMessage.parse(JSON.parse(message.Body!));
      expect(message.Attributes?.MessageGroupId).toBe(body.connectionId);
      expect(message.Attributes?.MessageDeduplicationId).toBe(body.syncRunId);
    }
    for (const connectionId of connections) {
      const sent = jobs.filter((job) => job.connectionId === connectionId).map((job) => job.syncRunId);
      const received = bodies.filter((body) => body.connectionId === connectionId).map((body) => body.syncRunId);
      expect(received).toEqual(sent);
    }
  });

  it('carries the job unchanged in the body the sync worker parses', async () => {
    const job = syncJob('conn-body', { trigger: 'manual', userId: 'user-body' });

    await new SqsSyncJobQueue(syncQueue.url).enqueue([job]);
    const [message] = await drain(syncQueue.url);

    expect(syncJobMessage.parse(JSON.parse(message!.Body!))).toEqual(job);
  });

  it('deduplicates a repeated scheduler cycle per connection, not across connections', async () => {
    const cycle = `cycle-${randomUUID()}`;
    const queue = new SqsSyncJobQueue(syncQueue.url);

    await queue.enqueue([
      syncJob('conn-x', { deduplicationId: cycle }),
      syncJob('conn-y', { deduplicationId: cycle }),
    ]);
    // The same tick delivered twice: new sync run ids, same cycle.
    await queue.enqueue([syncJob('conn-x', { deduplicationId: cycle })]);
    const messages = await drain(syncQueue.url);

    expect(messages.map((message) => message.Attributes?.MessageGroupId).sort()).toEqual(['conn-x', 'conn-y']);
  });
});

describe('sendInBatches', () => {
  it('resends the entries SQS reported as failed until they land', async () => {
    const realSend = sendBatchWith(sqs);
    const calls: number[] = [];
    let failuresInjected = false;
    // Reports the first three entries of the first call as throttled without sending them, like SQS does
    // when part of a batch is refused.
    const flakySend: SendBatch = async (queueUrl, entries) => {
      calls.push(entries.length);
      if (failuresInjected) return realSend(queueUrl, entries);
      failuresInjected = true;
      const [refused, accepted] = [entries.slice(0, 3), entries.slice(3)];
      const failedByQueue = await realSend(queueUrl, accepted);
      return [
        ...failedByQueue,
        ...refused.map((entry) => ({ Id: entry.Id!, SenderFault: false, Code: 'ThrottlingException', Message: 'slow down' })),
      ];
    };
    const jobs = Array.from({ length: 12 }, (_, index) => syncJob(`conn-retry-${index}`));

    await new SqsSyncJobQueue(syncQueue.url, flakySend, noWait).enqueue(jobs);
    const messages = await drain(syncQueue.url);

    expect(calls).toEqual([10, 3, 2]);
    expect(messages).toHaveLength(12);
  });

  it('throws a QueueSendError naming counts and codes when entries keep failing', async () => {
    const calls: SendMessageBatchRequestEntry[][] = [];
    const alwaysFailsFirst: SendBatch = async (_queueUrl, entries) => {
      calls.push(entries);
      return [{ Id: entries[0]!.Id!, SenderFault: false, Code: 'InternalError', Message: 'try again' }];
    };
    const job = syncJob('conn-never');

    const attempt = new SqsSyncJobQueue(syncQueue.url, alwaysFailsFirst, noWait).enqueue([job]);

    await expect(attempt).rejects.toBeInstanceOf(QueueSendError);
    await expect(attempt).rejects.toMatchObject({ failedCount: 1, totalCount: 1, codes: ['InternalError'] });
    await expect(attempt).rejects.not.toThrow(job.syncRunId);
    expect(calls).toHaveLength(noWait.maxAttempts);
  });

  it('does not retry entries SQS blames on the sender', async () => {
    let calls = 0;
    const senderFault: SendBatch = async (_queueUrl, entries) => {
      calls++;
      return [{ Id: entries[0]!.Id!, SenderFault: true, Code: 'InvalidParameterValue', Message: 'bad' }];
    };

    await expect(new SqsSyncJobQueue(syncQueue.url, senderFault, noWait).enqueue([syncJob('c')])).rejects.toMatchObject({
      codes: ['InvalidParameterValue'],
    });
    expect(calls).toBe(1);
  });

  it('makes no call for an empty list', async () => {
    let calls = 0;
    await new SqsSyncJobQueue(syncQueue.url, async () => {
      calls++;
      return [];
    }).enqueue([]);

    expect(calls).toBe(0);
  });
});

describe('SqsProviderWriteQueue', () => {
  it('lands every job on the standard queue in the format the provider-write worker parses', async () => {
    const jobs: ProviderWriteJob[] = Array.from({ length: 12 }, (_, index) => ({
      kind: 'transaction_category',
      userId: 'user-1',
      transactionId: `txn-${index}`,
      connectionId: 'conn-1',
      provider: 'pluggy',
    }));

    await new SqsProviderWriteQueue(providerWriteQueue.url).enqueue(jobs);
    const messages = await drain(providerWriteQueue.url);

    const bodies = messages.map((message) => providerWriteMessage.parse(JSON.parse(message.Body!)));
    expect(bodies.map((body) => body.transactionId).sort()).toEqual(jobs.map((job) => job.transactionId).sort());
    expect(bodies[0]).toEqual(jobs.find((job) => job.transactionId === bodies[0]!.transactionId));
    expect(messages.every((message) => message.Attributes?.MessageGroupId === undefined)).toBe(true);
  });
});
