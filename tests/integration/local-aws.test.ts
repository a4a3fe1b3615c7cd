/**
 * The offline provisioner creates what the resource catalog lists, converges on re-runs, and the emulator
 * behaves the way the workers rely on (redrive to the dead-letter queue after maxReceiveCount).
 */
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:net';
import {
  BatchWriteItemCommand,
  CreateTableCommand,
  DeleteTableCommand,
  DescribeTableCommand,
  DescribeTimeToLiveCommand,
  DynamoDBClient,
  QueryCommand,
  type AttributeValue,
} from '@aws-sdk/client-dynamodb';
import { DescribeKeyCommand, KMSClient } from '@aws-sdk/client-kms';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import {
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { afterAll, describe, expect, it } from 'vitest';
import {
  bankingTable,
  deadLetterQueueName,
  deadLetterRetentionDays,
  projectionOf,
  queueName,
  queues,
  secretName,
  secrets,
  tableName,
  tokenKeyAlias,
} from '../../shared/catalog/resources';
import { startLocalAws } from '../../local/aws/moto';
import { createBankingTable, deadLetterUrlEnvVar, provisionLocalAws } from '../../local/aws/provision';
import { localAwsClientConfig, localAwsEnv } from '../setup/local-aws-context';

const env = localAwsEnv();
const config = localAwsClientConfig();
const dynamodb = new DynamoDBClient(config);
const kms = new KMSClient(config);
const sqs = new SQSClient(config);
const secretsManager = new SecretsManagerClient(config);

afterAll(() => {
  for (const client of [dynamodb, kms, sqs, secretsManager]) client.destroy();
});

async function queueAttributes(url: string): Promise<Record<string, string>> {
  const result = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['All'] }));
  return result.Attributes ?? {};
}

async function secretJson(arn: string): Promise<Record<string, string>> {
  const result = await secretsManager.send(new GetSecretValueCommand({ SecretId: arn }));
  return JSON.parse(result.SecretString ?? 'null') as Record<string, string>;
}

describe('provisionLocalAws', () => {
  it('creates the on-demand table with the catalog keys, every GSI with its catalog projection, and TTL', async () => {
    expect(env.TABLE_NAME).toBe(tableName(env.RESOURCE_PREFIX));
    const { Table: table } = await dynamodb.send(new DescribeTableCommand({ TableName: env.TABLE_NAME }));

    expect(table?.BillingModeSummary?.BillingMode).toBe('PAY_PER_REQUEST');
    expect(table?.KeySchema).toEqual([
      { AttributeName: bankingTable.partitionKey, KeyType: 'HASH' },
      { AttributeName: bankingTable.sortKey, KeyType: 'RANGE' },
    ]);
    const indexes = [...(table?.GlobalSecondaryIndexes ?? [])].sort((a, b) => (a.IndexName ?? '').localeCompare(b.IndexName ?? ''));
    expect(indexes.map((index) => index.IndexName)).toEqual(bankingTable.globalIndexes.map((index) => index.name).sort());
    for (const definition of bankingTable.globalIndexes) {
      const index = indexes.find((candidate) => candidate.IndexName === definition.name);
      expect(index?.KeySchema).toEqual([
        { AttributeName: definition.partitionKey, KeyType: 'HASH' },
        { AttributeName: definition.sortKey, KeyType: 'RANGE' },
      ]);
      const projection = projectionOf(definition);
      expect(index?.Projection?.ProjectionType).toBe(projection.type);
      if (projection.type === 'INCLUDE') expect([...(index?.Projection?.NonKeyAttributes ?? [])].sort()).toEqual([...projection.attributes].sort());
    }

    const ttl = await dynamodb.send(new DescribeTimeToLiveCommand({ TableName: env.TABLE_NAME }));
    expect(ttl.TimeToLiveDescription).toMatchObject({
      TimeToLiveStatus: 'ENABLED',
      AttributeName: bankingTable.timeToLiveAttribute,
    });
  });

  it('adds the indexes a table from an earlier version lacks', async () => {
    const name = `older-table-${randomUUID()}`;
    const [kept] = bankingTable.globalIndexes;
    await dynamodb.send(
      new CreateTableCommand({
        TableName: name,
        BillingMode: 'PAY_PER_REQUEST',
        AttributeDefinitions: ['PK', 'SK', kept!.partitionKey, kept!.sortKey].map((attribute) => ({ AttributeName: attribute, AttributeType: 'S' })),
        KeySchema: [
          { AttributeName: 'PK', KeyType: 'HASH' },
          { AttributeName: 'SK', KeyType: 'RANGE' },
        ],
        GlobalSecondaryIndexes: [
          {
            IndexName: kept!.name,
            KeySchema: [
              { AttributeName: kept!.partitionKey, KeyType: 'HASH' },
              { AttributeName: kept!.sortKey, KeyType: 'RANGE' },
            ],
            Projection: { ProjectionType: 'ALL' },
          },
        ],
      }),
    );
    try {
      await createBankingTable(dynamodb, name);
      const { Table: table } = await dynamodb.send(new DescribeTableCommand({ TableName: name }));
      expect((table?.GlobalSecondaryIndexes ?? []).map((index) => index.IndexName).sort()).toEqual(bankingTable.globalIndexes.map((index) => index.name).sort());
    } finally {
      await dynamodb.send(new DeleteTableCommand({ TableName: name }));
    }
  });

  it('creates the token key behind its alias and exports the key ARN', async () => {
    const described = await kms.send(new DescribeKeyCommand({ KeyId: tokenKeyAlias(env.RESOURCE_PREFIX) }));

    expect(env.TOKEN_KEY_ID).toMatch(/^arn:aws:kms:/);
    expect(described.KeyMetadata?.Arn).toBe(env.TOKEN_KEY_ID);
    expect(described.KeyMetadata?.KeyUsage).toBe('ENCRYPT_DECRYPT');
    expect(described.KeyMetadata?.Enabled).toBe(true);
  });

  it.each(Object.values(queues))('creates the $id queue with its dead-letter queue and redrive policy', async (definition) => {
    const url = env[definition.urlEnvVar];
    const deadLetterUrl = env[deadLetterUrlEnvVar(definition)];
    expect(url).toBeDefined();
    expect(deadLetterUrl).toBeDefined();
    expect(url?.endsWith(`/${queueName(definition, env.RESOURCE_PREFIX)}`)).toBe(true);
    expect(deadLetterUrl?.endsWith(`/${deadLetterQueueName(definition, env.RESOURCE_PREFIX)}`)).toBe(true);

    const main = await queueAttributes(url!);
    const deadLetter = await queueAttributes(deadLetterUrl!);
    const redrive = JSON.parse(main.RedrivePolicy ?? '{}') as { deadLetterTargetArn?: string; maxReceiveCount?: number | string };

    expect(redrive.deadLetterTargetArn).toBe(deadLetter.QueueArn);
    expect(Number(redrive.maxReceiveCount)).toBe(definition.maxReceiveCount);
    expect(main.VisibilityTimeout).toBe('2');
    expect(main.MessageRetentionPeriod).toBe(String(definition.retentionDays * 86_400));
    expect(deadLetter.MessageRetentionPeriod).toBe(String(deadLetterRetentionDays * 86_400));
    expect(main.FifoQueue === 'true').toBe(definition.fifo);
    expect(deadLetter.FifoQueue === 'true').toBe(definition.fifo);
    if (definition.fifo) expect(main.ContentBasedDeduplication).toBe('false');
  });

  it.each(Object.values(secrets))('creates the $id secret with every catalog field filled', async (definition) => {
    const arn = env[definition.arnEnvVar];
    expect(arn).toMatch(/^arn:aws:secretsmanager:/);
    expect(arn).toContain(`:secret:${secretName(definition, env.RESOURCE_PREFIX)}`);

    const value = await secretJson(arn!);
    for (const field of definition.fields) {
      expect(typeof value[field]).toBe('string');
      expect(value[field]).not.toBe('');
    }
  });

  it('stores the local Plaid sandbox credentials and a random user-hash key', async () => {
    expect(await secretJson(env.PLAID_SECRET_ARN!)).toEqual({ client_id: 'local-client', secret: 'local-secret' });
    const { key } = await secretJson(env.USER_HASH_SECRET_ARN!);
    expect(Buffer.from(key ?? '', 'base64url')).toHaveLength(32);
  });

  it('is idempotent: a second run returns the same environment and keeps the user-hash key', async () => {
    const prefix = `idem-${randomUUID().slice(0, 8)}`;
    const first = await provisionLocalAws({ endpoint: env.AWS_ENDPOINT_URL, prefix });
    const second = await provisionLocalAws({ endpoint: env.AWS_ENDPOINT_URL, prefix, visibilityTimeoutSeconds: 7 });

    expect(second).toEqual(first);
    expect(await secretJson(second.USER_HASH_SECRET_ARN!)).toEqual(await secretJson(first.USER_HASH_SECRET_ARN!));
    // The second run converged the existing queue on its new visibility timeout instead of failing.
    expect((await queueAttributes(second.SYNC_QUEUE_URL!)).VisibilityTimeout).toBe('7');
    expect((await queueAttributes(first.WEBHOOK_EVENT_QUEUE_URL!)).VisibilityTimeout).toBe('7');
  });
});

describe('the emulator honours the redrive policy', () => {
  it('moves a FIFO message to the dead-letter queue once it was received maxReceiveCount times', async () => {
    const privateEnv = await provisionLocalAws({ endpoint: env.AWS_ENDPOINT_URL, prefix: `redrive-${randomUUID().slice(0, 8)}` });
    const queueUrl = privateEnv.SYNC_QUEUE_URL!;
    const deadLetterUrl = privateEnv.SYNC_DLQ_URL!;
    await sqs.send(
      new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: 'poison', MessageGroupId: 'g', MessageDeduplicationId: 'd' }),
    );

    const receiveCounts: string[] = [];
    for (let delivery = 0; delivery < queues.sync.maxReceiveCount + 1; delivery++) {
      // VisibilityTimeout 0 makes the message visible again at once: a consumer that fails instantly.
      const received = await sqs.send(
        new ReceiveMessageCommand({
          QueueUrl: queueUrl,
          VisibilityTimeout: 0,
          MessageSystemAttributeNames: ['ApproximateReceiveCount'],
        }),
      );
      for (const message of received.Messages ?? []) receiveCounts.push(message.Attributes?.ApproximateReceiveCount ?? '?');
    }

    expect(receiveCounts).toEqual(['1', '2', '3', '4', '5']);
    const deadLettered = await sqs.send(new ReceiveMessageCommand({ QueueUrl: deadLetterUrl, MaxNumberOfMessages: 10 }));
    expect(deadLettered.Messages?.map((message) => message.Body)).toEqual(['poison']);
  });
});

describe('the emulator answers a Query of a partition as DynamoDB does', () => {
  // The launcher hands moto's Query only the partition's items in the key range (local/aws/moto_server.py);
  // what the Query answers must not change with it.
  it('reads the key range only, in either order, page by page, counting what the key condition matched', async () => {
    const name = `query-${randomUUID()}`;
    await dynamodb.send(
      new CreateTableCommand({
        TableName: name,
        BillingMode: 'PAY_PER_REQUEST',
        AttributeDefinitions: [
          { AttributeName: 'PK', AttributeType: 'S' },
          { AttributeName: 'SK', AttributeType: 'S' },
        ],
        KeySchema: [
          { AttributeName: 'PK', KeyType: 'HASH' },
          { AttributeName: 'SK', KeyType: 'RANGE' },
        ],
      }),
    );
    try {
      const rows = [
        ...['ACCT#2', 'ACCT#1', 'ACCT#3'].map((sk) => ({ PK: 'USER#a', SK: sk, kind: 'account' })),
        ...Array.from({ length: 40 }, (_, index) => ({ PK: 'USER#a', SK: `TXN#${String(index).padStart(3, '0')}`, kind: index % 2 ? 'odd' : 'even' })),
        ...['ACCT#1', 'TXN#015'].map((sk) => ({ PK: 'USER#b', SK: sk, kind: 'other user' })),
      ];
      for (let start = 0; start < rows.length; start += 25) {
        const items = rows.slice(start, start + 25).map((row) => ({ PutRequest: { Item: { PK: { S: row.PK }, SK: { S: row.SK }, kind: { S: row.kind } } } }));
        await dynamodb.send(new BatchWriteItemCommand({ RequestItems: { [name]: items } }));
      }
      const keys = (items: Record<string, AttributeValue>[] | undefined) => (items ?? []).map((item) => `${item.PK?.S} ${item.SK?.S}`);

      const accounts = await dynamodb.send(
        new QueryCommand({
          TableName: name,
          KeyConditionExpression: 'PK = :pk AND begins_with(SK, :prefix)',
          ExpressionAttributeValues: { ':pk': { S: 'USER#a' }, ':prefix': { S: 'ACCT#' } },
        }),
      );
      expect(keys(accounts.Items)).toEqual(['USER#a ACCT#1', 'USER#a ACCT#2', 'USER#a ACCT#3']);
      expect([accounts.Count, accounts.ScannedCount, accounts.LastEvaluatedKey]).toEqual([3, 3, undefined]);

      const pages: string[][] = [];
      const scanned: number[] = [];
      let startKey: Record<string, AttributeValue> | undefined;
      do {
        const page = await dynamodb.send(
          new QueryCommand({
            TableName: name,
            KeyConditionExpression: 'PK = :pk AND SK BETWEEN :low AND :high',
            FilterExpression: 'kind = :kind',
            ExpressionAttributeValues: { ':pk': { S: 'USER#a' }, ':low': { S: 'TXN#010' }, ':high': { S: 'TXN#019' }, ':kind': { S: 'even' } },
            ScanIndexForward: false,
            Limit: 4,
            ...(startKey ? { ExclusiveStartKey: startKey } : {}),
          }),
        );
        pages.push(keys(page.Items));
        scanned.push(page.ScannedCount ?? -1);
        startKey = page.LastEvaluatedKey;
      } while (startKey);
      // Limit counts the rows the key condition read (before the filter), as DynamoDB's does.
      expect(pages).toEqual([
        ['USER#a TXN#018', 'USER#a TXN#016'],
        ['USER#a TXN#014', 'USER#a TXN#012'],
        ['USER#a TXN#010'],
      ]);
      expect(scanned).toEqual([4, 4, 2]);
    } finally {
      await dynamodb.send(new DeleteTableCommand({ TableName: name }));
    }
  });
  it('reads an index the same way: its key range, in either order, page by page', async () => {
    const name = `query-index-${randomUUID()}`;
    await dynamodb.send(
      new CreateTableCommand({
        TableName: name,
        BillingMode: 'PAY_PER_REQUEST',
        AttributeDefinitions: ['PK', 'SK', 'GSI1PK', 'GSI1SK'].map((attribute) => ({ AttributeName: attribute, AttributeType: 'S' as const })),
        KeySchema: [
          { AttributeName: 'PK', KeyType: 'HASH' },
          { AttributeName: 'SK', KeyType: 'RANGE' },
        ],
        GlobalSecondaryIndexes: [
          {
            IndexName: 'GSI1',
            KeySchema: [
              { AttributeName: 'GSI1PK', KeyType: 'HASH' },
              { AttributeName: 'GSI1SK', KeyType: 'RANGE' },
            ],
            Projection: { ProjectionType: 'ALL' },
          },
        ],
      }),
    );
    try {
      // Rows of one index partition spread over table partitions, written out of order, and rows without
      // index keys (not in the index) and of another index partition.
      const rows = [
        ...[7, 2, 9, 4, 0, 5, 8, 1, 6, 3].map((day) => ({ PK: `USER#a#${day % 3}`, SK: `TXN#${day}`, GSI1PK: 'USER#a#TXN', GSI1SK: `2024-01-0${day}` })),
        { PK: 'USER#a#0', SK: 'ACCT#1' },
        { PK: 'USER#b', SK: 'TXN#1', GSI1PK: 'USER#b#TXN', GSI1SK: '2024-01-05' },
      ];
      await dynamodb.send(
        new BatchWriteItemCommand({
          RequestItems: {
            [name]: rows.map((row) => ({
              PutRequest: { Item: Object.fromEntries(Object.entries(row).map(([attribute, value]) => [attribute, { S: value }])) },
            })),
          },
        }),
      );
      const query = (range: { low: string; high: string }, forward: boolean, startKey?: Record<string, AttributeValue>) =>
        dynamodb.send(
          new QueryCommand({
            TableName: name,
            IndexName: 'GSI1',
            KeyConditionExpression: 'GSI1PK = :pk AND GSI1SK BETWEEN :low AND :high',
            ExpressionAttributeValues: { ':pk': { S: 'USER#a#TXN' }, ':low': { S: range.low }, ':high': { S: range.high } },
            ScanIndexForward: forward,
            Limit: 3,
            ...(startKey ? { ExclusiveStartKey: startKey } : {}),
          }),
        );
      const readAll = async (range: { low: string; high: string }, forward: boolean) => {
        const pages: string[][] = [];
        let startKey: Record<string, AttributeValue> | undefined;
        do {
          const page = await query(range, forward, startKey);
          pages.push((page.Items ?? []).map((item) => `${item.PK?.S} ${item.GSI1SK?.S}`));
          startKey = page.LastEvaluatedKey;
        } while (startKey);
        return pages;
      };

      expect(await readAll({ low: '2024-01-02', high: '2024-01-07' }, true)).toEqual([
        ['USER#a#2 2024-01-02', 'USER#a#0 2024-01-03', 'USER#a#1 2024-01-04'],
        ['USER#a#2 2024-01-05', 'USER#a#0 2024-01-06', 'USER#a#1 2024-01-07'],
        [],
      ]);
      expect(await readAll({ low: '2024-01-00', high: '2024-01-09' }, false)).toEqual([
        ['USER#a#0 2024-01-09', 'USER#a#2 2024-01-08', 'USER#a#1 2024-01-07'],
        ['USER#a#0 2024-01-06', 'USER#a#2 2024-01-05', 'USER#a#1 2024-01-04'],
        ['USER#a#0 2024-01-03', 'USER#a#2 2024-01-02', 'USER#a#1 2024-01-01'],
        ['USER#a#0 2024-01-00'],
      ]);
    } finally {
      await dynamodb.send(new DeleteTableCommand({ TableName: name }));
    }
  });
});

describe('the emulator refuses cross-origin browser access', () => {
  // A server of its own on a free port, started by the project's launcher: the shared one on 4566 may have
  // been started from another checkout, so it says nothing about what this launcher does.
  it('answers a foreign-origin preflight and request without Access-Control-Allow-Origin', async () => {
    const port = await freePort();
    const aws = await startLocalAws({
      address: { host: '127.0.0.1', port },
      env: { ...process.env, AWS_ENDPOINT_URL: '' },
      log: () => {},
    });
    try {
      expect(aws.startedHere).toBe(true);
      const origin = 'https://attacker.example';
      const preflight = await fetch(`${aws.endpoint}/`, {
        method: 'OPTIONS',
        headers: {
          Origin: origin,
          'Access-Control-Request-Method': 'POST',
          'Access-Control-Request-Headers': 'authorization,content-type,x-amz-target',
        },
      });
      await preflight.arrayBuffer();
      expect(preflight.headers.get('access-control-allow-origin')).toBeNull();
      expect(preflight.headers.get('access-control-allow-headers')).toBeNull();

      // A "simple" cross-origin request (no preflight): the browser would still need the header to let the
      // page read the answer.
      const simple = await fetch(`${aws.endpoint}/`, {
        method: 'POST',
        headers: { Origin: origin, 'Content-Type': 'text/plain' },
        body: 'Action=ListQueues&Version=2012-11-05',
      });
      await simple.arrayBuffer();
      expect(simple.headers.get('access-control-allow-origin')).toBeNull();
    } finally {
      await aws.stop();
    }
  });
});

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}
