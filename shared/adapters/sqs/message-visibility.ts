/**
 * Applies a redelivery backoff (`shared/retry/policies.ts`) to a failed SQS record with
 * ChangeMessageVisibility, before the worker reports the record in its partial batch response.
 *
 * The Lambda event source leaves a failed message's visibility alone, so the timeout set here is what decides
 * when SQS offers the message again (the new timeout counts from this call:
 * https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_ChangeMessageVisibility.html).
 * The event source's role already holds sqs:ChangeMessageVisibility, sqs:GetQueueUrl and sqs:GetQueueAttributes
 * on its queue (what `SqsEventSource` grants for consuming).
 *
 * The delay never exceeds the queue's own visibility timeout, read once per queue and container: a message is
 * never hidden longer than the queue would hide it anyway, and a queue provisioned with short timeouts (the
 * offline stack and its tests) keeps its short retries.
 */
import { ChangeMessageVisibilityCommand, GetQueueAttributesCommand, GetQueueUrlCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { SQSRecord } from 'aws-lambda';
import { logger } from '../../observability/logger';
import { metricNames, MetricUnit, recordMetric } from '../../observability/metrics';
import { providerRetryAfterSeconds, redeliveryDelaySeconds, type RedeliveryBackoffPolicy } from '../../retry/policies';
import { clientFrom, sqsClient, type ClientSource } from '../aws-clients';

interface QueueFacts {
  readonly url: string;
  readonly visibilityTimeoutSeconds: number;
}

export class SqsRedeliveryDelay {
  private readonly queues = new Map<string, Promise<QueueFacts>>();

  constructor(
    private readonly policy: RedeliveryBackoffPolicy,
    // Taken when a record first fails: a worker whose records succeed never needs it.
    private readonly sqs: ClientSource<SQSClient> = sqsClient,
    private readonly random: () => number = Math.random,
  ) {}

  /**
   * Hides the record for its backoff delay; returns the seconds applied. Meant as the worker's `beforeRetry`.
   *
   * @example
   * const redelivery = new SqsRedeliveryDelay(syncRedeliveryBackoff);
   * export const handler = sqsWorker({ ..., beforeRetry: (record, error) => redelivery.delay(record, error) });
   */
  async delay(record: SQSRecord, error: unknown): Promise<number> {
    const queue = await this.factsOf(record.eventSourceARN);
    const seconds = redeliveryDelaySeconds(Number(record.attributes?.ApproximateReceiveCount ?? 1), this.policy, {
      random: this.random,
      retryAfterSeconds: providerRetryAfterSeconds(error),
      visibilityTimeoutSeconds: queue.visibilityTimeoutSeconds,
    });
    await clientFrom(this.sqs).send(
      new ChangeMessageVisibilityCommand({ QueueUrl: queue.url, ReceiptHandle: record.receiptHandle, VisibilityTimeout: seconds }),
    );
    recordMetric(metricNames.redeliveryDelay, MetricUnit.Seconds, seconds);
    logger.info('redelivery delayed', { receive_count: record.attributes?.ApproximateReceiveCount, delay_seconds: seconds });
    return seconds;
  }

  private factsOf(queueArn: string): Promise<QueueFacts> {
    let facts = this.queues.get(queueArn);
    if (!facts) {
      facts = this.lookUp(queueArn);
      // A failed look-up is retried with the next failure instead of being remembered.
      facts.catch(() => this.queues.delete(queueArn));
      this.queues.set(queueArn, facts);
    }
    return facts;
  }

  private async lookUp(queueArn: string): Promise<QueueFacts> {
    // arn:<partition>:sqs:<region>:<account>:<name>
    const [, , service, , account, name] = queueArn.split(':');
    if (service !== 'sqs' || !account || !name) throw new Error(`Not an SQS queue ARN: ${queueArn}`);
    const sqs = clientFrom(this.sqs);
    const { QueueUrl: url } = await sqs.send(new GetQueueUrlCommand({ QueueName: name, QueueOwnerAWSAccountId: account }));
    if (!url) throw new Error(`SQS returned no URL for ${name}`);
    const described = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['VisibilityTimeout'] }));
    const visibilityTimeoutSeconds = Number(described.Attributes?.VisibilityTimeout);
    if (!Number.isFinite(visibilityTimeoutSeconds)) throw new Error(`SQS returned no visibility timeout for ${name}`);
    return { url, visibilityTimeoutSeconds };
  }
}
