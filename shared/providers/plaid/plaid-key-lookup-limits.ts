/**
 * Limits on what an unauthenticated Plaid webhook can make us do before its signature is checked.
 *
 * The verification key named by a webhook's `kid` is fetched from Plaid with our credentials, so without
 * limits every forged delivery carrying a fresh `kid` costs one `/webhook_verification_key/get` call (and a
 * log line with an attacker-chosen value). These pieces bound that:
 * - {@link isPlaidKeyId}: the kid must look like one Plaid issues before anything is fetched;
 * - {@link UnknownKeyIds}: a kid Plaid said it does not know is remembered for a few minutes;
 * - {@link FetchBudget}: fetches for kids we have never seen are limited per container (a token bucket),
 *   whatever arrives;
 * - {@link keyIdForLog}: only a short prefix of a kid is ever logged.
 */

/**
 * Plaid's key ids are UUIDs: the `kid` in the `/webhook_verification_key/get` example of Plaid's OpenAPI
 * document (specs: plaid-openapi-2020-09-14.yml, `WebhookVerificationKeyGetResponse`) and in
 * https://plaid.com/docs/api/webhooks/webhook-verification/ is `bfbd5111-8e33-4643-8ced-b2e642a72f3c`.
 * Anything else is refused without a lookup (the stricter reading of an undocumented format).
 */
const PLAID_KEY_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function isPlaidKeyId(kid: string): boolean {
  return PLAID_KEY_ID.test(kid);
}

/** Enough to tell keys apart in a log, too short to carry anything an attacker wants logged. */
export function keyIdForLog(kid: string): string {
  return kid.slice(0, 8);
}

/** How long a kid Plaid refused stays refused without asking again. */
export const UNKNOWN_KEY_ID_MEMORY_MS = 5 * 60_000;
/** The memory is bounded: the oldest entries go first. */
const UNKNOWN_KEY_ID_CAPACITY = 1_000;

export class UnknownKeyIds {
  private readonly until = new Map<string, number>();

  remember(kid: string, nowMs: number): void {
    this.until.delete(kid);
    this.until.set(kid, nowMs + UNKNOWN_KEY_ID_MEMORY_MS);
    if (this.until.size > UNKNOWN_KEY_ID_CAPACITY) {
      const oldest = this.until.keys().next();
      if (!oldest.done) this.until.delete(oldest.value);
    }
  }

  has(kid: string, nowMs: number): boolean {
    const until = this.until.get(kid);
    if (until === undefined) return false;
    if (until > nowMs) return true;
    this.until.delete(kid);
    return false;
  }

  clear(): void {
    this.until.clear();
  }
}

/** Lookups of never-seen kids a container may start at once, and how fast that allowance comes back. */
export const NEW_KEY_FETCH_BURST = 3;
export const NEW_KEY_FETCH_REFILL_MS = 20_000;

/**
 * A token bucket: {@link NEW_KEY_FETCH_BURST} lookups at once, then one more every
 * {@link NEW_KEY_FETCH_REFILL_MS} (at most a few per minute). A real rotation needs one lookup; Plaid retries
 * a webhook we refuse (https://plaid.com/docs/api/webhooks/#webhook-retries), so a genuine delivery that
 * arrives while a flood has used the allowance up is delivered again later.
 */
export class FetchBudget {
  private tokens = NEW_KEY_FETCH_BURST;
  private refilledAtMs: number | null = null;

  take(nowMs: number): boolean {
    if (this.refilledAtMs === null) this.refilledAtMs = nowMs;
    const earned = Math.floor((nowMs - this.refilledAtMs) / NEW_KEY_FETCH_REFILL_MS);
    if (earned > 0) {
      this.tokens = Math.min(NEW_KEY_FETCH_BURST, this.tokens + earned);
      this.refilledAtMs += earned * NEW_KEY_FETCH_REFILL_MS;
    }
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }

  reset(): void {
    this.tokens = NEW_KEY_FETCH_BURST;
    this.refilledAtMs = null;
  }
}
