/**
 * The offline stand-in for Lambda's SQS event source mapping: for each worker it long-polls the worker's
 * queue, invokes the worker handler with an SQS event of up to `batchSize` records, deletes the messages that
 * succeeded, and leaves the rest alone so SQS makes them visible again after the visibility timeout
 * (https://docs.aws.amazon.com/lambda/latest/dg/services-sqs-errorhandling.html). As in the CDK stack
 * (`reportBatchItemFailures: true`), a returned `batchItemFailures` list fails only the messages it names,
 * and a thrown error or timeout fails the whole batch.
 *
 * Dead-lettering is left to the queue: SQS moves a message to the queue's DLQ when a receive finds it has
 * already been received `maxReceiveCount` times, and moto applies the RedrivePolicy the same way on
 * ReceiveMessage (checked against moto 5.2: after the max receive count the next receive moves the message
 * and does not return it). The poller therefore never copies messages to a DLQ itself, which keeps the
 * receive counts and message ids in the DLQ exactly what SQS would leave there.
 *
 * FIFO queues: SQS hides a message group while any of its messages is in flight, so two batches of one group
 * cannot normally be received at once. A batch can still outlive the visibility timeout (long local runs,
 * short test timeouts), after which SQS hands the group out again; the poller then waits for the running
 * batch of that group before invoking the next one, so one group is never processed concurrently.
 *
 * @example
 * const poller = startQueuePoller();   // the catalog's workers, queue URLs from env
 * await poller.stop();
 */
import {
  ChangeMessageVisibilityBatchCommand,
  DeleteMessageBatchCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SQSClient,
  type Message,
} from '@aws-sdk/client-sqs';
import type { SQSRecord } from 'aws-lambda';
import { queues } from '../../shared/catalog/resources';
import { workers as catalogWorkers, type WorkerDefinition } from '../../infra/catalog/routes';
import { consoleLog, describeFailure, invokeHandler, type LocalLog } from './lambda-runtime';
import { failedMessageIds, queueIdentity, sqsEvent, sqsRecord, type QueueIdentity } from './sqs-event';

/** A worker as the poller needs it: the catalog row's settings plus the URL of the queue it consumes. */
export interface PolledWorker {
  readonly id: string;
  readonly entry: string;
  readonly batchSize: number;
  readonly maxConcurrency: number;
  readonly timeoutSeconds: number;
  readonly queueUrl: string;
}

export interface QueuePollerOptions {
  /** Default: the catalog's workers with queue URLs from {@link catalogPolledWorkers}. */
  readonly workers?: readonly PolledWorker[];
  /** Default: a client for `AWS_ENDPOINT_URL` / `AWS_REGION`. */
  readonly sqs?: SQSClient;
  /** Long-poll wait per ReceiveMessage call (SQS maximum 20, which Lambda uses). */
  readonly waitTimeSeconds?: number;
  /** Concurrent batches per worker, capped by the worker's `maxConcurrency`. Default 2. */
  readonly pollersPerWorker?: number;
  /** How long {@link RunningQueuePoller.stop} waits for running handlers. Default 10 s. */
  readonly shutdownGraceMs?: number;
  readonly root?: string;
  readonly log?: LocalLog;
}

export interface RunningQueuePoller {
  /** Stops receiving and waits (bounded by `shutdownGraceMs`) for batches being handled. */
  stop(): Promise<void>;
}

/** Resolves each catalog worker's queue URL from the env var the catalog names for its queue. */
export function catalogPolledWorkers(
  env: NodeJS.ProcessEnv = process.env,
  definitions: readonly WorkerDefinition[] = catalogWorkers,
): PolledWorker[] {
  return definitions.map((worker) => {
    const variable = queues[worker.queue].urlEnvVar;
    const queueUrl = env[variable];
    if (!queueUrl) throw new Error(`Worker ${worker.id} needs ${variable} (the URL of its ${worker.queue} queue)`);
    return {
      id: worker.id,
      entry: worker.entry,
      batchSize: worker.batchSize,
      maxConcurrency: worker.maxConcurrency,
      timeoutSeconds: worker.timeoutSeconds,
      queueUrl,
    };
  });
}

export function startQueuePoller(options: QueuePollerOptions = {}): RunningQueuePoller {
  const workers = options.workers ?? catalogPolledWorkers();
  const sqs = options.sqs ?? defaultSqsClient();
  const log = options.log ?? consoleLog;
  const abort = new AbortController();
  const loops = workers.flatMap((worker) => {
    const consumer = new WorkerConsumer(worker, sqs, options, log, abort.signal);
    const count = Math.max(1, Math.min(worker.maxConcurrency, options.pollersPerWorker ?? 2));
    return Array.from({ length: count }, () => consumer.run());
  });

  let stopping: Promise<void> | undefined;
  return {
    stop: () => {
      stopping ??= (async () => {
        abort.abort();
        const grace = options.shutdownGraceMs ?? 10_000;
        let timer: NodeJS.Timeout | undefined;
        const gaveUp = new Promise<'timeout'>((resolve) => {
          timer = setTimeout(() => resolve('timeout'), grace);
        });
        const outcome = await Promise.race([Promise.allSettled(loops).then(() => 'done' as const), gaveUp]);
        clearTimeout(timer);
        if (outcome === 'timeout') {
          log.warn(`queue poller: handlers still running after ${grace} ms; their messages reappear after the visibility timeout`);
        }
        if (!options.sqs) sqs.destroy();
      })();
      return stopping;
    },
  };
}

function defaultSqsClient(): SQSClient {
  const region = process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION ?? 'us-east-1';
  const endpoint = process.env.AWS_ENDPOINT_URL;
  return new SQSClient(endpoint ? { region, endpoint } : { region });
}

/** Longest pause after a failed ReceiveMessage (emulator restarting, queue not provisioned yet). */
const MAX_RECEIVE_BACKOFF_MS = 5_000;

class WorkerConsumer {
  private queue: (QueueIdentity & { readonly visibilityTimeoutSeconds: number }) | undefined;
  /** FIFO message groups with a batch running, and the promise that settles when it is done. */
  private readonly groupsInFlight = new Map<string, Promise<void>>();

  constructor(
    private readonly worker: PolledWorker,
    private readonly sqs: SQSClient,
    private readonly options: QueuePollerOptions,
    private readonly log: LocalLog,
    private readonly signal: AbortSignal,
  ) {}

  async run(): Promise<void> {
    let failures = 0;
    while (!this.signal.aborted) {
      try {
        const messages = await this.receive();
        failures = 0;
        if (messages.length > 0) await this.handleBatch(messages);
      } catch (error) {
        if (this.signal.aborted) break;
        failures += 1;
        const pause = Math.min(MAX_RECEIVE_BACKOFF_MS, 250 * 2 ** failures);
        this.log.warn(`${this.worker.id}: polling failed (${describeFailure(error)}); retrying in ${pause} ms`);
        await sleep(pause, this.signal);
      }
    }
  }

  private async identity(): Promise<QueueIdentity> {
    if (!this.queue) {
      const { Attributes } = await this.sqs.send(
        new GetQueueAttributesCommand({ QueueUrl: this.worker.queueUrl, AttributeNames: ['QueueArn', 'VisibilityTimeout'] }),
        { abortSignal: this.signal },
      );
      if (!Attributes?.QueueArn) throw new Error(`No ARN for queue ${this.worker.queueUrl}`);
      this.queue = { ...queueIdentity(Attributes.QueueArn), visibilityTimeoutSeconds: Number(Attributes.VisibilityTimeout ?? 0) };
    }
    return this.queue;
  }

  private async receive(): Promise<Message[]> {
    await this.identity();
    const { Messages } = await this.sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: this.worker.queueUrl,
        MaxNumberOfMessages: Math.min(10, Math.max(1, this.worker.batchSize)),
        WaitTimeSeconds: this.options.waitTimeSeconds ?? 20,
        MessageSystemAttributeNames: ['All'],
        MessageAttributeNames: ['All'],
      }),
      { abortSignal: this.signal },
    );
    return Messages ?? [];
  }

  private async handleBatch(messages: Message[]): Promise<void> {
    const queue = await this.identity();
    const records = messages.map((message) => sqsRecord(message, queue));
    const groups = [...new Set(records.map((record) => record.attributes.MessageGroupId).filter((id): id is string => !!id))];

    // Wait for any batch of the same FIFO groups that is still running (see the module comment).
    while (groups.some((group) => this.groupsInFlight.has(group))) {
      await Promise.all(groups.map((group) => this.groupsInFlight.get(group)));
    }
    let release!: () => void;
    const done = new Promise<void>((resolve) => (release = resolve));
    for (const group of groups) this.groupsInFlight.set(group, done);
    try {
      await this.invokeAndSettle(records);
    } finally {
      for (const group of groups) this.groupsInFlight.delete(group);
      release();
    }
  }

  private async invokeAndSettle(records: SQSRecord[]): Promise<void> {
    let failed: ReadonlySet<string>;
    const stopHeartbeat = this.keepInvisible(records);
    try {
      const result = await invokeHandler(this.worker, sqsEvent(records), { root: this.options.root });
      failed = failedMessageIds(result, records);
      if (failed.size > 0) this.log.info(`${this.worker.id}: ${failed.size} of ${records.length} message(s) reported as failed`);
    } catch (error) {
      this.log.error(`${this.worker.id}: invocation failed, the whole batch will be retried: ${describeFailure(error)}`);
      failed = new Set(records.map((record) => record.messageId));
    } finally {
      stopHeartbeat();
    }
    const succeeded = records.filter((record) => !failed.has(record.messageId));
    await this.delete(succeeded);
  }

  /**
   * In AWS a message is never redelivered while its handler still runs: Lambda stops a function at its
   * timeout, and the stack gives every queue a visibility timeout above that. Locally nothing enforces that
   * relation (tests shrink visibility timeouts to a few seconds so retries show up quickly), so while a
   * batch runs the poller keeps its messages invisible by extending their visibility, renewing it before it
   * lapses. A message the handler fails is then left to reappear once the last extension runs out.
   */
  private keepInvisible(records: SQSRecord[]): () => void {
    const seconds = this.queue?.visibilityTimeoutSeconds ?? 0;
    if (seconds <= 0) return () => undefined;
    const renew = () =>
      this.sqs
        .send(
          new ChangeMessageVisibilityBatchCommand({
            QueueUrl: this.worker.queueUrl,
            Entries: records.slice(0, 10).map((record, index) => ({
              Id: String(index),
              ReceiptHandle: record.receiptHandle,
              VisibilityTimeout: seconds,
            })),
          }),
        )
        .catch((error: unknown) => this.log.warn(`${this.worker.id}: could not extend visibility (${describeFailure(error)})`));
    const timer = setInterval(renew, Math.max(500, (seconds * 1000) / 2));
    return () => clearInterval(timer);
  }

  /**
   * Deletes handled messages. Not tied to the shutdown signal: a batch that finished must not be redelivered
   * just because the poller is stopping.
   */
  private async delete(records: SQSRecord[]): Promise<void> {
    for (let start = 0; start < records.length; start += 10) {
      const chunk = records.slice(start, start + 10);
      const { Failed } = await this.sqs.send(
        new DeleteMessageBatchCommand({
          QueueUrl: this.worker.queueUrl,
          Entries: chunk.map((record, index) => ({ Id: String(index), ReceiptHandle: record.receiptHandle })),
        }),
      );
      if (Failed && Failed.length > 0) {
        this.log.warn(`${this.worker.id}: ${Failed.length} handled message(s) could not be deleted and will be redelivered`);
      }
    }
  }
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done(): void {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}
