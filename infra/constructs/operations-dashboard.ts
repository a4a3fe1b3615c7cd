/**
 * The operations dashboard (`<prefix>-operations` in CloudWatch): one screen for the questions an on-call
 * engineer asks first. Rows, top to bottom:
 *
 * 1. alarm states (DLQs, sync failure rate, webhook rejection rate, scheduler);
 * 2. sync runs: started / succeeded / failed, the failure rate the alarm watches, duration percentiles;
 * 3. sync outcomes: transactions added / modified / removed, failures by reason, the auto-sync ticks;
 * 4. webhooks: received by provider and by type, rejected, the rejection rate the alarm watches;
 * 5. provider calls: calls, errors and rate limits, latency percentiles, each per provider;
 * 6. queues: depth and age of the oldest message per work queue, dead letters, redelivery delays;
 * 7. category sync-back (Pluggy): pending (provider-write queue), synced, failed, dead-lettered;
 * 8. the sync worker and scheduler functions: invocations, errors, throttles, concurrency.
 */
import { Duration } from 'aws-cdk-lib';
import {
  AlarmStatusWidget,
  Dashboard,
  GraphWidget,
  Stats,
  TextWidget,
  type IAlarm,
  type IMetric,
  type IWidget,
} from 'aws-cdk-lib/aws-cloudwatch';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import type { Queue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import type { QueueId } from '../../shared/catalog/resources';
import { metricNames } from '../../shared/observability/metric-names';
import type { OperationsAlarms } from './operations-alarms';
import type { ServiceMetrics } from './service-metrics';

export interface OperationsDashboardProps {
  readonly prefix: string;
  readonly metrics: ServiceMetrics;
  readonly alarms: OperationsAlarms;
  readonly deadLetterAlarms: readonly IAlarm[];
  readonly queues: Readonly<Record<QueueId, { readonly queue: Queue; readonly deadLetterQueue: Queue }>>;
  readonly syncWorker?: IFunction;
  readonly scheduler?: IFunction;
}

const fullWidth = 24;
const third = 8;
const graphHeight = 6;

export class OperationsDashboard extends Construct {
  readonly dashboard: Dashboard;

  constructor(scope: Construct, id: string, props: OperationsDashboardProps) {
    super(scope, id);
    const m = props.metrics;
    const graph = (title: string, left: IMetric[], options: { right?: IMetric[]; width?: number; stacked?: boolean } = {}): GraphWidget =>
      new GraphWidget({ title, left, right: options.right ?? [], width: options.width ?? third, height: graphHeight, stacked: options.stacked ?? false });
    const p90 = { statistic: Stats.percentile(90) };

    const rows: IWidget[][] = [
      [
        new TextWidget({
          markdown:
            `# ${props.prefix} operations\n` +
            'Sync runs, webhooks, provider calls and queues of the open-banking backend. What each alarm means and ' +
            'what to do: `docs/deploy.md`, "Alarms". Redrive dead letters with `npm run redrive -- <queue>`.',
          width: fullWidth,
          height: 2,
        }),
      ],
      [
        new AlarmStatusWidget({
          title: 'Alarms',
          alarms: [...props.alarms.all(), ...props.deadLetterAlarms],
          width: fullWidth,
          height: 3,
        }),
      ],
      [
        graph('Sync runs', [
          m.total(metricNames.syncRunsStarted, { label: 'started' }),
          m.total(metricNames.syncRunsSucceeded, { label: 'succeeded' }),
          m.total(metricNames.syncRunsFailed, { label: 'failed (incl. retried)' }),
        ]),
        graph('Sync failure rate (alarm)', [props.alarms.syncFailureRate.metric]),
        graph('Sync duration (ms)', [
          m.total(metricNames.syncDuration, { statistic: Stats.percentile(50), label: 'p50' }),
          m.total(metricNames.syncDuration, { ...p90, label: 'p90' }),
          m.total(metricNames.syncDuration, { statistic: Stats.MAXIMUM, label: 'max' }),
        ]),
      ],
      [
        graph('Transactions written by syncs', [
          m.total(metricNames.transactionsAdded, { label: 'added' }),
          m.total(metricNames.transactionsModified, { label: 'modified' }),
          m.total(metricNames.transactionsRemoved, { label: 'removed' }),
        ]),
        graph('Sync failures by reason', [m.breakdown(metricNames.syncRunsFailedByReason, ['reason'])], { stacked: true }),
        graph('Auto-sync ticks', [
          m.total(metricNames.autoSyncDue, { period: Duration.minutes(15), label: 'due rows read' }),
          m.total(metricNames.autoSyncEnqueued, { period: Duration.minutes(15), label: 'enqueued' }),
          m.total(metricNames.autoSyncSkipped, { period: Duration.minutes(15), label: 'waiting for user (dropped)' }),
          m.total(metricNames.autoSyncLeaseConflicts, { period: Duration.minutes(15), label: 'changed before lease' }),
          m.total(metricNames.autoSyncLeaseFailures, { period: Duration.minutes(15), label: 'lease failed' }),
        ]),
      ],
      [
        graph('Webhooks received by provider', [m.breakdown(metricNames.webhooksReceived, ['provider'])], {
          right: [m.total(metricNames.webhookEventsFailed, { label: 'events the worker failed to apply' })],
          stacked: true,
        }),
        graph('Webhooks received by type', [m.breakdown(metricNames.webhooksReceived, ['provider', 'type'])], { stacked: true }),
        graph('Webhooks rejected', [m.breakdown(metricNames.webhooksRejectedByReason, ['reason'])], {
          right: [props.alarms.webhookRejectionRate.metric],
          stacked: true,
        }),
      ],
      [
        graph('Provider calls', [m.breakdown(metricNames.providerCalls, ['provider'])]),
        graph('Provider errors and rate limits', [
          m.breakdown(metricNames.providerCallErrors, ['provider', 'kind']),
          m.breakdown(metricNames.providerRateLimited, ['provider'], { label: 'rate limited' }),
        ]),
        graph('Provider latency p90 (ms)', [m.breakdown(metricNames.providerCallLatency, ['provider'], p90)]),
      ],
      [
        graph(
          'Work queues: messages waiting',
          Object.entries(props.queues).map(([id, pair]) =>
            pair.queue.metricApproximateNumberOfMessagesVisible({ statistic: Stats.MAXIMUM, label: id }),
          ),
        ),
        graph(
          'Work queues: age of oldest message (s)',
          Object.entries(props.queues).map(([id, pair]) => pair.queue.metricApproximateAgeOfOldestMessage({ statistic: Stats.MAXIMUM, label: id })),
        ),
        graph(
          'Dead letters',
          Object.entries(props.queues).map(([id, pair]) =>
            pair.deadLetterQueue.metricApproximateNumberOfMessagesVisible({ statistic: Stats.MAXIMUM, label: `${id} DLQ` }),
          ),
          { right: [m.total(metricNames.redeliveryDelay, { statistic: Stats.AVERAGE, label: 'redelivery delay (s, avg)' })] },
        ),
      ],
      [
        graph('Category sync-back (Pluggy)', [
          props.queues.providerWrites.queue.metricApproximateNumberOfMessagesVisible({ statistic: Stats.MAXIMUM, label: 'pending (queued)' }),
          props.queues.providerWrites.queue.metricApproximateNumberOfMessagesNotVisible({ statistic: Stats.MAXIMUM, label: 'pending (in flight)' }),
          m.total(metricNames.categoryWritesSynced, { label: 'synced' }),
          m.total(metricNames.categoryWritesFailed, { label: 'failed' }),
          props.queues.providerWrites.deadLetterQueue.metricApproximateNumberOfMessagesVisible({ statistic: Stats.MAXIMUM, label: 'dead-lettered' }),
        ], { width: third }),
        ...functionWidgets('Sync worker', props.syncWorker),
        ...functionWidgets('Auto-sync scheduler', props.scheduler),
      ],
    ];

    this.dashboard = new Dashboard(this, 'Dashboard', {
      dashboardName: `${props.prefix}-operations`,
      defaultInterval: Duration.hours(12),
      widgets: rows,
    });
  }
}

function functionWidgets(title: string, fn: IFunction | undefined): GraphWidget[] {
  if (!fn) return [];
  return [
    new GraphWidget({
      title,
      left: [
        fn.metricInvocations({ label: 'invocations' }),
        fn.metricErrors({ label: 'errors' }),
        fn.metricThrottles({ label: 'throttles' }),
      ],
      right: [fn.metric('ConcurrentExecutions', { statistic: Stats.MAXIMUM, label: 'concurrent (max)' })],
      width: third,
      height: graphHeight,
    }),
  ];
}
