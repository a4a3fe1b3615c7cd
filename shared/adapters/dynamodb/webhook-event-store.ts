/**
 * Verified webhook events (dedupe and replay). Key design: `entities/webhook-event.ts`, docs/data-model.md.
 */
import { GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { Provider, WebhookEvent } from '../../banking/model';
import type { Page, WebhookEventStore } from '../../banking/ports';
import { NotFoundError } from '../../errors/app-error';
import {
  connectionWebhooksPartitionKey,
  webhookEventFromItem,
  webhookEventKey,
  webhookEventMutableAttributes,
  webhookEventToItem,
} from './entities/webhook-event';
import { queryPage } from './query';
import { tableRef, type StoreOptions, type TableRef } from './table';
import { conditionFailureItem, isConditionalCheckFailed } from './transact';

export class DynamoWebhookEventStore implements WebhookEventStore {
  private readonly table: TableRef;

  constructor(options: StoreOptions) {
    this.table = tableRef(options);
  }

  /**
   * The receipt's dedupe in one request: a conditional Put whose failure returns the stored row
   * (`ReturnValuesOnConditionCheckFailure: ALL_OLD`), so "already seen" needs no second read. With
   * `replaceReceivedBefore` (content-derived ids), the condition also lets the Put replace a row received
   * before that time: one item per id, so the check and the write are one atomic request, no transaction.
   * https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_PutItem.html#DDB-PutItem-request-ReturnValuesOnConditionCheckFailure
   *
   * The row is written without its GSI1 keys: it enters the connection's listing with its first save.
   */
  async storeUnlessSeen(event: WebhookEvent, expiresAtEpochSeconds: number, replaceReceivedBefore: string | null): Promise<WebhookEvent | null> {
    if (!Number.isInteger(expiresAtEpochSeconds) || expiresAtEpochSeconds <= 0) {
      throw new Error('expiresAtEpochSeconds must be a positive integer (epoch seconds)');
    }
    try {
      await this.table.client.send(
        new PutCommand({
          TableName: this.table.tableName,
          Item: webhookEventToItem(event, expiresAtEpochSeconds, false),
          ConditionExpression: replaceReceivedBefore === null ? 'attribute_not_exists(PK)' : 'attribute_not_exists(PK) OR received_at < :replaceBefore',
          ...(replaceReceivedBefore === null ? {} : { ExpressionAttributeValues: { ':replaceBefore': replaceReceivedBefore } }),
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      );
      return null;
    } catch (error) {
      if (!isConditionalCheckFailed(error)) throw error;
      // AWS and moto return the row; an emulator that does not would cost one more read, never a wrong answer.
      const stored = conditionFailureItem(error);
      return stored ? webhookEventFromItem(stored) : await this.get(event.provider, event.eventId);
    }
  }

  async get(provider: Provider, eventId: string): Promise<WebhookEvent | null> {
    const output = await this.table.client.send(
      new GetCommand({ TableName: this.table.tableName, Key: webhookEventKey(provider, eventId) }),
    );
    return output.Item ? webhookEventFromItem(output.Item) : null;
  }

  /** Events of the connection that have been saved at least once (see `entities/webhook-event.ts`). */
  async listByConnection(connectionId: string, limit: number, cursor: string | null): Promise<Page<WebhookEvent>> {
    const partition = connectionWebhooksPartitionKey(connectionId);
    const page = await queryPage(
      this.table,
      {
        index: 'GSI1',
        query: {
          KeyConditionExpression: 'GSI1PK = :pk',
          ExpressionAttributeValues: { ':pk': partition },
          ScanIndexForward: false,
        },
        cursor: { equals: { GSI1PK: partition } },
        selectiveFilter: false,
      },
      limit,
      cursor,
    );
    return { items: page.items.map(webhookEventFromItem), nextCursor: page.nextCursor };
  }

  /**
   * Updates the stored event in place (status, attempts, the connection once it is known). An Update rather
   * than a Put, so the TTL written at receipt survives; attributes that became null are removed. It writes
   * the GSI1 keys, so the first save of an event tied to a connection is what lists it there. Conditional
   * on the row still holding the event as read (its `received_at`): a later arrival of the same bytes that
   * replaced it is left to its own job.
   */
  async save(event: WebhookEvent): Promise<void> {
    const item = webhookEventToItem(event);
    const names: Record<string, string> = {};
    const values: Record<string, unknown> = {};
    const set: string[] = [];
    const remove: string[] = [];
    webhookEventMutableAttributes.forEach((attribute, position) => {
      names[`#a${position}`] = attribute;
      if (item[attribute] === undefined) remove.push(`#a${position}`);
      else {
        set.push(`#a${position} = :v${position}`);
        values[`:v${position}`] = item[attribute];
      }
    });
    try {
      await this.table.client.send(
        new UpdateCommand({
          TableName: this.table.tableName,
          Key: webhookEventKey(event.provider, event.eventId),
          UpdateExpression: `SET ${set.join(', ')}${remove.length > 0 ? ` REMOVE ${remove.join(', ')}` : ''}`,
          ConditionExpression: 'attribute_exists(PK) AND #receivedAt = :receivedAt',
          ExpressionAttributeNames: { ...names, '#receivedAt': 'received_at' },
          ExpressionAttributeValues: { ...values, ':receivedAt': event.receivedAt },
        }),
      );
    } catch (error) {
      if (isConditionalCheckFailed(error)) throw new NotFoundError('webhook event');
      throw error;
    }
  }
}
