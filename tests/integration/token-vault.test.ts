/**
 * The KMS token vault against the emulator: round trip, the encryption context binding a ciphertext to its
 * user and connection, and no plaintext in what is stored, thrown or written to stdout.
 */
import { CreateKeyCommand, KMSClient } from '@aws-sdk/client-kms';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import type { EncryptedSecret } from '../../shared/banking/model';
import type { TokenContext } from '../../shared/banking/ports';
import { KmsTokenVault, TokenDecryptionError } from '../../shared/adapters/kms/kms-token-vault';
import { describeError } from '../../shared/errors/error-mapper';
import { captureLines } from '../../shared/observability/output';
import { localAwsClientConfig, localAwsEnv } from '../setup/local-aws-context';

const env = localAwsEnv();
const accessToken = 'access-sandbox-5c3f9a1e-2b7d-4e8a-9f10-6d2c4b8e7a31';
const connectionA: TokenContext = { userId: 'user-1', connectionId: 'conn-A', provider: 'plaid' };
const connectionB: TokenContext = { userId: 'user-1', connectionId: 'conn-B', provider: 'plaid' };
const otherUser: TokenContext = { userId: 'user-2', connectionId: 'conn-A', provider: 'plaid' };
const otherProvider: TokenContext = { userId: 'user-1', connectionId: 'conn-A', provider: 'pluggy' };

// Built from the environment like a function's composition root: TOKEN_KEY_ID and the shared KMS client.
const vault = new KmsTokenVault(env.TOKEN_KEY_ID);
const kms = new KMSClient(localAwsClientConfig());

afterAll(() => kms.destroy());
afterEach(() => vi.restoreAllMocks());

async function rejectionOf(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected the promise to reject');
}

function everythingIn(error: unknown): string {
  const fields = error instanceof Error ? { ...error, name: error.name, message: error.message, stack: error.stack } : error;
  return JSON.stringify(fields);
}

describe('KmsTokenVault', () => {
  it('decrypts what it encrypted under the same context', async () => {
    const stored = await vault.encrypt(accessToken, connectionA);

    expect(await vault.decrypt(stored, connectionA)).toBe(accessToken);
    expect(stored.keyId).toBe(env.TOKEN_KEY_ID);
    expect(stored.contextVersion).toBe(1);
  });

  it('records the key ARN even when configured with the alias', async () => {
    const byAlias = new KmsTokenVault(env.TOKEN_KEY_ALIAS);
    const stored = await byAlias.encrypt(accessToken, connectionA);

    expect(stored.keyId).toBe(env.TOKEN_KEY_ID);
    expect(await vault.decrypt(stored, connectionA)).toBe(accessToken);
  });

  it('stores no plaintext: the stored record contains neither the token nor its base64', async () => {
    const stored = await vault.encrypt(accessToken, connectionA);
    const serialized = JSON.stringify(stored);

    expect(serialized).not.toContain(accessToken);
    expect(serialized).not.toContain(Buffer.from(accessToken).toString('base64'));
    expect(serialized).not.toContain('5c3f9a1e');
    expect(Buffer.from(stored.ciphertext, 'base64').includes(Buffer.from(accessToken))).toBe(false);
  });

  it('encrypts the same token differently each time', async () => {
    const first = await vault.encrypt(accessToken, connectionA);
    const second = await vault.encrypt(accessToken, connectionA);

    expect(first.ciphertext).not.toBe(second.ciphertext);
  });

  it.each([
    ['another connection of the same user', connectionB],
    ['the same connection id under another user', otherUser],
    ['another provider', otherProvider],
  ])('refuses a ciphertext copied onto %s', async (_label, foreignContext) => {
    const stored = await vault.encrypt(accessToken, connectionA);

    const error = await rejectionOf(vault.decrypt(stored, foreignContext));

    expect(error).toBeInstanceOf(TokenDecryptionError);
    expect((error as TokenDecryptionError).code).toBe('TOKEN_DECRYPTION_FAILED');
    expect(describeError(error).retryable).toBe(false);
    expect(everythingIn(error)).not.toContain(stored.ciphertext);
    expect(everythingIn(error)).not.toContain(accessToken);
  });

  it('refuses a tampered ciphertext', async () => {
    const stored = await vault.encrypt(accessToken, connectionA);
    const bytes = Buffer.from(stored.ciphertext, 'base64');
    bytes[bytes.length - 1] = (bytes[bytes.length - 1] ?? 0) ^ 0xff;
    const tampered: EncryptedSecret = { ...stored, ciphertext: bytes.toString('base64') };

    await expect(vault.decrypt(tampered, connectionA)).rejects.toBeInstanceOf(TokenDecryptionError);
  });

  it('refuses a ciphertext whose row names a different key', async () => {
    const stored = await vault.encrypt(accessToken, connectionA);
    const otherKey = await kms.send(new CreateKeyCommand({ Description: 'token-vault test: unrelated key' }));

    const error = await rejectionOf(vault.decrypt({ ...stored, keyId: otherKey.KeyMetadata!.Arn! }, connectionA));

    expect(error).toBeInstanceOf(TokenDecryptionError);
    expect(everythingIn(error)).not.toContain(stored.ciphertext);
  });

  it('refuses a context version it does not know', async () => {
    const stored = await vault.encrypt(accessToken, connectionA);

    await expect(vault.decrypt({ ...stored, contextVersion: 2 }, connectionA)).rejects.toBeInstanceOf(TokenDecryptionError);
  });

  it('reports an unreachable KMS as a retryable failure without the ciphertext', async () => {
    const stored = await vault.encrypt(accessToken, connectionA);
    // Port 9 (discard) on loopback: nothing listens, the connection is refused at once.
    const unreachable = new KMSClient({ ...localAwsClientConfig(), endpoint: 'http://127.0.0.1:9', maxAttempts: 1 });
    try {
      const error = await rejectionOf(new KmsTokenVault(env.TOKEN_KEY_ID, unreachable).decrypt(stored, connectionA));

      expect(error).not.toBeInstanceOf(TokenDecryptionError);
      expect(describeError(error).retryable).toBe(true);
      expect(everythingIn(error)).not.toContain(stored.ciphertext);
      expect((error as Error).cause).toBeUndefined();
    } finally {
      unreachable.destroy();
    }
  });

  it('writes nothing to stdout or stderr while encrypting and decrypting', async () => {
    const written: string[] = [];
    let plaintext: string | undefined;
    const capture = (chunk: unknown) => {
      written.push(String(chunk));
      return true;
    };
    // The logger and metrics emitter write to the file descriptors, through the output module's hook.
    const stopCapturing = captureLines((_stream, line) => capture(line));
    vi.spyOn(process.stdout, 'write').mockImplementation(capture);
    vi.spyOn(process.stderr, 'write').mockImplementation(capture);

    try {
      const stored = await vault.encrypt(accessToken, connectionA);
      plaintext = await vault.decrypt(stored, connectionA);
      await rejectionOf(vault.decrypt(stored, connectionB));
    } finally {
      stopCapturing();
      vi.restoreAllMocks();
    }

    expect(plaintext).toBe(accessToken);
    expect(written.join('')).not.toContain(accessToken);
    expect(written).toEqual([]);
  });
});
