/**
 * Backoff for partial failures of AWS batch calls and for provider retries. DynamoDB's `BatchWriteItem` and
 * `BatchGetItem` succeed while leaving part of the request undone (`UnprocessedItems` / `UnprocessedKeys`)
 * when a partition is throttled, and SQS `SendMessageBatch` reports failed entries beside successful ones;
 * AWS asks callers to retry those with exponential backoff, because an immediate retry meets the same
 * throttling again:
 * https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_BatchWriteItem.html
 *
 * The delay uses "full jitter" (a uniformly random delay up to the exponential cap), which spreads retries
 * of many concurrent callers best:
 * https://aws.amazon.com/blogs/architecture/exponential-backoff-and-jitter/
 */

export interface RetryPolicy {
  /** Total calls for one chunk, the first included; after the last one the helper throws. */
  readonly maxAttempts: number;
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
  /** Injected in tests so no test waits for real time. */
  readonly sleep?: (milliseconds: number) => Promise<void>;
  /** Uniform in [0, 1); injected in tests to make the jitter deterministic. */
  readonly random?: () => number;
}

export const defaultRetryPolicy: RetryPolicy = { maxAttempts: 8, baseDelayMs: 50, maxDelayMs: 3_000 };

/**
 * Delay before retry number `retry` (1 for the first retry).
 *
 * @example
 * backoffDelayMs(3, { maxAttempts: 8, baseDelayMs: 50, maxDelayMs: 3000 }, () => 0.5); // 200
 */
export function backoffDelayMs(retry: number, policy: RetryPolicy, random: () => number = Math.random): number {
  const cap = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** retry);
  return Math.floor(random() * cap);
}

export function sleepFor(milliseconds: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, milliseconds));
}

/** Splits a list into consecutive chunks of at most `size` entries. */
export function chunked<T>(items: readonly T[], size: number): T[][] {
  if (!Number.isInteger(size) || size < 1) throw new Error(`Chunk size must be a positive integer, got ${size}`);
  const chunks: T[][] = [];
  for (let start = 0; start < items.length; start += size) chunks.push(items.slice(start, start + size));
  return chunks;
}

/** Runs `work` over every entry with at most `concurrency` calls in flight; rejects on the first failure. */
export async function forEachConcurrently<T>(
  items: readonly T[],
  concurrency: number,
  work: (item: T) => Promise<void>,
): Promise<void> {
  let next = 0;
  const lanes = Array.from({ length: Math.min(concurrency, items.length) }, async () => {
    while (next < items.length) {
      const item = items[next++] as T;
      await work(item);
    }
  });
  await Promise.all(lanes);
}
