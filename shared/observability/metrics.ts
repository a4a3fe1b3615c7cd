/**
 * The one metrics emitter every function shares: CloudWatch Embedded Metric Format written to stdout by
 * Powertools, so publishing a metric costs no API call. Handler wrappers flush it once per invocation.
 */
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';

export const metrics = new Metrics({
  namespace: process.env.POWERTOOLS_METRICS_NAMESPACE ?? 'OpenBanking',
  serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? 'open-banking',
});

export { MetricUnit };

export function countMetric(name: string, value = 1): void {
  metrics.addMetric(name, MetricUnit.Count, value);
}

export function durationMetric(name: string, milliseconds: number): void {
  metrics.addMetric(name, MetricUnit.Milliseconds, milliseconds);
}

/** Publishes what this invocation recorded; an invocation that recorded nothing writes nothing. */
export function flushMetrics(): void {
  if (metrics.hasStoredMetrics()) metrics.publishStoredMetrics();
}

/** A count with one dimension (e.g. failures by reason), published on its own so it never mixes dimensions. */
export function countMetricBy(name: string, dimension: string, value: string, count = 1): void {
  metrics.singleMetric().addDimension(dimension, value).addMetric(name, MetricUnit.Count, count);
}
