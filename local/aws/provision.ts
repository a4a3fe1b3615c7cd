/**
 * Creates the service's stateful resources on a local AWS endpoint (moto, or LocalStack through
 * `AWS_ENDPOINT_URL`) from the same catalog the CDK stack reads (`shared/catalog/resources.ts`): the table with
 * its GSIs and TTL, the token KMS key and alias, every queue with its dead-letter queue, the provider
 * secrets with local development values, and the app-event bus (plus, offline only, a rule that copies every
 * event to a "dev tap" queue, which the local gateway streams at `GET /dev/events`).
 *
 * Idempotent: resources that exist are reused and brought in line with the catalog (queue attributes,
 * missing secret fields); existing secret values are kept, so the user-hash key stays stable across runs.
 * The result is the environment the functions expect, the same variables the CDK stack sets in AWS.
 */
import { randomBytes } from 'node:crypto';
import {
  CreateEventBusCommand,
  EventBridgeClient,
  PutRuleCommand,
  PutTargetsCommand,
  ResourceAlreadyExistsException,
} from '@aws-sdk/client-eventbridge';
import {
  CreateTableCommand,
  DescribeTableCommand,
  DescribeTimeToLiveCommand,
  DynamoDBClient,
  ResourceInUseException,
  UpdateTableCommand,
  UpdateTimeToLiveCommand,
  waitUntilTableExists,
  type AttributeDefinition,
  type Projection,
} from '@aws-sdk/client-dynamodb';
import { CreateAliasCommand, CreateKeyCommand, DescribeKeyCommand, KMSClient, NotFoundException } from '@aws-sdk/client-kms';
import {
  CreateSecretCommand,
  DescribeSecretCommand,
  GetSecretValueCommand,
  PutSecretValueCommand,
  ResourceExistsException,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import {
  CreateQueueCommand,
  GetQueueAttributesCommand,
  GetQueueUrlCommand,
  QueueNameExists,
  SetQueueAttributesCommand,
  SQSClient,
  type QueueAttributeName,
} from '@aws-sdk/client-sqs';
import {
  bankingTable,
  deadLetterQueueName,
  eventBus,
  eventBusName,
  deadLetterRetentionDays,
  defaultResourcePrefix,
  projectionOf,
  queueName,
  queues,
  secretName,
  secrets,
  tableName,
  tokenKey,
  tokenKeyAlias,
  type IndexProjection,
  type QueueDefinition,
  type QueueId,
  type SecretDefinition,
  type SecretId,
} from '../../shared/catalog/resources';

/** The environment functions read, as the offline stack sets it. Catalog-named variables come in addition. */
export interface LocalAwsEnvironment {
  readonly AWS_ENDPOINT_URL: string;
  readonly AWS_REGION: string;
  readonly AWS_ACCESS_KEY_ID: string;
  readonly AWS_SECRET_ACCESS_KEY: string;
  readonly RESOURCE_PREFIX: string;
  readonly TABLE_NAME: string;
  /** ARN of the token key (what KMS reports as `KeyId` on Encrypt, so stored rows name the real key). */
  readonly TOKEN_KEY_ID: string;
  readonly TOKEN_KEY_ALIAS: string;
  /** Queue URLs (catalog `urlEnvVar`), dead-letter queue URLs ({@link deadLetterUrlEnvVar}), secret ARNs (catalog `arnEnvVar`). */
  readonly [variable: string]: string;
}

/** `SYNC_QUEUE_URL` → `SYNC_DLQ_URL`: where tools (the local poller, tests, runbooks) find a dead-letter queue. */
export function deadLetterUrlEnvVar(definition: QueueDefinition): string {
  return definition.urlEnvVar.replace(/(?:_QUEUE)?_URL$/, '_DLQ_URL');
}

/** Credentials the local Plaid and Pluggy sandboxes accept; the provisioned secrets hold these. */
/** Pluggy client ids are UUIDs; the webhook secret names the same client, whose id the payloads carry. */
const localPluggyClientId = '6c1a3b0e-5d2f-4e7a-9b8c-0f1e2d3c4b5a';

export const localProviderCredentials = {
  plaid: { client_id: 'local-client', secret: 'local-secret' },
  pluggy: {
    client_id: localPluggyClientId,
    client_secret: 'local-pluggy-secret',
  },
  pluggyWebhook: {
    client_id: localPluggyClientId,
    webhook_secret: 'local-pluggy-webhook-secret',
  },
} as const;

function localSecretValue(definition: SecretDefinition): Record<string, string> {
  switch (definition.id) {
    case 'plaid':
      return { ...localProviderCredentials.plaid };
    case 'pluggy':
      return { ...localProviderCredentials.pluggy };
    case 'pluggyWebhook':
      return { ...localProviderCredentials.pluggyWebhook };
    case 'userHash':
      // A fresh random key per environment, like the generated secret in AWS; kept on re-provisioning.
      return { key: randomBytes(32).toString('base64url') };
    case 'appWebhook':
      // Standard Webhooks form; `npm run dev` stores APP_WEBHOOK_SECRET here instead when it is set.
      return { signing_secret: `whsec_${randomBytes(32).toString('base64')}` };
  }
}

export interface ProvisionOptions {
  readonly endpoint: string;
  readonly region?: string;
  /** Resource name prefix; tests pass a unique one per run so runs never share state. */
  readonly prefix?: string;
  /**
   * Replaces the catalog's visibility timeouts: a test cannot wait 16 minutes for a failed sync job to come
   * back. A number applies to every queue.
   */
  readonly visibilityTimeoutSeconds?: number | Partial<Record<QueueId, number>>;
  /** Secret values to store instead of the local defaults (e.g. real Plaid sandbox credentials). */
  readonly secretValues?: Partial<Record<SecretId, Record<string, string>>>;
  readonly credentials?: { readonly accessKeyId: string; readonly secretAccessKey: string };
  readonly log?: (line: string) => void;
}

interface Clients {
  readonly dynamodb: DynamoDBClient;
  readonly kms: KMSClient;
  readonly sqs: SQSClient;
  readonly secretsManager: SecretsManagerClient;
  readonly eventBridge: EventBridgeClient;
}

const prefixPattern = /^[A-Za-z0-9][A-Za-z0-9-]{0,39}$/;

/**
 * Provisions every catalog resource under `prefix` and returns the functions' environment.
 *
 * @example
 * const env = await provisionLocalAws({ endpoint: 'http://127.0.0.1:4566', prefix: 'open-banking' });
 * Object.assign(process.env, env);
 */
export async function provisionLocalAws(options: ProvisionOptions): Promise<LocalAwsEnvironment> {
  const prefix = options.prefix ?? defaultResourcePrefix;
  if (!prefixPattern.test(prefix)) {
    throw new Error(`Resource prefix "${prefix}" must be 1-40 letters, digits or dashes, starting with a letter or digit`);
  }
  const region = options.region ?? 'us-east-1';
  const credentials = options.credentials ?? { accessKeyId: 'test', secretAccessKey: 'test' };
  const config = { region, endpoint: options.endpoint, credentials };
  const clients: Clients = {
    dynamodb: new DynamoDBClient(config),
    kms: new KMSClient(config),
    sqs: new SQSClient(config),
    secretsManager: new SecretsManagerClient(config),
    eventBridge: new EventBridgeClient(config),
  };
  const log = options.log ?? (() => {});

  try {
    const [table, tokenKeyArn, queueUrls, secretArns, bus] = await Promise.all([
      provisionTable(clients.dynamodb, prefix),
      provisionTokenKey(clients.kms, prefix),
      Promise.all(
        Object.values(queues).map((definition) =>
          provisionQueue(clients.sqs, definition, prefix, visibilityFor(definition.id, options.visibilityTimeoutSeconds)),
        ),
      ),
      Promise.all(
        Object.values(secrets).map((definition) =>
          provisionSecret(clients.secretsManager, definition, prefix, options.secretValues?.[definition.id]),
        ),
      ),
      provisionEventBus(clients.eventBridge, clients.sqs, prefix),
    ]);
    log(`provisioned table ${table}, key ${tokenKeyAlias(prefix)}, ${queueUrls.length} queues, ${secretArns.length} secrets`);

    const environment: Record<string, string> = {
      AWS_ENDPOINT_URL: options.endpoint,
      AWS_REGION: region,
      AWS_ACCESS_KEY_ID: credentials.accessKeyId,
      AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey,
      RESOURCE_PREFIX: prefix,
      TABLE_NAME: table,
      TOKEN_KEY_ID: tokenKeyArn,
      TOKEN_KEY_ALIAS: tokenKeyAlias(prefix),
    };
    for (const queue of queueUrls) {
      environment[queue.definition.urlEnvVar] = queue.url;
      environment[deadLetterUrlEnvVar(queue.definition)] = queue.deadLetterUrl;
    }
    for (const secret of secretArns) environment[secret.definition.arnEnvVar] = secret.arn;
    environment[eventBus.nameEnvVar] = bus.name;
    environment[DEV_EVENTS_QUEUE_ENV] = bus.devTapQueueUrl;
    return environment as LocalAwsEnvironment;
  } finally {
    for (const client of Object.values(clients)) client.destroy();
  }
}

/**
 * Creates a table with the catalog's key schema and indexes (no-op when it exists) and waits until it is
 * usable. TTL is switched on separately by the provisioner.
 */
export async function createBankingTable(dynamodb: DynamoDBClient, name: string): Promise<void> {
  const keyAttributes = new Set([
    bankingTable.partitionKey,
    bankingTable.sortKey,
    ...bankingTable.globalIndexes.flatMap((index) => [index.partitionKey, index.sortKey]),
  ]);
  const attributeDefinitions: AttributeDefinition[] = [...keyAttributes].map((attribute) => ({
    AttributeName: attribute,
    AttributeType: 'S',
  }));
  try {
    await dynamodb.send(
      new CreateTableCommand({
        TableName: name,
        BillingMode: 'PAY_PER_REQUEST',
        AttributeDefinitions: attributeDefinitions,
        KeySchema: [
          { AttributeName: bankingTable.partitionKey, KeyType: 'HASH' },
          { AttributeName: bankingTable.sortKey, KeyType: 'RANGE' },
        ],
        GlobalSecondaryIndexes: bankingTable.globalIndexes.map((index) => ({
          IndexName: index.name,
          KeySchema: [
            { AttributeName: index.partitionKey, KeyType: 'HASH' },
            { AttributeName: index.sortKey, KeyType: 'RANGE' },
          ],
          Projection: dynamoProjection(projectionOf(index)),
        })),
      }),
    );
  } catch (error) {
    if (!(error instanceof ResourceInUseException)) throw error;
  }
  // moto creates tables ACTIVE at once; LocalStack (and AWS) may report CREATING for a moment.
  await waitUntilTableExists({ client: dynamodb, maxWaitTime: 60, minDelay: 1 }, { TableName: name });
  await addMissingIndexes(dynamodb, name, attributeDefinitions);
}

/** A table created by an earlier version gets the indexes added since (one per UpdateTable, as DynamoDB allows). */
async function addMissingIndexes(dynamodb: DynamoDBClient, name: string, attributeDefinitions: AttributeDefinition[]): Promise<void> {
  const described = await dynamodb.send(new DescribeTableCommand({ TableName: name }));
  const present = new Set((described.Table?.GlobalSecondaryIndexes ?? []).map((index) => index.IndexName));
  for (const index of bankingTable.globalIndexes.filter((candidate) => !present.has(candidate.name))) {
    await dynamodb.send(
      new UpdateTableCommand({
        TableName: name,
        AttributeDefinitions: attributeDefinitions,
        GlobalSecondaryIndexUpdates: [
          {
            Create: {
              IndexName: index.name,
              KeySchema: [
                { AttributeName: index.partitionKey, KeyType: 'HASH' },
                { AttributeName: index.sortKey, KeyType: 'RANGE' },
              ],
              Projection: dynamoProjection(projectionOf(index)),
            },
          },
        ],
      }),
    );
  }
}

function visibilityFor(id: QueueId, override: ProvisionOptions['visibilityTimeoutSeconds']): number | undefined {
  return typeof override === 'number' ? override : override?.[id];
}

async function provisionTable(dynamodb: DynamoDBClient, prefix: string): Promise<string> {
  const name = tableName(prefix);
  await createBankingTable(dynamodb, name);

  const ttl = await dynamodb.send(new DescribeTimeToLiveCommand({ TableName: name }));
  const current = ttl.TimeToLiveDescription;
  if (current?.TimeToLiveStatus !== 'ENABLED' || current.AttributeName !== bankingTable.timeToLiveAttribute) {
    // DynamoDB rejects enabling TTL when it is already enabled (ValidationException), hence the check first.
    await dynamodb.send(
      new UpdateTimeToLiveCommand({
        TableName: name,
        TimeToLiveSpecification: { AttributeName: bankingTable.timeToLiveAttribute, Enabled: true },
      }),
    );
  }
  return name;
}

async function provisionTokenKey(kms: KMSClient, prefix: string): Promise<string> {
  const alias = tokenKeyAlias(prefix);
  const existing = await describeKeyArn(kms, alias);
  if (existing) return existing;
  const created = await kms.send(
    new CreateKeyCommand({ Description: tokenKey.description, KeySpec: 'SYMMETRIC_DEFAULT', KeyUsage: 'ENCRYPT_DECRYPT' }),
  );
  const arn = created.KeyMetadata?.Arn;
  if (!arn) throw new Error('KMS CreateKey returned no key ARN');
  try {
    await kms.send(new CreateAliasCommand({ AliasName: alias, TargetKeyId: arn }));
    return arn;
  } catch (error) {
    // Another provisioner won the race for the alias; use its key (ours stays unused on the emulator).
    const winner = await describeKeyArn(kms, alias);
    if (winner) return winner;
    throw error;
  }
}

async function describeKeyArn(kms: KMSClient, keyId: string): Promise<string | null> {
  try {
    const described = await kms.send(new DescribeKeyCommand({ KeyId: keyId }));
    return described.KeyMetadata?.Arn ?? null;
  } catch (error) {
    if (error instanceof NotFoundException) return null;
    throw error;
  }
}

export interface ProvisionedQueue {
  readonly definition: QueueDefinition;
  readonly url: string;
  readonly arn: string;
  readonly deadLetterUrl: string;
  readonly deadLetterArn: string;
}

/**
 * Creates (or updates) one catalog queue and its dead-letter queue. Exported so a test can give itself
 * private queues when counting messages on a shared one would race with other test files.
 */
export async function provisionQueue(
  sqs: SQSClient,
  definition: QueueDefinition,
  prefix: string,
  visibilityTimeoutSeconds?: number,
): Promise<ProvisionedQueue> {
  const fifo: Partial<Record<QueueAttributeName, string>> = definition.fifo
    ? // Deduplication ids come from the producers (sync run id, scheduler cycle), never from the body hash.
      { FifoQueue: 'true', ContentBasedDeduplication: 'false' }
    : {};
  const deadLetter = await ensureQueue(sqs, deadLetterQueueName(definition, prefix), {
    ...fifo,
    MessageRetentionPeriod: String(deadLetterRetentionDays * 86_400),
  });
  const main = await ensureQueue(sqs, queueName(definition, prefix), {
    ...fifo,
    VisibilityTimeout: String(visibilityTimeoutSeconds ?? definition.visibilityTimeoutSeconds),
    MessageRetentionPeriod: String(definition.retentionDays * 86_400),
    RedrivePolicy: JSON.stringify({ deadLetterTargetArn: deadLetter.arn, maxReceiveCount: definition.maxReceiveCount }),
  });
  return { definition, url: main.url, arn: main.arn, deadLetterUrl: deadLetter.url, deadLetterArn: deadLetter.arn };
}

async function ensureQueue(
  sqs: SQSClient,
  name: string,
  attributes: Partial<Record<QueueAttributeName, string>>,
): Promise<{ url: string; arn: string }> {
  let url: string | undefined;
  try {
    url = (await sqs.send(new CreateQueueCommand({ QueueName: name, Attributes: attributes }))).QueueUrl;
  } catch (error) {
    // CreateQueue is idempotent only for identical attributes; otherwise it answers QueueNameExists
    // (https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_CreateQueue.html), e.g.
    // when a test run overrides the visibility timeout. Converge the existing queue instead.
    if (!(error instanceof QueueNameExists)) throw error;
    url = (await sqs.send(new GetQueueUrlCommand({ QueueName: name }))).QueueUrl;
    const { FifoQueue: _immutable, ...mutable } = attributes;
    if (url) await sqs.send(new SetQueueAttributesCommand({ QueueUrl: url, Attributes: mutable }));
  }
  if (!url) throw new Error(`SQS returned no URL for queue ${name}`);
  const described = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['QueueArn'] }));
  const arn = described.Attributes?.QueueArn;
  if (!arn) throw new Error(`SQS returned no ARN for queue ${name}`);
  return { url, arn };
}

/** Where the offline stack finds the queue the dev tap rule copies every app event to. */
export const DEV_EVENTS_QUEUE_ENV = 'DEV_EVENTS_QUEUE_URL';

/**
 * The app-event bus, and a rule sending every event of our source to the `<prefix>-dev-events` queue. The
 * rule is what an app's own subscriber would be in AWS; offline it lets `GET /dev/events` show what was
 * published on the real bus API rather than on a side channel.
 */
async function provisionEventBus(
  eventBridge: EventBridgeClient,
  sqs: SQSClient,
  prefix: string,
): Promise<{ name: string; devTapQueueUrl: string }> {
  const name = eventBusName(prefix);
  try {
    await eventBridge.send(new CreateEventBusCommand({ Name: name }));
  } catch (error) {
    if (!(error instanceof ResourceAlreadyExistsException)) throw error;
  }
  const tap = await ensureQueue(sqs, `${prefix}-dev-events`, { MessageRetentionPeriod: String(3600) });
  const rule = `${prefix}-dev-tap`;
  await eventBridge.send(
    new PutRuleCommand({ Name: rule, EventBusName: name, EventPattern: JSON.stringify({ source: [eventBus.source] }), State: 'ENABLED' }),
  );
  await eventBridge.send(new PutTargetsCommand({ Rule: rule, EventBusName: name, Targets: [{ Id: 'dev-tap', Arn: tap.arn }] }));
  return { name, devTapQueueUrl: tap.url };
}

async function provisionSecret(
  secretsManager: SecretsManagerClient,
  definition: SecretDefinition,
  prefix: string,
  override: Record<string, string> | undefined,
): Promise<{ definition: SecretDefinition; arn: string }> {
  const name = secretName(definition, prefix);
  const wanted = override ?? localSecretValue(definition);
  const missing = definition.fields.filter((field) => !wanted[field]);
  if (missing.length > 0) {
    throw new Error(`No local value for field(s) ${missing.join(', ')} of secret ${definition.id}`);
  }
  try {
    const created = await secretsManager.send(
      new CreateSecretCommand({ Name: name, Description: definition.description, SecretString: JSON.stringify(wanted) }),
    );
    if (!created.ARN) throw new Error(`Secrets Manager returned no ARN for ${name}`);
    return { definition, arn: created.ARN };
  } catch (error) {
    if (!(error instanceof ResourceExistsException)) throw error;
  }

  const described = await secretsManager.send(new DescribeSecretCommand({ SecretId: name }));
  if (!described.ARN) throw new Error(`Secrets Manager returned no ARN for ${name}`);
  const current = await secretsManager.send(new GetSecretValueCommand({ SecretId: described.ARN }));
  const stored = parseSecretObject(current.SecretString);
  const absent = definition.fields.filter((field) => typeof stored[field] !== 'string' || stored[field] === '');
  if (override || absent.length > 0) {
    // Keep what is there (a stable user-hash key); fill in what the catalog now requires, or apply the override.
    const filled = Object.fromEntries(absent.map((field) => [field, wanted[field]]));
    const merged = { ...stored, ...filled, ...override };
    await secretsManager.send(new PutSecretValueCommand({ SecretId: described.ARN, SecretString: JSON.stringify(merged) }));
  }
  return { definition, arn: described.ARN };
}

function parseSecretObject(value: string | undefined): Record<string, unknown> {
  try {
    const parsed: unknown = JSON.parse(value ?? '');
    return parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

/** The catalog's projection in DynamoDB API terms. */
function dynamoProjection(projection: IndexProjection): Projection {
  if (projection.type === 'INCLUDE') return { ProjectionType: 'INCLUDE', NonKeyAttributes: [...projection.attributes] };
  return { ProjectionType: projection.type };
}
