/**
 * Counts what the service asks of AWS, by service and operation, from inside the process: a middleware on
 * the per-container SDK clients (`shared/adapters/aws-clients.ts`) that every store, vault, queue and
 * secret reader of the process shares, including the handlers the local gateway imports.
 *
 * The middleware sits in the `deserialize` step with high priority, i.e. inside the SDK's retry loop and
 * around the deserializer (https://docs.aws.amazon.com/sdk-for-javascript/v3/developer-guide/middleware-stack.html):
 * it sees every HTTP attempt once, the serialized JSON request and the parsed output. From those it also
 * estimates DynamoDB capacity units the way on-demand billing counts them
 * (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/read-write-operations.html):
 * a write costs 1 WRU per started KB of the item for the table plus the same for every GSI the item has keys
 * for (all indexes project ALL attributes), transactional writes cost double, deletes are priced at the
 * stored item size (approximated by the key size here, deleted rows are rare in these runs); reads cost
 * 0.5 RRU per started 4 KB per item (1 RRU when strongly consistent), a Query sums the sizes of the
 * returned items before rounding.
 */
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { KMSClient } from '@aws-sdk/client-kms';
import type { SQSClient } from '@aws-sdk/client-sqs';
import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { bankingTable } from '../shared/catalog/resources';

type AttributeValue = Record<string, unknown>;

export interface OperationTally {
  /** HTTP attempts (retries included), the unit AWS bills per request. */
  requests: number;
  errors: number;
  /** DynamoDB: items written / read (BatchWrite requests, BatchGet keys, Query results, ...). */
  itemsWritten: number;
  itemsRead: number;
  writeUnits: number;
  readUnits: number;
  /** SQS: messages sent (a SendMessageBatch carries up to 10). */
  messagesSent: number;
  /** Summed time from sending to the parsed answer (requests in flight together overlap). */
  milliseconds: number;
}

export type Tally = Record<string, OperationTally>;

/** `DynamoDB.BatchWriteItem`-style keys, sorted for stable reports. */
export function operationKey(service: string, operation: string): string {
  return `${service}.${operation}`;
}

function emptyTally(): OperationTally {
  return { requests: 0, errors: 0, itemsWritten: 0, itemsRead: 0, writeUnits: 0, readUnits: 0, messagesSent: 0, milliseconds: 0 };
}

const SERVICE_NAMES: Record<string, string> = {
  DynamoDBClient: 'DynamoDB',
  KMSClient: 'KMS',
  SQSClient: 'SQS',
  SecretsManagerClient: 'SecretsManager',
};

const gsiPartitionKeys = bankingTable.globalIndexes.map((index) => index.partitionKey);

/** DynamoDB's item size rule: attribute name bytes plus value bytes (numbers approximated by digits). */
export function attributeValueSize(value: AttributeValue): number {
  if ('S' in value) return Buffer.byteLength(String(value.S));
  if ('N' in value) return Math.ceil(String(value.N).replace(/^-/, '').length / 2) + 1;
  if ('B' in value) return typeof value.B === 'string' ? Math.floor((value.B.length * 3) / 4) : 0;
  if ('BOOL' in value || 'NULL' in value) return 1;
  if ('M' in value) return 3 + itemSize(value.M as Record<string, AttributeValue>);
  if ('L' in value) return 3 + (value.L as AttributeValue[]).reduce((sum, element) => sum + 1 + attributeValueSize(element), 0);
  if ('SS' in value) return (value.SS as string[]).reduce((sum, element) => sum + Buffer.byteLength(element), 0);
  if ('NS' in value) return (value.NS as string[]).reduce((sum, element) => sum + element.length, 0);
  return 0;
}

export function itemSize(item: Record<string, AttributeValue>): number {
  let size = 0;
  for (const [name, value] of Object.entries(item)) size += Buffer.byteLength(name) + attributeValueSize(value);
  return size;
}

/**
 * Size of an item as the document client returns it (plain JS values): the middleware runs outside the
 * document client's unmarshalling, so outputs arrive unmarshalled while requests are still DynamoDB JSON.
 */
export function plainItemSize(item: Record<string, unknown>): number {
  let size = 0;
  for (const [name, value] of Object.entries(item)) size += Buffer.byteLength(name) + plainValueSize(value);
  return size;
}

function plainValueSize(value: unknown): number {
  if (typeof value === 'string') return Buffer.byteLength(value);
  if (typeof value === 'number' || typeof value === 'bigint') return Math.ceil(String(value).replace(/^-/, '').length / 2) + 1;
  if (typeof value === 'boolean' || value === null || value === undefined) return 1;
  if (value instanceof Uint8Array) return value.length;
  if (value instanceof Set) return [...value].reduce((sum: number, element) => sum + plainValueSize(element), 0);
  if (Array.isArray(value)) return 3 + value.reduce((sum: number, element) => sum + 1 + plainValueSize(element), 0);
  if (typeof value === 'object') return 3 + plainItemSize(value as Record<string, unknown>);
  return 0;
}

/** WRUs of one put: table + each GSI whose partition key the item carries. */
function putWriteUnits(item: Record<string, AttributeValue>): number {
  const units = Math.max(1, Math.ceil(itemSize(item) / 1024));
  const indexCopies = gsiPartitionKeys.filter((key) => key in item).length;
  return units * (1 + indexCopies);
}

function readUnits(bytes: number, consistent: boolean): number {
  return Math.max(1, Math.ceil(bytes / 4096)) * (consistent ? 1 : 0.5);
}

interface RequestShape {
  readonly [key: string]: unknown;
}

/** Capacity and item counts of one DynamoDB call, from its JSON request and parsed output. */
function dynamoUsage(operation: string, input: RequestShape, output: RequestShape | undefined, tally: OperationTally): void {
  switch (operation) {
    case 'PutItem': {
      tally.itemsWritten += 1;
      tally.writeUnits += putWriteUnits((input.Item ?? {}) as Record<string, AttributeValue>);
      break;
    }
    case 'UpdateItem':
    case 'DeleteItem': {
      // The SDK cannot see the stored item; 1 WRU per index the update may touch is the usual small-row cost.
      tally.itemsWritten += 1;
      tally.writeUnits += operation === 'UpdateItem' ? 1 + countIndexKeysIn(String(input.UpdateExpression ?? '')) : 1;
      break;
    }
    case 'BatchWriteItem': {
      for (const requests of Object.values((input.RequestItems ?? {}) as Record<string, RequestShape[]>)) {
        for (const request of requests) {
          tally.itemsWritten += 1;
          const put = request.PutRequest as { Item?: Record<string, AttributeValue> } | undefined;
          tally.writeUnits += put?.Item ? putWriteUnits(put.Item) : 1;
        }
      }
      break;
    }
    case 'TransactWriteItems': {
      for (const action of (input.TransactItems ?? []) as RequestShape[]) {
        tally.itemsWritten += 1;
        const put = action.Put as { Item?: Record<string, AttributeValue> } | undefined;
        const update = action.Update as { UpdateExpression?: string } | undefined;
        const base = put?.Item ? putWriteUnits(put.Item) : update ? 1 + countIndexKeysIn(update.UpdateExpression ?? '') : 1;
        tally.writeUnits += 2 * base;
      }
      break;
    }
    case 'GetItem': {
      const item = output?.Item as Record<string, unknown> | undefined;
      tally.itemsRead += item ? 1 : 0;
      tally.readUnits += readUnits(item ? plainItemSize(item) : 0, input.ConsistentRead === true);
      break;
    }
    case 'BatchGetItem': {
      const consistent = Object.values((input.RequestItems ?? {}) as Record<string, RequestShape>).some((request) => request.ConsistentRead === true);
      for (const items of Object.values((output?.Responses ?? {}) as Record<string, Record<string, unknown>[]>)) {
        for (const item of items) {
          tally.itemsRead += 1;
          tally.readUnits += readUnits(plainItemSize(item), consistent);
        }
      }
      // Keys that found nothing still cost the minimum read each.
      const requested = Object.values((input.RequestItems ?? {}) as Record<string, { Keys?: unknown[] }>).reduce(
        (sum, request) => sum + (request.Keys?.length ?? 0),
        0,
      );
      const found = Object.values((output?.Responses ?? {}) as Record<string, unknown[]>).reduce((sum, items) => sum + items.length, 0);
      tally.readUnits += Math.max(0, requested - found) * (consistent ? 1 : 0.5);
      break;
    }
    case 'Query':
    case 'Scan': {
      const items = (output?.Items ?? []) as Record<string, unknown>[];
      tally.itemsRead += items.length;
      const bytes = items.reduce((sum, item) => sum + plainItemSize(item), 0);
      tally.readUnits += readUnits(bytes, input.ConsistentRead === true);
      break;
    }
    case 'TransactGetItems': {
      const responses = (output?.Responses ?? []) as { Item?: Record<string, unknown> }[];
      for (const response of responses) {
        tally.itemsRead += response.Item ? 1 : 0;
        tally.readUnits += 2 * readUnits(response.Item ? plainItemSize(response.Item) : 0, true);
      }
      break;
    }
    default:
      break;
  }
}

function countIndexKeysIn(updateExpression: string): number {
  return gsiPartitionKeys.filter((key) => updateExpression.includes(key) || updateExpression.includes(key.replace('PK', 'SK'))).length;
}

const utf8 = new TextDecoder();

function requestJson(request: unknown): RequestShape {
  const body = (request as { body?: unknown } | undefined)?.body;
  // The JSON protocols serialise to a string or (newer SDK releases) to UTF-8 bytes.
  const text = typeof body === 'string' ? body : body instanceof Uint8Array ? utf8.decode(body) : '';
  if (text.length === 0) return {};
  try {
    return JSON.parse(text) as RequestShape;
  } catch {
    return {};
  }
}

type CountedClient = DynamoDBDocumentClient | KMSClient | SQSClient | SecretsManagerClient;

/**
 * One counter for the process. `attach` adds the middleware to a client once; `snapshot` / `reset` read and
 * clear the tally, so each measured section counts only its own requests.
 */
export class AwsRequestCounter {
  private tally: Tally = {};
  private readonly attached = new WeakSet<object>();
  private capture: { readonly sortKeyPrefix: string; readonly items: Record<string, AttributeValue>[] } | null = null;

  /**
   * Keeps a copy (DynamoDB JSON) of every item put by a BatchWriteItem whose sort key starts with the prefix,
   * until {@link stopCapture}: the naive baseline writes exactly these items again, one PutItem each.
   */
  startCapture(sortKeyPrefix: string): void {
    this.capture = { sortKeyPrefix, items: [] };
  }

  stopCapture(): Record<string, AttributeValue>[] {
    const byKey = new Map<string, Record<string, AttributeValue>>();
    // A retried batch (unprocessed items) puts the same row twice; the naive baseline writes it once.
    for (const item of this.capture?.items ?? []) byKey.set(JSON.stringify([item.PK, item.SK]), item);
    this.capture = null;
    return [...byKey.values()];
  }

  private captureFrom(input: RequestShape): void {
    if (!this.capture) return;
    for (const requests of Object.values((input.RequestItems ?? {}) as Record<string, RequestShape[]>)) {
      for (const request of requests) {
        const item = (request.PutRequest as { Item?: Record<string, AttributeValue> } | undefined)?.Item;
        const sortKey = item?.SK as { S?: string } | undefined;
        if (item && sortKey?.S?.startsWith(this.capture.sortKeyPrefix)) this.capture.items.push(item);
      }
    }
  }

  attach(client: CountedClient): void {
    const stack = (client as unknown as { middlewareStack: { add: (...args: unknown[]) => void } }).middlewareStack;
    if (this.attached.has(stack)) return;
    this.attached.add(stack);
    stack.add(
      (next: (args: { request: unknown }) => Promise<{ output?: unknown }>, context: { clientName?: string; commandName?: string }) =>
        async (args: { request: unknown }) => {
          const service = SERVICE_NAMES[context.clientName ?? ''] ?? context.clientName ?? 'unknown';
          const operation = (context.commandName ?? 'unknown').replace(/Command$/, '');
          const entry = (this.tally[operationKey(service, operation)] ??= emptyTally());
          entry.requests += 1;
          const input = requestJson(args.request);
          if (operation === 'BatchWriteItem') this.captureFrom(input);
          const started = performance.now();
          try {
            const result = await next(args);
            if (service === 'DynamoDB') dynamoUsage(operation, input, result.output as RequestShape | undefined, entry);
            if (service === 'SQS') entry.messagesSent += operation === 'SendMessageBatch' ? ((input.Entries as unknown[] | undefined)?.length ?? 0) : operation === 'SendMessage' ? 1 : 0;
            return result;
          } catch (error) {
            entry.errors += 1;
            // A write whose condition fails still consumes write capacity.
            if (service === 'DynamoDB' && ['PutItem', 'UpdateItem', 'DeleteItem'].includes(operation)) dynamoUsage(operation, input, undefined, entry);
            throw error;
          } finally {
            entry.milliseconds += performance.now() - started;
          }
        },
      { step: 'deserialize', priority: 'high', name: 'benchAwsRequestCounter' },
    );
  }

  reset(): void {
    this.tally = {};
  }

  snapshot(): Tally {
    return Object.fromEntries(
      Object.entries(this.tally)
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([key, value]) => [key, { ...value }]),
    );
  }
}

/** Sum of a field over every operation of the tally (optionally one service). */
export function total(tally: Tally, field: keyof OperationTally, service?: string): number {
  return Object.entries(tally)
    .filter(([key]) => service === undefined || key.startsWith(`${service}.`))
    .reduce((sum, [, value]) => sum + value[field], 0);
}

/** Requests of one operation (0 when it never happened). */
export function requestsOf(tally: Tally, key: string): number {
  return tally[key]?.requests ?? 0;
}

/** DynamoDB write operations (the ones that consume WRUs). */
export const DYNAMO_WRITE_OPERATIONS = ['PutItem', 'UpdateItem', 'DeleteItem', 'BatchWriteItem', 'TransactWriteItems'];
