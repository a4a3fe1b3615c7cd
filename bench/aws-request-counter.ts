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
 * - writes ({@link writeUnitsOf}): the table by the larger of the item before and after, each GSI by its
 *   index entry (the projected attributes of `shared/catalog/resources.ts`) and only when the write enters,
 *   leaves, re-keys or changes the entry
 *   (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/GSI.html#GSI.ThroughputConsiderations);
 *   transactional writes cost double; a failed condition costs the table write of the stored item. The items
 *   before (and after an update) are read around the write with an uncounted, strongly consistent
 *   BatchGetItem, since the request alone does not show them;
 * - reads: 0.5 RRU per started 4 KB per item (1 RRU when strongly consistent), a Query sums the sizes of the
 *   returned items before rounding.
 */
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { KMSClient } from '@aws-sdk/client-kms';
import type { SQSClient } from '@aws-sdk/client-sqs';
import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { AsyncLocalStorage } from 'node:async_hooks';
import { BatchGetItemCommand, type AttributeValue as WireValue } from '@aws-sdk/client-dynamodb';
import { bankingTable, type IndexProjection } from '../shared/catalog/resources';

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
  /** SQS: messages sent (a SendMessageBatch carries up to 10); EventBridge: events put (entries of PutEvents). */
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
  EventBridgeClient: 'EventBridge',
};

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

/** An index as the estimator needs it: its key attributes and what it projects. */
export interface EstimatedIndex {
  readonly name: string;
  readonly partitionKey: string;
  readonly sortKey: string;
  readonly projection?: IndexProjection;
}

const tableKeyAttributes = [bankingTable.partitionKey, bankingTable.sortKey];

/** Write units of `bytes`: 1 per started KB, at least 1. */
function kilobyteUnits(bytes: number): number {
  return Math.max(1, Math.ceil(bytes / 1024));
}

/**
 * The index entry an item has in `index`, or null when the item is not in it (it lacks one of the index's
 * key attributes: a sparse index). The entry holds the table's keys, the index's keys and the projected
 * attributes: https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/GSI.html#GSI.Projections
 */
export function indexEntry(item: Record<string, AttributeValue> | null, index: EstimatedIndex): Record<string, AttributeValue> | null {
  if (!item || !(index.partitionKey in item) || !(index.sortKey in item)) return null;
  const projection = index.projection ?? { type: 'ALL' as const };
  if (projection.type === 'ALL') return item;
  const names = new Set([...tableKeyAttributes, index.partitionKey, index.sortKey, ...(projection.type === 'INCLUDE' ? projection.attributes : [])]);
  return Object.fromEntries(Object.entries(item).filter(([name]) => names.has(name)));
}

/** Same attributes, same values (DynamoDB JSON, compared independently of attribute order). */
function sameItem(left: Record<string, AttributeValue>, right: Record<string, AttributeValue>): boolean {
  return canonical(left) === canonical(right);
}

function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    return `{${Object.keys(value)
      .sort()
      .map((key) => `${JSON.stringify(key)}:${canonical((value as Record<string, unknown>)[key])}`)
      .join(',')}}`;
  }
  return JSON.stringify(value);
}

export interface WriteUnits {
  readonly table: number;
  /** Summed over the indexes, by index name for the ones written. */
  readonly indexes: number;
  readonly byIndex: Readonly<Record<string, number>>;
}

/**
 * WRUs of one successful write of an item from `before` (null: it did not exist) to `after` (null: deleted),
 * as on-demand billing counts them:
 * - the table: 1 per started KB of the larger of the item before and after the write
 *   (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/read-write-operations.html#write-operation-consumption);
 * - each GSI, by its index entry (keys + projected attributes), following
 *   https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/GSI.html#GSI.ThroughputConsiderations:
 *   nothing when the item is in the index neither before nor after; one write (the new entry) when it
 *   enters; one (the old entry) when it leaves; two (a delete and a put) when an index key attribute
 *   changes; one when only projected attributes change; and nothing when the write changes neither a key
 *   nor a projected attribute of the index ("If a write to a table does not require a global secondary
 *   index update, no write capacity is consumed from the index").
 * Transactional writes cost twice this (the caller doubles).
 */
export function writeUnitsOf(
  before: Record<string, AttributeValue> | null,
  after: Record<string, AttributeValue> | null,
  globalIndexes: readonly EstimatedIndex[] = bankingTable.globalIndexes,
): WriteUnits {
  const table = kilobyteUnits(Math.max(before ? itemSize(before) : 0, after ? itemSize(after) : 0));
  const byIndex: Record<string, number> = {};
  for (const index of globalIndexes) {
    const old = indexEntry(before, index);
    const next = indexEntry(after, index);
    let units = 0;
    if (old && next) {
      const keyChanged = [index.partitionKey, index.sortKey].some((key) => !sameItem({ v: old[key]! }, { v: next[key]! }));
      if (keyChanged) units = kilobyteUnits(itemSize(old)) + kilobyteUnits(itemSize(next));
      else if (!sameItem(old, next)) units = kilobyteUnits(Math.max(itemSize(old), itemSize(next)));
    } else if (old || next) {
      units = kilobyteUnits(itemSize((old ?? next)!));
    }
    if (units > 0) byIndex[index.name] = units;
  }
  return { table, indexes: Object.values(byIndex).reduce((sum, units) => sum + units, 0), byIndex };
}

/** WRUs of a write whose condition failed: the table only, sized by the stored item (at least 1). */
export function failedConditionUnits(before: Record<string, AttributeValue> | null): number {
  return kilobyteUnits(before ? itemSize(before) : 0);
}

/** DynamoDB's per-item storage overhead, for the table item and for each index entry. */
export const STORAGE_OVERHEAD_BYTES = 100;

/**
 * What DynamoDB bills to keep one item: the item plus 100 bytes, and for each index it is in, its index entry
 * (keys and projected attributes) plus 100 bytes
 * (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/CapacityUnitCalculations.html,
 * https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/GSI.html#GSI.StorageConsiderations).
 */
export function storedFootprint(
  item: Record<string, AttributeValue>,
  globalIndexes: readonly EstimatedIndex[] = bankingTable.globalIndexes,
): { readonly bytes: number; readonly itemBytes: number; readonly indexEntries: number } {
  const entries = globalIndexes.map((index) => indexEntry(item, index)).filter((entry): entry is Record<string, AttributeValue> => entry !== null);
  const itemBytes = itemSize(item);
  return {
    bytes: itemBytes + STORAGE_OVERHEAD_BYTES + entries.reduce((sum, entry) => sum + itemSize(entry) + STORAGE_OVERHEAD_BYTES, 0),
    itemBytes,
    indexEntries: entries.length,
  };
}

/** Rows a measured flow left stored, by entity: how many distinct rows, and their footprints summed. */
export type StoredRows = Record<string, { readonly rows: number; readonly bytes: number }>;

function readUnits(bytes: number, consistent: boolean): number {
  return Math.max(1, Math.ceil(bytes / 4096)) * (consistent ? 1 : 0.5);
}

interface RequestShape {
  readonly [key: string]: unknown;
}

/** Capacity and item counts of one DynamoDB call, from its JSON request and parsed output. */
function dynamoUsage(operation: string, input: RequestShape, output: RequestShape | undefined, tally: OperationTally): void {
  switch (operation) {
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

/** One item a DynamoDB write request touches. */
interface PlannedWrite {
  readonly tableName: string;
  readonly key: Record<string, AttributeValue>;
  readonly kind: 'put' | 'update' | 'delete' | 'check';
  /** The new item of a put. */
  readonly item?: Record<string, AttributeValue>;
  readonly transactional: boolean;
}

function keyOf(item: Record<string, AttributeValue>): Record<string, AttributeValue> {
  return Object.fromEntries(tableKeyAttributes.filter((name) => name in item).map((name) => [name, item[name]!]));
}

/** The items a write request touches, from its JSON body. */
function plannedWrites(operation: string, input: RequestShape): PlannedWrite[] {
  const tableName = String(input.TableName ?? '');
  switch (operation) {
    case 'PutItem': {
      const item = (input.Item ?? {}) as Record<string, AttributeValue>;
      return [{ tableName, key: keyOf(item), kind: 'put', item, transactional: false }];
    }
    case 'UpdateItem':
    case 'DeleteItem':
      return [{ tableName, key: (input.Key ?? {}) as Record<string, AttributeValue>, kind: operation === 'UpdateItem' ? 'update' : 'delete', transactional: false }];
    case 'BatchWriteItem':
      return Object.entries((input.RequestItems ?? {}) as Record<string, RequestShape[]>).flatMap(([table, requests]) =>
        requests.map((request): PlannedWrite => {
          const item = (request.PutRequest as { Item?: Record<string, AttributeValue> } | undefined)?.Item;
          if (item) return { tableName: table, key: keyOf(item), kind: 'put', item, transactional: false };
          const key = ((request.DeleteRequest as { Key?: Record<string, AttributeValue> } | undefined)?.Key ?? {});
          return { tableName: table, key, kind: 'delete', transactional: false };
        }),
      );
    case 'TransactWriteItems':
      return ((input.TransactItems ?? []) as RequestShape[]).map((action): PlannedWrite => {
        const put = action.Put as { TableName?: string; Item?: Record<string, AttributeValue> } | undefined;
        if (put?.Item) return { tableName: String(put.TableName), key: keyOf(put.Item), kind: 'put', item: put.Item, transactional: true };
        const [kind, body] = (['Update', 'Delete', 'ConditionCheck'] as const)
          .map((name) => [name, action[name] as { TableName?: string; Key?: Record<string, AttributeValue> } | undefined] as const)
          .find(([, value]) => value !== undefined) ?? ['ConditionCheck', undefined];
        return {
          tableName: String(body?.TableName ?? ''),
          key: body?.Key ?? {},
          kind: kind === 'Update' ? 'update' : kind === 'Delete' ? 'delete' : 'check',
          transactional: true,
        };
      });
    default:
      return [];
  }
}

function itemAddress(tableName: string, key: Record<string, AttributeValue>): string {
  return `${tableName}|${canonical(key)}`;
}

type ItemsByAddress = Map<string, Record<string, AttributeValue> | null>;

/** WRUs of the planned writes, from the items before and after (the rules of {@link writeUnitsOf}). */
function writesUnits(writes: readonly PlannedWrite[], before: ItemsByAddress, after: ItemsByAddress): number {
  let units = 0;
  for (const write of writes) {
    const address = itemAddress(write.tableName, write.key);
    const old = before.get(address) ?? null;
    const cost =
      write.kind === 'check'
        ? failedConditionUnits(old)
        : (() => {
            const next = write.kind === 'put' ? write.item! : write.kind === 'update' ? (after.get(address) ?? null) : null;
            const counted = writeUnitsOf(old, next);
            return counted.table + counted.indexes;
          })();
    units += write.transactional ? 2 * cost : cost;
  }
  return units;
}

const utf8 = new TextDecoder();

function isConditionFailure(error: unknown): boolean {
  return (error as { name?: string } | null)?.name === 'ConditionalCheckFailedException';
}

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

type CountedClient = DynamoDBDocumentClient | KMSClient | SQSClient | SecretsManagerClient | EventBridgeClient;

/**
 * One counter for the process. `attach` adds the middleware to a client once; `snapshot` / `reset` read and
 * clear the tally, so each measured section counts only its own requests.
 */
export class AwsRequestCounter {
  private tally: Tally = {};
  /** The last image each item written since {@link reset} was left with (null once deleted). */
  private readonly written: ItemsByAddress = new Map();
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

  /** Set while the counter reads items for its own estimate: those reads are not the service's, and not counted. */
  private readonly ownReads = new AsyncLocalStorage<true>();
  /** Wall time during which at least one of those reads was in flight (the union of their intervals). */
  private ownReadMs = 0;
  private ownReadsInFlight = 0;
  private ownReadsSince = 0;

  /**
   * Milliseconds the estimate's own reads added since the last {@link reset}: exact for a sequential flow (the
   * service waited on each), an upper bound of what they delayed a concurrent one.
   */
  estimatorMilliseconds(): number {
    return this.ownReadMs;
  }

  /**
   * The stored items at the given addresses (strongly consistent BatchGetItem, not counted). DynamoDB bills a
   * write by the item before and after it, which the request alone does not show; reading them around the
   * write is the estimate's only way to know. Concurrent writers to the same item can blur one estimate,
   * never the request counts.
   */
  private async readItems(client: CountedClient, writes: readonly PlannedWrite[]): Promise<ItemsByAddress> {
    const found: ItemsByAddress = new Map();
    const wanted = new Map<string, PlannedWrite>();
    for (const write of writes) if (Object.keys(write.key).length > 0) wanted.set(itemAddress(write.tableName, write.key), write);
    const byTable = new Map<string, Record<string, AttributeValue>[]>();
    for (const write of wanted.values()) byTable.set(write.tableName, [...(byTable.get(write.tableName) ?? []), write.key]);
    if (this.ownReadsInFlight++ === 0) this.ownReadsSince = performance.now();
    await this.ownReads.run(true, async () => {
      for (const [tableName, keys] of byTable) {
        for (let start = 0; start < keys.length; start += 100) {
          let pending: Record<string, WireValue>[] = keys.slice(start, start + 100) as unknown as Record<string, WireValue>[];
          while (pending.length > 0) {
            const output = await (client as unknown as { send: (command: BatchGetItemCommand) => Promise<{ Responses?: Record<string, Record<string, WireValue>[]>; UnprocessedKeys?: Record<string, { Keys?: Record<string, WireValue>[] }> }> }).send(
              new BatchGetItemCommand({ RequestItems: { [tableName]: { Keys: pending, ConsistentRead: true } } }),
            );
            for (const item of output.Responses?.[tableName] ?? []) {
              const plain = item as unknown as Record<string, AttributeValue>;
              found.set(itemAddress(tableName, keyOf(plain)), plain);
            }
            pending = output.UnprocessedKeys?.[tableName]?.Keys ?? [];
          }
        }
      }
    }).finally(() => {
      if (--this.ownReadsInFlight === 0) this.ownReadMs += performance.now() - this.ownReadsSince;
    });
    for (const address of wanted.keys()) if (!found.has(address)) found.set(address, null);
    return found;
  }

  attach(client: CountedClient): void {
    const stack = (client as unknown as { middlewareStack: { add: (...args: unknown[]) => void } }).middlewareStack;
    if (this.attached.has(stack)) return;
    this.attached.add(stack);
    stack.add(
      (next: (args: { request: unknown }) => Promise<{ output?: unknown }>, context: { clientName?: string; commandName?: string }) =>
        async (args: { request: unknown }) => {
          if (this.ownReads.getStore()) return next(args);
          const service = SERVICE_NAMES[context.clientName ?? ''] ?? context.clientName ?? 'unknown';
          const operation = (context.commandName ?? 'unknown').replace(/Command$/, '');
          const entry = (this.tally[operationKey(service, operation)] ??= emptyTally());
          entry.requests += 1;
          const input = requestJson(args.request);
          if (operation === 'BatchWriteItem') this.captureFrom(input);
          const writes = service === 'DynamoDB' && this.estimating ? plannedWrites(operation, input) : [];
          const before = writes.length > 0 ? await this.readItems(client, writes) : new Map();
          const started = performance.now();
          let result: { output?: unknown };
          try {
            result = await next(args);
          } catch (error) {
            entry.milliseconds += performance.now() - started;
            entry.errors += 1;
            // A write whose condition fails still consumes write capacity, sized by the stored item:
            // https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/WorkingWithItems.html#WorkingWithItems.ConditionalUpdate
            if (service === 'DynamoDB' && ['PutItem', 'UpdateItem', 'DeleteItem'].includes(operation) && isConditionFailure(error)) {
              entry.itemsWritten += 1;
              entry.writeUnits += failedConditionUnits(before.get(itemAddress(writes[0]!.tableName, writes[0]!.key)) ?? null);
            }
            throw error;
          }
          entry.milliseconds += performance.now() - started;
          if (service === 'DynamoDB') {
            dynamoUsage(operation, input, result.output as RequestShape | undefined, entry);
            if (writes.length > 0) {
              const updated = writes.filter((write) => write.kind === 'update');
              const after = updated.length > 0 ? await this.readItems(client, updated) : new Map();
              entry.itemsWritten += writes.length;
              entry.writeUnits += writesUnits(writes, before, after);
              for (const write of writes) {
                if (write.kind === 'check') continue;
                const address = itemAddress(write.tableName, write.key);
                this.written.set(address, write.kind === 'put' ? write.item! : write.kind === 'update' ? (after.get(address) ?? null) : null);
              }
            }
          }
          if (service === 'SQS') entry.messagesSent += operation === 'SendMessageBatch' ? ((input.Entries as unknown[] | undefined)?.length ?? 0) : operation === 'SendMessage' ? 1 : 0;
          if (service === 'EventBridge' && operation === 'PutEvents') entry.messagesSent += (input.Entries as unknown[] | undefined)?.length ?? 0;
          return result;
        },
      { step: 'deserialize', priority: 'high', name: 'benchAwsRequestCounter' },
    );
  }

  private estimating = true;

  /**
   * Runs `work` without the capacity estimate's reads around each write (requests are still counted, write
   * units are not): for timing a flow as it runs without the counter, which {@link estimatorMilliseconds}
   * can only bound when its writes overlap.
   */
  async withoutEstimates<T>(work: () => Promise<T>): Promise<T> {
    this.estimating = false;
    try {
      return await work();
    } finally {
      this.estimating = true;
    }
  }

  reset(): void {
    this.tally = {};
    this.written.clear();
    this.ownReadMs = 0;
    if (this.ownReadsInFlight > 0) this.ownReadsSince = performance.now();
  }

  /**
   * The rows the writes since {@link reset} left stored, by their `entity` attribute, each as its last write
   * left it (a row written twice counts once; a deleted one not at all). Only writes made with the capacity
   * estimate on are seen (see {@link withoutEstimates}).
   */
  storedRows(): StoredRows {
    const byEntity: Record<string, { rows: number; bytes: number }> = {};
    for (const item of this.written.values()) {
      if (!item) continue;
      const entity = String((item.entity as { S?: string } | undefined)?.S ?? 'unknown');
      const row = (byEntity[entity] ??= { rows: 0, bytes: 0 });
      row.rows += 1;
      row.bytes += storedFootprint(item).bytes;
    }
    return Object.fromEntries(Object.entries(byEntity).sort(([a], [b]) => a.localeCompare(b)));
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
