/**
 * How long a failed queue message stays hidden before SQS delivers it again.
 *
 * Without this, a message a worker reports failed (partial batch response) comes back when its visibility
 * timeout runs out: 16 minutes on the sync queue, every time, however transient the failure was. With it,
 * the worker shortens or lengthens that per message, growing exponentially with the delivery count and
 * spread by jitter, so a provider hiccup is retried within a minute or two while a provider outage is not
 * hammered, and connections that fail together (one institution down) do not come back in lockstep
 * (https://aws.amazon.com/blogs/architecture/exponential-backoff-and-jitter/).
 *
 * Only the failed message waits: SQS keeps delivering other messages meanwhile, and on the FIFO sync queue
 * a hidden message holds back only its own message group (one connection), never the others.
 *
 * Pure arithmetic; `shared/adapters/sqs/message-visibility.ts` applies it with ChangeMessageVisibility.
 */
import { ProviderError } from '../errors/app-error';

export interface RedeliveryBackoffPolicy {
  /** Delay after the first failed delivery; doubles with each further delivery. */
  readonly baseSeconds: number;
  /** Upper bound of any delay (the queue's visibility timeout lowers it further when shorter). */
  readonly maxSeconds: number;
}

/**
 * The sync queue's policy: 60 s, 120 s, 240 s, 480 s after the first four failed deliveries (each plus up to
 * 60 s of jitter), so the five deliveries the queue allows span about 15 to 19 minutes before the message is
 * dead-lettered. A minute covers Plaid's per-Item rate-limit window (50 /transactions/sync calls per minute)
 * and a short institution hiccup; the in-call retry (`provider-retry.ts`) has already absorbed anything of a
 * few seconds.
 */
export const syncRedeliveryBackoff: RedeliveryBackoffPolicy = { baseSeconds: 60, maxSeconds: 900 };

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

/** The provider's Retry-After carried by a rate-limit error, if any. */
export function retryAfterOf(error: unknown): number | undefined {
  return error instanceof ProviderError ? error.retryAfterSeconds : undefined;
}

/**
 * The app-webhook queue's policy: 30 s, 60 s, 120 s … doubling up to 30 minutes (plus up to 30 s of jitter), so
 * the eight deliveries the queue allows span about an hour: an app endpoint restarting or briefly overloaded
 * gets its events, and one that stays down dead-letters them (alarm; replay with `npm run replay-app-events`).
 */
export const appWebhookRedeliveryBackoff: RedeliveryBackoffPolicy = { baseSeconds: 30, maxSeconds: 1800 };
