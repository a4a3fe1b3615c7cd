/**
 * Pluggy API keys: minted by `POST /auth` from the client id and secret, valid for 2 hours ("The key
 * expires 2 hours after it is issued. Reuse it until then", https://docs.pluggy.ai/reference/authentication), and `/auth`
 * itself is rate-limited (360/min/IP, https://docs.pluggy.ai/docs/rate-limits). So a key is reused:
 *
 * 1. in memory for the life of the container;
 * 2. across containers and cold starts through {@link ApiKeyCache}: the table, KMS-encrypted
 *    ({@link VaultApiKeyCache}).
 *
 * A key is replaced {@link API_KEY_REFRESH_MARGIN_MS} before its JWT `exp`, read without verifying the
 * signature (we are not the audience that validates it; we only need to know when Pluggy will stop
 * accepting it — the official SDK does the same in `baseApi.ts`). A key that is not a readable JWT is given
 * the documented 2 hours from the moment it was minted.
 */
import { createHash } from 'node:crypto';
import type { Clock, ProviderKeyStore, TokenContext, TokenVault } from '../../banking/ports';
import { logger } from '../../observability/logger';

export const API_KEY_LIFETIME_MS = 2 * 60 * 60 * 1000;
/** Renew this long before expiry, so a request in flight never carries a key that expires on the way. */
export const API_KEY_REFRESH_MARGIN_MS = 5 * 60 * 1000;

export interface ApiKey {
  readonly apiKey: string;
  /** Epoch milliseconds after which Pluggy refuses the key. */
  readonly expiresAtMs: number;
}

/** Where keys are shared between containers. Implementations never throw: a failed cache costs one `/auth`. */
export interface ApiKeyCache {
  read(clientId: string): Promise<ApiKey | null>;
  write(clientId: string, key: ApiKey): Promise<void>;
}

/** `exp` of a JWT in epoch milliseconds, or null when the value is not a JWT with a numeric `exp`. */
export function jwtExpiryMs(token: string): number | null {
  const parts = token.split('.');
  if (parts.length !== 3 || !parts[1]) return null;
  try {
    const claims = JSON.parse(Buffer.from(parts[1], 'base64url').toString('utf8')) as { exp?: unknown };
    return typeof claims.exp === 'number' && Number.isFinite(claims.exp) ? claims.exp * 1000 : null;
  } catch {
    return null;
  }
}

/** The key with its expiry as Pluggy states it, or the documented lifetime from `mintedAtMs`. */
export function apiKeyFrom(apiKey: string, mintedAtMs: number): ApiKey {
  return { apiKey, expiresAtMs: jwtExpiryMs(apiKey) ?? mintedAtMs + API_KEY_LIFETIME_MS };
}

export function isFresh(key: ApiKey, nowMs: number): boolean {
  return key.expiresAtMs - API_KEY_REFRESH_MARGIN_MS > nowMs;
}

/** Stable, non-reversible name of a client id for storage keys (the id itself is a credential half). */
export function clientDigest(clientId: string): string {
  return createHash('sha256').update(clientId).digest('hex').slice(0, 32);
}

/**
 * The encryption context of the cached key: its own purpose rather than a connection's owner. KMS checks the
 * context on Decrypt, so this ciphertext is useless on any connection row and a connection's token is
 * useless here; IAM grants the Pluggy-facing functions this context alone (`kms:EncryptionContext:purpose`),
 * and CloudTrail shows every decryption of it under this name. A key cached under an older context simply
 * fails to decrypt and is minted again.
 */
export const PLUGGY_API_KEY_CONTEXT: TokenContext = { provider: 'pluggy', purpose: 'api-key-cache' };

/** {@link ApiKeyCache} on the table, encrypted with the token key (KMS), expired by the table's TTL. */
export class VaultApiKeyCache implements ApiKeyCache {
  constructor(
    private readonly store: ProviderKeyStore,
    private readonly vault: TokenVault,
    private readonly clock: Clock,
  ) {}

  async read(clientId: string): Promise<ApiKey | null> {
    try {
      const cached = await this.store.get('pluggy', clientDigest(clientId));
      if (!cached) return null;
      const key = { apiKey: '', expiresAtMs: Date.parse(cached.expiresAt) };
      if (!Number.isFinite(key.expiresAtMs) || !isFresh(key, this.clock.now().getTime())) return null;
      return { ...key, apiKey: await this.vault.decrypt(cached.key, PLUGGY_API_KEY_CONTEXT) };
    } catch (error) {
      logger.warn('cached Pluggy API key unreadable; minting a new one', { error_name: (error as Error)?.name });
      return null;
    }
  }

  async write(clientId: string, key: ApiKey): Promise<void> {
    try {
      await this.store.put({
        provider: 'pluggy',
        clientDigest: clientDigest(clientId),
        key: await this.vault.encrypt(key.apiKey, PLUGGY_API_KEY_CONTEXT),
        expiresAt: new Date(key.expiresAtMs).toISOString(),
        updatedAt: this.clock.now().toISOString(),
      });
    } catch (error) {
      logger.warn('Pluggy API key could not be cached', { error_name: (error as Error)?.name });
    }
  }
}
