/**
 * Batch reads and writes with DynamoDB's limits and partial-result retries handled in one place.
 *
 * - `BatchWriteItem` takes at most 25 put/delete requests and `BatchGetItem` at most 100 keys
 *   (https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_BatchWriteItem.html,
 *   https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_BatchGetItem.html).
 * - Both reject a request that names the same key twice ("Provided list of item keys contains
 *   duplicates"), so requests are de-duplicated by primary key first (for writes the last request wins,
 *   which is what a caller upserting the same row twice means).
 * - Unprocessed entries are retried with backoff (`dynamoDbBatchRetry` in `shared/retry/policies.ts`), a bounded number of times; then the
 *   helper throws so the caller (usually an SQS worker) fails and its message is retried or dead-lettered.
 */
import { BatchGetCommand, BatchWriteCommand } from '@aws-sdk/lib-dynamodb';
import { backoffDelayMs, dynamoDbBatchRetry, sleepFor, type RetryPolicy } from '../../retry/policies';
import { chunked, forEachConcurrently } from '../chunking';
import type { PrimaryKey, StoredItem, TableRef } from './table';

export const MAX_BATCH_WRITE_REQUESTS = 25;
export const MAX_BATCH_GET_KEYS = 100;
/** Chunks in flight at once: enough to hide latency, few enough not to self-throttle a partition. */
const CHUNK_CONCURRENCY = 4;

export type WriteRequest =
  | { readonly PutRequest: { readonly Item: StoredItem } }
  | { readonly DeleteRequest: { readonly Key: PrimaryKey } };

/** A batch write or get gave up with entries still unprocessed after every allowed attempt. */
export class BatchIncompleteError extends Error {
  constructor(
    readonly operation: 'BatchWriteItem' | 'BatchGetItem',
    readonly unprocessedCount: number,
    attempts: number,
  ) {
    super(`${operation} left ${unprocessedCount} entries unprocessed after ${attempts} attempts`);
    this.name = 'BatchIncompleteError';
  }
}

export function putRequest(item: StoredItem): WriteRequest {
  return { PutRequest: { Item: item } };
}

export function deleteRequest(key: PrimaryKey): WriteRequest {
  return { DeleteRequest: { Key: { PK: key.PK, SK: key.SK } } };
}

function keyOfRequest(request: WriteRequest): string {
  const key = 'PutRequest' in request ? request.PutRequest.Item : request.DeleteRequest.Key;
  return primaryKeyString(key);
}

function primaryKeyString(key: { PK?: unknown; SK?: unknown }): string {
  if (typeof key.PK !== 'string' || typeof key.SK !== 'string') throw new Error('Batch entry without a PK/SK key');
  return JSON.stringify([key.PK, key.SK]);
}

/** Keeps the last request per primary key, in the order the keys first appeared. */
export function dedupeWriteRequests(requests: readonly WriteRequest[]): WriteRequest[] {
  const byKey = new Map<string, WriteRequest>();
  for (const request of requests) {
    const key = keyOfRequest(request);
    byKey.delete(key);
    byKey.set(key, request);
  }
  return [...byKey.values()];
}

export function dedupeKeys(keys: readonly PrimaryKey[]): PrimaryKey[] {
  const byKey = new Map<string, PrimaryKey>();
  for (const key of keys) {
    const id = primaryKeyString(key);
    if (!byKey.has(id)) byKey.set(id, { PK: key.PK, SK: key.SK });
  }
  return [...byKey.values()];
}

/**
 * Writes every request, 25 per `BatchWriteItem`, retrying unprocessed ones with backoff.
 *
 * @example
 * await batchWriteAll(table, accounts.map((account) => putRequest(accountToItem(account))));
 */
export async function batchWriteAll(
  table: TableRef,
  requests: readonly WriteRequest[],
  policy: RetryPolicy = dynamoDbBatchRetry,
): Promise<void> {
  const chunks = chunked(dedupeWriteRequests(requests), MAX_BATCH_WRITE_REQUESTS);
  await forEachConcurrently(chunks, CHUNK_CONCURRENCY, (chunk) => writeChunk(table, chunk, policy));
}

/**
 * Like {@link batchWriteAll}, but each request is built from its entry at the moment it is sent, with a
 * stamp asked for then (`now()`, which may renew it); unprocessed entries are rebuilt with the stamp current
 * at every retry. Rows that a change feed finds by their stamp use this (`transaction-store.ts`), so a row
 * never lands long after the stamp it carries.
 */
export async function batchWriteStamped<T>(
  table: TableRef,
  entries: readonly T[],
  build: (entry: T, stamp: string) => WriteRequest,
  now: () => string | Promise<string>,
  policy: RetryPolicy = dynamoDbBatchRetry,
): Promise<void> {
  const byKey = new Map<string, T>();
  for (const entry of entries) {
    const key = keyOfRequest(build(entry, ''));
    byKey.delete(key);
    byKey.set(key, entry);
  }
  const chunks = chunked([...byKey.values()], MAX_BATCH_WRITE_REQUESTS);
  await forEachConcurrently(chunks, CHUNK_CONCURRENCY, (chunk) => writeChunk(table, chunk, policy, build, now));
}

async function writeChunk<T = WriteRequest>(
  table: TableRef,
  chunk: readonly T[],
  policy: RetryPolicy,
  build: (entry: T, stamp: string) => WriteRequest = (entry) => entry as WriteRequest,
  now: () => string | Promise<string> = () => '',
): Promise<void> {
  let pending: readonly T[] = chunk;
  for (let attempt = 1; ; attempt++) {
    const stamp = await now();
    const requests = new Map(pending.map((entry) => {
      const request = build(entry, stamp);
      return [keyOfRequest(request), { entry, request }] as const;
    }));
    const output = await table.client.send(
      new BatchWriteCommand({ RequestItems: { [table.tableName]: [...requests.values()].map(({ request }) => request) as WriteRequest[] } }),
    );
    const unprocessed = (output.UnprocessedItems?.[table.tableName] ?? []) as WriteRequest[];
    if (unprocessed.length === 0) return;
    if (attempt >= policy.maxAttempts) {
      throw new BatchIncompleteError('BatchWriteItem', unprocessed.length, attempt);
    }
    pending = unprocessed.map((request) => requests.get(keyOfRequest(request))!.entry);
    await (policy.sleep ?? sleepFor)(backoffDelayMs(attempt, policy, policy.random));
  }
}

export interface BatchGetOptions {
  /** Strongly consistent reads, e.g. to read back rows this request just wrote. */
  readonly consistentRead?: boolean;
  /** A ProjectionExpression of plain attribute names, when only those are needed (e.g. `PK, SK`). */
  readonly projection?: string;
  readonly policy?: RetryPolicy;
}

/**
 * Reads every key (de-duplicated), 100 per `BatchGetItem`, retrying unprocessed keys with backoff. Missing
 * rows are simply absent from the result, and the result order is unspecified (DynamoDB's own).
 *
 * @example
 * const rows = await batchGetAll(table, ids.map((id) => transactionKey(userId, id)));
 */
export async function batchGetAll(
  table: TableRef,
  keys: readonly PrimaryKey[],
  options: BatchGetOptions = {},
): Promise<StoredItem[]> {
  const policy = options.policy ?? dynamoDbBatchRetry;
  const items: StoredItem[] = [];
  const chunks = chunked(dedupeKeys(keys), MAX_BATCH_GET_KEYS);
  await forEachConcurrently(chunks, CHUNK_CONCURRENCY, async (chunk) => {
    let pending: readonly PrimaryKey[] = chunk;
    for (let attempt = 1; ; attempt++) {
      const output = await table.client.send(
        new BatchGetCommand({
          RequestItems: {
            [table.tableName]: {
              Keys: pending.map((key) => ({ PK: key.PK, SK: key.SK })),
              ...(options.consistentRead ? { ConsistentRead: true } : {}),
              ...(options.projection ? { ProjectionExpression: options.projection } : {}),
            },
          },
        }),
      );
      items.push(...((output.Responses?.[table.tableName] ?? []) as StoredItem[]));
      const unprocessed = (output.UnprocessedKeys?.[table.tableName]?.Keys ?? []) as PrimaryKey[];
      if (unprocessed.length === 0) return;
      if (attempt >= policy.maxAttempts) {
        throw new BatchIncompleteError('BatchGetItem', unprocessed.length, attempt);
      }
      pending = unprocessed;
      await (policy.sleep ?? sleepFor)(backoffDelayMs(attempt, policy, policy.random));
    }
  });
  return items;
}
