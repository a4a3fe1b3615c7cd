/**
 * The queue poller against real queues on the local emulator. Each test gets private queues (with this
 * run's short visibility timeout and a DLQ) and a fixture worker (tests/fixtures/local-runtime) whose
 * message bodies say whether to fail, so nothing depends on the catalog's workers or on other test files.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  SQSClient,
  type SendMessageBatchRequestEntry,
} from '@aws-sdk/client-sqs';
import type { SQSRecord } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queues, type QueueDefinition } from '../../shared/catalog/resources';
import { provisionQueue, type ProvisionedQueue } from '../../local/aws/provision';
import { loadHandler, silentLog } from '../../local/workers/lambda-runtime';
import { startQueuePoller, type PolledWorker } from '../../local/workers/queue-poller';
import { failedMessageIds } from '../../local/workers/sqs-event';
import { localAwsClientConfig, localAwsEnv } from '../setup/local-aws-context';
import { testVisibilityTimeoutSeconds } from '../setup/local-aws.global';
import { eventually, readJsonLines } from '../helpers/eventually';

const workerEntry = 'tests/fixtures/local-runtime/recording-sqs-worker.ts';
const MAX_RECEIVE_COUNT = 2;

interface Instructions {
  name: string;
  failUntilReceive?: number;
  throwUntilReceive?: number;
  holdMs?: number;
}

interface LoggedRecord {
  invocation: string;
  batchSize: number;
  startedAt: number;
  finishedAt: number;
  name: string;
  record: SQSRecord;
}

let sqs: SQSClient;
let logDirectory: string;

beforeAll(async () => {
  sqs = new SQSClient(localAwsClientConfig());
  logDirectory = await mkdtemp(path.join(tmpdir(), 'queue-poller-'));
  // Import the worker once up front (a warm container), so a slow first import on a busy machine cannot
  // outlast the 2-second visibility timeout and cause a redelivery the assertions do not expect.
  await loadHandler(workerEntry);
});
afterAll(async () => {
  sqs.destroy();
  await rm(logDirectory, { recursive: true, force: true });
});

/** A private queue pair shaped like a catalog queue, with a small max receive count. */
function privateQueue(base: QueueDefinition): Promise<ProvisionedQueue> {
  const definition: QueueDefinition = { ...base, baseName: `poller-${randomBytes(4).toString('hex')}`, maxReceiveCount: MAX_RECEIVE_COUNT };
  return provisionQueue(sqs, definition, localAwsEnv().RESOURCE_PREFIX, testVisibilityTimeoutSeconds);
}

function recordingWorker(queue: ProvisionedQueue, overrides: Partial<PolledWorker> = {}): PolledWorker {
  return { id: 'recordingWorker', entry: workerEntry, batchSize: 10, maxConcurrency: 2, timeoutSeconds: 10, queueUrl: queue.url, ...overrides };
}

async function send(
  queue: ProvisionedQueue,
  log: string,
  messages: readonly (Instructions & Partial<Omit<SendMessageBatchRequestEntry, 'Id' | 'MessageBody'>>)[],
): Promise<Map<string, string>> {
  const idsByName = new Map<string, string>();
  const entries = messages.map(({ name, failUntilReceive, throwUntilReceive, holdMs, ...entry }, index) => ({
    ...entry,
    Id: String(index),
    MessageBody: JSON.stringify({ log, name, failUntilReceive, throwUntilReceive, holdMs }),
  }));
  const { Successful, Failed } = await sqs.send(new SendMessageBatchCommand({ QueueUrl: queue.url, Entries: entries }));
  if (Failed && Failed.length > 0) throw new Error(`could not send test messages: ${JSON.stringify(Failed)}`);
  for (const sent of Successful ?? []) idsByName.set(messages[Number(sent.Id)]!.name, sent.MessageId!);
  return idsByName;
}

async function depth(url: string): Promise<{ visible: number; inFlight: number }> {
  const { Attributes } = await sqs.send(
    new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'] }),
  );
  return { visible: Number(Attributes?.ApproximateNumberOfMessages), inFlight: Number(Attributes?.ApproximateNumberOfMessagesNotVisible) };
}

function deliveries(lines: readonly LoggedRecord[], name: string): LoggedRecord[] {
  return lines.filter((line) => line.name === name);
}

function receiveCounts(lines: readonly LoggedRecord[], name: string): string[] {
  return deliveries(lines, name).map((line) => line.record.attributes.ApproximateReceiveCount);
}

describe.concurrent('queue poller', () => {
  it('deletes handled messages, and retries a failing one until SQS moves it to the DLQ', async ({ expect }) => {
    // Prepare
    const queue = await privateQueue(queues.webhookEvents);
    const log = path.join(logDirectory, 'dlq.jsonl');
    const ids = await send(queue, log, [
      {
        name: 'ok-1',
        MessageAttributes: {
          kind: { DataType: 'String', StringValue: 'test' },
          blob: { DataType: 'Binary', BinaryValue: Uint8Array.from([1, 2, 3]) },
        },
      },
      { name: 'ok-2' },
      { name: 'doomed', failUntilReceive: 99 },
    ]);
    const poller = startQueuePoller({ workers: [recordingWorker(queue)], sqs, waitTimeSeconds: 1, log: silentLog });

    // Act
    try {
      await eventually('the failing message reaches the DLQ', async () => (await depth(queue.deadLetterUrl)).visible === 1);
    } finally {
      await poller.stop();
    }

    // Assess
    const lines = await readJsonLines<LoggedRecord>(log);
    expect(receiveCounts(lines, 'ok-1')).toEqual(['1']);
    expect(receiveCounts(lines, 'ok-2')).toEqual(['1']);
    expect(receiveCounts(lines, 'doomed')).toEqual(['1', '2']);
    expect(await depth(queue.url)).toEqual({ visible: 0, inFlight: 0 });

    const { Messages } = await sqs.send(new ReceiveMessageCommand({ QueueUrl: queue.deadLetterUrl, WaitTimeSeconds: 1 }));
    expect(Messages?.map((message) => message.MessageId)).toEqual([ids.get('doomed')]);

    const record = deliveries(lines, 'ok-1')[0]!.record;
    expect(record).toMatchObject({
      messageId: ids.get('ok-1'),
      eventSource: 'aws:sqs',
      eventSourceARN: queue.arn,
      awsRegion: localAwsEnv().AWS_REGION,
      md5OfBody: createHash('md5').update(record.body).digest('hex'),
      messageAttributes: {
        kind: { stringValue: 'test', stringListValues: [], binaryListValues: [], dataType: 'String' },
        blob: { binaryValue: Buffer.from([1, 2, 3]).toString('base64'), stringListValues: [], binaryListValues: [], dataType: 'Binary' },
      },
    });
    expect(record.receiptHandle).toBeTruthy();
    expect(Object.keys(record.attributes).sort()).toEqual(
      ['ApproximateFirstReceiveTimestamp', 'ApproximateReceiveCount', 'SenderId', 'SentTimestamp'].sort(),
    );
  });

  it('honours batchItemFailures: only the reported messages come back', async ({ expect }) => {
    // Prepare
    const queue = await privateQueue(queues.webhookEvents);
    const log = path.join(logDirectory, 'partial.jsonl');
    await send(queue, log, [
      { name: 'p1' },
      { name: 'p2', failUntilReceive: 2 },
      { name: 'p3' },
      { name: 'p4', failUntilReceive: 2 },
    ]);
    const poller = startQueuePoller({
      workers: [recordingWorker(queue)],
      sqs,
      waitTimeSeconds: 1,
      pollersPerWorker: 1,
      log: silentLog,
    });

    // Act
    try {
      await eventually('the reported failures are redelivered and handled', async () => (await readJsonLines(log)).length === 6);
      await eventually('the queue is empty', async () => {
        const { visible, inFlight } = await depth(queue.url);
        return visible + inFlight === 0;
      });
    } finally {
      await poller.stop();
    }

    // Assess
    const lines = await readJsonLines<LoggedRecord>(log);
    const firstInvocation = lines.filter((line) => line.invocation === lines[0]!.invocation);
    expect(firstInvocation.map((line) => line.name).sort()).toEqual(['p1', 'p2', 'p3', 'p4']);
    expect(receiveCounts(lines, 'p1')).toEqual(['1']);
    expect(receiveCounts(lines, 'p3')).toEqual(['1']);
    expect(receiveCounts(lines, 'p2')).toEqual(['1', '2']);
    expect(receiveCounts(lines, 'p4')).toEqual(['1', '2']);
    expect((await depth(queue.deadLetterUrl)).visible).toBe(0);
  });

  it('retries the whole batch when the handler throws', async ({ expect }) => {
    // Prepare
    const queue = await privateQueue(queues.webhookEvents);
    const log = path.join(logDirectory, 'throw.jsonl');
    await send(queue, log, [{ name: 'thrower', throwUntilReceive: 2 }, { name: 'bystander' }]);
    const poller = startQueuePoller({ workers: [recordingWorker(queue)], sqs, waitTimeSeconds: 1, pollersPerWorker: 1, log: silentLog });

    // Act
    try {
      await eventually('both messages are handled after the retry', async () => {
        const lines = await readJsonLines<LoggedRecord>(log);
        const { visible, inFlight } = await depth(queue.url);
        return deliveries(lines, 'thrower').length === 2 && visible + inFlight === 0;
      });
    } finally {
      await poller.stop();
    }

    // Assess
    const lines = await readJsonLines<LoggedRecord>(log);
    expect(receiveCounts(lines, 'thrower')).toEqual(['1', '2']);
    expect(receiveCounts(lines, 'bystander')).toEqual(['1', '2']);
  });

  it('keeps FIFO order and never runs two batches of one message group at once', async ({ expect }) => {
    // Prepare
    const queue = await privateQueue(queues.sync);
    const log = path.join(logDirectory, 'fifo.jsonl');
    const inGroup = (group: string, name: string): Instructions & Partial<SendMessageBatchRequestEntry> => ({
      name,
      holdMs: 200,
      MessageGroupId: group,
      MessageDeduplicationId: name,
    });
    await send(queue, log, [inGroup('A', 'a1'), inGroup('B', 'b1'), inGroup('A', 'a2'), inGroup('B', 'b2'), inGroup('A', 'a3')]);
    const poller = startQueuePoller({
      workers: [recordingWorker(queue, { batchSize: 1, maxConcurrency: 3 })],
      sqs,
      waitTimeSeconds: 1,
      pollersPerWorker: 3,
      log: silentLog,
    });

    // Act
    try {
      await eventually('every message is handled', async () => (await readJsonLines(log)).length === 5);
    } finally {
      await poller.stop();
    }

    // Assess
    const lines = await readJsonLines<LoggedRecord>(log);
    for (const group of ['A', 'B']) {
      const runs = lines
        .filter((line) => line.record.attributes.MessageGroupId === group)
        .sort((left, right) => left.startedAt - right.startedAt);
      expect(runs.map((run) => run.name)).toEqual(group === 'A' ? ['a1', 'a2', 'a3'] : ['b1', 'b2']);
      for (let index = 1; index < runs.length; index += 1) {
        expect(runs[index]!.startedAt).toBeGreaterThanOrEqual(runs[index - 1]!.finishedAt);
      }
    }
    expect(lines[0]!.record.attributes).toMatchObject({
      MessageGroupId: expect.any(String),
      MessageDeduplicationId: expect.any(String),
      SequenceNumber: expect.stringMatching(/^\d+$/),
    });
    expect(await depth(queue.url)).toEqual({ visible: 0, inFlight: 0 });
  });
});

describe('partial batch response reading (Lambda ReportBatchItemFailures rules)', () => {
  const records = [{ messageId: 'm1' }, { messageId: 'm2' }] as SQSRecord[];

  it.each([
    ['no result', undefined, []],
    ['an empty object', {}, []],
    ['an empty failure list', { batchItemFailures: [] }, []],
    ['a null failure list', { batchItemFailures: null }, []],
    ['one reported message', { batchItemFailures: [{ itemIdentifier: 'm2' }] }, ['m2']],
    ['an unknown message id', { batchItemFailures: [{ itemIdentifier: 'other' }] }, ['m1', 'm2']],
    ['an empty identifier', { batchItemFailures: [{ itemIdentifier: '' }] }, ['m1', 'm2']],
    ['a misspelt key', { batchItemFailures: [{ itemId: 'm1' }] }, ['m1', 'm2']],
    ['a result that is not an object', 'done', ['m1', 'm2']],
  ])('reads %s', (_case, result, expected) => {
    // Act
    const failed = failedMessageIds(result, records);

    // Assess
    expect([...failed].sort()).toEqual(expected);
  });
});
