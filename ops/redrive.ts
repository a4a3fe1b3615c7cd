/**
 * `npm run redrive -- <queue> [--max <n>]`: moves messages from a work queue's dead-letter queue back to the
 * queue, once the cause of their failures is fixed. `<queue>` is a catalog queue id
 * (`shared/catalog/resources.ts`): `sync`, `webhookEvents` or `providerWrites`.
 *
 * SQS has a built-in redrive (`StartMessageMoveTask`), but the local emulator does not implement it, and the
 * same tool should work offline and in AWS. So this one receives from the DLQ, sends each message to the
 * source queue and only then deletes it from the DLQ:
 * - the body and message attributes travel unchanged; on FIFO queues the message group id (the connection)
 *   is kept, messages of a group are moved in the order the DLQ hands them out, and the deduplication id is
 *   a new one derived from the DLQ message id (`redrive-<id>`): the original id may still be inside SQS's
 *   five-minute window, where a resend under it would be silently dropped;
 * - bounded: at most `--max` messages (default 1,000) per run; the remaining count is printed;
 * - repeatable: a run that stops between send and delete leaves the message in the DLQ, and the next run
 *   sends it again; on FIFO queues SQS drops that second copy (same deduplication id within five minutes),
 *   and on standard queues the consumers are idempotent (a webhook event already handled is skipped, a
 *   category write re-reads the current category), so a second copy changes nothing.
 *
 * Queue URLs come from the environment the functions use (`SYNC_QUEUE_URL` and the offline stack's
 * `SYNC_DLQ_URL`, ...) or, when those are unset, from the queue names (`RESOURCE_PREFIX`, default
 * `open-banking`) through GetQueueUrl, which works against AWS with an operator's credentials
 * (`AWS_PROFILE` / `AWS_REGION`) and offline with `AWS_ENDPOINT_URL`.
 *
 * Exit code 0 after a run (also when nothing was there to move), 1 on failure, 2 for usage errors.
 */
import { parseArgs } from 'node:util';
import { pathToFileURL } from 'node:url';
import {
  DeleteMessageBatchCommand,
  GetQueueAttributesCommand,
  GetQueueUrlCommand,
  ReceiveMessageCommand,
  type Message,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import {
  deadLetterQueueName,
  defaultResourcePrefix,
  queueName,
  queues,
  type QueueDefinition,
  type QueueId,
} from '../shared/catalog/resources';
import { sqsClient } from '../shared/adapters/aws-clients';
import { sendBatchWith, sendInBatches, type OutgoingMessage } from '../shared/adapters/sqs/send-in-batches';
import { deadLetterUrlEnvVar } from '../local/aws/provision';

export const DEFAULT_MAX_MESSAGES = 1_000;

export interface RedriveTarget {
  readonly definition: QueueDefinition;
  readonly queueUrl: string;
  readonly deadLetterUrl: string;
}

export interface RedriveOptions {
  /** Upper bound on messages moved by this run. */
  readonly maxMessages?: number;
  /**
   * How long received DLQ messages stay hidden from other readers while they are being moved. A message whose
   * move fails shows up in the DLQ again after this.
   */
  readonly holdSeconds?: number;
  /** Long-poll wait per receive; two empty polls in a row end the run. */
  readonly waitTimeSeconds?: number;
}

export interface RedriveResult {
  readonly moved: number;
  /** Messages the DLQ still reports (approximate, as SQS counts them) after the run. */
  readonly remaining: number;
}

/**
 * @example
 * const target = await resolveRedriveTarget(sqsClient(), 'sync');
 * const { moved, remaining } = await redriveDeadLetters(sqsClient(), target);
 */
export async function redriveDeadLetters(sqs: SQSClient, target: RedriveTarget, options: RedriveOptions = {}): Promise<RedriveResult> {
  const maxMessages = options.maxMessages ?? DEFAULT_MAX_MESSAGES;
  if (!Number.isInteger(maxMessages) || maxMessages < 1) throw new Error(`maxMessages must be a positive integer, got ${maxMessages}`);
  const send = sendBatchWith(sqs);
  let moved = 0;
  for (let emptyPolls = 0; emptyPolls < 2 && moved < maxMessages; ) {
    const received = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: target.deadLetterUrl,
        MaxNumberOfMessages: Math.min(10, maxMessages - moved),
        WaitTimeSeconds: options.waitTimeSeconds ?? 1,
        VisibilityTimeout: options.holdSeconds ?? 60,
        MessageSystemAttributeNames: ['MessageGroupId'],
        MessageAttributeNames: ['All'],
      }),
    );
    const messages = received.Messages ?? [];
    if (messages.length === 0) {
      emptyPolls += 1;
      continue;
    }
    emptyPolls = 0;
    // Sent in the order received, in one batch: SQS keeps the order of a batch within a message group.
    await sendInBatches(send, target.queueUrl, messages.map((message) => resent(message, target.definition)));
    const deleted = await sqs.send(
      new DeleteMessageBatchCommand({
        QueueUrl: target.deadLetterUrl,
        Entries: messages.map((message, index) => ({ Id: String(index), ReceiptHandle: message.ReceiptHandle! })),
      }),
    );
    if (deleted.Failed && deleted.Failed.length > 0) {
      throw new Error(
        `${deleted.Failed.length} message(s) were sent back but not deleted from the DLQ; run again to finish ` +
          `(${[...new Set(deleted.Failed.map((failure) => failure.Code))].join(', ')})`,
      );
    }
    moved += messages.length;
  }
  return { moved, remaining: await approximateDepth(sqs, target.deadLetterUrl) };
}

function resent(message: Message, definition: QueueDefinition): OutgoingMessage {
  if (!message.MessageId || message.Body === undefined) throw new Error('SQS returned a message without id or body');
  const attributes = message.MessageAttributes && Object.keys(message.MessageAttributes).length > 0 ? { MessageAttributes: message.MessageAttributes } : {};
  if (!definition.fifo) return { MessageBody: message.Body, ...attributes };
  const group = message.Attributes?.MessageGroupId;
  if (!group) throw new Error(`FIFO dead letter ${message.MessageId} carries no message group id`);
  return { MessageBody: message.Body, ...attributes, MessageGroupId: group, MessageDeduplicationId: `redrive-${message.MessageId}` };
}

async function approximateDepth(sqs: SQSClient, queueUrl: string): Promise<number> {
  const described = await sqs.send(
    new GetQueueAttributesCommand({
      QueueUrl: queueUrl,
      AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
    }),
  );
  return Number(described.Attributes?.ApproximateNumberOfMessages ?? 0) + Number(described.Attributes?.ApproximateNumberOfMessagesNotVisible ?? 0);
}

/** The queue and DLQ URLs of a catalog queue: from the functions' environment, else by name. */
export async function resolveRedriveTarget(
  sqs: SQSClient,
  queueId: QueueId,
  env: NodeJS.ProcessEnv = process.env,
): Promise<RedriveTarget> {
  const definition = queues[queueId];
  const prefix = env.RESOURCE_PREFIX?.trim() || defaultResourcePrefix;
  const byName = async (name: string): Promise<string> => {
    const { QueueUrl } = await sqs.send(new GetQueueUrlCommand({ QueueName: name }));
    if (!QueueUrl) throw new Error(`SQS returned no URL for ${name}`);
    return QueueUrl;
  };
  const [queueUrl, deadLetterUrl] = await Promise.all([
    env[definition.urlEnvVar] || byName(queueName(definition, prefix)),
    env[deadLetterUrlEnvVar(definition)] || byName(deadLetterQueueName(definition, prefix)),
  ]);
  return { definition, queueUrl, deadLetterUrl };
}

const usage = `usage: npm run redrive -- <${Object.keys(queues).join(' | ')}> [--max <n>]   (default max ${DEFAULT_MAX_MESSAGES})`;

function isQueueId(value: string | undefined): value is QueueId {
  return value !== undefined && Object.hasOwn(queues, value);
}

async function main(): Promise<void> {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  let parsed;
  try {
    parsed = parseArgs({ options: { max: { type: 'string' } }, allowPositionals: true });
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n${usage}\n`);
    process.exit(2);
  }
  const [queueId, ...extra] = parsed.positionals;
  const maxMessages = parsed.values.max === undefined ? DEFAULT_MAX_MESSAGES : Number(parsed.values.max);
  if (!isQueueId(queueId) || extra.length > 0 || !Number.isInteger(maxMessages) || maxMessages < 1) {
    process.stderr.write(`${usage}\n`);
    process.exit(2);
  }
  const sqs = sqsClient();
  const target = await resolveRedriveTarget(sqs, queueId);
  const result = await redriveDeadLetters(sqs, target, { maxMessages });
  process.stdout.write(`moved ${result.moved} message(s) from ${target.deadLetterUrl} to ${target.queueUrl}; ${result.remaining} left in the DLQ\n`);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  main().catch((error: unknown) => {
    process.stderr.write(`redrive failed: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  });
}
