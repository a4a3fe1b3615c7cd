/**
 * When a secret reader takes its Secrets Manager client: at its first read, not when it is built. A reader is
 * built with the adapter that may need it (the Pluggy client, whose cached API key usually spares the read;
 * the Pluggy webhook source, which refuses a delivery without the secret header before reading), so building
 * the client earlier would cost those requests its construction for nothing.
 */
import { beforeEach, describe, expect, it, vi } from 'vitest';
import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { secrets } from '../../shared/catalog/resources';

const sent: string[] = [];
const fakeClient = {
  send: async (command: { input: { SecretId: string } }) => {
    sent.push(command.input.SecretId);
    return { SecretString: JSON.stringify({ key: 'hash-key' }) };
  },
} as unknown as SecretsManagerClient;
const clientTaken = vi.fn(() => fakeClient);

vi.mock('../../shared/adapters/aws-clients', async (importOriginal) => ({
  ...(await importOriginal<typeof import('../../shared/adapters/aws-clients')>()),
  secretsManagerClient: clientTaken,
}));

const { userHashSecretReader } = await import('../../shared/adapters/secrets/secret-reader');

describe('SecretReader client', () => {
  beforeEach(() => {
    clientTaken.mockClear();
    sent.length = 0;
  });

  it('takes the shared Secrets Manager client at its first read, not when built', async () => {
    const reader = userHashSecretReader({ env: { [secrets.userHash.arnEnvVar]: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:hash' } });
    expect(clientTaken).not.toHaveBeenCalled();

    expect((await reader.read()).key).toBe('hash-key');
    expect(clientTaken).toHaveBeenCalledTimes(1);
    expect(sent).toEqual(['arn:aws:secretsmanager:us-east-1:123456789012:secret:hash']);

    // The cached value answers the next read: no second request.
    await reader.read();
    expect(sent).toHaveLength(1);
  });

  it('uses an injected client and never takes the shared one', async () => {
    const reader = userHashSecretReader({ env: { [secrets.userHash.arnEnvVar]: 'hash-secret' }, client: fakeClient });
    await reader.read();
    expect(sent).toEqual(['hash-secret']);
    expect(clientTaken).not.toHaveBeenCalled();
  });
});
