/**
 * Metrics for every HTTP call to a bank-data provider: how many, how long, how many failed and how many were
 * rate-limited, with a `provider` dimension (and the service total, which alarms read). One call of the
 * provider's API is one measurement, so a call that the in-call retry repeats counts once per attempt: that is
 * what the provider's rate limit counts too.
 *
 * Used by the Plaid adapter (`callPlaid`) and meant for the Pluggy client the same way: wrap the function that
 * performs one request and translates its failure into a `ProviderError`.
 */
import type { Provider } from '../banking/model';
import { ProviderError } from '../errors/app-error';
import { MetricUnit, metricNames, publishMetrics, type MetricValue } from '../observability/metrics';

/**
 * Runs one provider request and records it. The call's result or error passes through unchanged.
 *
 * @example
 * const accounts = await measuredProviderCall('pluggy', () => pluggyRequest('GET', '/accounts'));
 */
export async function measuredProviderCall<T>(
  provider: Provider,
  call: () => Promise<T>,
  now: () => number = () => performance.now(),
): Promise<T> {
  const started = now();
  try {
    const result = await call();
    record(provider, now() - started, null);
    return result;
  } catch (error) {
    record(provider, now() - started, error);
    throw error;
  }
}

function record(provider: Provider, elapsedMs: number, error: unknown): void {
  const values: MetricValue[] = [
    { name: metricNames.providerCalls, unit: MetricUnit.Count, value: 1 },
    { name: metricNames.providerCallLatency, unit: MetricUnit.Milliseconds, value: Math.max(0, Math.round(elapsedMs)) },
  ];
  if (error === null) {
    publishMetrics([{}, { provider }], values);
    return;
  }
  const kind = error instanceof ProviderError ? error.kind : 'unclassified';
  values.push({ name: metricNames.providerCallErrors, unit: MetricUnit.Count, value: 1 });
  // A rate limit is not an error of ours or the provider's; it gets its own count so a dashboard can tell
  // "we are too many" from "the provider is down".
  if (kind === 'rate_limited') values.push({ name: metricNames.providerRateLimited, unit: MetricUnit.Count, value: 1 });
  publishMetrics([{}, { provider }], values);
  // The failure kinds are a closed set (ProviderFailureKind), so this dimension stays small.
  publishMetrics([{ provider, kind }], [{ name: metricNames.providerCallErrors, unit: MetricUnit.Count, value: 1 }]);
}
