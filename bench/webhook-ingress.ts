/**
 * Webhook ingress: POST /api/v1/webhooks/plaid on the local gateway under a bounded load from a second
 * process on loopback, against GET /api/v1/health (a route that touches nothing) under the same load.
 *
 * Deliveries are what Plaid sends for the benchmark's linked Item, in Plaid's format (keys sorted, 2-space
 * indented), signed with the Plaid sandbox's current key exactly as the sandbox signs its own deliveries. Plaid
 * sends two kinds for an Item whose transactions change
 * (https://plaid.com/docs/api/products/transactions/#sync_updates_available): `SYNC_UPDATES_AVAILABLE`, which
 * the service acts on (stored, tied to its connection, queued; the worker requests a sync), and, for backward
 * compatibility, the legacy `DEFAULT_UPDATE`, which the receipt settles itself (stored as `ignored`, never
 * queued). The load is `SYNC_UPDATES_AVAILABLE`, the kind that does the work; Plaid's bodies for one Item are
 * identical, so each carries a `bench_delivery` field of its own to be a new event (the receipt and the worker
 * read only the envelope). Both handlers are warmed up first: the figures are warm latencies.
 *
 * Then sequential samples of each kind: deliveries one at a time, nothing else in flight, each timed from
 * request to answer through the local gateway, minus the time the request counter spent reading items for its
 * capacity estimate. That is the warm duration of one webhook-route invocation, the Lambda time the cost model
 * bills per delivery; the loaded latencies above include queueing behind the other deliveries on moto, which a
 * Lambda invocation does not pay.
 *
 * Afterwards a sample of the queued events goes through the webhook worker (`applyWebhookEvent`), one event
 * per invocation, counted the same way: what the cost model charges per `SYNC_UPDATES_AVAILABLE` on the worker
 * side. Each finds no sync pending, as a delivery hours after the connection's last sync does: between events
 * the connection's pending-sync marker is cleared (uncounted), so every event requests a sync of its own
 * instead of joining the one the previous event queued.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { DynamoDBClient, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { GetQueueAttributesCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { workers } from '../infra/catalog/routes';
import { startGateway } from '../local/gateway/server';
import { connectionKey } from '../shared/adapters/dynamodb/entities/connection';
import { invokeHandler, silentLog } from '../local/workers/lambda-runtime';
import { queueIdentity, sqsRecord } from '../local/workers/sqs-event';
import { total, type StoredRows, type Tally } from './aws-request-counter';
import { benchRoot, trackChild, workDir, type Progress } from './bench-context';
import { uncountedClientConfig, type BenchStack } from './bench-stack';
import { median, percentile, ratio, round } from './stats';

export interface LoadFigures {
  readonly requests: number;
  readonly statuses: Record<string, number>;
  readonly seconds: number;
  readonly throughputPerSecond: number;
  readonly p50Ms: number;
  readonly p90Ms: number;
  readonly p99Ms: number;
  readonly maxMs: number;
  readonly stoppedByTime: boolean;
}

export interface WebhookIngressResult {
  readonly concurrency: number;
  readonly count: number;
  readonly maxSeconds: number;
  readonly webhook: LoadFigures;
  readonly health: LoadFigures;
  readonly ratios: { readonly p50: number; readonly p90: number; readonly p99: number; readonly throughput: number };
  /** Deliveries answered 200, and every AWS request they made. */
  readonly accepted: number;
  readonly aws: Tally;
  /** AWS requests per accepted delivery, by operation; Plaid requests over the whole load. */
  readonly awsPerDelivery: Record<string, number>;
  readonly awsRequestsPerDelivery: number;
  /** Summed time of those requests per delivery (waiting on moto, queueing behind the other deliveries included). */
  readonly awsMillisecondsPerDelivery: number;
  readonly writeUnitsPerDelivery: number;
  readonly readUnitsPerDelivery: number;
  readonly plaidRequests: number;
  /** `SYNC_UPDATES_AVAILABLE` deliveries one at a time (no concurrent load): one warm invocation each. */
  readonly sequential: SequentialFigures;
  /** `DEFAULT_UPDATE` deliveries one at a time: settled at receipt, never queued. */
  readonly ignoredSequential: SequentialFigures;
  /** The webhook worker on a sample of the queued events, each finding no sync pending (it requests one). */
  readonly worker: WorkerFigures;
  /** The same, each finding the sync an earlier event requested still pending (it joins that one). */
  readonly workerJoining: WorkerFigures;
}

export interface WorkerFigures {
  readonly events: number;
  readonly invocations: number;
  readonly secondsPerEvent: number;
  readonly aws: Tally;
  readonly awsRequestsPerEvent: number;
  readonly writeUnitsPerEvent: number;
  readonly readUnitsPerEvent: number;
  /** The webhook event rows as the worker left them (handled): what stays stored for their retention. */
  readonly storedRows: StoredRows;
}

export interface SequentialFigures {
  readonly deliveries: number;
  readonly p50Ms: number;
  readonly meanMs: number;
  /** Time of the request counter's own estimate reads, taken out of the figures above. */
  readonly estimatorMsPerDelivery: number;
  readonly awsRequestsPerDelivery: number;
  /** Every AWS request of the sample. */
  readonly aws: Tally;
  /** The webhook event rows the sample left (for the ignored kind, as stored for good). */
  readonly storedRows: StoredRows;
}

interface LoadPlan {
  readonly url: string;
  readonly method: 'GET' | 'POST';
  readonly concurrency: number;
  readonly count: number;
  readonly maxSeconds: number;
  readonly requests: readonly { headers: Record<string, string>; body?: string }[];
}

interface LoadOutput {
  readonly latencies: number[];
  readonly statuses: Record<string, number>;
  readonly elapsedMs: number;
  readonly stoppedByTime: boolean;
}

function runLoad(plan: LoadPlan, name: string): Promise<LoadOutput> {
  const dir = path.join(workDir, 'webhook-load');
  mkdirSync(dir, { recursive: true });
  const planFile = path.join(dir, `${name}.json`);
  writeFileSync(planFile, JSON.stringify(plan));
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(benchRoot, 'load-generator.mjs'), planFile], {
      env: { PATH: process.env.PATH ?? '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    trackChild(child);
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    // The generator stops itself at maxSeconds; this is only the backstop for a hung process.
    const timer = setTimeout(() => child.kill('SIGKILL'), (plan.maxSeconds + 30) * 1000);
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      try {
        resolve(JSON.parse(stdout.trim().split('\n').pop() ?? '') as LoadOutput);
      } catch {
        reject(new Error(`load generator exited ${code} without results: ${stderr.trim().slice(-300)}`));
      }
    });
  });
}

function figures(output: LoadOutput): LoadFigures {
  const seconds = output.elapsedMs / 1000;
  return {
    requests: output.latencies.length,
    statuses: output.statuses,
    seconds: round(seconds, 2),
    throughputPerSecond: round(output.latencies.length / seconds, 1),
    p50Ms: round(median(output.latencies), 1),
    p90Ms: round(percentile(output.latencies, 90), 1),
    p99Ms: round(percentile(output.latencies, 99), 1),
    maxMs: round(Math.max(...output.latencies), 1),
    stoppedByTime: output.stoppedByTime,
  };
}

/** A Plaid DEFAULT_UPDATE body as Plaid serialises it: keys sorted, two-space indentation. */
function defaultUpdateBody(itemId: string, newTransactions: number): string {
  const body = {
    environment: 'sandbox',
    error: null,
    item_id: itemId,
    new_transactions: newTransactions,
    webhook_code: 'DEFAULT_UPDATE',
    webhook_type: 'TRANSACTIONS',
  };
  return JSON.stringify(body, null, 2);
}

/** A Plaid SYNC_UPDATES_AVAILABLE body in Plaid's format, made unique by a benchmark-only field (see the header). */
function syncUpdatesBody(itemId: string, delivery: number): string {
  const body = {
    bench_delivery: delivery,
    environment: 'sandbox',
    historical_update_complete: true,
    initial_update_complete: true,
    item_id: itemId,
    webhook_code: 'SYNC_UPDATES_AVAILABLE',
    webhook_type: 'TRANSACTIONS',
  };
  return JSON.stringify(body, null, 2);
}

export interface WebhookIngressOptions {
  readonly itemId: string;
  /** The connection of that Item. */
  readonly connection: { readonly userId: string; readonly connectionId: string };
  readonly concurrency: number;
  readonly count: number;
  readonly maxSeconds: number;
  readonly workerSample: number;
  readonly progress: Progress;
}

export async function measureWebhookIngress(stack: BenchStack, options: WebhookIngressOptions): Promise<WebhookIngressResult> {
  const { progress, concurrency, count, maxSeconds } = options;
  const gateway = await startGateway({ port: 0, log: silentLog });
  try {
    const webhookUrl = `${gateway.url}/api/v1/webhooks/plaid`;
    const healthUrl = `${gateway.url}/api/v1/health`;
    const signedBody = (body: string) => ({ headers: { 'content-type': 'application/json', 'plaid-verification': stack.plaid.webhooks.sign(body) }, body });
    const signed = (delivery: number) => signedBody(syncUpdatesBody(options.itemId, delivery));
    const signedIgnored = (newTransactions: number) => signedBody(defaultUpdateBody(options.itemId, newTransactions));

    // Warm-up: both handlers imported and their clients connected (the webhook one fetches Plaid's key).
    const warmup = 10;
    for (let index = 0; index < warmup; index++) {
      const delivery = signed(1_000_000 + index);
      const answer = await fetch(webhookUrl, { method: 'POST', headers: delivery.headers, body: delivery.body });
      if (answer.status !== 200) throw new Error(`warm-up webhook answered ${answer.status}: ${await answer.text()}`);
      await (await fetch(healthUrl)).arrayBuffer();
    }

    progress(`webhook ingress: ${count} signed deliveries, concurrency ${concurrency}, at most ${maxSeconds} s`);
    const deliveries = Array.from({ length: count }, (_, index) => signed(index + 1));
    stack.counter.reset();
    const plaidSeq = stack.plaid.recorder.lastSeq();
    const webhookOutput = await runLoad({ url: webhookUrl, method: 'POST', concurrency, count, maxSeconds, requests: deliveries }, 'webhook');
    const aws = stack.counter.snapshot();
    const plaidRequests = stack.plaid.recorder.list({ afterSeq: plaidSeq, kind: 'provider' }).length;
    const webhook = figures(webhookOutput);
    progress(`webhook ingress: p50 ${webhook.p50Ms} ms, p99 ${webhook.p99Ms} ms, ${webhook.throughputPerSecond}/s`);

    progress(`no-op route: ${count} GET /health, concurrency ${concurrency}`);
    const health = figures(
      await runLoad({ url: healthUrl, method: 'GET', concurrency, count, maxSeconds, requests: [{ headers: {} }] }, 'health'),
    );
    progress(`no-op route: p50 ${health.p50Ms} ms, p99 ${health.p99Ms} ms, ${health.throughputPerSecond}/s`);

    const accepted = webhook.statuses['200'] ?? 0;
    const perDelivery = (value: number) => round(value / Math.max(1, accepted), 3);
    const sampleSize = Math.min(SEQUENTIAL_DELIVERIES, count);
    const sequential = await measureSequential(stack, webhookUrl, sampleSize, (index) => signed(2_000_000 + index));
    progress(`webhook ingress, one at a time: SYNC_UPDATES_AVAILABLE p50 ${sequential.p50Ms} ms, ${sequential.awsRequestsPerDelivery} AWS requests each`);
    const ignoredSequential = await measureSequential(stack, webhookUrl, sampleSize, (index) => signedIgnored(3_000_000 + index));
    progress(`webhook ingress, one at a time: DEFAULT_UPDATE p50 ${ignoredSequential.p50Ms} ms, ${ignoredSequential.awsRequestsPerDelivery} AWS requests each`);
    const worker = await measureWorker(stack, options.workerSample, options.connection, 'requesting', progress);
    const workerJoining = await measureWorker(stack, options.workerSample, options.connection, 'joining', progress);
    return {
      concurrency,
      count,
      maxSeconds,
      webhook,
      health,
      ratios: {
        p50: ratio(webhook.p50Ms, health.p50Ms),
        p90: ratio(webhook.p90Ms, health.p90Ms),
        p99: ratio(webhook.p99Ms, health.p99Ms),
        throughput: ratio(webhook.throughputPerSecond, health.throughputPerSecond),
      },
      accepted,
      aws,
      awsPerDelivery: Object.fromEntries(Object.entries(aws).map(([key, value]) => [key, perDelivery(value.requests)])),
      awsRequestsPerDelivery: perDelivery(total(aws, 'requests')),
      awsMillisecondsPerDelivery: round(total(aws, 'milliseconds') / Math.max(1, accepted), 1),
      writeUnitsPerDelivery: perDelivery(total(aws, 'writeUnits')),
      readUnitsPerDelivery: perDelivery(total(aws, 'readUnits')),
      plaidRequests,
      sequential,
      ignoredSequential,
      worker,
      workerJoining,
    };
  } finally {
    await gateway.close();
  }
}

/** Deliveries in the sequential sample. */
const SEQUENTIAL_DELIVERIES = 30;

async function measureSequential(
  stack: BenchStack,
  url: string,
  deliveries: number,
  signed: (index: number) => { headers: Record<string, string>; body: string },
): Promise<SequentialFigures> {
  const durations: number[] = [];
  let estimatorMs = 0;
  stack.counter.reset();
  for (let index = 0; index < deliveries; index++) {
    const delivery = signed(index);
    const estimatorBefore = stack.counter.estimatorMilliseconds();
    const started = performance.now();
    const answer = await fetch(url, { method: 'POST', headers: delivery.headers, body: delivery.body });
    await answer.arrayBuffer();
    const elapsed = performance.now() - started;
    if (answer.status !== 200) throw new Error(`sequential webhook delivery answered ${answer.status}`);
    const own = stack.counter.estimatorMilliseconds() - estimatorBefore;
    estimatorMs += own;
    durations.push(elapsed - own);
  }
  const aws = stack.counter.snapshot();
  return {
    deliveries,
    p50Ms: round(median(durations), 1),
    meanMs: round(durations.reduce((sum, value) => sum + value, 0) / Math.max(1, durations.length), 1),
    estimatorMsPerDelivery: round(estimatorMs / Math.max(1, deliveries), 1),
    awsRequestsPerDelivery: round(total(aws, 'requests') / Math.max(1, deliveries), 3),
    aws,
    storedRows: stack.counter.storedRows(),
  };
}

/**
 * Feeds queued events to the webhook worker the way the SQS event source does (batches of up to its catalog
 * batch size), through the local Lambda runtime. Receiving is the event source's job, so it goes through a
 * client of its own and is not counted; the worker's own requests are.
 */
async function measureWorker(
  stack: BenchStack,
  sample: number,
  connection: WebhookIngressOptions['connection'],
  pending: 'requesting' | 'joining',
  progress: Progress,
): Promise<WorkerFigures> {
  const definition = workers.find((worker) => worker.id === 'applyWebhookEvent');
  if (!definition) throw new Error('applyWebhookEvent is not in the worker catalog');
  const queueUrl = stack.awsEnv.WEBHOOK_EVENT_QUEUE_URL!;
  const clientConfig = uncountedClientConfig(stack);
  const sqs = new SQSClient(clientConfig);
  // Clients of their own: what they send is the benchmark's, not the worker's, and is not counted.
  const dynamo = new DynamoDBClient(clientConfig);
  /** The sync the previous event requested has run: the next event finds none pending. */
  const key = connectionKey(connection.userId, connection.connectionId);
  const syncRan = () =>
    dynamo.send(
      new UpdateItemCommand({ TableName: stack.awsEnv.TABLE_NAME, Key: { PK: { S: key.PK }, SK: { S: key.SK } }, UpdateExpression: 'REMOVE pending_sync' }),
    );
  try {
    const arn = (await sqs.send(new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['QueueArn'] }))).Attributes?.QueueArn;
    if (!arn) throw new Error('webhook event queue has no ARN');
    const identity = queueIdentity(arn);
    const fn = { id: definition.id, entry: definition.entry, timeoutSeconds: definition.timeoutSeconds };
    // Warm the worker (module import, first connections) on one batch before counting.
    const warm = await sqs.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 1, MessageSystemAttributeNames: ['All'] }));
    // Warming also requests a sync, which the joining sample's events then find pending.
    if (warm.Messages?.length) await invokeHandler(fn, { Records: warm.Messages.map((message) => sqsRecord(message, identity)) });
    if (pending === 'requesting') await syncRan();

    stack.counter.reset();
    let events = 0;
    let invocations = 0;
    let busyMs = 0;
    while (events < sample) {
      const received = await sqs.send(
        new ReceiveMessageCommand({
          QueueUrl: queueUrl,
          // One event per invocation: at a few webhooks a day per connection, the event source's batches hold one.
          MaxNumberOfMessages: 1,
          MessageSystemAttributeNames: ['All'],
        }),
      );
      const messages = received.Messages ?? [];
      if (messages.length === 0) break;
      const started = performance.now();
      await invokeHandler(fn, { Records: messages.map((message) => sqsRecord(message, identity)) });
      // Includes the request counter's reads for its capacity estimate (errs high).
      busyMs += performance.now() - started;
      events += messages.length;
      invocations += 1;
      if (pending === 'requesting') await syncRan();
    }
    // The sync the last event requested or joined has run: the next measurement starts from no sync pending.
    await syncRan();
    const aws = stack.counter.snapshot();
    progress(`webhook worker (${pending} a sync): ${events} events in ${invocations} invocations, ${total(aws, 'requests')} AWS requests`);
    const perEvent = (value: number) => round(value / Math.max(1, events), 3);
    return {
      events,
      invocations,
      secondsPerEvent: round(busyMs / 1000 / Math.max(1, events), 4),
      aws,
      awsRequestsPerEvent: perEvent(total(aws, 'requests')),
      writeUnitsPerEvent: perEvent(total(aws, 'writeUnits')),
      readUnitsPerEvent: perEvent(total(aws, 'readUnits')),
      storedRows: stack.counter.storedRows(),
    };
  } finally {
    sqs.destroy();
    dynamo.destroy();
  }
}
