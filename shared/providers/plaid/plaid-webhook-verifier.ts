/**
 * Plaid webhook verification, step by step as Plaid specifies it
 * (https://plaid.com/docs/api/webhooks/webhook-verification/):
 *
 * 1. The `Plaid-Verification` header holds a JWT. Header names are matched case-insensitively: API Gateway
 *    HTTP APIs lowercase them.
 * 2. Its header is decoded WITHOUT verifying; `alg` must be `ES256` (anything else, `none` and `HS256`
 *    included, is refused before any key is looked at), and `kid` names the signing key.
 * 3. The key comes from `/webhook_verification_key/get` and is cached by `kid` (rotation rule below); a key
 *    whose `expired_at` is set is never accepted.
 * 4. The ES256 signature is checked with that key.
 * 5. `iat` must be at most 5 minutes old (replay protection). The token has no `exp`; none is required.
 * 6. The SHA-256 of the RAW body bytes must equal the `request_body_sha256` claim, compared in constant
 *    time. The hash is whitespace-sensitive (Plaid sends 2-space-indented JSON), so the body is never
 *    re-serialised before hashing.
 *
 * Key rotation (support.plaid.com, "Webhook verification example"): on a `kid` not in the cache, fetch it
 * AND re-fetch every cached key whose `expired_at` is still null, which is how a rotation becomes known;
 * a failed fetch means the `kid` is invalid for this delivery. Plaid's own Node sample caches a single
 * key; that shortcut would reject every webhook signed with the previous key during a rotation.
 *
 * All of this happens before the signature is checked, so an unauthenticated caller must not be able to
 * turn deliveries into Plaid calls (see `plaid-key-lookup-limits.ts`): the `kid` must have Plaid's shape,
 * a kid Plaid refused is remembered for a few minutes, lookups of new kids are limited per container, a
 * cached key is re-checked at most once a minute for rotation, and a cached key is trusted for at most
 * {@link KEY_MAX_AGE_MS} before it is fetched again (so an `expired_at` Plaid set is seen within that time
 * even when no new kid shows up).
 */
import { createHash, createPublicKey, timingSafeEqual, verify as verifySignature, type KeyObject } from 'node:crypto';
import type { PlaidApi } from 'plaid';
import { type Clock } from '../../banking/ports';
import { systemClock } from '../../adapters/system-clock';
import { describeError } from '../../errors/error-mapper';
import { logger } from '../../observability/logger';
import {
  findHeader,
  WebhookVerificationError,
  type ReceivedWebhook,
  type WebhookVerifier,
} from '../webhook-verification';
import { FetchBudget, isPlaidKeyId, keyIdForLog, UnknownKeyIds } from './plaid-key-lookup-limits';
import { callPlaid } from './plaid-errors';

/** Plaid's JWK as `/webhook_verification_key/get` returns it (spec `JWKPublicKey`). */
export interface PlaidVerificationKey {
  readonly alg: string;
  readonly crv: string;
  readonly kid: string;
  readonly kty: string;
  readonly use: string;
  readonly x: string;
  readonly y: string;
  readonly created_at: number;
  /** Unix seconds once Plaid rotated the key out; null while it is current. */
  readonly expired_at: number | null;
}

export type VerificationKeyFetcher = (keyId: string) => Promise<PlaidVerificationKey>;

/** Fetches a key through the `plaid` SDK; failures arrive as ProviderError (via callPlaid). */
export function plaidVerificationKeyFetcher(plaid: () => Promise<PlaidApi>): VerificationKeyFetcher {
  return async (keyId) => {
    const api = await plaid();
    const response = await callPlaid(() => api.webhookVerificationKeyGet({ key_id: keyId }));
    return response.key;
  };
}

interface CachedKey {
  readonly kid: string;
  readonly expiredAt: number | null;
  readonly publicKey: KeyObject;
  /** When Plaid last served this key (epoch ms). */
  readonly fetchedAtMs: number;
  /** When it was last re-fetched because another, unknown kid arrived (epoch ms); null if never. */
  readonly rotationCheckedAtMs: number | null;
}

/**
 * kid → key, the fetches in flight (so concurrent deliveries with a new kid share one lookup), the kids
 * Plaid refused, and the allowance for looking up new kids.
 */
export class VerificationKeyCache {
  readonly keys = new Map<string, CachedKey>();
  readonly refreshes = new Map<string, Promise<void>>();
  readonly unknown = new UnknownKeyIds();
  readonly newKeyFetches = new FetchBudget();

  clear(): void {
    this.keys.clear();
    this.refreshes.clear();
    this.unknown.clear();
    this.newKeyFetches.reset();
  }
}

/** One cache per container: keys survive across invocations of a warm Lambda. */
const containerKeyCache = new VerificationKeyCache();

/** Replay window Plaid prescribes for `iat`. */
export const MAX_TOKEN_AGE_SECONDS = 5 * 60;
/** Tolerated clock difference for an `iat` slightly ahead of ours (Plaid's clock vs. Lambda's). */
export const MAX_CLOCK_SKEW_SECONDS = 60;
/** How long a fetched key is trusted before it is fetched again (Plaid may have set its `expired_at`). */
export const KEY_MAX_AGE_MS = 10 * 60_000;
/** A current key is re-fetched for a rotation check at most this often, however many new kids arrive. */
export const ROTATION_RECHECK_MS = 60_000;
/** A Plaid verification JWT is well under 1 KB; anything far larger is not one. */
const MAX_TOKEN_LENGTH = 8 * 1024;
const BASE64URL = /^[A-Za-z0-9_-]+$/;
const SHA256_HEX = /^[0-9a-f]{64}$/i;
/** ES256 signatures in JWS are the raw r‖s pair: 2 × 32 bytes for P-256 (RFC 7518 §3.4). */
const ES256_SIGNATURE_BYTES = 64;

export interface PlaidWebhookVerifierOptions {
  readonly fetchKey: VerificationKeyFetcher;
  readonly clock?: Clock;
  /** Defaults to the per-container cache; tests pass their own. */
  readonly cache?: VerificationKeyCache;
}

export class PlaidWebhookVerifier implements WebhookVerifier {
  private readonly fetchKey: VerificationKeyFetcher;
  private readonly clock: Clock;
  private readonly cache: VerificationKeyCache;

  constructor(options: PlaidWebhookVerifierOptions) {
    this.fetchKey = options.fetchKey;
    this.clock = options.clock ?? systemClock;
    this.cache = options.cache ?? containerKeyCache;
  }

  async verify(request: ReceivedWebhook): Promise<void> {
    const token = findHeader(request.headers, 'Plaid-Verification')?.trim();
    if (!token) throw new WebhookVerificationError('missing_signature');
    const parts = splitToken(token);
    const header = decodeSegment(parts.header);
    if (header.alg !== 'ES256') throw new WebhookVerificationError('unsupported_algorithm');
    if (typeof header.kid !== 'string' || header.kid.length === 0) throw new WebhookVerificationError('missing_key_id');
    if (!isPlaidKeyId(header.kid)) throw new WebhookVerificationError('malformed_signature');

    const key = await this.keyFor(header.kid);
    const signature = Buffer.from(parts.signature, 'base64url');
    const signedBytes = Buffer.from(`${parts.header}.${parts.payload}`, 'ascii');
    const authentic =
      signature.length === ES256_SIGNATURE_BYTES &&
      verifySignature('sha256', signedBytes, { key: key.publicKey, dsaEncoding: 'ieee-p1363' }, signature);
    if (!authentic) throw new WebhookVerificationError('bad_signature');

    const claims = decodeSegment(parts.payload);
    const issuedAt = claims.iat;
    const claimedDigest = claims.request_body_sha256;
    if (typeof issuedAt !== 'number' || !Number.isFinite(issuedAt)) throw new WebhookVerificationError('malformed_signature');
    if (typeof claimedDigest !== 'string' || !SHA256_HEX.test(claimedDigest)) throw new WebhookVerificationError('body_mismatch');

    const nowSeconds = this.clock.now().getTime() / 1000;
    if (nowSeconds - issuedAt > MAX_TOKEN_AGE_SECONDS) throw new WebhookVerificationError('stale');
    if (issuedAt - nowSeconds > MAX_CLOCK_SKEW_SECONDS) throw new WebhookVerificationError('issued_in_future');

    // Both sides are 32-byte digests (the claim's format was checked above), so the lengths match as
    // timingSafeEqual requires, and the comparison time does not depend on where they differ.
    const actual = createHash('sha256').update(request.rawBody).digest();
    const claimed = Buffer.from(claimedDigest, 'hex');
    if (!timingSafeEqual(actual, claimed)) throw new WebhookVerificationError('body_mismatch');
  }

  private async keyFor(kid: string): Promise<CachedKey> {
    const nowMs = this.clock.now().getTime();
    let key = this.cache.keys.get(kid);
    if (key && nowMs - key.fetchedAtMs > KEY_MAX_AGE_MS) {
      await this.refresh(kid, [kid], nowMs);
      key = this.cache.keys.get(kid);
      if (key && nowMs - key.fetchedAtMs > KEY_MAX_AGE_MS) {
        // Plaid could not confirm it: forget it, so the next delivery looks it up as a new kid (within the budget).
        this.cache.keys.delete(kid);
        throw new WebhookVerificationError('key_unavailable');
      }
    }
    if (!key) {
      if (this.cache.unknown.has(kid, nowMs)) throw new WebhookVerificationError('key_unavailable');
      if (!this.cache.refreshes.has(kid) && !this.cache.newKeyFetches.take(nowMs)) {
        throw new WebhookVerificationError('key_unavailable');
      }
      await this.refresh(kid, this.rotationCandidates(kid, nowMs), nowMs);
      key = this.cache.keys.get(kid);
      if (!key) throw new WebhookVerificationError('key_unavailable');
    }
    if (key.expiredAt !== null) throw new WebhookVerificationError('key_expired');
    return key;
  }

  /** Plaid's rotation rule: the unknown kid plus every cached key not yet marked expired (once a minute each). */
  private rotationCandidates(kid: string, nowMs: number): string[] {
    const current = [...this.cache.keys.values()].filter(
      (key) =>
        key.expiredAt === null &&
        key.kid !== kid &&
        (key.rotationCheckedAtMs === null || nowMs - key.rotationCheckedAtMs >= ROTATION_RECHECK_MS),
    );
    return [kid, ...current.map((key) => key.kid)];
  }

  private refresh(kid: string, ids: readonly string[], nowMs: number): Promise<void> {
    const running = this.cache.refreshes.get(kid);
    if (running) return running;
    const refresh = Promise.all(ids.map((id) => this.fetchIntoCache(id, nowMs, id !== kid))).then(() => undefined);
    this.cache.refreshes.set(kid, refresh);
    return refresh.finally(() => this.cache.refreshes.delete(kid));
  }

  /**
   * Never throws: a failed fetch leaves the cache as it was. A kid Plaid refuses outright (not a network or
   * server failure) is remembered as unknown for a few minutes.
   */
  private async fetchIntoCache(kid: string, nowMs: number, rotationCheck: boolean): Promise<void> {
    try {
      const jwk = await this.fetchKey(kid);
      const publicKey = toPublicKey(kid, jwk);
      if (publicKey) {
        const rotationCheckedAtMs = rotationCheck ? nowMs : (this.cache.keys.get(kid)?.rotationCheckedAtMs ?? null);
        this.cache.keys.set(kid, { kid, expiredAt: jwk.expired_at ?? null, publicKey, fetchedAtMs: nowMs, rotationCheckedAtMs });
      } else {
        logger.warn('Plaid verification key unusable', { key_id_prefix: keyIdForLog(kid), alg: jwk.alg, crv: jwk.crv, kty: jwk.kty });
        if (!this.cache.keys.has(kid)) this.cache.unknown.remember(kid, nowMs);
      }
    } catch (error) {
      const described = describeError(error);
      logger.warn('Plaid verification key fetch failed', { key_id_prefix: keyIdForLog(kid), code: described.code });
      if (!described.retryable && !this.cache.keys.has(kid)) this.cache.unknown.remember(kid, nowMs);
    }
  }
}

function toPublicKey(kid: string, jwk: PlaidVerificationKey): KeyObject | null {
  if (jwk.kid !== kid || jwk.kty !== 'EC' || jwk.crv !== 'P-256' || (jwk.alg !== undefined && jwk.alg !== 'ES256')) {
    return null;
  }
  try {
    // Only the members that define the key: the metadata Plaid adds (created_at, expired_at) is ours to read.
    return createPublicKey({ key: { kty: jwk.kty, crv: jwk.crv, x: jwk.x, y: jwk.y }, format: 'jwk' });
  } catch {
    return null;
  }
}

/**
 * Splits a compact JWS. The signature may be empty here so that an unsigned `alg: none` token is refused
 * for its algorithm; an empty signature never verifies anyway.
 */
function splitToken(token: string): { header: string; payload: string; signature: string } {
  const parts = token.split('.');
  if (token.length > MAX_TOKEN_LENGTH || parts.length !== 3) throw new WebhookVerificationError('malformed_signature');
  const [header, payload, signature] = parts as [string, string, string];
  if (!BASE64URL.test(header) || !BASE64URL.test(payload) || (signature !== '' && !BASE64URL.test(signature))) {
    throw new WebhookVerificationError('malformed_signature');
  }
  return { header, payload, signature };
}

function decodeSegment(segment: string): Record<string, unknown> {
  let decoded: unknown;
  try {
    decoded = JSON.parse(Buffer.from(segment, 'base64url').toString('utf8'));
  } catch (error) {
    throw new WebhookVerificationError('malformed_signature', { cause: error });
  }
  if (typeof decoded !== 'object' || decoded === null || Array.isArray(decoded)) {
    throw new WebhookVerificationError('malformed_signature');
  }
  return decoded as Record<string, unknown>;
}

