/**
 * Test doubles for the Plaid webhook unit tests: a local Plaid-style signer (P-256 keys generated per test),
 * a key server standing in for `/webhook_verification_key/get`, and a connection to start from. The
 * in-memory ports are in tests/helpers/fakes. Nothing here touches the network.
 */
import { createHash, createHmac, generateKeyPairSync, randomUUID, sign, type KeyObject } from 'node:crypto';
import type { PlaidVerificationKey } from '../../shared/providers/plaid/plaid-webhook-verifier';
import type { Connection } from '../../shared/banking/model';
import { ProviderError } from '../../shared/errors/app-error';

export interface TestSigningKey {
  readonly kid: string;
  readonly privateKey: KeyObject;
  readonly jwk: PlaidVerificationKey;
}

export function newSigningKey(kid: string = randomUUID(), createdAt = 1_700_000_000): TestSigningKey {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const exported = publicKey.export({ format: 'jwk' });
  return {
    kid,
    privateKey,
    jwk: {
      alg: 'ES256',
      crv: 'P-256',
      kid,
      kty: 'EC',
      use: 'sig',
      x: String(exported.x),
      y: String(exported.y),
      created_at: createdAt,
      expired_at: null,
    },
  };
}

export interface SignOptions {
  /** Unix seconds; defaults to the given `now`. */
  readonly iat: number;
  readonly alg?: string;
  /** Header `kid`; defaults to the key's. */
  readonly kid?: string;
  /** Overrides the body digest claim. */
  readonly bodySha256?: string;
}

const b64url = (value: string | Buffer) => Buffer.from(value).toString('base64url');

/** A `Plaid-Verification` value exactly as Plaid builds it: compact JWS, ES256 (raw r‖s), `{iat, request_body_sha256}`. */
export function signPlaidWebhook(body: string | Buffer, key: TestSigningKey, options: SignOptions): string {
  const header = { alg: options.alg ?? 'ES256', kid: options.kid ?? key.kid, typ: 'JWT' };
  const payload = {
    iat: options.iat,
    request_body_sha256: options.bodySha256 ?? createHash('sha256').update(body).digest('hex'),
  };
  const signingInput = `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(payload))}`;
  if (header.alg === 'none') return `${signingInput}.`;
  if (header.alg === 'HS256') {
    // The classic confusion attack: an HMAC keyed with the (public) verification key's material.
    return `${signingInput}.${createHmac('sha256', key.jwk.x).update(signingInput).digest('base64url')}`;
  }
  const signature = sign('sha256', Buffer.from(signingInput), { key: key.privateKey, dsaEncoding: 'ieee-p1363' });
  return `${signingInput}.${b64url(signature)}`;
}

/** Plaid serialises webhook bodies with 2-space indentation; the digest covers exactly these bytes. */
export function plaidBody(body: Record<string, unknown>): string {
  return JSON.stringify(body, null, 2);
}

/** Stands in for `/webhook_verification_key/get`: records every lookup, can fail or forget keys. */
export class FakeKeyServer {
  readonly keys = new Map<string, PlaidVerificationKey>();
  readonly lookups: string[] = [];
  failing = false;

  publish(...keys: TestSigningKey[]): this {
    for (const key of keys) this.keys.set(key.kid, key.jwk);
    return this;
  }

  expire(kid: string, at: number): void {
    const key = this.keys.get(kid);
    if (key) this.keys.set(kid, { ...key, expired_at: at });
  }

  readonly fetchKey = async (kid: string): Promise<PlaidVerificationKey> => {
    this.lookups.push(kid);
    await Promise.resolve();
    if (this.failing) throw new Error('key server unavailable');
    const key = this.keys.get(kid);
    // As Plaid answers an unknown key_id: a 400 INVALID_INPUT error, which callPlaid turns into this.
    if (!key) {
      throw new ProviderError('plaid', 'permanent', { providerCode: 'INVALID_WEBHOOK_VERIFICATION_KEY_ID', message: 'invalid key_id provided' });
    }
    return { ...key };
  };
}

export function testConnection(overrides: Partial<Connection> = {}): Connection {
  const createdAt = '2025-03-01T10:00:00.000Z';
  return {
    userId: 'user_1',
    connectionId: 'conn_1',
    provider: 'plaid',
    providerItemId: 'item_1',
    institution: { id: 'ins_109508', name: 'First Platypus Bank' },
    products: ['transactions'],
    productTag: null,
    status: 'healthy',
    statusReason: null,
    accessToken: { ciphertext: 'Y2lwaGVy', keyId: 'arn:aws:kms:us-east-1:123456789012:key/test', contextVersion: 1 },
    syncCursor: 'cursor-1',
    consent: null,
    pendingUserAction: null,
    createdAt,
    updatedAt: createdAt,
    lastSyncAt: createdAt,
    lastSyncOutcome: 'succeeded',
    nextSyncAt: '2025-03-01T22:00:00.000Z',
    ...overrides,
  };
}
