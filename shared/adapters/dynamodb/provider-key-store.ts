/**
 * Cached provider API keys (Pluggy). Key design: `entities/provider-key.ts`, docs/data-model.md.
 */
import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import type { Provider } from '../../banking/model';
import type { CachedProviderKey, ProviderKeyStore } from '../../banking/ports';
import { providerKeyFromItem, providerKeyKey, providerKeyToItem } from './entities/provider-key';
import { tableRef, type StoreOptions, type TableRef } from './table';

export class DynamoProviderKeyStore implements ProviderKeyStore {
  private readonly table: TableRef;

  constructor(options: StoreOptions) {
    this.table = tableRef(options);
  }

  async get(provider: Provider, clientDigest: string): Promise<CachedProviderKey | null> {
    const output = await this.table.client.send(
      new GetCommand({ TableName: this.table.tableName, Key: providerKeyKey(provider, clientDigest) }),
    );
    return output.Item ? providerKeyFromItem(output.Item) : null;
  }

  /** Last writer wins: two containers minting at once both hold valid keys, and either may be shared. */
  async put(key: CachedProviderKey): Promise<void> {
    await this.table.client.send(new PutCommand({ TableName: this.table.tableName, Item: providerKeyToItem(key) }));
  }
}
