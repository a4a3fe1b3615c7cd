/**
 * Pluggy's request limits: per endpoint, per source IP, per minute (https://docs.pluggy.ai/docs/rate-limits). The sandbox has
 * one caller per process in practice, so the window is per endpoint only.
 */

/** The documented limits, by `METHOD /template`. */
export const PLUGGY_RATE_LIMITS: Readonly<Record<string, number>> = {
  'POST /auth': 360,
  'GET /accounts': 360,
  'GET /accounts/{id}': 360,
  'GET /transactions': 360,
  'GET /transactions/{id}': 360,
  'GET /v2/transactions': 360,
  'PATCH /items/{id}': 20,
};

const WINDOW_MS = 60_000;

export interface RateLimitExceeded {
  readonly limit: number;
  /** Seconds until the window resets (the `RateLimit-Reset` header). */
  readonly resetSeconds: number;
}

export class RateLimiter {
  private readonly windows = new Map<string, { startedAtMs: number; count: number }>();

  constructor(
    private readonly limits: Readonly<Record<string, number>>,
    private readonly now: () => number = Date.now,
  ) {}

  /** Counts one call to `key`; returns the limit it broke, or undefined when the call may proceed. */
  hit(key: string): RateLimitExceeded | undefined {
    const limit = this.limits[key];
    if (limit === undefined) return undefined;
    const now = this.now();
    let window = this.windows.get(key);
    if (!window || now - window.startedAtMs >= WINDOW_MS) {
      window = { startedAtMs: now, count: 0 };
      this.windows.set(key, window);
    }
    window.count += 1;
    if (window.count <= limit) return undefined;
    return { limit, resetSeconds: Math.max(1, Math.ceil((window.startedAtMs + WINDOW_MS - now) / 1000)) };
  }

  reset(): void {
    this.windows.clear();
  }
}
