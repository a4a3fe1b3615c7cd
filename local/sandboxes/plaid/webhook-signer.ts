/**
 * Signs webhook bodies the way Plaid does (docs https://plaid.com/docs/api/webhooks/webhook-verification/):
 * header `Plaid-Verification` = a compact JWS, ES256 over P-256, protected header `{alg, kid, typ}`, payload
 * `{iat, request_body_sha256}` where the hash is the hex SHA-256 of the exact body bytes.
 *
 * Keys are served by /webhook_verification_key/get as JWKs with `created_at` and `expired_at`; rotating sets
 * `expired_at` on the current key and signs with a new `kid` from then on, which is how receivers learn that
 * a cached key must no longer be trusted.
 */
import { createHash, generateKeyPairSync, randomUUID, sign, type KeyObject } from 'node:crypto';
import type { JWKPublicKey } from 'plaid';

interface SigningKey {
  readonly privateKey: KeyObject;
  readonly publicJwk: JWKPublicKey;
}

function base64url(value: string | Buffer): string {
  return Buffer.from(value).toString('base64url');
}

export class WebhookSigner {
  private readonly keys = new Map<string, SigningKey>();
  private current!: SigningKey;

  constructor(private readonly nowSeconds: () => number) {
    this.current = this.createKey();
  }

  get currentKeyId(): string {
    return this.current.publicJwk.kid;
  }

  /** The public JWK for `kid` (expired keys included, with `expired_at` set), or undefined. */
  publicKey(kid: string): JWKPublicKey | undefined {
    const key = this.keys.get(kid);
    return key ? { ...key.publicJwk } : undefined;
  }

  /**
   * Expires the current key and starts signing with a new one.
   *
   * @example
   * const { expiredKeyId, currentKeyId } = signer.rotate();
   */
  rotate(): { expiredKeyId: string; currentKeyId: string } {
    const expired = this.current;
    const expiredAt = this.nowSeconds();
    this.keys.set(expired.publicJwk.kid, { ...expired, publicJwk: { ...expired.publicJwk, expired_at: expiredAt } });
    this.current = this.createKey();
    return { expiredKeyId: expired.publicJwk.kid, currentKeyId: this.current.publicJwk.kid };
  }

  /**
   * The `Plaid-Verification` value for `body`. `issuedAt` (unix seconds) defaults to now; tests pass an old
   * one to produce a stale-but-validly-signed webhook.
   */
  sign(body: string, issuedAt: number = this.nowSeconds()): string {
    const header = { alg: 'ES256', kid: this.current.publicJwk.kid, typ: 'JWT' };
    const payload = { iat: issuedAt, request_body_sha256: createHash('sha256').update(body, 'utf8').digest('hex') };
    const signingInput = `${base64url(JSON.stringify(header))}.${base64url(JSON.stringify(payload))}`;
    // JWS ES256 wants the raw r||s signature (IEEE P1363), not DER.
    const signature = sign('sha256', Buffer.from(signingInput), { key: this.current.privateKey, dsaEncoding: 'ieee-p1363' });
    return `${signingInput}.${base64url(signature)}`;
  }

  private createKey(): SigningKey {
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const jwk = publicKey.export({ format: 'jwk' });
    const key: SigningKey = {
      privateKey,
      publicJwk: {
        alg: 'ES256',
        crv: 'P-256',
        kid: randomUUID(),
        kty: 'EC',
        use: 'sig',
        x: String(jwk.x),
        y: String(jwk.y),
        created_at: this.nowSeconds(),
        expired_at: null,
      },
    };
    this.keys.set(key.publicJwk.kid, key);
    return key;
  }
}
