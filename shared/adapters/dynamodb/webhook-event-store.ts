/**
 * Verified webhook events (dedupe and replay). Key design: `entities/webhook-event.ts`, docs/data-model.md.
 */
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { GetCommand, PutCommand, TransactWriteCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
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
import { isConditionalCheckFailed, isNamedError } from './transact';

export class DynamoWebhookEventStore implements WebhookEventStore {
  private readonly table: TableRef;

  constructor(options: StoreOptions) {
    this.table = tableRef(options);
  }

  /**
   * Conditional Put: the first delivery of an event id wins, a redelivery (providers retry until they see a
   * 2xx, and may deliver twice anyway) finds the row and returns false. The TTL attribute lets DynamoDB drop
   * the row once a redelivery can no longer come.
   */
  async putIfNew(event: WebhookEvent, expiresAtEpochSeconds: number): Promise<boolean> {
    if (!Number.isInteger(expiresAtEpochSeconds) || expiresAtEpochSeconds <= 0) {
      throw new Error('expiresAtEpochSeconds must be a positive integer (epoch seconds)');
    }
    try {
      await this.table.client.send(
        new PutCommand({
          TableName: this.table.tableName,
          Item: webhookEventToItem(event, expiresAtEpochSeconds),
          ConditionExpression: 'attribute_not_exists(PK)',
        }),
      );
      return true;
    } catch (error) {
      if (isConditionalCheckFailed(error)) return false;
      throw error;
    }
  }

  /**
   * The receipt's dedupe in one request. Without earlier ids: a conditional Put whose failure returns the
   * stored row (`ReturnValuesOnConditionCheckFailure: ALL_OLD`), so "already seen" needs no second read.
   * With earlier ids (content-derived ids, one per dedupe window): one `TransactWriteItems` of a
   * ConditionCheck per earlier id and the Put, each returning the row it found; atomic, so two deliveries on
   * either side of a window boundary cannot both be stored.
   * https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_PutItem.html#DDB-PutItem-request-ReturnValuesOnConditionCheckFailure
   */
  async storeUnlessSeen(event: WebhookEvent, expiresAtEpochSeconds: number, earlierIds: readonly string[]): Promise<WebhookEvent | null> {
    if (!Number.isInteger(expiresAtEpochSeconds) || expiresAtEpochSeconds <= 0) {
      throw new Error('expiresAtEpochSeconds must be a positive integer (epoch seconds)');
    }
    const put = {
      TableName: this.table.tableName,
      Item: webhookEventToItem(event, expiresAtEpochSeconds),
      ConditionExpression: 'attribute_not_exists(PK)',
      ReturnValuesOnConditionCheckFailure: 'ALL_OLD' as const,
    };
    if (earlierIds.length === 0) {
      try {
        await this.table.client.send(new PutCommand(put));
        return null;
      } catch (error) {
        if (!isConditionalCheckFailed(error)) throw error;
        return storedRow((error as { Item?: Record<string, unknown> }).Item) ?? (await this.get(event.provider, event.eventId));
      }
    }
    const checks = earlierIds.map((eventId) => ({
      ConditionCheck: {
        TableName: this.table.tableName,
        Key: webhookEventKey(event.provider, eventId),
        ConditionExpression: 'attribute_not_exists(PK)',
        ReturnValuesOnConditionCheckFailure: 'ALL_OLD' as const,
      },
    }));
    try {
      await this.table.client.send(new TransactWriteCommand({ TransactItems: [...checks, { Put: put }] }));
      return null;
    } catch (error) {
      if (!isNamedError(error, 'TransactionCanceledException')) throw error;
      const reasons = (error as { CancellationReasons?: readonly { Code?: string; Item?: Record<string, unknown> }[] }).CancellationReasons ?? [];
      const failed = reasons.findIndex((reason) => reason.Code === 'ConditionalCheckFailed');
      if (failed < 0) throw error;
      const seenId = failed < earlierIds.length ? earlierIds[failed]! : event.eventId;
      return storedRow(reasons[failed]?.Item) ?? (await this.get(event.provider, seenId));
    }
  }

  async get(provider: Provider, eventId: string): Promise<WebhookEvent | null> {
    const output = await this.table.client.send(
      new GetCommand({ TableName: this.table.tableName, Key: webhookEventKey(provider, eventId) }),
    );
    return output.Item ? webhookEventFromItem(output.Item) : null;
  }

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
   * than a Put, so the TTL written by `putIfNew` survives; attributes that became null are removed.
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
          ConditionExpression: 'attribute_exists(PK)',
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values,
        }),
      );
    } catch (error) {
      if (isConditionalCheckFailed(error)) throw new NotFoundError('webhook event');
      throw error;
    }
  }
}

/** The row a failed condition returned (the SDK leaves it in wire format on errors), or null when absent. */
function storedRow(item: Record<string, unknown> | undefined): WebhookEvent | null {
  if (!item || Object.keys(item).length === 0) return null;
  const plain = isWireFormat(item) ? unmarshall(item as Record<string, AttributeValue>) : item;
  return webhookEventFromItem(plain);
}

function isWireFormat(item: Record<string, unknown>): boolean {
  const pk = item.PK;
  return typeof pk === 'object' && pk !== null && 'S' in pk;
}
