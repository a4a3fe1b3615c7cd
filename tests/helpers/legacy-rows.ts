/**
 * Rows as versions before item pointers wrote them, for the tests of the upgrade path: connections and
 * accounts carried GSI1 keys (`ITEM#<provider>#<providerItemId>` / `CONN#<connectionId>#ACCT`) and no
 * connection had a pointer row.
 */
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { dynamoDocumentClient } from '../../shared/adapters/aws-clients';
import { accountToItem } from '../../shared/adapters/dynamodb/entities/account';
import { connectionToItem } from '../../shared/adapters/dynamodb/entities/connection';
import type { Account, Connection } from '../../shared/banking/model';

export async function seedLegacyConnection(tableName: string, connection: Connection, shardCount: number): Promise<void> {
  await dynamoDocumentClient().send(
    new PutCommand({
      TableName: tableName,
      Item: {
        ...connectionToItem(connection, shardCount),
        GSI1PK: `ITEM#${connection.provider}#${connection.providerItemId}`,
        GSI1SK: `CONN#${connection.connectionId}`,
      },
    }),
  );
}

export async function seedLegacyAccount(tableName: string, account: Account): Promise<void> {
  await dynamoDocumentClient().send(
    new PutCommand({
      TableName: tableName,
      Item: { ...accountToItem(account), GSI1PK: `CONN#${account.connectionId}#ACCT`, GSI1SK: `ACCT#${account.accountId}` },
    }),
  );
}
