/**
 * The wall clock a sandbox reads for token lifetimes and timestamps.
 *
 * Tests move it forward (for example past a public token's 30-minute lifetime) without sleeping; nothing
 * else about the process clock changes, so timers and HTTP timeouts keep working normally.
 */
export class SandboxClock {
  private offsetMs = 0;

  /** Milliseconds since the epoch, shifted by every {@link advance} so far. */
  now(): number {
    return Date.now() + this.offsetMs;
  }

  nowSeconds(): number {
    return Math.floor(this.now() / 1000);
  }

  /** ISO-8601 timestamp without milliseconds (`2024-05-01T12:00:00Z`), the form Plaid returns. */
  isoNow(offsetMs = 0): string {
    return isoSeconds(this.now() + offsetMs);
  }

  advance(milliseconds: number): void {
    this.offsetMs += milliseconds;
  }

  reset(): void {
    this.offsetMs = 0;
  }
}

export function isoSeconds(epochMs: number): string {
  return new Date(epochMs).toISOString().replace(/\.\d{3}Z$/, 'Z');
}
