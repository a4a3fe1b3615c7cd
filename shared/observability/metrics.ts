/**
 * The one metrics emitter every function shares: CloudWatch Embedded Metric Format written to stdout by
 * Powertools, so publishing a metric costs no API call. Handler wrappers flush it once per invocation.
 */
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';

import type { EmittedMetricName } from './metric-names';

export { detailMetricNames, metricNames, workerMetricName, type EmittedMetricName, type MetricName } from './metric-names';

export const metrics = new Metrics({
  namespace: process.env.POWERTOOLS_METRICS_NAMESPACE ?? 'OpenBanking',
  serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? 'open-banking',
});

export { MetricUnit };

export function countMetric(name: EmittedMetricName, value = 1): void {
  metrics.addMetric(name, MetricUnit.Count, value);
}

export function durationMetric(name: EmittedMetricName, milliseconds: number): void {
  metrics.addMetric(name, MetricUnit.Milliseconds, milliseconds);
}

/** Publishes what this invocation recorded; an invocation that recorded nothing writes nothing. */
export function flushMetrics(): void {
  if (metrics.hasStoredMetrics()) metrics.publishStoredMetrics();
}

/** A count with one dimension (e.g. failures by reason), published on its own so it never mixes dimensions. */
export function countMetricBy(name: EmittedMetricName, dimension: string, value: string, count = 1): void {
  metrics.singleMetric().addDimension(dimension, value).addMetric(name, MetricUnit.Count, count);
}

/**
 * Powertools warns when one key appears in two dimension sets ("EMF key ... defined as both"), which nested
 * breakdowns (`{provider}` and `{provider, kind}`) always do with the same value; every other warning passes.
 */
const overlappingSetsTolerantLogger = {
  debug: () => undefined,
  info: () => undefined,
  warn: (...content: unknown[]) => {
    if (typeof content[0] === 'string' && content[0].startsWith('EMF key')) return;
    console.warn(...content);
  },
  error: (...content: unknown[]) => console.error(...content),
};

export type DimensionSet = Readonly<Record<string, string>>;

export interface MetricValue {
  readonly name: EmittedMetricName;
  readonly unit: (typeof MetricUnit)[keyof typeof MetricUnit];
  readonly value: number;
}

/**
 * Publishes several metrics in one EMF record under several dimension sets at once, e.g. `{}` (the service
 * total an alarm can read: CloudWatch alarms cannot sum over a dimension) and `{ provider }` (the breakdown
 * a dashboard shows). Written immediately, independent of the shared buffer and its flush.
 *
 * @example
 * publishMetrics([{}, { provider: 'plaid' }], [{ name: metricNames.providerCalls, unit: MetricUnit.Count, value: 1 }]);
 */
export function publishMetrics(dimensionSets: readonly DimensionSet[], values: readonly MetricValue[]): void {
  if (values.length === 0) return;
  const record = new Metrics({
    namespace: process.env.POWERTOOLS_METRICS_NAMESPACE ?? 'OpenBanking',
    serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? 'open-banking',
    logger: overlappingSetsTolerantLogger,
  });
  for (const dimensions of dimensionSets.length > 0 ? dimensionSets : [{}]) record.addDimensions({ ...dimensions });
  for (const metric of values) record.addMetric(metric.name, metric.unit, metric.value);
  record.publishStoredMetrics();
}
