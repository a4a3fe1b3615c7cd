/**
 * The service's own CloudWatch metrics as the CDK sees them. Functions publish Embedded Metric Format records
 * (`shared/observability/metrics.ts`) to the namespace and service name the stack sets (`POWERTOOLS_METRICS_NAMESPACE`
 * and `POWERTOOLS_SERVICE_NAME`, both the deployment prefix), and every record carries `service` as a dimension. So a service-wide total is the metric with exactly `{service}`, and breakdowns add their dimension
 * (`provider`, `type`, `reason`, `kind`) to it. Names come from `shared/observability/metric-names.ts`, the
 * module the emitters use.
 */
import { Duration } from 'aws-cdk-lib';
import { MathExpression, Metric, Stats } from 'aws-cdk-lib/aws-cloudwatch';
import type { MetricName } from '../../shared/observability/metric-names';

export interface MetricOptions {
  readonly statistic?: string;
  readonly period?: Duration;
  readonly label?: string;
}

export class ServiceMetrics {
  constructor(
    /** `POWERTOOLS_METRICS_NAMESPACE` of the functions. */
    readonly namespace: string,
    /** `POWERTOOLS_SERVICE_NAME` of the functions: the value of the `service` dimension. */
    readonly service: string,
  ) {}

  /** The service-wide series of a metric (dimension `service` only), summed per 5 minutes unless told otherwise. */
  total(name: MetricName, options: MetricOptions = {}): Metric {
    return new Metric({
      namespace: this.namespace,
      metricName: name,
      dimensionsMap: { service: this.service },
      statistic: options.statistic ?? Stats.SUM,
      period: options.period ?? Duration.minutes(5),
      ...(options.label ? { label: options.label } : {}),
    });
  }

  /**
   * Every series of a metric broken down by `dimensions` (one line per provider, type, reason...), found with a
   * SEARCH expression so new providers or codes appear without a redeploy. Dashboards only: CloudWatch alarms
   * cannot watch a SEARCH.
   */
  breakdown(name: MetricName, dimensions: readonly string[], options: MetricOptions = {}): MathExpression {
    const period = options.period ?? Duration.minutes(5);
    const schema = [quoted(this.namespace), ...dimensions, 'service'].join(',');
    const statistic = options.statistic ?? Stats.SUM;
    return new MathExpression({
      expression: `SEARCH('{${schema}} MetricName="${name}" service="${this.service}"', '${statistic}', ${period.toSeconds()})`,
      usingMetrics: {},
      label: options.label ?? '',
      period,
    });
  }
}

/** SEARCH schema names with characters other than letters and digits (a dashed prefix) must be quoted. */
function quoted(value: string): string {
  return /^[A-Za-z0-9_]+$/.test(value) ? value : `"${value}"`;
}
