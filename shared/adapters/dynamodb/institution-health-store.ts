/**
 * Institution health rows (`shared/institutions/institution-health.ts`).
 *
 * Key: PK `INSTITUTION#<provider>#<institutionId>`, SK `HEALTH`. One small row per institution that ever
 * reported a problem; read by GetItem (workers) and BatchGetItem (the connections of one user, for display).
 * `failures` maps connection id → time of its last institution error (Plaid); it is cleared on every transition,
 * so it only ever holds the failures since the last one.
 */
import { GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { providers } from '../../banking/model';
import type { InstitutionHealth, InstitutionHealthStore, InstitutionKey, InstitutionTransition } from '../../institutions/institution-health';
import { batchGetAll } from './batch';
import { readerFor } from './item-reader';
import { tableRef, type PrimaryKey, type StoreOptions, type StoredItem, type TableRef } from './table';
import { isConditionalCheckFailed } from './transact';

const ENTITY = 'institution_health';

export function institutionHealthKey(key: InstitutionKey): PrimaryKey {
  return { PK: `INSTITUTION#${key.provider}#${key.institutionId}`, SK: 'HEALTH' };
}

export class DynamoInstitutionHealthStore implements InstitutionHealthStore {
  private readonly table: TableRef;

  constructor(options: StoreOptions) {
    this.table = tableRef(options);
  }

  async get(key: InstitutionKey): Promise<InstitutionHealth | null> {
    const output = await this.table.client.send(new GetCommand({ TableName: this.table.tableName, Key: institutionHealthKey(key) }));
    return output.Item ? healthFromItem(output.Item) : null;
  }

  async getMany(keys: readonly InstitutionKey[]): Promise<InstitutionHealth[]> {
    const items = await batchGetAll(this.table, keys.map(institutionHealthKey));
    return items.map(healthFromItem);
  }

  async recordFailure(key: InstitutionKey, connectionId: string, at: string): Promise<InstitutionHealth> {
    await this.table.client.send(
      new UpdateCommand({
        TableName: this.table.tableName,
        Key: institutionHealthKey(key),
        UpdateExpression:
          'SET entity = :entity, provider = :provider, institution_id = :institution, health_status = if_not_exists(health_status, :operational), ' +
          'failures = if_not_exists(failures, :empty)',
        ExpressionAttributeValues: {
          ':entity': ENTITY,
          ':provider': key.provider,
          ':institution': key.institutionId,
          ':operational': 'operational',
          ':empty': {},
        },
      }),
    );
    // A map entry cannot be set in the same expression that creates the map, hence the second update.
    const updated = await this.table.client.send(
      new UpdateCommand({
        TableName: this.table.tableName,
        Key: institutionHealthKey(key),
        UpdateExpression: 'SET failures.#connection = :at',
        ExpressionAttributeNames: { '#connection': connectionId },
        ExpressionAttributeValues: { ':at': at },
        ReturnValues: 'ALL_NEW',
      }),
    );
    return healthFromItem(updated.Attributes as StoredItem);
  }

  async transition(transition: InstitutionTransition): Promise<boolean> {
    try {
      await this.table.client.send(
        new UpdateCommand({
          TableName: this.table.tableName,
          Key: institutionHealthKey(transition),
          UpdateExpression:
            'SET entity = :entity, provider = :provider, institution_id = :institution, institution_name = :name, health_status = :to, ' +
            'health_source = :source, reason = :reason, changed_at = :at, unpublished_event_id = :event, failures = :empty',
          ConditionExpression:
            transition.from === 'operational'
              ? 'attribute_not_exists(health_status) OR health_status = :from'
              : 'health_status = :from',
          ExpressionAttributeValues: {
            ':entity': ENTITY,
            ':provider': transition.provider,
            ':institution': transition.institutionId,
            ':name': transition.name ?? transition.institutionId,
            ':to': transition.to,
            ':from': transition.from,
            ':source': transition.source,
            ':reason': transition.reason,
            ':at': transition.at,
            ':event': transition.eventId,
            ':empty': {},
          },
        }),
      );
      return true;
    } catch (error) {
      if (isConditionalCheckFailed(error)) return false;
      throw error;
    }
  }

  async markEventPublished(key: InstitutionKey, eventId: string): Promise<void> {
    try {
      await this.table.client.send(
        new UpdateCommand({
          TableName: this.table.tableName,
          Key: institutionHealthKey(key),
          UpdateExpression: 'REMOVE unpublished_event_id',
          ConditionExpression: 'unpublished_event_id = :event',
          ExpressionAttributeValues: { ':event': eventId },
        }),
      );
    } catch (error) {
      // A later transition already replaced it with its own event.
      if (!isConditionalCheckFailed(error)) throw error;
    }
  }
}

function healthFromItem(item: StoredItem): InstitutionHealth {
  const read = readerFor(item, ENTITY);
  const failures = read.nullableMap('failures');
  const rawFailures = (item.failures ?? {}) as Record<string, unknown>;
  return {
    provider: read.oneOf('provider', providers),
    institutionId: read.string('institution_id'),
    name: read.nullableString('institution_name'),
    status: read.oneOf('health_status', ['operational', 'degraded'] as const),
    source: read.nullableString('health_source') as InstitutionHealth['source'],
    reason: read.nullableString('reason'),
    changedAt: read.nullableString('changed_at'),
    failures: failures
      ? Object.fromEntries(Object.keys(rawFailures).map((connectionId) => [connectionId, failures.string(connectionId)]))
      : {},
    unpublishedEventId: read.nullableString('unpublished_event_id'),
  };
}
