/**
 * Reading connections: by key, a user's, and the connection of a provider item. The store
 * (`connection-store.ts`) extends this class with the writes; a function that only reads constructs this one,
 * so its bundle carries no write path. Key design: `entities/connection.ts`, `entities/item-pointer.ts`.
 */
import { GetCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { Connection, Provider } from '../../banking/model';
import type { ConnectionReader, ConnectionRef } from '../../banking/ports';
import { CONNECTION_SORT_KEY_PREFIX, connectionFromItem, connectionKey } from './entities/connection';
import { itemPointerFromItem, providerItemPartitionKey } from './entities/item-pointer';
import { userPartitionKey } from './entities/keys';
import { queryAll } from './query';
import { indexes, tableRef, type StoreOptions, type TableRef } from './table';

export class DynamoConnectionReader implements ConnectionReader {
  protected readonly table: TableRef;

  constructor(options: StoreOptions) {
    this.table = tableRef(options);
  }

  async get(userId: string, connectionId: string): Promise<Connection | null> {
    const output = await this.table.client.send(
      new GetCommand({ TableName: this.table.tableName, Key: connectionKey(userId, connectionId) }),
    );
    return output.Item ? connectionFromItem(output.Item) : null;
  }

  async listByUser(userId: string): Promise<Connection[]> {
    const items = await queryAll(this.table, null, {
      KeyConditionExpression: 'PK = :pk AND begins_with(SK, :prefix)',
      ExpressionAttributeValues: { ':pk': userPartitionKey(userId), ':prefix': CONNECTION_SORT_KEY_PREFIX },
    });
    return items.map(connectionFromItem);
  }

  /**
   * One Query of the item's pointer partition (`entities/item-pointer.ts`), strongly consistent so that a
   * webhook arriving right after the link is not taken for an unknown item. A connection created before
   * pointers existed has none until its next save; for it (and for an item nobody has) the old GSI1
   * partition is read too, which holds only such connections.
   */
  async findByProviderItem(provider: Provider, providerItemId: string): Promise<ConnectionRef | null> {
    const partition = providerItemPartitionKey(provider, providerItemId);
    const pointers = await this.table.client.send(
      new QueryCommand({
        TableName: this.table.tableName,
        KeyConditionExpression: 'PK = :pk',
        ExpressionAttributeValues: { ':pk': partition },
        ConsistentRead: true,
        Limit: 1,
      }),
    );
    const pointer = pointers.Items?.[0];
    if (pointer) return itemPointerFromItem(pointer);
    const legacy = await this.table.client.send(
      new QueryCommand({
        TableName: this.table.tableName,
        IndexName: indexes.GSI1.name,
        KeyConditionExpression: 'GSI1PK = :pk',
        ExpressionAttributeValues: { ':pk': partition },
        Limit: 1,
      }),
    );
    const item = legacy.Items?.[0];
    if (!item) return null;
    const { userId, connectionId } = connectionFromItem(item);
    return { userId, connectionId };
  }
}
