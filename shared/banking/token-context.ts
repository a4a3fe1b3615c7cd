/**
 * The token vault's encryption context for a secret of a connection (its access token) or of one of its
 * accounts (account numbers): the owning user, connection and provider. KMS decrypts only under the exact
 * context the secret was encrypted with, so every encrypt and decrypt builds it here, from the row that
 * holds the secret.
 */
import type { Connection } from './model';
import type { TokenContext } from './ports';

export function tokenContextOf(owner: Pick<Connection, 'userId' | 'connectionId' | 'provider'>): TokenContext {
  return { userId: owner.userId, connectionId: owner.connectionId, provider: owner.provider };
}
