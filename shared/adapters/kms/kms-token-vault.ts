/**
 * {@link TokenVault} on AWS KMS: provider access tokens (and account numbers) are encrypted directly with
 * the customer-managed key (they are far below Encrypt's 4 KiB limit, so no data key is needed).
 *
 * Every ciphertext is bound to its owner through the encryption context `{user_id, connection_id,
 * provider}` (a service-wide secret such as the cached Pluggy API key: `{provider, purpose}`). IAM grants are
 * conditioned on these pairs, so each function may only encrypt or decrypt its own provider's and purpose's
 * ciphertexts (infra/constructs/function-grants.ts). KMS authenticates the context as additional data: Decrypt succeeds only with the exact same
 * pairs (https://docs.aws.amazon.com/kms/latest/developerguide/encrypt_context.html), so a ciphertext copied
 * onto another user's or connection's row cannot be decrypted there. The context also lands in CloudTrail,
 * which makes every decryption attributable to one connection.
 *
 * Plaintext exists only in the caller's memory: nothing here caches it, and the byte buffers KMS returns are
 * zeroed once the string has been taken from them. Errors name the KMS error class and nothing else.
 */
import {
  DecryptCommand,
  EncryptCommand,
  type DecryptCommandOutput,
  type EncryptCommandOutput,
  type KMSClient,
} from '@aws-sdk/client-kms';
import type { EncryptedSecret } from '../../banking/model';
import type { TokenContext, TokenVault } from '../../banking/ports';
import { AppError } from '../../errors/app-error';
import { clientFrom, kmsClient, type ClientSource } from '../aws-clients';

/** Layout of the encryption context below; bump it (and keep reading the old one) if the layout changes. */
export const currentContextVersion = 1;

/**
 * The stored ciphertext does not decrypt under this row's owner: it was moved, tampered with, or encrypted
 * under another key. Retrying cannot help, so it is an {@link AppError} (non-retryable for workers).
 */
export class TokenDecryptionError extends AppError {
  readonly code = 'TOKEN_DECRYPTION_FAILED';
}

/** KMS failures that say something about the ciphertext, its context or its key, not about availability. */
const permanentDecryptFailures = new Set([
  'InvalidCiphertextException',
  'IncorrectKeyException',
  'AccessDeniedException',
  'NotFoundException',
  'DisabledException',
  'KMSInvalidStateException',
  'InvalidKeyUsageException',
]);

function encryptionContext(context: TokenContext): Record<string, string> {
  if ('purpose' in context) return { provider: context.provider, purpose: context.purpose };
  return { user_id: context.userId, connection_id: context.connectionId, provider: context.provider };
}

function errorName(error: unknown): string {
  return error instanceof Error ? error.name : 'UnknownError';
}

export class KmsTokenVault implements TokenVault {
  /**
   * @param keyId ARN, key id or alias of the token key (functions get `TOKEN_KEY_ID`).
   * @example
   * const vault = new KmsTokenVault(config.TOKEN_KEY_ID);
   * const stored = await vault.encrypt(accessToken, tokenContextOf(connection)); // shared/banking/token-context.ts
   */
  constructor(
    private readonly keyId: string,
    private readonly kms: ClientSource<KMSClient> = kmsClient(),
  ) {}

  async encrypt(plaintext: string, context: TokenContext): Promise<EncryptedSecret> {
    const plaintextBytes = Buffer.from(plaintext, 'utf8');
    let result: EncryptCommandOutput;
    try {
      result = await clientFrom(this.kms).send(
        new EncryptCommand({ KeyId: this.keyId, Plaintext: plaintextBytes, EncryptionContext: encryptionContext(context) }),
      );
    } catch (error) {
      // A fresh error without `cause`: SDK errors can keep the request around, and the request holds the token.
      throw new Error(`KMS Encrypt failed (${errorName(error)})`);
    } finally {
      plaintextBytes.fill(0);
    }
    if (!result.CiphertextBlob || !result.KeyId) throw new Error('KMS Encrypt returned no ciphertext or key id');
    return {
      ciphertext: Buffer.from(result.CiphertextBlob).toString('base64'),
      // KMS answers with the key ARN even when called with an alias, so rows name the actual key.
      keyId: result.KeyId,
      contextVersion: currentContextVersion,
    };
  }

  async decrypt(secret: EncryptedSecret, context: TokenContext): Promise<string> {
    if (secret.contextVersion !== currentContextVersion) {
      throw new TokenDecryptionError(`Unsupported token context version ${secret.contextVersion}`);
    }
    let result: DecryptCommandOutput;
    try {
      result = await clientFrom(this.kms).send(
        new DecryptCommand({
          CiphertextBlob: Buffer.from(secret.ciphertext, 'base64'),
          EncryptionContext: encryptionContext(context),
          // Naming the key is the documented best practice for symmetric keys: KMS then refuses a ciphertext
          // made under any other key instead of silently using whichever key produced it.
          KeyId: secret.keyId,
        }),
      );
    } catch (error) {
      const name = errorName(error);
      if (permanentDecryptFailures.has(name)) {
        throw new TokenDecryptionError('Stored token could not be decrypted for this connection', {
          details: { kms_error: name },
        });
      }
      // Throttling, network or KMS-internal trouble: a plain Error, which the error mapper treats as retryable.
      throw new Error(`KMS Decrypt failed (${name})`);
    }
    const plaintextBytes = result.Plaintext;
    if (!plaintextBytes) throw new Error('KMS Decrypt returned no plaintext');
    try {
      // A view, not a copy, so zeroing below leaves no second copy of the bytes behind.
      return Buffer.from(plaintextBytes.buffer, plaintextBytes.byteOffset, plaintextBytes.byteLength).toString('utf8');
    } finally {
      plaintextBytes.fill(0);
    }
  }
}
