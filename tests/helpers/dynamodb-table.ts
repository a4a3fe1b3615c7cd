/**
 * A table of the banking schema (`bankingTable` in the resource catalog) private to one test file.
 *
 * Why not the run's shared table: moto 5.2 emulates `TransactWriteItems` by deep-copying the whole table
 * once per action, while its threaded server keeps serving other requests; a write from another test file
 * landing during that copy fails the transaction with a 500 ("dictionary changed size during iteration"),
 * and the copy grows slower as the shared table fills up. Test files that run large transactions therefore
 * get a table nobody else writes to. The schema is the catalog's, exactly as the provisioner creates it.
 */
import { randomBytes } from 'node:crypto';
import {
  CreateTableCommand,
  DeleteTableCommand,
  DynamoDBClient,
  waitUntilTableExists,
} from '@aws-sdk/client-dynamodb';
import { bankingTable } from '../../infra/catalog/resources';
import { localAwsClientConfig, localAwsEnv } from '../setup/local-aws-context';

export interface PrivateTable {
  readonly tableName: string;
  drop(): Promise<void>;
}

export async function createPrivateTable(label: string): Promise<PrivateTable> {
  const client = new DynamoDBClient(localAwsClientConfig());
  const tableName = `${localAwsEnv().TABLE_NAME}-${label}-${randomBytes(3).toString('hex')}`;
  const keyAttributes = new Set([
    bankingTable.partitionKey,
    bankingTable.sortKey,
    ...bankingTable.globalIndexes.flatMap((index) => [index.partitionKey, index.sortKey]),
  ]);
  await client.send(
    new CreateTableCommand({
      TableName: tableName,
      BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: [...keyAttributes].map((attribute) => ({ AttributeName: attribute, AttributeType: 'S' })),
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
        Projection: { ProjectionType: 'ALL' },
      })),
    }),
  );
  await waitUntilTableExists({ client, maxWaitTime: 30, minDelay: 1 }, { TableName: tableName });
  return {
    tableName,
    drop: async () => {
      await client.send(new DeleteTableCommand({ TableName: tableName }));
      client.destroy();
    },
  };
}
