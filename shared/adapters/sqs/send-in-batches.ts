/**
 * Sends any number of messages to one queue with `SendMessageBatch`, ten at a time (the API's limit).
 *
 * `SendMessageBatch` can succeed as a call while individual entries fail: they come back in `Failed`, and
 * the caller must resend them (https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_SendMessageBatch.html).
 * Entries whose failure is the sender's fault (`SenderFault: true`, e.g. an invalid attribute) are not
 * retried: the same request would fail the same way. Others are resent with jittered exponential backoff,
 * and if some still fail after the last attempt the whole call throws, so a producer never reports success
 * for work that was not queued.
 *
 * Chunks go out one after another, not concurrently: on a FIFO queue the order of sends is the order within
 * a message group. A resent entry lands after the rest of its chunk; the jobs sent here carry their own ids
 * and consumers are idempotent, so that reordering is harmless.
 */
import {
  SendMessageBatchCommand,
  type BatchResultErrorEntry,
  type SendMessageBatchRequestEntry,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import { backoffDelayMs, sleepFor, sqsSendRetry, type RetryPolicy } from '../../retry/policies';
import { chunked } from '../chunking';
import { clientFrom, type ClientSource } from '../aws-clients';

export const maxEntriesPerBatch = 10;

/** A message without the per-batch entry id, which this module assigns. */
export type OutgoingMessage = Omit<SendMessageBatchRequestEntry, 'Id'>;

/** One `SendMessageBatch` call; resolves to the entries SQS reported in `Failed`. */
export type SendBatch = (
  queueUrl: string,
  entries: SendMessageBatchRequestEntry[],
) => Promise<readonly BatchResultErrorEntry[]>;

/** One `SendMessageBatch` call through `client`; a getter is called at the first send (see {@link ClientSource}). */
export function sendBatchWith(client: ClientSource<SQSClient>): SendBatch {
  return async (queueUrl, entries) => {
    const result = await clientFrom(client).send(new SendMessageBatchCommand({ QueueUrl: queueUrl, Entries: entries }));
    return result.Failed ?? [];
  };
}

/** Some messages could not be queued. Carries counts and SQS error codes only, never message bodies. */
export class QueueSendError extends Error {
  constructor(
    readonly queueUrl: string,
    readonly failedCount: number,
    readonly totalCount: number,
    readonly codes: readonly string[],
  ) {
    super(`${failedCount} of ${totalCount} message(s) could not be sent to ${queueUrl} (${codes.join(', ')})`);
    this.name = 'QueueSendError';
  }
}

/**
 * @example
 * await sendInBatches(sendBatchWith(sqsClient()), queueUrl, jobs.map((job) => ({ MessageBody: JSON.stringify(job) })));
 */
export async function sendInBatches(
  send: SendBatch,
  queueUrl: string,
  messages: readonly OutgoingMessage[],
  policy: RetryPolicy = sqsSendRetry,
): Promise<void> {
  const sleep = policy.sleep ?? sleepFor;
  for (const chunk of chunked(messages, maxEntriesPerBatch)) {
    // Ids only need to be unique within one request; the index keeps failures traceable to their message.
    let pending: SendMessageBatchRequestEntry[] = chunk.map((message, index) => ({ ...message, Id: `m${index}` }));
    let lastFailures: readonly BatchResultErrorEntry[] = [];
    for (let attempt = 1; pending.length > 0; attempt++) {
      if (attempt > 1) await sleep(backoffDelayMs(attempt - 1, policy, policy.random));
      lastFailures = await send(queueUrl, pending);
      const failedIds = new Set(lastFailures.map((failure) => failure.Id));
      const senderFaults = lastFailures.filter((failure) => failure.SenderFault);
      if (senderFaults.length > 0) {
        throw new QueueSendError(queueUrl, failedIds.size, messages.length, distinctCodes(lastFailures));
      }
      pending = pending.filter((entry) => failedIds.has(entry.Id));
      if (pending.length > 0 && attempt >= policy.maxAttempts) {
        throw new QueueSendError(queueUrl, pending.length, messages.length, distinctCodes(lastFailures));
      }
    }
  }
}

function distinctCodes(failures: readonly BatchResultErrorEntry[]): string[] {
  return [...new Set(failures.map((failure) => failure.Code ?? 'Unknown'))];
}
