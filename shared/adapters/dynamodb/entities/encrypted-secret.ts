/**
 * Stored shape of a vault ciphertext (access tokens on connections, account numbers on accounts). Only the
 * KMS ciphertext, the key id and the context version are kept; the plaintext never reaches the table.
 */
import type { EncryptedSecret } from '../../../banking/model';
import type { ItemReader } from '../item-reader';
import type { StoredItem } from '../table';

export function encryptedSecretToAttribute(secret: EncryptedSecret | null): StoredItem | null {
  return secret === null
    ? null
    : { ciphertext: secret.ciphertext, key_id: secret.keyId, context_version: secret.contextVersion };
}

export function encryptedSecretFromAttribute(read: ItemReader | null): EncryptedSecret | null {
  return read === null
    ? null
    : { ciphertext: read.string('ciphertext'), keyId: read.string('key_id'), contextVersion: read.number('context_version') };
}
