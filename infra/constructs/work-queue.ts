/**
 * A work queue from `shared/catalog/resources.ts` with its dead-letter queue and an alarm that fires as soon as
 * one message is dead-lettered. Names, FIFO-ness, visibility timeout, retention and max receive count all come
 * from the catalog row, so the offline provisioner builds the identical pair on the local emulator.
 */
import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import { Alarm, ComparisonOperator, TreatMissingData } from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import {
  deadLetterQueueName,
  deadLetterRetentionDays,
  queueName,
  type QueueDefinition,
} from '../../shared/catalog/resources';

export interface WorkQueueProps {
  readonly definition: QueueDefinition;
  readonly prefix: string;
  /** Receives the dead-letter alarm's state changes, when the deployment names one. */
  readonly alarmTopic?: ITopic;
}

export class WorkQueue extends Construct {
  readonly queue: Queue;
  readonly deadLetterQueue: Queue;
  readonly deadLetterAlarm: Alarm;

  constructor(scope: Construct, id: string, props: WorkQueueProps) {
    super(scope, id);
    const { definition, prefix } = props;
    const fifo = definition.fifo ? { fifo: true, contentBasedDeduplication: false } : {};

    // A FIFO queue may only dead-letter into a FIFO queue, so the DLQ mirrors the main queue's type.
    this.deadLetterQueue = new Queue(this, 'DeadLetterQueue', {
      queueName: deadLetterQueueName(definition, prefix),
      ...fifo,
      retentionPeriod: Duration.days(deadLetterRetentionDays),
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      removalPolicy: RemovalPolicy.DESTROY,
    });

    this.queue = new Queue(this, 'Queue', {
      queueName: queueName(definition, prefix),
      ...fifo,
      visibilityTimeout: Duration.seconds(definition.visibilityTimeoutSeconds),
      retentionPeriod: Duration.days(definition.retentionDays),
      // Long polling is what the Lambda event source does anyway; the setting also helps manual consumers.
      receiveMessageWaitTime: Duration.seconds(20),
      deadLetterQueue: { queue: this.deadLetterQueue, maxReceiveCount: definition.maxReceiveCount },
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      removalPolicy: RemovalPolicy.DESTROY,
    });

    // One dead letter already means a job failed maxReceiveCount times (a sync that never landed, a category
    // that never reached Pluggy); nothing retries it on its own, so it deserves attention at once.
    this.deadLetterAlarm = new Alarm(this, 'DeadLetterAlarm', {
      alarmName: `${prefix}-${definition.baseName}-dlq-not-empty`,
      alarmDescription:
        `Messages in the dead-letter queue of ${queueName(definition, prefix)}: they failed ` +
        `${definition.maxReceiveCount} deliveries. Inspect them, fix the cause, then redrive them to the source queue.`,
      metric: this.deadLetterQueue.metricApproximateNumberOfMessagesVisible({
        period: Duration.minutes(1),
        statistic: 'Maximum',
      }),
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      // An empty queue publishes no datapoints at all; that is the healthy state, not a breach.
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });
    if (props.alarmTopic) {
      const action = new SnsAction(props.alarmTopic);
      this.deadLetterAlarm.addAlarmAction(action);
      this.deadLetterAlarm.addOkAction(action);
    }
  }
}
