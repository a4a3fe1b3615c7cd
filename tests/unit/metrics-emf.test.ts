/**
 * The metrics emitter's records follow CloudWatch's Embedded Metric Format: every metric named under `_aws`
 * with its unit, every dimension set starting with `service`, and each dimension and metric value at the top
 * level, so CloudWatch extracts exactly the series the alarms and dashboard read.
 * https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/CloudWatch_Embedded_Metric_Format_Specification.html
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  countMetric,
  countMetricBy,
  detailMetricNames,
  durationMetric,
  flushMetrics,
  metricNames,
  MetricUnit,
  publishMetrics,
  resetMetricsSettings,
} from '../../shared/observability/metrics';
import { captureLines } from '../../shared/observability/output';

/** What went to stdout (where Lambda reads EMF records from); a record written anywhere else is missing here. */
let written: string[];
let stopCapturing: () => void;

beforeEach(() => {
  vi.stubEnv('POWERTOOLS_METRICS_DISABLED', 'false');
  vi.stubEnv('POWERTOOLS_METRICS_NAMESPACE', 'TestNamespace');
  vi.stubEnv('POWERTOOLS_SERVICE_NAME', 'svc-test');
  resetMetricsSettings();
  written = [];
  stopCapturing = captureLines((stream, line) => {
    if (stream === 'stdout') written.push(line);
  });
});

afterEach(() => {
  stopCapturing();
  vi.unstubAllEnvs();
  resetMetricsSettings();
});

const records = () => written.map((line) => JSON.parse(line) as Record<string, any>);

describe('EMF records', () => {
  it('flushes the buffered metrics as one record under the service dimension, repeated values as an array', () => {
    countMetric(detailMetricNames.apiClientErrors);
    countMetric(detailMetricNames.apiClientErrors);
    durationMetric(metricNames.syncDuration, 1234);
    flushMetrics();

    expect(written).toHaveLength(1);
    expect(written[0]!.endsWith('\n')).toBe(true);
    const record = records()[0]!;
    expect(record._aws.Timestamp).toEqual(expect.any(Number));
    expect(record._aws.CloudWatchMetrics).toEqual([
      {
        Namespace: 'TestNamespace',
        Dimensions: [['service']],
        Metrics: [
          { Name: 'ApiClientErrors', Unit: 'Count' },
          { Name: 'SyncDuration', Unit: 'Milliseconds' },
        ],
      },
    ]);
    expect(record).toMatchObject({ service: 'svc-test', ApiClientErrors: [1, 1], SyncDuration: 1234 });
  });

  it('writes nothing when nothing was recorded, and nothing at all when metrics are disabled', () => {
    flushMetrics();
    expect(written).toEqual([]);

    vi.stubEnv('POWERTOOLS_METRICS_DISABLED', 'true');
    resetMetricsSettings();
    countMetric(detailMetricNames.apiServerErrors);
    flushMetrics();
    publishMetrics([{}], [{ name: metricNames.providerCalls, unit: MetricUnit.Count, value: 1 }]);
    expect(written).toEqual([]);
  });

  it('publishes several dimension sets in one record, the service total included', () => {
    publishMetrics(
      [{}, { provider: 'plaid' }],
      [
        { name: metricNames.providerCalls, unit: MetricUnit.Count, value: 1 },
        { name: metricNames.providerCallLatency, unit: MetricUnit.Milliseconds, value: 87 },
      ],
    );

    const record = records()[0]!;
    expect(record._aws.CloudWatchMetrics[0].Dimensions).toEqual([['service'], ['service', 'provider']]);
    expect(record).toMatchObject({ service: 'svc-test', provider: 'plaid', ProviderCalls: 1, ProviderCallLatency: 87 });
  });

  it('publishes a count by one dimension on its own record', () => {
    countMetric(detailMetricNames.apiClientErrors);
    countMetricBy(metricNames.syncRunsFailedByReason, 'reason', 'ITEM_LOGIN_REQUIRED');

    const record = records()[0]!;
    expect(record._aws.CloudWatchMetrics[0].Dimensions).toEqual([['service', 'reason']]);
    expect(record).toMatchObject({ reason: 'ITEM_LOGIN_REQUIRED', SyncRunsFailedByReason: 1 });
    expect(record).not.toHaveProperty('ApiClientErrors');
  });

  it('refuses a value that is not a finite number and a unit that changes', () => {
    expect(() => countMetric(detailMetricNames.apiClientErrors, Number.NaN)).toThrow(/finite/);
    countMetric(metricNames.syncDuration, 1);
    expect(() => durationMetric(metricNames.syncDuration, 1)).toThrow(/Count/);
  });
});
