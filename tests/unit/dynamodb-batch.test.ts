/**
 * Batch helpers against a scripted client. The local emulator never leaves items unprocessed, so the retry
 * path can only be driven by a client that does; everything that reaches DynamoDB proper is covered by the
 * integration tests.
 */
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import {
  BatchIncompleteError,
  batchGetAll,
  batchWriteAll,
  deleteRequest,
  putRequest,
  type WriteRequest,
} from '../../shared/adapters/dynamodb/batch';
import { chunked } from '../../shared/adapters/chunking';
import { backoffDelayMs, type RetryPolicy } from '../../shared/retry/policies';
import type { TableRef } from '../../shared/adapters/dynamodb/table';

const tableName = 'banking-test';

interface SentCommand {
  readonly name: string;
  readonly input: { RequestItems: Record<string, unknown> };
}

/** A client whose `send` records each command and answers with the next scripted response. */
function scriptedTable(respond: (command: SentCommand, call: number) => unknown): { table: TableRef; sent: SentCommand[] } {
  const sent: SentCommand[] = [];
  const client = {
    send: async (command: { constructor: { name: string }; input: SentCommand['input'] }) => {
      const recorded = { name: command.constructor.name, input: structuredClone(command.input) };
      sent.push(recorded);
      return respond(recorded, sent.length);
    },
  };
  return { table: { client: client as unknown as DynamoDBDocumentClient, tableName }, sent };
}

function recordingPolicy(maxAttempts = 4): { policy: RetryPolicy; delays: number[] } {
  const delays: number[] = [];
  return {
    delays,
    policy: {
      maxAttempts,
      baseDelayMs: 10,
      maxDelayMs: 1_000,
      random: () => 0.5,
      sleep: async (milliseconds) => {
        delays.push(milliseconds);
      },
    },
  };
}

function puts(count: number): WriteRequest[] {
  return Array.from({ length: count }, (_, index) => putRequest({ PK: 'USER#u1', SK: `TXN#${index}`, amount: '1.00' }));
}

function writesIn(command: SentCommand): WriteRequest[] {
  return command.input.RequestItems[tableName] as WriteRequest[];
}

describe('unit: batchWriteAll', () => {
  it('sends at most 25 requests per BatchWriteItem and every request exactly once', async () => {
    // Prepare
    const { table, sent } = scriptedTable(() => ({ UnprocessedItems: {} }));

    // Act
    await batchWriteAll(table, puts(57));

    // Assess
    expect(sent.map((command) => writesIn(command).length).sort((a, b) => b - a)).toEqual([25, 25, 7]);
    const written = sent.flatMap(writesIn).map((request) => ('PutRequest' in request ? request.PutRequest.Item.SK : null));
    expect(new Set(written).size).toBe(57);
  });

  it('retries unprocessed items with growing, jittered delays until they are written', async () => {
    // Prepare: the first two calls each leave two items behind.
    const { table, sent } = scriptedTable((command, call) => {
      const requests = writesIn(command);
      return call <= 2 ? { UnprocessedItems: { [tableName]: requests.slice(0, 2) } } : { UnprocessedItems: {} };
    });
    const { policy, delays } = recordingPolicy();

    // Act
    await batchWriteAll(table, puts(10), policy);

    // Assess: the retries carry only the unprocessed items, after delays of random × 10 ms × 2^retry.
    expect(sent.map((command) => writesIn(command).length)).toEqual([10, 2, 2]);
    expect(delays).toEqual([10, 20]);
  });

  it('throws after the last allowed attempt instead of dropping items', async () => {
    const { table, sent } = scriptedTable((command) => ({ UnprocessedItems: { [tableName]: writesIn(command) } }));
    const { policy } = recordingPolicy(3);

    const failure = batchWriteAll(table, puts(3), policy);

    await expect(failure).rejects.toBeInstanceOf(BatchIncompleteError);
    await expect(failure).rejects.toThrow(/3 entries unprocessed after 3 attempts/);
    expect(sent).toHaveLength(3);
  });

  it('sends one request per key, the last one given, since DynamoDB refuses duplicate keys in a batch', async () => {
    const { table, sent } = scriptedTable(() => ({}));

    await batchWriteAll(table, [
      putRequest({ PK: 'USER#u1', SK: 'TXN#1', amount: '1.00' }),
      putRequest({ PK: 'USER#u1', SK: 'TXN#2', amount: '2.00' }),
      putRequest({ PK: 'USER#u1', SK: 'TXN#1', amount: '9.00' }),
      deleteRequest({ PK: 'USER#u1', SK: 'TXN#2' }),
    ]);

    expect(writesIn(sent[0]!)).toEqual([
      { PutRequest: { Item: { PK: 'USER#u1', SK: 'TXN#1', amount: '9.00' } } },
      { DeleteRequest: { Key: { PK: 'USER#u1', SK: 'TXN#2' } } },
    ]);
  });

  it('makes no call for an empty list', async () => {
    const { table, sent } = scriptedTable(() => ({}));

    await batchWriteAll(table, []);

    expect(sent).toHaveLength(0);
  });
});

describe('unit: batchGetAll', () => {
  function keysIn(command: SentCommand): { PK: string; SK: string }[] {
    return (command.input.RequestItems[tableName] as { Keys: { PK: string; SK: string }[] }).Keys;
  }

  it('reads at most 100 de-duplicated keys per BatchGetItem and retries unprocessed keys', async () => {
    // Prepare: 150 distinct keys plus repeats; the first call leaves one key unprocessed.
    const keys = Array.from({ length: 150 }, (_, index) => ({ PK: 'USER#u1', SK: `TXN#${index}` }));
    const { table, sent } = scriptedTable((command, call) => {
      const requested = keysIn(command);
      const unprocessed = call === 1 ? requested.slice(0, 1) : [];
      const answered = requested.slice(unprocessed.length).map((key) => ({ ...key, entity: 'transaction' }));
      return {
        Responses: { [tableName]: answered },
        UnprocessedKeys: unprocessed.length > 0 ? { [tableName]: { Keys: unprocessed } } : {},
      };
    });
    const { policy, delays } = recordingPolicy();

    // Act
    const items = await batchGetAll(table, [...keys, ...keys.slice(0, 20)], { policy, consistentRead: true });

    // Assess
    expect(items).toHaveLength(150);
    expect(new Set(items.map((item) => item.SK)).size).toBe(150);
    expect(sent.map((command) => keysIn(command).length).sort((a, b) => b - a)).toEqual([100, 50, 1]);
    expect(delays).toHaveLength(1);
    expect((sent[0]!.input.RequestItems[tableName] as { ConsistentRead?: boolean }).ConsistentRead).toBe(true);
  });

  it('throws when keys stay unprocessed', async () => {
    const { table } = scriptedTable((command) => ({
      Responses: { [tableName]: [] },
      UnprocessedKeys: { [tableName]: { Keys: keysIn(command) } },
    }));

    await expect(batchGetAll(table, [{ PK: 'a', SK: 'b' }], { policy: recordingPolicy(2).policy })).rejects.toBeInstanceOf(
      BatchIncompleteError,
    );
  });
});

describe('unit: backoff and chunking', () => {
  it('caps the exponential delay and scales it by the jitter', () => {
    const policy: RetryPolicy = { maxAttempts: 8, baseDelayMs: 50, maxDelayMs: 3_000 };

    expect(backoffDelayMs(1, policy, () => 0.999)).toBe(99);
    expect(backoffDelayMs(3, policy, () => 0.5)).toBe(200);
    expect(backoffDelayMs(20, policy, () => 0.5)).toBe(1_500);
    expect(backoffDelayMs(4, policy, () => 0)).toBe(0);
  });

  it('chunks a list into consecutive slices of the given size', () => {
    expect(chunked([1, 2, 3, 4, 5], 2)).toEqual([[1, 2], [3, 4], [5]]);
    expect(chunked([], 25)).toEqual([]);
    expect(() => chunked([1], 0)).toThrow();
  });
});
