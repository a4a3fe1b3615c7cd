/**
 * Provider API keys shared by every function of the service (Pluggy's 2-hour API key), stored encrypted by
 * the token vault so a cold start reuses the key instead of minting its own (`POST /auth` is rate-limited).
 *
 * Key: PK `PROVIDER_KEY#<provider>`, SK `CLIENT#<clientDigest>` (a digest of the client id, so a rotated client
 * id never picks up the previous client's key, and the id itself is not stored).
 * TTL: `expires_at` (epoch seconds) = when the provider stops accepting the key; DynamoDB's sweeper removes
 * the row some time after that, and readers ignore an expired row that is still there.
 *
 * Access patterns served:
 * - the cached key of (provider, client): GetItem on the primary key; Put replaces it after each mint.
 */
import { providers } from '../../../banking/model';
import type { CachedProviderKey } from '../../../banking/ports';
import { readerFor } from '../item-reader';
import { timeToLiveAttribute, type PrimaryKey, type StoredItem } from '../table';
import { encryptedSecretFromAttribute, encryptedSecretToAttribute } from './encrypted-secret';

export const PROVIDER_KEY_ENTITY = 'provider_key';

export function providerKeyKey(provider: string, clientDigest: string): PrimaryKey {
  return { PK: `PROVIDER_KEY#${provider}`, SK: `CLIENT#${clientDigest}` };
}

export function providerKeyToItem(key: CachedProviderKey): StoredItem {
  return {
    ...providerKeyKey(key.provider, key.clientDigest),
    entity: PROVIDER_KEY_ENTITY,
    provider: key.provider,
    client_digest: key.clientDigest,
    api_key: encryptedSecretToAttribute(key.key),
    key_expires_at: key.expiresAt,
    updated_at: key.updatedAt,
    [timeToLiveAttribute]: Math.ceil(Date.parse(key.expiresAt) / 1000),
  };
}

export function providerKeyFromItem(item: StoredItem): CachedProviderKey {
  const read = readerFor(item, PROVIDER_KEY_ENTITY);
  return {
    provider: read.oneOf('provider', providers),
    clientDigest: read.string('client_digest'),
    key: encryptedSecretFromAttribute(read.map('api_key'))!,
    expiresAt: read.string('key_expires_at'),
    updatedAt: read.string('updated_at'),
  };
}
