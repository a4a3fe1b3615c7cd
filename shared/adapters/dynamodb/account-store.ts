/**
 * Accounts. Key design and access patterns: `entities/account.ts`, docs/data-model.md.
 */
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import type { Account } from '../../banking/model';
import type { AccountStore } from '../../banking/ports';
import { batchWriteAll, deleteRequest, putRequest } from './batch';
import { ACCOUNT_SORT_KEY_PREFIX, accountFromItem, accountKey, accountToItem } from './entities/account';
import { userPartitionKey } from './entities/keys';
import { queryAll } from './query';
import { tableRef, type StoreOptions, type TableRef } from './table';

export class DynamoAccountStore implements AccountStore {
  private readonly table: TableRef;

  constructor(options: StoreOptions) {
    this.table = tableRef(options);
  }

  async get(userId: string, accountId: string): Promise<Account | null> {
    const output = await this.table.client.send(
      new GetCommand({ TableName: this.table.tableName, Key: accountKey(userId, accountId) }),
    );
    return output.Item ? accountFromItem(output.Item) : null;
  }

  async listByUser(userId: string): Promise<Account[]> {
    const items = await queryAll(this.table, null, {
      KeyConditionExpression: 'PK = :pk AND begins_with(SK, :prefix)',
      ExpressionAttributeValues: { ':pk': userPartitionKey(userId), ':prefix': ACCOUNT_SORT_KEY_PREFIX },
    });
    return items.map(accountFromItem);
  }

  /**
   * The user's accounts filtered on the connection (accounts are in no index: see `entities/account.ts`).
   * Reading the user's partition makes another user's connection id read as a connection without accounts.
   */
  async listByConnection(userId: string, connectionId: string): Promise<Account[]> {
    const items = await queryAll(this.table, null, {
      KeyConditionExpression: 'PK = :pk AND begins_with(SK, :prefix)',
      FilterExpression: 'connection_id = :connectionId',
      ExpressionAttributeValues: {
        ':pk': userPartitionKey(userId),
        ':prefix': ACCOUNT_SORT_KEY_PREFIX,
        ':connectionId': connectionId,
      },
    });
    return items.map(accountFromItem);
  }

  async putMany(accounts: readonly Account[]): Promise<void> {
    await batchWriteAll(this.table, accounts.map((account) => putRequest(accountToItem(account))));
  }

  async deleteMany(accounts: readonly Account[]): Promise<void> {
    await batchWriteAll(this.table, accounts.map((account) => deleteRequest(accountKey(account.userId, account.accountId))));
  }
}
