/**
 * Retries and dead letters of the sync pipeline, against the emulator:
 * - a failed sync job comes back after an exponential, jittered delay (ChangeMessageVisibility before the
 *   worker reports it failed), while other connections' jobs keep flowing;
 * - after the max receive count a job sits in the dead-letter queue, and the redrive command moves it (and
 *   standard-queue dead letters) back, keeping FIFO message groups and order, bounded and repeatable.
 *
 * Private queues per file (own prefix), long visibility timeouts, so a message that comes back early can only
 * have come back because of the delay set here.
 */
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { promisify } from 'node:util';
import {
  DeleteMessageCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  SQSClient,
  type Message,
} from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queues } from '../../shared/catalog/resources';
import { provisionQueue, type ProvisionedQueue } from '../../local/aws/provision';
import { redriveDeadLetters, resolveRedriveTarget } from '../../ops/redrive';
import { queueIdentity, sqsEvent, sqsRecord } from '../../local/workers/sqs-event';
import { SqsRedeliveryDelay } from '../../shared/adapters/sqs/message-visibility';
import { ProviderError, ValidationError } from '../../shared/errors/app-error';
import { syncJobMessage } from '../../shared/queue/messages';
import { redeliveryDelaySeconds, syncRedeliveryBackoff } from '../../shared/retry/policies';
import { sqsWorker } from '../../shared/queue/sqs-worker';
import { eventually } from '../helpers/eventually';
import { logger } from '../../shared/observability/logger';
import { localAwsClientConfig, localAwsEnv } from '../setup/local-aws-context';

const execFileAsync = promisify(execFile);
const sqs = new SQSClient(localAwsClientConfig());
const prefix = `redelivery-${randomUUID().slice(0, 8)}`;
let syncQueue: ProvisionedQueue;
let webhookQueue: ProvisionedQueue;

beforeAll(async () => {
  // The workers log every message they handle; E2E_LOG_LEVEL=INFO shows those lines when debugging.
  logger.setLogLevel((process.env.E2E_LOG_LEVEL as 'INFO' | undefined) ?? 'ERROR');
  [syncQueue, webhookQueue] = await Promise.all([
    provisionQueue(sqs, queues.sync, prefix, 600),
    provisionQueue(sqs, queues.webhookEvents, prefix, 600),
  ]);
});
afterAll(() => sqs.destroy());

function job(connectionId: string, sequence = 0): string {
  return JSON.stringify({ userId: 'user-redelivery', connectionId, syncRunId: `run-${connectionId}-${sequence}`, trigger: 'schedule' });
}

async function sendSyncJobs(connectionIds: readonly string[], sequence = 0): Promise<void> {
  await sqs.send(
    new SendMessageBatchCommand({
      QueueUrl: syncQueue.url,
      Entries: connectionIds.map((connectionId, index) => ({
        Id: String(index),
        MessageBody: job(connectionId, sequence),
        MessageGroupId: connectionId,
        MessageDeduplicationId: randomUUID(),
      })),
    }),
  );
}

async function receive(queueUrl: string, visibilityTimeout?: number): Promise<Message[]> {
  const result = await sqs.send(
    new ReceiveMessageCommand({
      QueueUrl: queueUrl,
      MaxNumberOfMessages: 10,
      WaitTimeSeconds: 1,
      MessageSystemAttributeNames: ['All'],
      ...(visibilityTimeout === undefined ? {} : { VisibilityTimeout: visibilityTimeout }),
    }),
  );
  return result.Messages ?? [];
}

async function depth(queueUrl: string): Promise<number> {
  const described = await sqs.send(
    new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'] }),
  );
  return Number(described.Attributes?.ApproximateNumberOfMessages) + Number(described.Attributes?.ApproximateNumberOfMessagesNotVisible);
}

/** Receives until `count` messages arrived (deleting none), or fails after the helper's deadline. */
async function receiveAll(queueUrl: string, count: number): Promise<Message[]> {
  const received: Message[] = [];
  await eventually(`${count} messages arrived`, async () => {
    received.push(...(await receive(queueUrl, 600)));
    return received.length >= count;
  });
  return received;
}

describe('redelivery backoff', () => {
  it('grows exponentially with the delivery count, with jitter, capped, and honours Retry-After', () => {
    const policy = { baseSeconds: 60, maxSeconds: 900 };
    expect([1, 2, 3, 4, 5].map((count) => redeliveryDelaySeconds(count, policy, { random: () => 0 }))).toEqual([60, 120, 240, 480, 900]);
    expect(redeliveryDelaySeconds(2, policy, { random: () => 0.999 })).toBe(179);
    // Never longer than the queue would hide the message anyway.
    expect(redeliveryDelaySeconds(4, policy, { random: () => 0, visibilityTimeoutSeconds: 2 })).toBe(2);
    // A provider asking for more time gets it, within the cap.
    expect(redeliveryDelaySeconds(1, policy, { random: () => 0, retryAfterSeconds: 300 })).toBe(300);
    expect(redeliveryDelaySeconds(1, policy, { random: () => 0, retryAfterSeconds: 5_000 })).toBe(900);
    // The sync queue's policy: five deliveries span well under the 16-minute visibility timeout each.
    expect(syncRedeliveryBackoff.maxSeconds).toBeLessThan(queues.sync.visibilityTimeoutSeconds);
  });

  it('brings a failed job back after its delay while the other connections keep syncing', async () => {
    // Prepare: two connections' jobs; the provider fails for the first one only.
    const failing = `conn-failing-${randomUUID().slice(0, 6)}`;
    const healthy = `conn-healthy-${randomUUID().slice(0, 6)}`;
    await sendSyncJobs([failing, healthy]);
    const delays: number[] = [];
    const redelivery = new SqsRedeliveryDelay({ baseSeconds: 1, maxSeconds: 30 }, sqs, () => 0);
    const handled: string[] = [];
    const worker = sqsWorker({
      name: 'RedeliveryTestWorker',
      schema: syncJobMessage,
      handle: async (message) => {
        if (message.connectionId === failing) throw new ProviderError('plaid', 'transient', { providerCode: 'INSTITUTION_DOWN', message: 'down' });
        handled.push(message.connectionId);
      },
      beforeRetry: async (record, error) => {
        delays.push(await redelivery.delay(record, error));
      },
    });
    const identity = queueIdentity(syncQueue.arn);
    const runBatch = async (messages: Message[]) => {
      const response = await worker(sqsEvent(messages.map((message) => sqsRecord(message, identity))));
      const failed = new Set(response.batchItemFailures.map((failure) => failure.itemIdentifier));
      for (const message of messages) {
        if (!failed.has(message.MessageId!)) await sqs.send(new DeleteMessageCommand({ QueueUrl: syncQueue.url, ReceiptHandle: message.ReceiptHandle! }));
      }
      return failed;
    };

    // Act: first delivery of both (600 s visibility: without the backoff, the failed one would stay hidden that long).
    const first = await receiveAll(syncQueue.url, 2);
    const failedFirst = await runBatch(first);

    // Assess: only the failing job was reported; the healthy connection synced at once.
    expect([...failedFirst]).toEqual(first.filter((message) => message.Attributes?.MessageGroupId === failing).map((message) => message.MessageId));
    expect(handled).toEqual([healthy]);

    // Act: it comes back after the backoff (1 s), fails again, comes back after 2 s.
    const second = await receiveAll(syncQueue.url, 1);
    expect(second[0]!.Attributes?.ApproximateReceiveCount).toBe('2');
    await runBatch(second);
    const third = await receiveAll(syncQueue.url, 1);
    expect(third[0]!.Attributes?.ApproximateReceiveCount).toBe('3');
    await sqs.send(new DeleteMessageCommand({ QueueUrl: syncQueue.url, ReceiptHandle: third[0]!.ReceiptHandle! }));

    // Assess: the delays the worker set, 1·2^(n−1) seconds (jitter pinned to 0).
    expect(delays).toEqual([1, 2]);
    expect(third[0]!.MessageId).toBe(first.find((message) => message.Attributes?.MessageGroupId === failing)!.MessageId);
  });

  it('does not delay a message whose failure cannot be fixed by retrying (it is acknowledged)', async () => {
    // Prepare
    const connectionId = `conn-invalid-${randomUUID().slice(0, 6)}`;
    await sendSyncJobs([connectionId]);
    let hookCalls = 0;
    const worker = sqsWorker({
      name: 'RedeliveryTestWorker',
      schema: syncJobMessage,
      handle: async () => {
        throw new ValidationError('bad input', []);
      },
      beforeRetry: async () => {
        hookCalls += 1;
      },
    });

    // Act
    const [message] = await receiveAll(syncQueue.url, 1);
    const response = await worker(sqsEvent([sqsRecord(message!, queueIdentity(syncQueue.arn))]));
    await sqs.send(new DeleteMessageCommand({ QueueUrl: syncQueue.url, ReceiptHandle: message!.ReceiptHandle! }));

    // Assess
    expect(response.batchItemFailures).toEqual([]);
    expect(hookCalls).toBe(0);
  });
});

describe('dead letters and redrive', () => {
  it('dead-letters a job after the max receive count, and the redrive moves it back with its group, order and a fresh deduplication id', async () => {
    // Prepare: connection B's job fails every delivery. Each receive with visibility 0 counts a delivery and
    // returns the message at once; after maxReceiveCount deliveries the next receive moves it to the DLQ.
    const connectionA = `conn-a-${randomUUID().slice(0, 6)}`;
    const connectionB = `conn-b-${randomUUID().slice(0, 6)}`;
    await sendSyncJobs([connectionB], 1);
    let deliveries = 0;
    await eventually(
      'the job is dead-lettered',
      async () => {
        deliveries += (await receive(syncQueue.url, 0)).length;
        return (await depth(syncQueue.deadLetterUrl)) === 1;
      },
      { timeoutMs: 60_000, intervalMs: 0 },
    );
    expect(deliveries).toBe(queues.sync.maxReceiveCount);
    expect(await depth(syncQueue.url)).toBe(0);
    // Connection A has three dead jobs, in order, in the same message group (as a FIFO DLQ keeps them).
    for (const sequence of [1, 2, 3]) {
      await sqs.send(
        new SendMessageBatchCommand({
          QueueUrl: syncQueue.deadLetterUrl,
          Entries: [{ Id: '0', MessageBody: job(connectionA, sequence), MessageGroupId: connectionA, MessageDeduplicationId: randomUUID() }],
        }),
      );
    }

    // Act
    const target = await resolveRedriveTarget(sqs, 'sync', { SYNC_QUEUE_URL: syncQueue.url, SYNC_DLQ_URL: syncQueue.deadLetterUrl });
    const result = await redriveDeadLetters(sqs, target);

    // Assess: all four are back in the sync queue, none left in the DLQ.
    expect(result).toEqual({ moved: 4, remaining: 0 });
    const back: Message[] = [];
    await eventually('the redriven jobs are received in group order', async () => {
      const messages = await receive(syncQueue.url, 600);
      for (const message of messages) {
        back.push(message);
        await sqs.send(new DeleteMessageCommand({ QueueUrl: syncQueue.url, ReceiptHandle: message.ReceiptHandle! }));
      }
      return back.length >= 4;
    });
    const jobs = back.map((message) => ({ message, job: syncJobMessage.parse(JSON.parse(message.Body!)) }));
    expect(jobs.filter(({ job }) => job.connectionId === connectionA).map(({ job }) => job.syncRunId)).toEqual([
      `run-${connectionA}-1`,
      `run-${connectionA}-2`,
      `run-${connectionA}-3`,
    ]);
    for (const { message, job } of jobs) {
      expect(message.Attributes?.MessageGroupId).toBe(job.connectionId);
      expect(message.Attributes?.MessageDeduplicationId).toMatch(/^redrive-/);
      expect(message.Attributes?.ApproximateReceiveCount).toBe('1');
    }

    // Act + Assess: a second run finds nothing to move.
    expect(await redriveDeadLetters(sqs, target)).toEqual({ moved: 0, remaining: 0 });
  }, 90_000);

  it('moves at most --max messages per run and leaves the rest for the next run', async () => {
    // Prepare: 25 dead letters of the (standard) webhook-event queue, put straight into its DLQ.
    const bodies = Array.from({ length: 25 }, (_, index) => JSON.stringify({ provider: 'plaid', eventId: `evt-${index}-${randomUUID()}` }));
    for (let start = 0; start < bodies.length; start += 10) {
      await sqs.send(
        new SendMessageBatchCommand({
          QueueUrl: webhookQueue.deadLetterUrl,
          Entries: bodies.slice(start, start + 10).map((body, index) => ({ Id: String(index), MessageBody: body })),
        }),
      );
    }
    const target = { definition: queues.webhookEvents, queueUrl: webhookQueue.url, deadLetterUrl: webhookQueue.deadLetterUrl };

    // Act
    const first = await redriveDeadLetters(sqs, target, { maxMessages: 10 });
    const rest = await redriveDeadLetters(sqs, target, { maxMessages: 100 });

    // Assess
    expect(first).toEqual({ moved: 10, remaining: 15 });
    expect(rest).toEqual({ moved: 15, remaining: 0 });
    const moved = await receiveAll(webhookQueue.url, 25);
    expect(new Set(moved.map((message) => message.Body))).toEqual(new Set(bodies));
    for (const message of moved) await sqs.send(new DeleteMessageCommand({ QueueUrl: webhookQueue.url, ReceiptHandle: message.ReceiptHandle! }));
  });

  it('runs as `npm run redrive -- <queue>` with the queue URLs from the environment', async () => {
    // Prepare
    const body = JSON.stringify({ provider: 'plaid', eventId: `evt-cli-${randomUUID()}` });
    await sqs.send(new SendMessageBatchCommand({ QueueUrl: webhookQueue.deadLetterUrl, Entries: [{ Id: '0', MessageBody: body }] }));

    // Act
    const { stdout } = await execFileAsync(process.execPath, ['--import', 'tsx', 'ops/redrive.ts', 'webhookEvents', '--max', '5'], {
      env: {
        ...process.env,
        ...localAwsEnv(),
        WEBHOOK_EVENT_QUEUE_URL: webhookQueue.url,
        WEBHOOK_EVENT_DLQ_URL: webhookQueue.deadLetterUrl,
      },
    });

    // Assess
    expect(stdout).toMatch(/moved 1 message\(s\) .* 0 left in the DLQ/);
    const [message] = await receiveAll(webhookQueue.url, 1);
    expect(message!.Body).toBe(body);
    await sqs.send(new DeleteMessageCommand({ QueueUrl: webhookQueue.url, ReceiptHandle: message!.ReceiptHandle! }));
  });

  it('refuses an unknown queue id with a usage message', async () => {
    await expect(execFileAsync(process.execPath, ['--import', 'tsx', 'ops/redrive.ts', 'nope'], { env: { ...process.env, ...localAwsEnv() } })).rejects.toMatchObject({
      code: 2,
      stderr: expect.stringContaining('usage: npm run redrive'),
    });
  });
});
