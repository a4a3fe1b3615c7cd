/**
 * The secret reader against the emulator: reads the provisioned secrets, validates the catalog fields,
 * reports problems by field name without the value, and caches with a TTL.
 */
import { randomUUID } from 'node:crypto';
import { CreateSecretCommand, PutSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { afterAll, describe, expect, it } from 'vitest';
import { secrets } from '../../shared/catalog/resources';
import {
  pluggySecretReader,
  pluggyWebhookSecretReader,
  plaidSecretReader,
  SecretReader,
  userHashSecretReader,
} from '../../shared/adapters/secrets/secret-reader';
import { localProviderCredentials } from '../../local/aws/provision';
import { ConfigError } from '../../shared/errors/app-error';
import { localAwsClientConfig, localAwsEnv } from '../setup/local-aws-context';
import { buildHttpApiEvent } from '../../local/gateway/http-api-event';
import { dynamoDocumentClient, secretsManagerClient, sqsClient } from '../../shared/adapters/aws-clients';
import { handler as pluggyWebhookHandler } from '../../functions/http/pluggy-webhook';

const env = localAwsEnv();
const secretsManager = new SecretsManagerClient(localAwsClientConfig());
afterAll(() => secretsManager.destroy());

/** A secret private to one test, so changing its value cannot disturb other tests. */
async function createSecret(value: string): Promise<string> {
  const created = await secretsManager.send(
    new CreateSecretCommand({ Name: `${env.RESOURCE_PREFIX}/test-${randomUUID()}`, SecretString: value }),
  );
  return created.ARN!;
}

async function rejectionOf(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected the promise to reject');
}

/** Counts GetSecretValue calls that actually reach the endpoint. */
function countingClient(): { client: SecretsManagerClient; calls: () => number } {
  const client = new SecretsManagerClient(localAwsClientConfig());
  let calls = 0;
  client.middlewareStack.add(
    (next) => async (args) => {
      calls++;
      return next(args);
    },
    { step: 'initialize', name: 'countCalls' },
  );
  return { client, calls: () => calls };
}

describe('SecretReader', () => {
  it('reads the provisioned Plaid credentials through the ARN in PLAID_SECRET_ARN', async () => {
    const reader = plaidSecretReader();

    expect(reader.secretId).toBe(env.PLAID_SECRET_ARN);
    expect(await reader.read()).toEqual({ client_id: 'local-client', secret: 'local-secret' });
  });

  it('validates every provisioned secret against its catalog fields', async () => {
    const pluggy = await pluggySecretReader().read();
    const userHash = await userHashSecretReader().read();

    expect(Object.keys(pluggy).sort()).toEqual([...secrets.pluggy.fields].sort());
    // The webhook half lives in its own secret, without the API client secret.
    const pluggyWebhook = await pluggyWebhookSecretReader().read();
    expect(pluggyWebhook).toMatchObject({ client_id: localProviderCredentials.pluggy.client_id, webhook_secret: 'local-pluggy-webhook-secret' });
    expect(pluggyWebhook).not.toHaveProperty('client_secret');
    expect(userHash.key.length).toBeGreaterThan(20);
  });

  it('reports a missing field by name, without the values it did find', async () => {
    const arn = await createSecret(JSON.stringify({ client_id: 'client-value-4711' }));
    const reader = new SecretReader(secrets.plaid, { env: { PLAID_SECRET_ARN: arn } });

    const error = await rejectionOf(reader.read());

    expect(error).toBeInstanceOf(ConfigError);
    expect(error.message).toContain('plaid');
    expect(error.message).toMatch(/field\(s\): secret\b/);
    expect(error.message).not.toContain('client-value-4711');
    expect((error as ConfigError).details).toEqual({ secret: 'plaid', fields: ['secret'] });
  });

  it('refuses an empty field and a field of the wrong type', async () => {
    const arn = await createSecret(JSON.stringify({ client_id: '', secret: 42 }));

    const error = await rejectionOf(new SecretReader(secrets.plaid, { env: { PLAID_SECRET_ARN: arn } }).read());

    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).details).toEqual({ secret: 'plaid', fields: ['client_id', 'secret'] });
  });

  it('reports a value that is not JSON without quoting it', async () => {
    const arn = await createSecret('client_id=hunter2-not-json');

    const error = await rejectionOf(new SecretReader(secrets.plaid, { env: { PLAID_SECRET_ARN: arn } }).read());

    expect(error).toBeInstanceOf(ConfigError);
    expect(error.message).toContain('not valid JSON');
    expect(error.message).not.toContain('hunter2');
  });

  it('fails at construction when the ARN variable is missing', () => {
    expect(() => new SecretReader(secrets.pluggy, { env: {} })).toThrow(/PLUGGY_SECRET_ARN is not set/);
  });

  it('passes on a secret that does not exist as the service error, caching nothing', async () => {
    const { client, calls } = countingClient();
    const reader = new SecretReader(secrets.plaid, { env: { PLAID_SECRET_ARN: `missing-${randomUUID()}` }, client });

    await expect(reader.read()).rejects.toMatchObject({ name: 'ResourceNotFoundException' });
    await expect(reader.read()).rejects.toMatchObject({ name: 'ResourceNotFoundException' });
    expect(calls()).toBe(2);
    client.destroy();
  });

  it('serves the cached value until the TTL passes, then reads the rotated value', async () => {
    const arn = await createSecret(JSON.stringify({ client_id: 'first', secret: 'one' }));
    const { client, calls } = countingClient();
    let now = 1_000_000;
    const reader = new SecretReader<'client_id' | 'secret'>(secrets.plaid, {
      env: { PLAID_SECRET_ARN: arn },
      client,
      ttlMs: 60_000,
      now: () => now,
    });

    const [first, concurrent] = await Promise.all([reader.read(), reader.read()]);
    await secretsManager.send(
      new PutSecretValueCommand({ SecretId: arn, SecretString: JSON.stringify({ client_id: 'second', secret: 'two' }) }),
    );
    now += 59_999;
    const withinTtl = await reader.read();
    now += 2;
    const afterTtl = await reader.read();

    expect(first.client_id).toBe('first');
    expect(concurrent).toBe(first);
    expect(withinTtl.client_id).toBe('first');
    expect(afterTtl.client_id).toBe('second');
    expect(calls()).toBe(2);
    client.destroy();
  });

  it('reads again after invalidate()', async () => {
    const arn = await createSecret(JSON.stringify({ key: 'old-key' }));
    const reader = new SecretReader<'key'>(secrets.userHash, { env: { USER_HASH_SECRET_ARN: arn } });

    expect((await reader.read()).key).toBe('old-key');
    await secretsManager.send(new PutSecretValueCommand({ SecretId: arn, SecretString: JSON.stringify({ key: 'new-key' }) }));
    reader.invalidate();

    expect((await reader.read()).key).toBe('new-key');
  });
});

describe('Pluggy webhook route', () => {
  /** Every request the route's process-wide AWS clients send (Secrets Manager, DynamoDB, SQS), by command. */
  function awsRequests(): string[] {
    const sent: string[] = [];
    const stacks = [secretsManagerClient(), dynamoDocumentClient(), sqsClient()].map(
      // The three stacks differ only in their commands' input and output types, which this count never reads.
      (client) => client.middlewareStack as SecretsManagerClient['middlewareStack'],
    );
    for (const stack of stacks) {
      stack.add(
        (next, context) => async (args) => {
          sent.push(String(context.commandName));
          return next(args);
        },
        { step: 'initialize', name: `count-${randomUUID()}` },
      );
    }
    return sent;
  }

  async function deliver(headers: string[]): Promise<number> {
    const body = JSON.stringify({ event: 'item/updated', eventId: randomUUID(), itemId: `item-${randomUUID()}` });
    const event = buildHttpApiEvent(
      {
        method: 'POST',
        target: '/api/v1/webhooks/pluggy',
        rawHeaders: ['host', 'localhost', 'content-type', 'application/json', ...headers],
        httpVersion: '1.1',
        sourceIp: '127.0.0.1',
        localPort: 443,
        body: Buffer.from(body),
        receivedAt: new Date(),
      },
      { routeKey: 'POST /api/v1/webhooks/pluggy' },
      'secrets-test',
    );
    const result = (await pluggyWebhookHandler(event as never)) as { statusCode: number };
    return result.statusCode;
  }

  it('refuses a delivery without the secret header (401) before any AWS request, and reads the secret for one with it', async () => {
    const sent = awsRequests();

    expect(await deliver([])).toBe(401);
    expect(sent).toEqual([]);

    // A delivery that carries the header can be valid: its value is checked against the stored secret.
    expect(await deliver(['x-webhook-secret', 'not-the-secret'])).toBe(401);
    expect(sent).toEqual(['GetSecretValueCommand']);

    expect(await deliver([])).toBe(401);
    expect(sent).toEqual(['GetSecretValueCommand']);
  });
});
