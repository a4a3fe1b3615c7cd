/**
 * Alarms on the service's health beyond the dead-letter queues (each `WorkQueue` has its own DLQ alarm):
 *
 * - sync failure rate: failed ÷ (failed + succeeded) sync runs over 15 minutes above 20 %;
 * - webhook rejection rate: rejected ÷ (rejected + verified) webhook deliveries over 15 minutes above 10 %;
 * - auto-sync scheduler failing: the scheduler function failed in two consecutive 15-minute windows (two
 *   ticks in a row), so no connection is being enqueued for its 12-hourly sync.
 *
 * Each rate is computed with metric math from the service-wide totals the functions publish, and counts only
 * once enough happened in the window (5 runs, 5 rejections), so one failed run of two in a quiet hour or a
 * single forged request does not page anyone. `docs/deploy.md` ("Alarms") says what each one means and what to
 * do about it; the descriptions below point there.
 */
import { Duration } from 'aws-cdk-lib';
import { Alarm, ComparisonOperator, MathExpression, TreatMissingData, type IAlarmAction } from 'aws-cdk-lib/aws-cloudwatch';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { Construct } from 'constructs';
import { metricNames } from '../../shared/observability/metric-names';
import type { ServiceMetrics } from './service-metrics';

export interface OperationsAlarmsProps {
  readonly prefix: string;
  readonly metrics: ServiceMetrics;
  /** The auto-sync scheduler function, whose errors are watched. */
  readonly scheduler?: IFunction;
  /** Notified on ALARM and OK, when the deployment names an SNS topic. */
  readonly action?: IAlarmAction;
}

/** The window both rates are computed over. */
export const rateWindow = Duration.minutes(15);
export const syncFailureRateThresholdPercent = 20;
export const webhookRejectionRateThresholdPercent = 10;
/** Fewer events than this in a window make no rate: too little to tell a trend from chance. */
export const minimumEventsForRate = 5;

export class OperationsAlarms extends Construct {
  readonly syncFailureRate: Alarm;
  readonly webhookRejectionRate: Alarm;
  readonly schedulerFailing: Alarm | undefined;

  constructor(scope: Construct, id: string, props: OperationsAlarmsProps) {
    super(scope, id);
    const { metrics, prefix } = props;
    const windowed = { period: rateWindow };

    // FILL: a window with runs of one kind only has no datapoint for the other, which must count as 0.
    const syncFailurePercent = new MathExpression({
      expression:
        `IF(FILL(failed, 0) + FILL(succeeded, 0) >= ${minimumEventsForRate}, ` +
        '100 * FILL(failed, 0) / (FILL(failed, 0) + FILL(succeeded, 0)), 0)',
      usingMetrics: {
        failed: metrics.total(metricNames.syncRunsFailed, windowed),
        succeeded: metrics.total(metricNames.syncRunsSucceeded, windowed),
      },
      period: rateWindow,
      label: 'Sync runs failed (%)',
    });
    this.syncFailureRate = new Alarm(this, 'SyncFailureRate', {
      alarmName: `${prefix}-sync-failure-rate`,
      alarmDescription:
        `More than ${syncFailureRateThresholdPercent} % of sync runs failed in 15 minutes (runs that will be retried count ` +
        'as failed). Check the SyncRunsFailedByReason breakdown on the dashboard: a provider outage or rate limit ' +
        'clears on its own; credentials or a code error do not. See docs/deploy.md, "Alarms".',
      metric: syncFailurePercent,
      threshold: syncFailureRateThresholdPercent,
      comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });

    const rejectionPercent = new MathExpression({
      expression:
        `IF(FILL(rejected, 0) >= ${minimumEventsForRate}, ` +
        '100 * FILL(rejected, 0) / (FILL(rejected, 0) + FILL(received, 0)), 0)',
      usingMetrics: {
        rejected: metrics.total(metricNames.webhooksRejected, windowed),
        received: metrics.total(metricNames.webhooksReceived, windowed),
      },
      period: rateWindow,
      label: 'Webhook deliveries rejected (%)',
    });
    this.webhookRejectionRate = new Alarm(this, 'WebhookRejectionRate', {
      alarmName: `${prefix}-webhook-rejection-rate`,
      alarmDescription:
        `More than ${webhookRejectionRateThresholdPercent} % of webhook deliveries failed verification in 15 minutes. ` +
        'WebhooksRejectedByReason tells a wrong or rotated secret (every delivery of one provider rejected) from ' +
        'forged requests. Rejected deliveries are retried by the provider for a while. See docs/deploy.md, "Alarms".',
      metric: rejectionPercent,
      threshold: webhookRejectionRateThresholdPercent,
      comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });

    if (props.scheduler) {
      this.schedulerFailing = new Alarm(this, 'AutoSyncSchedulerFailing', {
        alarmName: `${prefix}-auto-sync-scheduler-failing`,
        alarmDescription:
          'The auto-sync scheduler failed on two ticks in a row: connections are not being enqueued for their ' +
          'periodic sync. Its logs name the cause (table or queue permissions, throttling). Connections it leased ' +
          'before failing become due again within two hours. See docs/deploy.md, "Alarms".',
        metric: props.scheduler.metricErrors({ period: rateWindow, statistic: 'Sum' }),
        threshold: 1,
        comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        evaluationPeriods: 2,
        datapointsToAlarm: 2,
        treatMissingData: TreatMissingData.NOT_BREACHING,
      });
    }

    if (props.action) {
      for (const alarm of this.all()) {
        alarm.addAlarmAction(props.action);
        alarm.addOkAction(props.action);
      }
    }
  }

  all(): Alarm[] {
    return [this.syncFailureRate, this.webhookRejectionRate, ...(this.schedulerFailing ? [this.schedulerFailing] : [])];
  }
}
