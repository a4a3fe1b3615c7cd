/**
 * The auto-sync scheduler at fleet scale: N due connections seeded (BatchWriteItem, not measured) into a
 * private table, one tick of the real use-case (`enqueueDueConnections`) with the real DynamoDB connection
 * store and SQS adapter on a private FIFO queue, counted per operation.
 *
 * While the tick runs, the queue is drained by a client of its own, as the sync worker would drain it; moto's
 * FIFO emulation re-counts every queued message on each send, so an undrained queue of thousands of messages
 * would measure moto rather than the scheduler.
 *
 * Baselines in the same run: the request floor of the design (one query page per 500 due rows per shard, one
 * conditional lease write per connection because UpdateItem has no batch form, one SendMessageBatch per 10
 * jobs), and the same N jobs sent straight to a second FIFO queue with the same adapter: the cost of the
 * enqueueing alone, without reading and leasing.
 */
import { randomBytes } from 'node:crypto';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DeleteMessageBatchCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { queues } from '../shared/catalog/resources';
import { createBankingTable, provisionQueue } from '../local/aws/provision';
import { total, type Tally } from './aws-request-counter';
import type { Progress } from './bench-context';
import { uncountedClientConfig, type BenchStack } from './bench-stack';
import { ratio, round } from './stats';

const SHARDS = 8;
const PAGE_SIZE = 500;
const SQS_BATCH = 10;

export interface SchedulerRun {
  readonly connections: number;
  readonly seedSeconds: number;
  readonly seconds: number;
  readonly due: number;
  readonly enqueued: number;
  readonly leaseConflicts: number;
  readonly leaseFailures: number;
  readonly aws: Tally;
  readonly awsRequests: number;
  readonly perThousand: Record<string, number>;
  readonly writeUnits: number;
  readonly readUnits: number;
  readonly floor: readonly { what: string; floor: number; actual: number; ratio: number }[];
  /** The same number of jobs sent directly (no index read, no lease). */
  readonly enqueueOnly: { readonly seconds: number; readonly requests: number };
  readonly vsEnqueueOnly: { readonly time: number; readonly requests: number };
}

export interface SchedulerResult {
  readonly measured: readonly SchedulerRun[];
  readonly target: number;
  /** Linear extrapolation to the target from the largest measured run (requests are linear by design). */
  readonly extrapolated: { readonly connections: number; readonly seconds: number; readonly awsRequests: number; readonly byOperation: Record<string, number> } | null;
}

function rawClients(stack: BenchStack) {
  const config = uncountedClientConfig(stack);
  const dynamodb = new DynamoDBClient(config);
  return {
    dynamodb,
    document: DynamoDBDocumentClient.from(dynamodb, { marshallOptions: { removeUndefinedValues: true } }),
    sqs: new SQSClient(config),
    destroy() {
      dynamodb.destroy();
      this.sqs.destroy();
    },
  };
}

/** Receives and deletes until told to stop and the queue has answered empty twice. */
function drain(sqs: SQSClient, queueUrl: string): { stop(): Promise<number> } {
  let stopping = false;
  let received = 0;
  const lane = async () => {
    for (let emptyAfterStop = 0; emptyAfterStop < 2; ) {
      const result = await sqs.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }));
      const messages = result.Messages ?? [];
      if (messages.length === 0) {
        if (stopping) emptyAfterStop += 1;
        continue;
      }
      received += messages.length;
      await sqs.send(
        new DeleteMessageBatchCommand({
          QueueUrl: queueUrl,
          Entries: messages.map((message, index) => ({ Id: String(index), ReceiptHandle: message.ReceiptHandle! })),
        }),
      );
    }
  };
  const lanes = [lane(), lane()];
  return {
    async stop() {
      stopping = true;
      await Promise.all(lanes);
      return received;
    },
  };
}

async function measureOnce(stack: BenchStack, connections: number, progress: Progress): Promise<SchedulerRun> {
  const { batchWriteAll, putRequest } = await import('../shared/adapters/dynamodb/batch');
  const { connectionToItem, dueShardOf } = await import('../shared/adapters/dynamodb/entities/connection');
  const { DynamoConnectionStore } = await import('../shared/adapters/dynamodb/connection-store');
  const { SqsSyncJobQueue } = await import('../shared/adapters/sqs/sqs-sync-job-queue');
  const { enqueueDueConnections } = await import('../shared/sync/auto-sync-scheduler');
  const { systemClock } = await import('../shared/adapters/system-clock');
  const { newId } = await import('../shared/banking/ids');
  const clients = rawClients(stack);
  try {
    const runPrefix = `${stack.prefix}-s${connections}`;
    const tableName = `${runPrefix}-banking`;
    await createBankingTable(clients.dynamodb, tableName);
    const queue = await provisionQueue(clients.sqs, queues.sync, runPrefix);
    const directQueue = await provisionQueue(clients.sqs, queues.sync, `${runPrefix}-direct`);

    // Rows shaped like real ones (about 1 KB: encrypted token, cursor), due at times spread over the last 12 h.
    const now = Date.now();
    const seedStarted = performance.now();
    const items = Array.from({ length: connections }, (_, index) => {
      const connectionId = newId('conn', new Date(now - index));
      const nextSyncAt = new Date(now - 60_000 - ((index * 7919) % (12 * 3_600_000))).toISOString();
      return connectionToItem(
        {
          userId: `bench-user-${index}`,
          connectionId,
          provider: 'plaid',
          providerItemId: randomBytes(18).toString('base64url'),
          institution: { id: 'ins_109508', name: 'First Platypus Bank' },
          products: ['transactions', 'auth'],
          productTag: null,
          status: 'healthy',
          statusReason: null,
          accessToken: { ciphertext: randomBytes(200).toString('base64'), keyId: stack.awsEnv.TOKEN_KEY_ID, contextVersion: 1 },
          syncCursor: randomBytes(150).toString('base64'),
          consent: null,
          pendingUserAction: null,
          createdAt: new Date(now - 86_400_000).toISOString(),
          updatedAt: new Date(now - 43_200_000).toISOString(),
          lastSyncAt: new Date(now - 43_200_000).toISOString(),
          lastSyncOutcome: 'succeeded',
          nextSyncAt,
        },
        SHARDS,
      );
    });
    await batchWriteAll({ client: clients.document, tableName }, items.map(putRequest));
    const seedSeconds = (performance.now() - seedStarted) / 1000;
    progress(`scheduler: seeded ${connections} due connections in ${seedSeconds.toFixed(1)} s (not measured); one tick`);

    const drainer = drain(clients.sqs, queue.url);
    stack.counter.reset();
    const started = performance.now();
    const result = await enqueueDueConnections({
      dueIndex: new DynamoConnectionStore({ tableName, dueIndexShards: SHARDS }),
      syncQueue: new SqsSyncJobQueue(queue.url),
      clock: systemClock,
      shardCount: SHARDS,
    });
    const seconds = (performance.now() - started) / 1000;
    const aws = stack.counter.snapshot();
    const drained = await drainer.stop();
    progress(`scheduler: ${result.enqueued} enqueued in ${seconds.toFixed(1)} s, ${total(aws, 'requests')} AWS requests (${drained} jobs drained)`);
    if (result.enqueued !== connections) progress(`scheduler: WARNING enqueued ${result.enqueued} of ${connections}`);

    // Baseline: the same jobs, straight into a second FIFO queue through the same adapter.
    const jobs = items.map((item) => ({
      userId: String(item.user_id),
      connectionId: String(item.connection_id),
      syncRunId: newId('run'),
      trigger: 'schedule' as const,
      deduplicationId: `${String(item.connection_id)}@${String(item.next_sync_at)}`,
    }));
    const directDrainer = drain(clients.sqs, directQueue.url);
    stack.counter.reset();
    const directStarted = performance.now();
    await new SqsSyncJobQueue(directQueue.url).enqueue(jobs);
    const directSeconds = (performance.now() - directStarted) / 1000;
    const directRequests = total(stack.counter.snapshot(), 'requests');
    await directDrainer.stop();
    progress(`scheduler baseline: ${connections} jobs sent directly in ${directSeconds.toFixed(1)} s, ${directRequests} requests`);

    const awsRequests = total(aws, 'requests');
    // Each shard needs one page per started 500 of its due rows, and at least one (an empty answer).
    const perShard = new Array<number>(SHARDS).fill(0);
    for (const item of items) perShard[dueShardOf(String(item.connection_id), SHARDS)]! += 1;
    const floorQueries = perShard.reduce((sum, rows) => sum + Math.max(1, Math.ceil(rows / PAGE_SIZE)), 0);
    const row = (what: string, floor: number, actual: number) => ({ what, floor, actual, ratio: ratio(actual, floor) });
    return {
      connections,
      seedSeconds: round(seedSeconds, 1),
      seconds: round(seconds, 2),
      due: result.due,
      enqueued: result.enqueued,
      leaseConflicts: result.leaseConflicts,
      leaseFailures: result.leaseFailures,
      aws,
      awsRequests,
      perThousand: Object.fromEntries(Object.entries(aws).map(([key, value]) => [key, round((value.requests * 1000) / connections, 2)])),
      writeUnits: round(total(aws, 'writeUnits'), 1),
      readUnits: round(total(aws, 'readUnits'), 1),
      floor: [
        row(`due-index Query pages (${PAGE_SIZE} rows a page, ${SHARDS} shards)`, floorQueries, aws['DynamoDB.Query']?.requests ?? 0),
        row(`claim mark GetItem + conditional PutItem (one each per shard)`, 2 * SHARDS, (aws['DynamoDB.GetItem']?.requests ?? 0) + (aws['DynamoDB.PutItem']?.requests ?? 0)),
        row('overdue-lease UpdateItem (none when no job was lost)', 0, aws['DynamoDB.UpdateItem']?.requests ?? 0),
        row(`SQS SendMessageBatch (${SQS_BATCH} per request)`, Math.ceil(connections / SQS_BATCH), aws['SQS.SendMessageBatch']?.requests ?? 0),
      ],
      enqueueOnly: { seconds: round(directSeconds, 2), requests: directRequests },
      vsEnqueueOnly: { time: ratio(seconds, directSeconds), requests: ratio(awsRequests, directRequests) },
    };
  } finally {
    clients.destroy();
  }
}

export interface SchedulerOptions {
  /** Sizes to measure, smallest first. */
  readonly sizes: readonly number[];
  /** The size the issue asks about (100,000); measured when listed in `sizes`, otherwise extrapolated. */
  readonly target: number;
  /** Skip the remaining sizes once a measured tick projects the next one (seed + tick) beyond this. */
  readonly maxProjectedSeconds: number;
  readonly progress: Progress;
}

export async function measureScheduler(stack: BenchStack, options: SchedulerOptions): Promise<SchedulerResult> {
  const measured: SchedulerRun[] = [];
  for (const size of options.sizes) {
    const previous = measured.at(-1);
    if (previous) {
      const projected = ((previous.seconds + previous.seedSeconds + previous.enqueueOnly.seconds) * size) / previous.connections;
      if (projected > options.maxProjectedSeconds) {
        options.progress(`scheduler: ${size} connections would take about ${Math.round(projected)} s here; extrapolating instead`);
        break;
      }
    }
    measured.push(await measureOnce(stack, size, options.progress));
  }
  const largest = measured.at(-1);
  const extrapolated =
    largest && largest.connections < options.target
      ? {
          connections: options.target,
          seconds: round((largest.seconds * options.target) / largest.connections, 0),
          awsRequests: Math.round((largest.awsRequests * options.target) / largest.connections),
          byOperation: Object.fromEntries(
            Object.entries(largest.aws).map(([key, value]) => [key, Math.round((value.requests * options.target) / largest.connections)]),
          ),
        }
      : null;
  return { measured, target: options.target, extrapolated };
}
