import { describe, expect, it } from 'vitest';
import { withProviderRetry } from '../../shared/providers/provider-retry';
import { ProviderError, type ProviderFailureKind } from '../../shared/errors/app-error';

const policy = { maxAttempts: 3, baseDelayMs: 100, maxDelayMs: 1_000 };

function failing(kinds: (ProviderFailureKind | 'ok')[], retryAfterSeconds?: number) {
  let call = 0;
  return {
    calls: () => call,
    run: async () => {
      const kind = kinds[call++] ?? 'ok';
      if (kind === 'ok') return 'done';
      throw new ProviderError('plaid', kind, {
        providerCode: kind.toUpperCase(),
        message: kind,
        ...(retryAfterSeconds !== undefined ? { retryAfterSeconds } : {}),
      });
    },
  };
}

describe('withProviderRetry', () => {
  it('retries transient failures and rate limits, then succeeds', async () => {
    const waits: number[] = [];
    const call = failing(['transient', 'rate_limited', 'ok']);
    await expect(withProviderRetry(call.run, policy, async (ms) => void waits.push(ms))).resolves.toBe('done');
    expect(call.calls()).toBe(3);
    expect(waits).toHaveLength(2);
    for (const wait of waits) expect(wait).toBeLessThanOrEqual(policy.maxDelayMs);
  });

  it('gives up after the last attempt with the provider error', async () => {
    const call = failing(['transient', 'transient', 'transient', 'ok']);
    await expect(withProviderRetry(call.run, policy, async () => undefined)).rejects.toMatchObject({ kind: 'transient' });
    expect(call.calls()).toBe(3);
  });

  it('never retries what a retry cannot fix', async () => {
    const call = failing(['login_required', 'ok']);
    await expect(withProviderRetry(call.run, policy, async () => undefined)).rejects.toMatchObject({ kind: 'login_required' });
    expect(call.calls()).toBe(1);
  });

  it('waits at least as long as the provider asked', async () => {
    const waits: number[] = [];
    const call = failing(['rate_limited', 'ok'], 0.5);
    await withProviderRetry(call.run, policy, async (ms) => void waits.push(ms));
    expect(waits[0]).toBeGreaterThanOrEqual(500);
  });

  it('hands a long Retry-After back to the queue instead of sleeping through it', async () => {
    const call = failing(['rate_limited', 'ok'], 60);
    await expect(withProviderRetry(call.run, policy, async () => undefined)).rejects.toMatchObject({ kind: 'rate_limited' });
    expect(call.calls()).toBe(1);
  });
});
