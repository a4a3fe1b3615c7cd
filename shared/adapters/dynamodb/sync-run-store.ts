/**
 * Sync history of a connection. Key design and access patterns: `entities/sync-run.ts`, docs/data-model.md.
 */
import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import type { SyncRun } from '../../banking/model';
import type { Page, SyncRunStore } from '../../banking/ports';
import { batchWriteAll, deleteRequest } from './batch';
import { SYNC_RUN_SORT_KEY_PREFIX, syncRunFromItem, syncRunKey, syncRunPartitionKey, syncRunToItem } from './entities/sync-run';
import { queryAll, queryPage } from './query';
import { HIGHEST_KEY_CHARACTER, tableRef, type StoreOptions, type TableRef } from './table';

export class DynamoSyncRunStore implements SyncRunStore {
  private readonly table: TableRef;

  constructor(options: StoreOptions) {
    this.table = tableRef(options);
  }

  /** Upsert: a run is written when queued or started and overwritten with its outcome (same key). */
  async put(run: SyncRun): Promise<void> {
    await this.table.client.send(new PutCommand({ TableName: this.table.tableName, Item: syncRunToItem(run) }));
  }

  async get(connectionId: string, syncRunId: string): Promise<SyncRun | null> {
    const output = await this.table.client.send(
      new GetCommand({ TableName: this.table.tableName, Key: syncRunKey(connectionId, syncRunId), ConsistentRead: true }),
    );
    return output.Item ? syncRunFromItem(output.Item) : null;
  }

  /** With `fromRunId`, the sort-key range starts at that run's key, so older runs are never read. */
  async listByConnection(connectionId: string, limit: number, cursor: string | null, fromRunId?: string): Promise<Page<SyncRun>> {
    const partition = syncRunPartitionKey(connectionId);
    const from = fromRunId === undefined ? SYNC_RUN_SORT_KEY_PREFIX : `${SYNC_RUN_SORT_KEY_PREFIX}${fromRunId}`;
    const to = `${SYNC_RUN_SORT_KEY_PREFIX}${HIGHEST_KEY_CHARACTER}`;
    const page = await queryPage(
      this.table,
      {
        index: null,
        query: {
          KeyConditionExpression: 'PK = :pk AND SK BETWEEN :from AND :to',
          ExpressionAttributeValues: { ':pk': partition, ':from': from, ':to': to },
          ScanIndexForward: false,
        },
        cursor: {
          equals: { PK: partition },
          sortKey: { attribute: 'SK', min: from, max: to },
        },
        selectiveFilter: false,
      },
      limit,
      cursor,
    );
    return { items: page.items.map(syncRunFromItem), nextCursor: page.nextCursor };
  }

  async deleteByConnection(connectionId: string): Promise<void> {
    const keys = await queryAll(this.table, null, {
      KeyConditionExpression: 'PK = :pk AND begins_with(SK, :prefix)',
      ExpressionAttributeValues: { ':pk': syncRunPartitionKey(connectionId), ':prefix': SYNC_RUN_SORT_KEY_PREFIX },
      ProjectionExpression: 'PK, SK',
    });
    await batchWriteAll(
      this.table,
      keys.map((key) => deleteRequest({ PK: key.PK as string, SK: key.SK as string })),
    );
  }
}
