/**
 * Every retry policy of the service, named for its use, and the arithmetic they share. Two kinds:
 *
 * - In-call retries (`RetryPolicy`, milliseconds): a call is repeated a few times inside one invocation.
 *   Provider HTTP calls (`withProviderRetry` in `shared/providers/provider-retry.ts`), DynamoDB batch calls
 *   that leave entries unprocessed (`shared/adapters/dynamodb/batch.ts`) and SQS batch sends with failed
 *   entries (`shared/adapters/sqs/send-in-batches.ts`). AWS asks callers to retry partial batch failures with
 *   exponential backoff, because an immediate retry meets the same throttling again:
 *   https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_BatchWriteItem.html
 * - Queue redelivery (`RedeliveryBackoffPolicy`, seconds): a worker's failed message is hidden for a growing
 *   delay before SQS delivers it again (`shared/adapters/sqs/message-visibility.ts` applies it). Anything
 *   longer than an in-call retry can wait for is left to this, which retries the whole job later without
 *   blocking other work.
 *
 * Both use "full jitter" (a uniformly random part), which spreads the retries of many concurrent callers
 * best: https://aws.amazon.com/blogs/architecture/exponential-backoff-and-jitter/
 */
import { ProviderError } from '../errors/app-error';

export interface RetryPolicy {
  /** Total calls, the first included; after the last one the caller gives up and throws. */
  readonly maxAttempts: number;
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
  /** Injected in tests so no test waits for real time. */
  readonly sleep?: (milliseconds: number) => Promise<void>;
  /** Uniform in [0, 1); injected in tests to make the jitter deterministic. */
  readonly random?: () => number;
}

/**
 * Provider HTTP calls (Plaid, Pluggy). A sync pages through hundreds of requests; one 503 or 429 in the
 * middle should cost a short wait, not the whole run. A Retry-After beyond `maxDelayMs` is not waited for:
 * the job goes back to its queue instead.
 */
export const providerCallRetry: RetryPolicy = { maxAttempts: 4, baseDelayMs: 250, maxDelayMs: 8_000 };

/** DynamoDB `BatchWriteItem` / `BatchGetItem` entries left unprocessed by a throttled partition. */
export const dynamoDbBatchRetry: RetryPolicy = { maxAttempts: 8, baseDelayMs: 50, maxDelayMs: 3_000 };

/** SQS `SendMessageBatch` entries reported in `Failed` (other than the sender's fault). */
/** EventBridge PutEvents entries that failed (throttling, internal errors) are sent again, like SQS batches. */
export const eventBusPutRetry: RetryPolicy = { maxAttempts: 5, baseDelayMs: 50, maxDelayMs: 1_000 };

export const sqsSendRetry: RetryPolicy = { maxAttempts: 5, baseDelayMs: 50, maxDelayMs: 1_000 };

/**
 * Delay before in-call retry number `retry` (1 for the first retry): uniform in [0, min(cap, base·2^retry)).
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

export interface RedeliveryBackoffPolicy {
  /** Delay after the first failed delivery; doubles with each further delivery. */
  readonly baseSeconds: number;
  /**
   * Upper bound of any delay. The queue's visibility timeout lowers it further when shorter, so keep the
   * queue's timeout (shared/catalog/resources.ts) at least this long.
   */
  readonly maxSeconds: number;
}

/**
 * Sync jobs: 60 s, 120 s, 240 s, 480 s after the first four failed deliveries (each plus up to 60 s of
 * jitter), so the five deliveries the queue allows span about 15 to 19 minutes before the message is
 * dead-lettered. A minute covers Plaid's per-Item rate-limit window (50 /transactions/sync calls per minute,
 * https://plaid.com/docs/errors/rate-limit-exceeded/) and a short institution hiccup; `providerCallRetry`
 * has already absorbed anything of a few seconds.
 */
export const syncRedeliveryBackoff: RedeliveryBackoffPolicy = { baseSeconds: 60, maxSeconds: 900 };

/**
 * Writes to a provider (Pluggy category feedback): 30 s, 60 s, 120 s, 240 s, 480 s, then 900 s (each plus up
 * to 30 s of jitter), so the eight deliveries the queue allows span about 45 minutes: a user's edit survives
 * a provider outage of that length, and a provider that is down is not called every two minutes meanwhile.
 */
export const providerWriteRedeliveryBackoff: RedeliveryBackoffPolicy = { baseSeconds: 30, maxSeconds: 900 };

/**
 * Deliveries of events to the app's webhook URL: 30 s, 60 s, 120 s … doubling up to 30 minutes (plus up to 30 s
 * of jitter), so the eight deliveries the queue allows span about an hour: an app endpoint restarting or briefly
 * overloaded gets its events, and one that stays down dead-letters them (alarm; `npm run replay-app-events`).
 */
export const appWebhookRedeliveryBackoff: RedeliveryBackoffPolicy = { baseSeconds: 30, maxSeconds: 1800 };

/** SQS refuses a visibility timeout above 12 hours. */
const SQS_MAX_VISIBILITY_SECONDS = 43_200;

/**
 * Seconds to hide a message that failed on its `receiveCount`-th delivery:
 * min(cap, base·2^(receiveCount−1) + jitter), jitter uniform in [0, base), and never less than a
 * Retry-After the provider asked for (still capped).
 *
 * @example
 * redeliveryDelaySeconds(3, { baseSeconds: 60, maxSeconds: 900 }, { random: () => 0.5 }); // 240 + 30 = 270
 */
export function redeliveryDelaySeconds(
  receiveCount: number,
  policy: RedeliveryBackoffPolicy,
  options: { random?: () => number; retryAfterSeconds?: number; visibilityTimeoutSeconds?: number } = {},
): number {
  const deliveries = Number.isInteger(receiveCount) && receiveCount >= 1 ? receiveCount : 1;
  const cap = Math.min(policy.maxSeconds, options.visibilityTimeoutSeconds ?? Infinity, SQS_MAX_VISIBILITY_SECONDS);
  // 2^20 already exceeds any cap; bounding the exponent keeps the arithmetic finite for absurd counts.
  const exponential = policy.baseSeconds * 2 ** Math.min(deliveries - 1, 20);
  const jitter = (options.random ?? Math.random)() * policy.baseSeconds;
  const wanted = Math.max(exponential + jitter, options.retryAfterSeconds ?? 0);
  return Math.max(0, Math.floor(Math.min(cap, wanted)));
}

/** The Retry-After (seconds) a provider's rate-limit error carries, if the failure is one. */
export function providerRetryAfterSeconds(error: unknown): number | undefined {
  return error instanceof ProviderError ? error.retryAfterSeconds : undefined;
}
