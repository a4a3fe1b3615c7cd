/**
 * The one metrics emitter every function shares: CloudWatch Embedded Metric Format (EMF) records written to
 * stdout, so publishing a metric costs no API call. Handler wrappers flush the shared buffer once per
 * invocation.
 *
 * EMF is one JSON object per line: `_aws.Timestamp` (epoch ms), `_aws.CloudWatchMetrics` (namespace, the
 * dimension sets, each metric's name and unit) and a top-level key per dimension and metric with its value (an
 * array for several values of one metric):
 * https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/CloudWatch_Embedded_Metric_Format_Specification.html
 * Written here instead of using a metrics library because it is all the service needs and every function
 * loads it before its first answer. Every record carries the `service` dimension, from the variables AWS Lambda
 * Powertools reads (`POWERTOOLS_METRICS_NAMESPACE`, `POWERTOOLS_SERVICE_NAME`, `POWERTOOLS_METRICS_DISABLED`),
 * which the stack sets and `infra/constructs/service-metrics.ts` charts.
 */
import type { EmittedMetricName } from './metric-names';
import { writeLine } from './output';

export { detailMetricNames, metricNames, workerMetricName, type EmittedMetricName, type MetricName } from './metric-names';

/** The units the service uses; EMF accepts the CloudWatch `StandardUnit` names (see the specification above). */
export const MetricUnit = {
  Count: 'Count',
  Milliseconds: 'Milliseconds',
  Seconds: 'Seconds',
} as const;

export type MetricUnitName = (typeof MetricUnit)[keyof typeof MetricUnit];

export type DimensionSet = Readonly<Record<string, string>>;

export interface MetricValue {
  readonly name: EmittedMetricName;
  readonly unit: MetricUnitName;
  readonly value: number;
}

/** EMF limits: at most 100 metrics per record and 100 values per metric. */
const MAX_METRICS_PER_RECORD = 100;
const MAX_VALUES_PER_METRIC = 100;

interface Settings {
  readonly namespace: string;
  readonly service: string;
  readonly disabled: boolean;
}

function settingsFrom(env: NodeJS.ProcessEnv): Settings {
  const disabled = (env.POWERTOOLS_METRICS_DISABLED ?? (env.POWERTOOLS_DEV === 'true' ? 'true' : 'false')).trim().toLowerCase();
  return {
    namespace: env.POWERTOOLS_METRICS_NAMESPACE || 'OpenBanking',
    service: env.POWERTOOLS_SERVICE_NAME || 'open-banking',
    disabled: disabled === 'true' || disabled === '1' || disabled === 'yes' || disabled === 'on',
  };
}

interface Stored {
  readonly unit: MetricUnitName;
  readonly values: number[];
}

/**
 * One EMF record: metric definitions, the dimension sets (each with `service` first), the dimension values and
 * the metric values. Exported for the tests, which parse what a record says.
 */
export function emfRecord(
  settings: Pick<Settings, 'namespace' | 'service'>,
  dimensionSets: readonly DimensionSet[],
  metrics: ReadonlyMap<string, Stored>,
  timestamp: number,
): Record<string, unknown> {
  const sets = dimensionSets.length > 0 ? dimensionSets : [{}];
  const record: Record<string, unknown> = {
    _aws: {
      Timestamp: timestamp,
      CloudWatchMetrics: [
        {
          Namespace: settings.namespace,
          Dimensions: sets.map((set) => ['service', ...Object.keys(set).filter((key) => key !== 'service')]),
          Metrics: [...metrics].map(([name, { unit }]) => ({ Name: name, Unit: unit })),
        },
      ],
    },
    service: settings.service,
  };
  // One key, one value: nested breakdowns (`{provider}` and `{provider, kind}`) name the same key with the same value.
  for (const set of sets) Object.assign(record, set);
  for (const [name, { values }] of metrics) record[name] = values.length === 1 ? values[0] : values;
  return record;
}

function write(record: Record<string, unknown>): void {
  writeLine('stdout', JSON.stringify(record));
}

function addTo(store: Map<string, Stored>, name: string, unit: MetricUnitName, value: number): Stored {
  if (!Number.isFinite(value)) throw new RangeError(`Metric ${name}: ${value} is not a finite number`);
  const stored = store.get(name);
  if (stored === undefined) {
    const created = { unit, values: [value] };
    store.set(name, created);
    return created;
  }
  if (stored.unit !== unit) throw new Error(`Metric ${name} was recorded in ${stored.unit}, not ${unit}`);
  stored.values.push(value);
  return stored;
}

let settings: Settings | undefined;
const buffered = new Map<string, Stored>();

function current(): Settings {
  settings ??= settingsFrom(process.env);
  return settings;
}

/** Adds a value to this invocation's buffer (service dimension only), published by {@link flushMetrics}. */
export function recordMetric(name: EmittedMetricName, unit: MetricUnitName, value: number): void {
  if (!buffered.has(name) && buffered.size >= MAX_METRICS_PER_RECORD) flushMetrics();
  const stored = addTo(buffered, name, unit, value);
  if (stored.values.length >= MAX_VALUES_PER_METRIC) flushMetrics();
}

export function countMetric(name: EmittedMetricName, value = 1): void {
  recordMetric(name, MetricUnit.Count, value);
}

export function durationMetric(name: EmittedMetricName, milliseconds: number): void {
  recordMetric(name, MetricUnit.Milliseconds, milliseconds);
}

/** Publishes what this invocation recorded; an invocation that recorded nothing writes nothing. */
export function flushMetrics(): void {
  if (buffered.size === 0) return;
  const { disabled } = current();
  const record = disabled ? undefined : emfRecord(current(), [{}], buffered, Date.now());
  buffered.clear();
  if (record) write(record);
}

/** A count with one dimension (e.g. failures by reason), published on its own so it never mixes dimensions. */
export function countMetricBy(name: EmittedMetricName, dimension: string, value: string, count = 1): void {
  publishMetrics([{ [dimension]: value }], [{ name, unit: MetricUnit.Count, value: count }]);
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
  const { disabled } = current();
  const store = new Map<string, Stored>();
  for (const metric of values) addTo(store, metric.name, metric.unit, metric.value);
  // Dimension values must be non-empty strings for CloudWatch to index them; an empty one would drop the record.
  const sets = dimensionSets.map((set) => Object.fromEntries(Object.entries(set).filter(([, value]) => typeof value === 'string' && value !== '')));
  if (!disabled) write(emfRecord(current(), sets, store, Date.now()));
}

/** Tests only: re-read the environment (namespace, service, disabled) on the next publish. */
export function resetMetricsSettings(): void {
  settings = undefined;
  buffered.clear();
}
