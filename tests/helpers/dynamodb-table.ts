/**
 * A table of the banking schema (the resource catalog's, created exactly as the provisioner creates it)
 * private to one test file, so tests that count or page over whole partitions and indexes see only their
 * own rows, and a dropped table takes every row of the file with it.
 */
import { randomBytes } from 'node:crypto';
import { DeleteTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { createBankingTable } from '../../local/aws/provision';
import { localAwsClientConfig, localAwsEnv } from '../setup/local-aws-context';

export interface PrivateTable {
  readonly tableName: string;
  drop(): Promise<void>;
}

export async function createPrivateTable(label: string): Promise<PrivateTable> {
  const client = new DynamoDBClient(localAwsClientConfig());
  const tableName = `${localAwsEnv().TABLE_NAME}-${label}-${randomBytes(3).toString('hex')}`;
  await createBankingTable(client, tableName);
  return {
    tableName,
    drop: async () => {
      await client.send(new DeleteTableCommand({ TableName: tableName }));
      client.destroy();
    },
  };
}
