import { describe, expect, it } from 'vitest';
import { PlaidWebhookVerifier, VerificationKeyCache } from '../../shared/providers/plaid/plaid-webhook-verifier';
import { WebhookVerificationError, type WebhookRejectionReason } from '../../shared/providers/webhook-verification';
import { TestClock } from '../helpers/fakes/banking-stores';
import { FakeKeyServer, newSigningKey, plaidBody, signPlaidWebhook, type TestSigningKey } from './plaid-webhook-support';

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
    const plaidKey = newSigningKey('kid-shared');
    const attackerKey = newSigningKey('kid-shared');
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
    expect(await rejection(deliver(signPlaidWebhook(body, newSigningKey('kid-unknown'), { iat: clock.epochSeconds })))).toBe(
      'key_unavailable',
    );
  });

  it('on an unknown kid re-fetches every cached key not yet expired, and so learns of a rotation', async () => {
    // GIVEN key A cached from an earlier delivery
    const keyA = newSigningKey('kid-a');
    const keyB = newSigningKey('kid-b');
    const { deliver, clock, keys } = setup(keyA);
    await deliver(signPlaidWebhook(body, keyA, { iat: clock.epochSeconds }));

    // WHEN Plaid rotates (A expires, B signs) and a B-signed webhook arrives
    keys.publish(keyB);
    keys.expire(keyA.kid, clock.epochSeconds);
    await expect(deliver(signPlaidWebhook(body, keyB, { iat: clock.epochSeconds }))).resolves.toBeUndefined();

    // THEN both were fetched, and A is now refused without another lookup
    expect(keys.lookups).toEqual(['kid-a', 'kid-b', 'kid-a']);
    expect(await rejection(deliver(signPlaidWebhook(body, keyA, { iat: clock.epochSeconds })))).toBe('key_expired');
    expect(keys.lookups).toHaveLength(3);
  });

  it('does not re-fetch keys already known to be expired', async () => {
    const keyA = newSigningKey('kid-a');
    const keyB = newSigningKey('kid-b');
    const keyC = newSigningKey('kid-c');
    const { deliver, clock, keys } = setup(keyA, keyB, keyC);
    keys.expire(keyA.kid, clock.epochSeconds);
    await rejection(deliver(signPlaidWebhook(body, keyA, { iat: clock.epochSeconds })));
    await deliver(signPlaidWebhook(body, keyB, { iat: clock.epochSeconds }));
    await deliver(signPlaidWebhook(body, keyC, { iat: clock.epochSeconds }));
    // A (expired) is never asked for again; B (current) is refreshed when C shows up.
    expect(keys.lookups).toEqual(['kid-a', 'kid-b', 'kid-c', 'kid-b']);
  });

  it('shares one lookup between concurrent deliveries signed with a new kid', async () => {
    const key = newSigningKey();
    const { deliver, clock, keys } = setup(key);
    const token = signPlaidWebhook(body, key, { iat: clock.epochSeconds });
    await Promise.all([deliver(token), deliver(token), deliver(token)]);
    expect(keys.lookups).toEqual([key.kid]);
  });

  it('ignores a key served under another kid or of another curve', async () => {
    const key = newSigningKey('kid-x');
    const { deliver, clock, keys } = setup();
    keys.keys.set('kid-x', { ...key.jwk, kid: 'kid-y' });
    expect(await rejection(deliver(signPlaidWebhook(body, key, { iat: clock.epochSeconds })))).toBe('key_unavailable');
    keys.keys.set('kid-x', { ...key.jwk, crv: 'P-384' });
    expect(await rejection(deliver(signPlaidWebhook(body, key, { iat: clock.epochSeconds })))).toBe('key_unavailable');
  });
});
