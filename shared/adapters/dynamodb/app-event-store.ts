/** The outbox of app events. Key design: `entities/app-event.ts`, docs/data-model.md. */
import { DeleteCommand, GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { Page } from '../../banking/ports';
import type { AppEvent } from '../../events/model';
import type { AppEventStore, StageOptions, StoredAppEvent } from '../../events/ports';
import { batchGetAll } from './batch';
import { appEventFromItem, appEventKey, appEventToItem, userAppEventsPartitionKey, userListingKeys } from './entities/app-event';
import { queryPage } from './query';
import { tableRef, type StoreOptions, type TableRef } from './table';
import { isConditionalCheckFailed } from './transact';

export class DynamoAppEventStore implements AppEventStore {
  private readonly table: TableRef;

  constructor(options: StoreOptions) {
    this.table = tableRef(options);
  }

  /**
   * Conditional Put: the first copy staged wins. A retry recomputing an event after a crash sees the world
   * after the first attempt's writes (a sync that re-reads stored transactions counts them as unchanged), so
   * the first copy is the one that describes the change.
   */
  async stage(event: AppEvent, expiresAtEpochSeconds: number, options: StageOptions = {}): Promise<boolean> {
    const stored: StoredAppEvent = {
      ...event,
      published: false,
      delivery: { status: 'pending', attempts: 0, deliveredAt: null, lastError: null },
    };
    try {
      await this.table.client.send(
        new PutCommand({
          TableName: this.table.tableName,
          Item: appEventToItem(stored, expiresAtEpochSeconds, options.listedByUser ?? true),
          ConditionExpression: 'attribute_not_exists(PK)',
        }),
      );
      return true;
    } catch (error) {
      if (!isConditionalCheckFailed(error)) throw error;
      return false;
    }
  }

  async get(eventId: string): Promise<StoredAppEvent | null> {
    const output = await this.table.client.send(new GetCommand({ TableName: this.table.tableName, Key: appEventKey(eventId) }));
    return output.Item ? appEventFromItem(output.Item) : null;
  }

  /** The event ids of a user's sync runs (replay): one BatchGetItem per 100 ids. */
  async getMany(eventIds: readonly string[]): Promise<StoredAppEvent[]> {
    const items = await batchGetAll(this.table, eventIds.map(appEventKey));
    return items.map(appEventFromItem);
  }

  /**
   * `if_not_exists` leaves the keys of a listed event as they are (an unchanged key is no second index write);
   * an event staged unlisted gets them here.
   */
  async markPublished(event: AppEvent): Promise<void> {
    const keys = userListingKeys(event);
    if (!keys) {
      await this.updateIfExists(event.id, 'SET published = :true', { ':true': true });
      return;
    }
    await this.updateIfExists(
      event.id,
      'SET published = :true, GSI1PK = if_not_exists(GSI1PK, :pk), GSI1SK = if_not_exists(GSI1SK, :sk)',
      { ':true': true, ':pk': keys.GSI1PK, ':sk': keys.GSI1SK },
    );
  }

  async discardUnpublished(eventId: string): Promise<void> {
    try {
      await this.table.client.send(
        new DeleteCommand({
          TableName: this.table.tableName,
          Key: appEventKey(eventId),
          ConditionExpression: 'published = :false',
          ExpressionAttributeValues: { ':false': false },
        }),
      );
    } catch (error) {
      if (!isConditionalCheckFailed(error)) throw error;
    }
  }

  async recordDelivery(eventId: string, outcome: { delivered: boolean; at: string; error: string | null }): Promise<void> {
    if (outcome.delivered) {
      await this.updateIfExists(
        eventId,
        'SET delivery_status = :delivered, delivered_at = :at, delivery_attempts = delivery_attempts + :one REMOVE last_delivery_error',
        { ':delivered': 'delivered', ':at': outcome.at, ':one': 1 },
      );
      return;
    }
    // A failure after an earlier success (an operator's replay) leaves the event `delivered`.
    const failure = { ':error': outcome.error ?? 'unknown', ':one': 1 };
    try {
      await this.table.client.send(
        new UpdateCommand({
          TableName: this.table.tableName,
          Key: appEventKey(eventId),
          UpdateExpression: 'SET delivery_status = :failed, last_delivery_error = :error, delivery_attempts = delivery_attempts + :one',
          ConditionExpression: 'attribute_exists(PK) AND delivery_status <> :delivered',
          ExpressionAttributeValues: { ...failure, ':failed': 'failed', ':delivered': 'delivered' },
        }),
      );
    } catch (error) {
      if (!isConditionalCheckFailed(error)) throw error;
      await this.updateIfExists(eventId, 'SET last_delivery_error = :error, delivery_attempts = delivery_attempts + :one', failure);
    }
  }

  async listByUser(userId: string, since: string, limit: number, cursor: string | null): Promise<Page<StoredAppEvent>> {
    const partition = userAppEventsPartitionKey(userId);
    const page = await queryPage(
      this.table,
      {
        index: 'GSI1',
        query: {
          KeyConditionExpression: 'GSI1PK = :pk AND GSI1SK >= :since',
          ExpressionAttributeValues: { ':pk': partition, ':since': since },
          ScanIndexForward: true,
        },
        cursor: { equals: { GSI1PK: partition } },
        selectiveFilter: false,
      },
      limit,
      cursor,
    );
    return { items: page.items.map(appEventFromItem), nextCursor: page.nextCursor };
  }

  private async updateIfExists(eventId: string, update: string, values: Record<string, unknown>): Promise<void> {
    try {
      await this.table.client.send(
        new UpdateCommand({
          TableName: this.table.tableName,
          Key: appEventKey(eventId),
          UpdateExpression: update,
          ConditionExpression: 'attribute_exists(PK)',
          ExpressionAttributeValues: values,
        }),
      );
    } catch (error) {
      // The event expired meanwhile: nothing left to mark.
      if (!isConditionalCheckFailed(error)) throw error;
    }
  }
}
