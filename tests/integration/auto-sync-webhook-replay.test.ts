/**
 * Webhook replay end to end against the emulator: stored Plaid events are applied by the real webhook worker
 * handler (`functions/workers/apply-webhook-event.ts`, driven with SQS events built from the messages in a
 * private queue), then replayed by id and by connection through the same worker path, and the stored state
 * shows no double effect: a status already applied is not written again, a replayed SYNC_UPDATES_AVAILABLE
 * queues one sync per replay, and a redelivered replay message changes nothing.
 *
 * The handler is imported after this file's environment points it at a private table and private queues.
 */
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { promisify } from 'node:util';
import { DeleteMessageCommand, ReceiveMessageCommand, SendMessageCommand, SQSClient, type Message } from '@aws-sdk/client-sqs';
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queues } from '../../shared/catalog/resources';
import { provisionQueue, type ProvisionedQueue } from '../../local/aws/provision';
import { parseReplayArguments, replayFromEnvironment } from '../../ops/replay-webhooks';
import { queueIdentity, sqsEvent, sqsRecord } from '../../local/workers/sqs-event';
import { batchWriteAll, putRequest } from '../../shared/adapters/dynamodb/batch';
import { DynamoConnectionStore } from '../../shared/adapters/dynamodb/connection-store';
import { connectionToItem } from '../../shared/adapters/dynamodb/entities/connection';
import { DynamoSyncRunStore } from '../../shared/adapters/dynamodb/sync-run-store';
import { tableRef } from '../../shared/adapters/dynamodb/table';
import { DynamoWebhookEventStore } from '../../shared/adapters/dynamodb/webhook-event-store';
import type { Connection, WebhookEvent } from '../../shared/banking/model';
import type { SyncJob } from '../../shared/banking/ports';
import { syncJobMessage } from '../../shared/queue/messages';
import { makeConnection } from '../helpers/dynamodb-fixtures';
import { createPrivateTable, type PrivateTable } from '../helpers/dynamodb-table';
import { eventually } from '../helpers/eventually';
import { logger } from '../../shared/observability/logger';
import { localAwsClientConfig, localAwsEnv } from '../setup/local-aws-context';

const execFileAsync = promisify(execFile);
const sqs = new SQSClient(localAwsClientConfig());
const shardCount = 8;

let table: PrivateTable;
let webhookQueue: ProvisionedQueue;
let syncQueue: ProvisionedQueue;
let events: DynamoWebhookEventStore;
let connections: DynamoConnectionStore;
let syncRuns: DynamoSyncRunStore;
let worker: (event: SQSEvent) => Promise<SQSBatchResponse>;

beforeAll(async () => {
  // The workers log every message they handle; E2E_LOG_LEVEL=INFO shows those lines when debugging.
  logger.setLogLevel((process.env.E2E_LOG_LEVEL as 'INFO' | undefined) ?? 'ERROR');
  const prefix = `replay-${randomUUID().slice(0, 8)}`;
  [table, webhookQueue, syncQueue] = await Promise.all([
    createPrivateTable('replay'),
    provisionQueue(sqs, queues.webhookEvents, prefix, 600),
    provisionQueue(sqs, queues.sync, prefix, 600),
  ]);
  Object.assign(process.env, {
    TABLE_NAME: table.tableName,
    WEBHOOK_EVENT_QUEUE_URL: webhookQueue.url,
    SYNC_QUEUE_URL: syncQueue.url,
    DUE_INDEX_SHARDS: String(shardCount),
  });
  events = new DynamoWebhookEventStore({ tableName: table.tableName });
  connections = new DynamoConnectionStore({ tableName: table.tableName, dueIndexShards: shardCount });
  syncRuns = new DynamoSyncRunStore({ tableName: table.tableName });
  ({ handler: worker } = await import('../../functions/workers/apply-webhook-event'));
});

afterAll(async () => {
  sqs.destroy();
  await table?.drop();
});

/** Every message waiting in a queue, deleted as read. */
async function drain(queueUrl: string): Promise<Message[]> {
  const drained: Message[] = [];
  for (let emptyPolls = 0; emptyPolls < 2; ) {
    const result = await sqs.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 1, MessageSystemAttributeNames: ['All'] }));
    const messages = result.Messages ?? [];
    emptyPolls = messages.length === 0 ? emptyPolls + 1 : 0;
    for (const message of messages) {
      drained.push(message);
      await sqs.send(new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: message.ReceiptHandle! }));
    }
  }
  return drained;
}

/** What the Lambda event source does: hands the queued webhook messages to the worker, as one SQS event. */
/**
 * Takes the queued sync jobs off the queue, and does for each what the sync worker does with a run: clear the
 * connection's pending-sync marker (a loud run when it starts, a quiet webhook-requested one at its commit). Without that, the next sync request would join the
 * (never started) run instead of queueing its own (shared/banking/sync-requests.ts).
 */
async function drainSyncJobs(): Promise<Message[]> {
  const drained = await drain(syncQueue.url);
  for (const message of drained) {
    const job = syncJobMessage.parse(JSON.parse(message.Body!));
    await connections.releasePendingSync(job.userId, job.connectionId, job.syncRunId, new Date().toISOString());
  }
  return drained;
}

async function runWebhookWorker(expected: number, redeliver = false): Promise<SQSBatchResponse> {
  const messages: Message[] = [];
  await eventually(`${expected} webhook message(s) queued`, async () => {
    messages.push(...((await sqs.send(new ReceiveMessageCommand({ QueueUrl: webhookQueue.url, MaxNumberOfMessages: 10, WaitTimeSeconds: 1, MessageSystemAttributeNames: ['All'] }))).Messages ?? []));
    return messages.length >= expected;
  });
  const identity = queueIdentity(webhookQueue.arn);
  const records = messages.map((message) => sqsRecord(message, identity));
  const response = await worker(sqsEvent(records));
  // SQS delivers at least once: the same batch may arrive again before it is deleted.
  if (redeliver) expect(await worker(sqsEvent(records))).toEqual({ batchItemFailures: [] });
  for (const message of messages) await sqs.send(new DeleteMessageCommand({ QueueUrl: webhookQueue.url, ReceiptHandle: message.ReceiptHandle! }));
  return response;
}

function plaidEvent(connection: Connection, body: Record<string, unknown>, receivedAt: string): WebhookEvent {
  return {
    provider: 'plaid',
    eventId: `evt-${randomUUID()}`,
    type: `${body.webhook_type as string}/${body.webhook_code as string}`,
    providerItemId: connection.providerItemId,
    connectionId: connection.connectionId,
    userId: connection.userId,
    body: JSON.stringify({ ...body, item_id: connection.providerItemId, environment: 'sandbox' }),
    status: 'received',
    receivedAt,
    processedAt: null,
    attempts: 0,
  };
}

const syncUpdates = { webhook_type: 'TRANSACTIONS', webhook_code: 'SYNC_UPDATES_AVAILABLE', initial_update_complete: true, historical_update_complete: true };
const loginRequired = {
  webhook_type: 'ITEM',
  webhook_code: 'ERROR',
  error: { error_type: 'ITEM_ERROR', error_code: 'ITEM_LOGIN_REQUIRED', error_message: 'the login details of this item have changed', display_message: null },
};

describe('webhook replay', () => {
  let connection: Connection;
  let syncEvent: WebhookEvent;
  let loginEvent: WebhookEvent;
  let firstJobs: SyncJob[];

  beforeAll(async () => {
    // Prepare: a healthy connection with two stored events, applied once by the worker as on first delivery.
    connection = makeConnection({ status: 'healthy', nextSyncAt: '2031-01-01T00:00:00.000Z' });
    await batchWriteAll(tableRef({ tableName: table.tableName }), [putRequest(connectionToItem(connection, shardCount))]);
    syncEvent = plaidEvent(connection, syncUpdates, '2030-12-31T10:00:00.000Z');
    loginEvent = plaidEvent(connection, loginRequired, '2030-12-31T10:05:00.000Z');
    for (const event of [syncEvent, loginEvent]) {
      await events.storeUnlessSeen(event, Math.floor(Date.now() / 1000) + 86_400, null);
      await sqs.send(new SendMessageCommand({ QueueUrl: webhookQueue.url, MessageBody: JSON.stringify({ provider: 'plaid', eventId: event.eventId }) }));
    }
    expect(await runWebhookWorker(2)).toEqual({ batchItemFailures: [] });
    firstJobs = (await drainSyncJobs()).map((message) => syncJobMessage.parse(JSON.parse(message.Body!)));
    expect(firstJobs).toHaveLength(1);
  }, 60_000);

  it('applied the stored events once: login required, one sync queued', async () => {
    const stored = await connections.get(connection.userId, connection.connectionId);
    expect(stored).toMatchObject({ status: 'login_required', nextSyncAt: null, statusReason: { code: 'ITEM_LOGIN_REQUIRED' } });
    expect((await events.get('plaid', syncEvent.eventId))?.status).toBe('processed');
    expect((await events.get('plaid', loginEvent.eventId))?.status).toBe('processed');
    // The sync is webhook-requested, so background work: its job is queued without a `queued` record (the
    // run is recorded when it ends; this job was drained, never run).
    expect(firstJobs[0]).toMatchObject({ connectionId: connection.connectionId, trigger: 'webhook' });
    expect((await syncRuns.listByConnection(connection.connectionId, 10, null)).items).toEqual([]);
  });

  it('replays one event by id through the worker without writing the connection again', async () => {
    // Prepare
    const before = await connections.get(connection.userId, connection.connectionId);

    // Act: replay, then the worker takes the message (delivered twice, as SQS may).
    const result = await replayFromEnvironment(parseReplayArguments(['--event', `plaid:${loginEvent.eventId}`]));
    await runWebhookWorker(1, true);

    // Assess: queued once, applied, and the connection row is byte-for-byte what it was (same version).
    expect(result.replayed.map((event) => [event.eventId, event.previousStatus])).toEqual([[loginEvent.eventId, 'processed']]);
    expect(await connections.get(connection.userId, connection.connectionId)).toEqual(before);
    const replayed = await events.get('plaid', loginEvent.eventId);
    // Nothing was left to change, which the worker records as `ignored`; it is settled either way.
    expect(['processed', 'ignored']).toContain(replayed?.status);
    expect(replayed?.attempts).toBe(2);
    expect(await drainSyncJobs()).toEqual([]);
  });

  it("replays a connection's events oldest first: the sync event queues exactly one more sync, the status event changes nothing", async () => {
    // Prepare
    const before = await connections.get(connection.userId, connection.connectionId);

    // Act
    const result = await replayFromEnvironment(parseReplayArguments(['--connection', connection.connectionId]));
    await runWebhookWorker(2, true);

    // Assess
    expect(result.replayed.map((event) => event.eventId)).toEqual([syncEvent.eventId, loginEvent.eventId]);
    const syncJobs = (await drainSyncJobs()).map((message) => syncJobMessage.parse(JSON.parse(message.Body!)));
    // Only the version moved (the sync request marked, and the drained run released, a pending sync).
    expect({ ...(await connections.get(connection.userId, connection.connectionId)), updatedAt: before?.updatedAt }).toEqual(before);
    expect(syncJobs).toHaveLength(1);
    expect(syncJobs[0]).toMatchObject({ connectionId: connection.connectionId, trigger: 'webhook' });
    // A sync of its own, not the first one's again; neither has a record before it runs (webhook-requested).
    expect(syncJobs[0]!.syncRunId).not.toBe(firstJobs[0]!.syncRunId);
    expect((await syncRuns.listByConnection(connection.connectionId, 10, null)).items).toEqual([]);
  });

  it('ties an event stored before its connection existed to the connection, so the replay applies it', async () => {
    // Prepare: NEW_ACCOUNTS_AVAILABLE arrived for an item nobody had linked yet (kept as ignored), then the item was linked.
    const linked = makeConnection({ status: 'healthy', nextSyncAt: '2031-01-01T00:00:00.000Z' });
    const early: WebhookEvent = {
      ...plaidEvent(linked, { webhook_type: 'ITEM', webhook_code: 'NEW_ACCOUNTS_AVAILABLE' }, '2030-12-30T09:00:00.000Z'),
      connectionId: null,
      userId: null,
      status: 'ignored',
      processedAt: '2030-12-30T09:00:00.000Z',
    };
    await events.storeUnlessSeen(early, Math.floor(Date.now() / 1000) + 86_400, null);
    await connections.createWithAccounts(linked, [], []);

    // Act
    const result = await replayFromEnvironment({ by: 'event', provider: 'plaid', eventId: early.eventId });
    await runWebhookWorker(1);

    // Assess
    expect(result.replayed[0]).toMatchObject({ previousStatus: 'ignored', connectionId: linked.connectionId });
    expect(await connections.get(linked.userId, linked.connectionId)).toMatchObject({ status: 'new_accounts_available' });
    expect(await events.get('plaid', early.eventId)).toMatchObject({ status: 'processed', connectionId: linked.connectionId });
  });

  it('runs as `npm run replay-webhooks`, and reports an unknown event id with exit code 1', async () => {
    const env = { ...process.env, ...localAwsEnv(), TABLE_NAME: table.tableName, WEBHOOK_EVENT_QUEUE_URL: webhookQueue.url };
    const cli = ['--import', 'tsx', 'ops/replay-webhooks.ts'];

    const { stdout } = await execFileAsync(process.execPath, [...cli, '--event', `plaid:${syncEvent.eventId}`], { env });
    expect(stdout).toContain(`replayed plaid:${syncEvent.eventId} TRANSACTIONS/SYNC_UPDATES_AVAILABLE`);
    await runWebhookWorker(1);
    expect(await drainSyncJobs()).toHaveLength(1);

    await expect(execFileAsync(process.execPath, [...cli, '--event', 'plaid:no-such-event'], { env })).rejects.toMatchObject({
      code: 1,
      stdout: expect.stringContaining('not found: no-such-event'),
    });
    await expect(execFileAsync(process.execPath, [...cli, '--event', 'acme:1'], { env })).rejects.toMatchObject({ code: 2 });
  }, 60_000);
});
