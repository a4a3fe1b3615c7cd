/**
 * The cold-start benchmark's request recorder: requests a caller sends without waiting for each other's
 * answers form one wave, a request sent after an answer starts the next, and a requests baseline repeats
 * them with the command classes of the same client packages.
 */
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requestWaves, startAwsRequestRecorder, type AwsRequestRecorder } from '../../bench/aws-request-recorder';
import { requestsBaselineName, writeRequestsBaselineEntry } from '../../bench/cold-start';

let upstream: Server;
let recorder: AwsRequestRecorder;

beforeAll(async () => {
  upstream = createServer((request, response) => {
    request.resume();
    request.on('end', () => {
      response.writeHead(200, { 'content-type': 'application/x-amz-json-1.0' });
      response.end('{}');
    });
  });
  await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
  recorder = await startAwsRequestRecorder(`http://127.0.0.1:${(upstream.address() as AddressInfo).port}`);
});

afterAll(async () => {
  await recorder.close();
  await new Promise<void>((resolve) => upstream.close(() => resolve()));
});

function send(target: string, body: unknown): Promise<number> {
  return fetch(recorder.endpoint, { method: 'POST', headers: { 'x-amz-target': target }, body: JSON.stringify(body) }).then(async (response) => {
    await response.text();
    return response.status;
  });
}

describe('AWS request recorder', () => {
  it('groups requests sent together into one wave and a request sent after their answers into the next', async () => {
    const recorded = await recorder.record(async () => {
      await Promise.all([send('DynamoDB_20120810.Query', { shard: 0 }), send('DynamoDB_20120810.Query', { shard: 1 })]);
      await send('AmazonSQS.SendMessageBatch', { Entries: [] });
    });

    const waves = requestWaves(recorded);
    expect(waves.map((wave) => wave.map((request) => `${request.clientPackage} ${request.operation}`))).toEqual([
      ['@aws-sdk/client-dynamodb Query', '@aws-sdk/client-dynamodb Query'],
      ['@aws-sdk/client-sqs SendMessageBatch'],
    ]);
    expect(waves[0]!.map((request) => request.input)).toEqual(expect.arrayContaining([{ shard: 0 }, { shard: 1 }]));
    expect(recorded.every((request) => request.status === 200)).toBe(true);
  });

  it('refuses a recording with a request it cannot name', async () => {
    await expect(recorder.record(async () => void (await send('Unknown.Operation', {})))).rejects.toThrow(/cannot name/);
  });

  it('writes a baseline that sends the recorded inputs wave by wave with the same client packages', async () => {
    const recorded = await recorder.record(async () => {
      await Promise.all([send('DynamoDB_20120810.Query', { TableName: 't' }), send('DynamoDB_20120810.Query', { TableName: 'u' })]);
      await send('DynamoDB_20120810.PutItem', { TableName: 't' });
    });
    const dir = path.join(tmpdir(), `bench-requests-${process.pid}`);
    const source = readFileSync(writeRequestsBaselineEntry(dir, ['@aws-sdk/client-dynamodb', '@aws-sdk/lib-dynamodb'], requestWaves(recorded)), 'utf8');

    expect(source).toContain("import { QueryCommand as dynamodb_QueryCommand, PutItemCommand as dynamodb_PutItemCommand } from '@aws-sdk/client-dynamodb';");
    expect(source).toContain('[[client0, dynamodb_QueryCommand, {"TableName":"t"}], [client0, dynamodb_QueryCommand, {"TableName":"u"}]],');
    expect(source).toContain('[[client0, dynamodb_PutItemCommand, {"TableName":"t"}]],');
    // No client beyond those of the SDK-only baseline: the requests go through its DynamoDB client.
    expect(source.match(/const client\d+ = /g)).toHaveLength(2);
    expect(requestsBaselineName(['@aws-sdk/client-dynamodb', '@aws-sdk/lib-dynamodb'], recorded.length)).toBe('sdk:dynamodb+lib-dynamodb+requests(3)');
  });
});
