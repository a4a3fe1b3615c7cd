/**
 * In-call retry for provider requests. A sync pages through hundreds of requests; one 503 or 429 in the
 * middle should cost a short wait, not the whole run. Only failures the provider adapters classify as
 * `transient` or `rate_limited` are retried here, a few times with exponential backoff and full jitter
 * (honouring the provider's Retry-After when it gives one); anything longer is left to the queue's
 * redelivery, which retries the whole job later without blocking other connections.
 */
import { ProviderError } from '../errors/app-error';
import { backoffDelayMs, providerCallRetry, sleepFor, type RetryPolicy } from '../retry/policies';

export async function withProviderRetry<T>(
  call: () => Promise<T>,
  policy: RetryPolicy = providerCallRetry,
  sleep: (ms: number) => Promise<void> = sleepFor,
): Promise<T> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await call();
    } catch (error) {
      const retryable = error instanceof ProviderError && (error.kind === 'transient' || error.kind === 'rate_limited');
      if (!retryable || attempt >= policy.maxAttempts) throw error;
      const requested = error.retryAfterSeconds !== undefined ? error.retryAfterSeconds * 1000 : 0;
      // A Retry-After beyond our cap means "come back much later": hand the job back to the queue.
      if (requested > policy.maxDelayMs) throw error;
      await sleep(Math.max(requested, backoffDelayMs(attempt - 1, policy)));
    }
  }
}
