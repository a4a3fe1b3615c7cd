import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { PlaidWebhookVerifier, VerificationKeyCache } from '../../shared/providers/plaid/plaid-webhook-verifier';
import { WebhookVerificationError, type WebhookRejectionReason } from '../../shared/providers/webhook-verification';
import { TestClock } from '../helpers/fakes/banking-stores';
import { FakeKeyServer, newSigningKey, plaidBody, signPlaidWebhook, type TestSigningKey } from './plaid-webhook-support';
import { captureOutput } from './captured-output';

const body = plaidBody({
  environment: 'sandbox',
  historical_update_complete: true,
  initial_update_complete: true,
  item_id: 'item_1',
  webhook_code: 'SYNC_UPDATES_AVAILABLE',
  webhook_type: 'TRANSACTIONS',
});

function setup(...published: TestSigningKey[]) {
  const clock = new TestClock(new Date('2025-03-01T12:00:00.000Z'));
  const keys = new FakeKeyServer().publish(...published);
  const cache = new VerificationKeyCache();
  const verifier = new PlaidWebhookVerifier({ fetchKey: keys.fetchKey, clock, cache });
  const deliver = (token: string | undefined, rawBody: string | Buffer = body, headerName = 'plaid-verification') =>
    verifier.verify({ headers: token === undefined ? {} : { [headerName]: token }, rawBody: Buffer.from(rawBody) });
  return { clock, keys, cache, verifier, deliver };
}

async function rejection(promise: Promise<unknown>): Promise<WebhookRejectionReason> {
  const error = await promise.then(
    () => {
      throw new Error('expected the delivery to be rejected');
    },
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(WebhookVerificationError);
  const failure = error as WebhookVerificationError;
  // Whatever the reason, the caller-facing code and message are the same.
  expect(failure.code).toBe('WEBHOOK_VERIFICATION_FAILED');
  expect(failure.message).toBe('Webhook verification failed');
  return failure.reason;
}

describe('PlaidWebhookVerifier', () => {
  it('accepts a delivery signed as Plaid signs it, whatever the header name case', async () => {
    // GIVEN a current Plaid key
    const key = newSigningKey();
    const { deliver, clock } = setup(key);
    const token = signPlaidWebhook(body, key, { iat: clock.epochSeconds });

    // WHEN / THEN
    await expect(deliver(token, body, 'plaid-verification')).resolves.toBeUndefined();
    await expect(deliver(token, body, 'Plaid-Verification')).resolves.toBeUndefined();
    await expect(deliver(token, body, 'PLAID-VERIFICATION')).resolves.toBeUndefined();
  });

  it('fetches a key once and then serves it from the cache', async () => {
    const key = newSigningKey();
    const { deliver, clock, keys } = setup(key);
    await deliver(signPlaidWebhook(body, key, { iat: clock.epochSeconds }));
    await deliver(signPlaidWebhook(body, key, { iat: clock.epochSeconds }));
    expect(keys.lookups).toEqual([key.kid]);
  });

  it('rejects a missing header without looking up any key', async () => {
    const { deliver, keys } = setup(newSigningKey());
    expect(await rejection(deliver(undefined))).toBe('missing_signature');
    expect(await rejection(deliver('   '))).toBe('missing_signature');
    expect(keys.lookups).toEqual([]);
  });

  it('rejects tokens that are not a compact JWS', async () => {
    const { deliver } = setup(newSigningKey());
    expect(await rejection(deliver('not-a-jwt'))).toBe('malformed_signature');
    expect(await rejection(deliver('a.b.c.d'))).toBe('malformed_signature');
    expect(await rejection(deliver('e30.e30.***'))).toBe('malformed_signature');
    expect(await rejection(deliver(`${Buffer.from('not json').toString('base64url')}.e30.c2ln`))).toBe('malformed_signature');
  });

  it('rejects a forged signature', async () => {
    const key = newSigningKey();
    const { deliver, clock } = setup(key);
    const [header, payload, signature] = signPlaidWebhook(body, key, { iat: clock.epochSeconds }).split('.') as [string, string, string];
    const bytes = Buffer.from(signature, 'base64url');
    bytes[10] = (bytes[10] ?? 0) ^ 0xff;
    expect(await rejection(deliver(`${header}.${payload}.${bytes.toString('base64url')}`))).toBe('bad_signature');
  });

  it('rejects a token re-signed with another key under the same kid', async () => {
    const plaidKey = newSigningKey('000000a0-0000-4000-8000-000000000001');
    const attackerKey = newSigningKey('000000a0-0000-4000-8000-000000000001');
    const { deliver, clock } = setup(plaidKey);
    expect(await rejection(deliver(signPlaidWebhook(body, attackerKey, { iat: clock.epochSeconds })))).toBe('bad_signature');
  });

  it('rejects a payload changed after signing (claims swapped under the original signature)', async () => {
    const key = newSigningKey();
    const { deliver, clock } = setup(key);
    const original = signPlaidWebhook(body, key, { iat: clock.epochSeconds - 600 }).split('.');
    const fresh = Buffer.from(JSON.stringify({ iat: clock.epochSeconds, request_body_sha256: 'a'.repeat(64) })).toString('base64url');
    expect(await rejection(deliver(`${original[0]}.${fresh}.${original[2]}`))).toBe('bad_signature');
  });

  it('rejects HS256 and none before fetching any key', async () => {
    const key = newSigningKey();
    const { deliver, clock, keys } = setup(key);
    expect(await rejection(deliver(signPlaidWebhook(body, key, { iat: clock.epochSeconds, alg: 'HS256' })))).toBe('unsupported_algorithm');
    expect(await rejection(deliver(signPlaidWebhook(body, key, { iat: clock.epochSeconds, alg: 'none' })))).toBe('unsupported_algorithm');
    expect(await rejection(deliver(signPlaidWebhook(body, key, { iat: clock.epochSeconds, alg: 'ES384' })))).toBe('unsupported_algorithm');
    expect(keys.lookups).toEqual([]);
  });

  it('rejects a token without kid', async () => {
    const key = newSigningKey();
    const { deliver, clock } = setup(key);
    expect(await rejection(deliver(signPlaidWebhook(body, key, { iat: clock.epochSeconds, kid: '' })))).toBe('missing_key_id');
  });

  it('accepts iat up to 5 minutes old and rejects anything older', async () => {
    const key = newSigningKey();
    const { deliver, clock } = setup(key);
    await expect(deliver(signPlaidWebhook(body, key, { iat: clock.epochSeconds - 300 }))).resolves.toBeUndefined();
    expect(await rejection(deliver(signPlaidWebhook(body, key, { iat: clock.epochSeconds - 301 })))).toBe('stale');
    expect(await rejection(deliver(signPlaidWebhook(body, key, { iat: clock.epochSeconds - 3600 })))).toBe('stale');
  });

  it('tolerates a small clock skew but rejects an iat far in the future', async () => {
    const key = newSigningKey();
    const { deliver, clock } = setup(key);
    await expect(deliver(signPlaidWebhook(body, key, { iat: clock.epochSeconds + 30 }))).resolves.toBeUndefined();
    expect(await rejection(deliver(signPlaidWebhook(body, key, { iat: clock.epochSeconds + 600 })))).toBe('issued_in_future');
  });

  it('rejects a body changed by one byte or by whitespace only', async () => {
    const key = newSigningKey();
    const { deliver, clock } = setup(key);
    const token = signPlaidWebhook(body, key, { iat: clock.epochSeconds });
    const oneByte = Buffer.from(body);
    oneByte[oneByte.indexOf('item_1') + 5] = '2'.charCodeAt(0);
    expect(await rejection(deliver(token, oneByte))).toBe('body_mismatch');
    // The same JSON re-serialised compactly: equal as data, different as bytes.
    expect(await rejection(deliver(token, JSON.stringify(JSON.parse(body))))).toBe('body_mismatch');
    expect(await rejection(deliver(token, `${body}\n`))).toBe('body_mismatch');
  });

  it('rejects a digest claim that is not a SHA-256 hex string', async () => {
    const key = newSigningKey();
    const { deliver, clock } = setup(key);
    expect(await rejection(deliver(signPlaidWebhook(body, key, { iat: clock.epochSeconds, bodySha256: 'abc' })))).toBe('body_mismatch');
  });

  it('never accepts a key whose expired_at is set', async () => {
    const key = newSigningKey();
    const { deliver, clock, keys } = setup(key);
    keys.expire(key.kid, clock.epochSeconds - 60);
    expect(await rejection(deliver(signPlaidWebhook(body, key, { iat: clock.epochSeconds })))).toBe('key_expired');
  });

  it('treats a failed key fetch as invalid and tries again on the next delivery', async () => {
    const key = newSigningKey();
    const { deliver, clock, keys } = setup(key);
    keys.failing = true;
    expect(await rejection(deliver(signPlaidWebhook(body, key, { iat: clock.epochSeconds })))).toBe('key_unavailable');
    keys.failing = false;
    await expect(deliver(signPlaidWebhook(body, key, { iat: clock.epochSeconds }))).resolves.toBeUndefined();
    expect(keys.lookups).toEqual([key.kid, key.kid]);
  });

  it('rejects a kid Plaid does not know', async () => {
    const key = newSigningKey();
    const { deliver, clock } = setup(key);
    expect(await rejection(deliver(signPlaidWebhook(body, newSigningKey('000000a1-0000-4000-8000-000000000002'), { iat: clock.epochSeconds })))).toBe(
      'key_unavailable',
    );
  });

  it('on an unknown kid re-fetches every cached key not yet expired, and so learns of a rotation', async () => {
    // GIVEN key A cached from an earlier delivery
    const keyA = newSigningKey('000000a2-0000-4000-8000-000000000003');
    const keyB = newSigningKey('000000a3-0000-4000-8000-000000000004');
    const { deliver, clock, keys } = setup(keyA);
    await deliver(signPlaidWebhook(body, keyA, { iat: clock.epochSeconds }));

    // WHEN Plaid rotates (A expires, B signs) and a B-signed webhook arrives
    keys.publish(keyB);
    keys.expire(keyA.kid, clock.epochSeconds);
    await expect(deliver(signPlaidWebhook(body, keyB, { iat: clock.epochSeconds }))).resolves.toBeUndefined();

    // THEN both were fetched, and A is now refused without another lookup
    expect(keys.lookups).toEqual(['000000a2-0000-4000-8000-000000000003', '000000a3-0000-4000-8000-000000000004', '000000a2-0000-4000-8000-000000000003']);
    expect(await rejection(deliver(signPlaidWebhook(body, keyA, { iat: clock.epochSeconds })))).toBe('key_expired');
    expect(keys.lookups).toHaveLength(3);
  });

  it('does not re-fetch keys already known to be expired', async () => {
    const keyA = newSigningKey('000000a2-0000-4000-8000-000000000003');
    const keyB = newSigningKey('000000a3-0000-4000-8000-000000000004');
    const keyC = newSigningKey('000000a4-0000-4000-8000-000000000005');
    const { deliver, clock, keys } = setup(keyA, keyB, keyC);
    keys.expire(keyA.kid, clock.epochSeconds);
    await rejection(deliver(signPlaidWebhook(body, keyA, { iat: clock.epochSeconds })));
    await deliver(signPlaidWebhook(body, keyB, { iat: clock.epochSeconds }));
    await deliver(signPlaidWebhook(body, keyC, { iat: clock.epochSeconds }));
    // A (expired) is never asked for again; B (current) is refreshed when C shows up.
    expect(keys.lookups).toEqual(['000000a2-0000-4000-8000-000000000003', '000000a3-0000-4000-8000-000000000004', '000000a4-0000-4000-8000-000000000005', '000000a3-0000-4000-8000-000000000004']);
  });

  it('shares one lookup between concurrent deliveries signed with a new kid', async () => {
    const key = newSigningKey();
    const { deliver, clock, keys } = setup(key);
    const token = signPlaidWebhook(body, key, { iat: clock.epochSeconds });
    await Promise.all([deliver(token), deliver(token), deliver(token)]);
    expect(keys.lookups).toEqual([key.kid]);
  });

  it('ignores a key served under another kid or of another curve', async () => {
    const key = newSigningKey('000000a5-0000-4000-8000-000000000006');
    const { deliver, clock, keys } = setup();
    keys.keys.set('000000a5-0000-4000-8000-000000000006', { ...key.jwk, kid: '000000a6-0000-4000-8000-000000000007' });
    expect(await rejection(deliver(signPlaidWebhook(body, key, { iat: clock.epochSeconds })))).toBe('key_unavailable');
    keys.keys.set('000000a5-0000-4000-8000-000000000006', { ...key.jwk, crv: 'P-384' });
    expect(await rejection(deliver(signPlaidWebhook(body, key, { iat: clock.epochSeconds })))).toBe('key_unavailable');
  });

  it('refuses a kid that is not shaped like a Plaid key id without any lookup', async () => {
    const key = newSigningKey();
    const { deliver, clock, keys } = setup(key);
    for (const kid of ['kid-1', 'x'.repeat(6_000), '../../etc/passwd', `${key.kid}0`]) {
      expect(await rejection(deliver(signPlaidWebhook(body, key, { iat: clock.epochSeconds, kid })))).toBe('malformed_signature');
    }
    expect(keys.lookups).toEqual([]);
  });

  it('25 forged deliveries with fresh kids cause at most a few lookups, and refused kids are remembered', async () => {
    // GIVEN a current key in the cache
    const key = newSigningKey();
    const { deliver, clock, keys } = setup(key);
    await deliver(signPlaidWebhook(body, key, { iat: clock.epochSeconds }));
    keys.lookups.length = 0;
    clock.advanceSeconds(60);

    // WHEN 25 deliveries signed by an attacker, each under a fresh kid, arrive at once
    const forgedKids: string[] = [];
    for (let i = 0; i < 25; i += 1) {
      const forged = newSigningKey();
      forgedKids.push(forged.kid);
      expect(await rejection(deliver(signPlaidWebhook(body, forged, { iat: clock.epochSeconds })))).toBe('key_unavailable');
    }

    // THEN only the first few kids were looked up (plus one rotation check of the current key)
    expect(keys.lookups).toEqual([forgedKids[0], key.kid, forgedKids[1], forgedKids[2]]);
    // AND the same forged kid again costs nothing, even once the allowance is back
    clock.advanceSeconds(60);
    expect(await rejection(deliver(signPlaidWebhook(body, newSigningKey(forgedKids[0]), { iat: clock.epochSeconds })))).toBe(
      'key_unavailable',
    );
    expect(keys.lookups).toHaveLength(4);
    // AND the genuine key still verifies without a lookup
    await expect(deliver(signPlaidWebhook(body, key, { iat: clock.epochSeconds }))).resolves.toBeUndefined();
    expect(keys.lookups).toHaveLength(4);
  });

  it('gives the allowance for new kids back over time, one lookup every 20 seconds', async () => {
    const { deliver, clock, keys } = setup();
    for (let i = 0; i < 5; i += 1) await rejection(deliver(signPlaidWebhook(body, newSigningKey(), { iat: clock.epochSeconds })));
    expect(keys.lookups).toHaveLength(3);
    clock.advanceSeconds(20);
    for (let i = 0; i < 3; i += 1) await rejection(deliver(signPlaidWebhook(body, newSigningKey(), { iat: clock.epochSeconds })));
    expect(keys.lookups).toHaveLength(4);
    // A key Plaid publishes later is found once the allowance allows a lookup.
    clock.advanceSeconds(20);
    const rotated = newSigningKey();
    keys.publish(rotated);
    await expect(deliver(signPlaidWebhook(body, rotated, { iat: clock.epochSeconds }))).resolves.toBeUndefined();
  });

  it('re-fetches a cached key after at most 10 minutes and so stops accepting it once Plaid expired it', async () => {
    const key = newSigningKey();
    const { deliver, clock, keys } = setup(key);
    await deliver(signPlaidWebhook(body, key, { iat: clock.epochSeconds }));
    keys.expire(key.kid, clock.epochSeconds + 60);

    clock.advanceSeconds(9 * 60);
    await expect(deliver(signPlaidWebhook(body, key, { iat: clock.epochSeconds }))).resolves.toBeUndefined();
    expect(keys.lookups).toHaveLength(1);

    clock.advanceSeconds(2 * 60);
    expect(await rejection(deliver(signPlaidWebhook(body, key, { iat: clock.epochSeconds })))).toBe('key_expired');
    expect(keys.lookups).toEqual([key.kid, key.kid]);
  });

  it('logs no more than a short prefix of a kid', async () => {
    const { lines, restore } = captureOutput();
    try {
      const { deliver, clock } = setup();
      // A prefix of eight digits would be masked as an account number (shared/observability/redaction.ts), so
      // the kid starts with letters: a random UUID's first eight characters are all digits about once in 43.
      const forged = newSigningKey(`ab${randomUUID().slice(2)}`);
      await rejection(deliver(signPlaidWebhook(body, forged, { iat: clock.epochSeconds })));
      const output = lines.join('');
      expect(output).toContain('Plaid verification key fetch failed');
      expect(output).toContain(forged.kid.slice(0, 8));
      expect(output).not.toContain(forged.kid);
    } finally {
      restore();
    }
  });
});
