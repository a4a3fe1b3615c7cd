/**
 * The Plaid webhook path end to end: the real handler files on the local AWS emulator (DynamoDB, SQS,
 * Secrets Manager), the local Plaid sandbox signing and sending the webhooks, and the `plaid` SDK fetching
 * the verification keys from the sandbox.
 *
 * Each webhook is fired at the sandbox (`/sandbox/item/fire_webhook`, `/sandbox/item/reset_login`), caught
 * by a throwaway receiver with its exact bytes and headers, and replayed into the handler as the API Gateway
 * v2 event the local gateway would build from that request. Redeliveries are re-signed by the sandbox (fresh
 * `iat`), as Plaid re-signs each retry.
 *
 * The queues are private to this file (own prefix), so counting messages never races with other files.
 */
import { randomUUID } from 'node:crypto';
import { DeleteMessageBatchCommand, ReceiveMessageCommand, SQSClient, type Message } from '@aws-sdk/client-sqs';
import type { APIGatewayProxyStructuredResultV2, SQSBatchResponse } from 'aws-lambda';
import {
  Configuration,
  PlaidApi,
  Products,
  SandboxItemFireWebhookRequestWebhookCodeEnum as WebhookCode,
  WebhookType,
} from 'plaid';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queues } from '../../shared/catalog/resources';
import { provisionQueue, type ProvisionedQueue } from '../../local/aws/provision';
import { buildHttpApiEvent, newRequestId, type GatewayEvent } from '../../local/gateway/http-api-event';
import { startPlaidSandbox, type PlaidSandbox } from '../../local/sandboxes/plaid/plaid-sandbox';
import { WebhookSigner } from '../../local/sandboxes/plaid/webhook-signer';
import { queueIdentity, sqsEvent, sqsRecord } from '../../local/workers/sqs-event';
import { DynamoConnectionStore } from '../../shared/adapters/dynamodb/connection-store';
import { DynamoWebhookEventStore } from '../../shared/adapters/dynamodb/webhook-event-store';
import type { Connection } from '../../shared/banking/model';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { dynamoDocumentClient } from '../../shared/adapters/aws-clients';
import { connectionKey } from '../../shared/adapters/dynamodb/entities/connection';
import { itemPointerKey } from '../../shared/adapters/dynamodb/entities/item-pointer';
import { makeConnection } from '../helpers/dynamodb-fixtures';
import { seedLegacyConnection } from '../helpers/legacy-rows';
import { startWebhookReceiver, type ReceivedWebhook, type WebhookReceiver } from '../helpers/webhook-receiver';
import { localAwsClientConfig } from '../setup/local-aws-context';
import { parseReplayArguments, replayFromEnvironment } from '../../ops/replay-webhooks';

type HttpHandler = (event: GatewayEvent) => Promise<APIGatewayProxyStructuredResultV2>;
type WorkerHandler = (event: ReturnType<typeof sqsEvent>) => Promise<SQSBatchResponse>;

const sqs = new SQSClient(localAwsClientConfig());
let sandbox: PlaidSandbox;
let plaid: PlaidApi;
let receiver: WebhookReceiver;
let webhookQueue: ProvisionedQueue;
let syncQueue: ProvisionedQueue;
let receive: HttpHandler;
let applyEvents: WorkerHandler;
let connections: DynamoConnectionStore;
let events: DynamoWebhookEventStore;

beforeAll(async () => {
  const prefix = `webhooks-${randomUUID().slice(0, 8)}`;
  [webhookQueue, syncQueue] = await Promise.all([
    provisionQueue(sqs, queues.webhookEvents, prefix, 30),
    provisionQueue(sqs, queues.sync, prefix, 30),
  ]);
  sandbox = await startPlaidSandbox({ port: 0 });
  plaid = new PlaidApi(
    new Configuration({
      basePath: sandbox.url,
      baseOptions: { headers: { 'PLAID-CLIENT-ID': sandbox.credentials.clientId, 'PLAID-SECRET': sandbox.credentials.secret } },
    }),
  );
  receiver = await startWebhookReceiver();
  Object.assign(process.env, {
    WEBHOOK_EVENT_QUEUE_URL: webhookQueue.url,
    SYNC_QUEUE_URL: syncQueue.url,
    PLAID_ENV: 'local',
    PLAID_LOCAL_BASE_URL: sandbox.url,
  });
  // Imported only now: the handlers read their configuration at module load, like a Lambda cold start.
  receive = (await import('../../functions/http/plaid-webhook')).handler as HttpHandler;
  applyEvents = (await import('../../functions/workers/apply-webhook-event')).handler as WorkerHandler;
  connections = new DynamoConnectionStore({ tableName: process.env.TABLE_NAME!, dueIndexShards: 8 });
  events = new DynamoWebhookEventStore({ tableName: process.env.TABLE_NAME! });
});

afterAll(async () => {
  await sandbox?.stop();
  await receiver?.close();
  sqs.destroy();
});

/** A sandbox Item whose webhooks go to the receiver; `linked` also stores our connection for it. */
async function sandboxItem(options: { linked: boolean }): Promise<{ accessToken: string; itemId: string; connection: Connection }> {
  const created = await plaid.sandboxPublicTokenCreate({
    institution_id: 'ins_109508',
    initial_products: [Products.Transactions],
    options: { webhook: `${receiver.url}/plaid` },
  });
  const exchanged = await plaid.itemPublicTokenExchange({ public_token: created.data.public_token });
  const connection = makeConnection({ providerItemId: exchanged.data.item_id });
  if (options.linked) await connections.createWithAccounts(connection, [], []);
  return { accessToken: exchanged.data.access_token, itemId: exchanged.data.item_id, connection };
}

/** The delivery the sandbox made for this Item and code. */
function caught(itemId: string, code: string): Promise<ReceivedWebhook> {
  return receiver.waitFor((webhook) => webhook.body.item_id === itemId && webhook.body.webhook_code === code);
}

/** That delivery as API Gateway hands it to the function (optionally with another token or body). */
function asEvent(webhook: ReceivedWebhook, overrides: { token?: string; rawBody?: string } = {}): GatewayEvent {
  const token = overrides.token ?? String(webhook.headers['plaid-verification']);
  return buildHttpApiEvent(
    {
      method: 'POST',
      target: '/api/v1/webhooks/plaid',
      rawHeaders: ['Content-Type', 'application/json', 'Plaid-Verification', token, 'User-Agent', 'Plaid Verifier'],
      httpVersion: '1.1',
      sourceIp: '52.21.26.131',
      localPort: 443,
      body: Buffer.from(overrides.rawBody ?? webhook.rawBody),
      receivedAt: new Date(),
    },
    { routeKey: 'POST /api/v1/webhooks/plaid' },
    newRequestId(),
  );
}

/** Receives (and deletes) until the queue stays empty for two polls. */
async function drain(queue: ProvisionedQueue): Promise<Message[]> {
  const received: Message[] = [];
  for (let emptyPolls = 0, polls = 0; emptyPolls < 2 && polls < 30; polls++) {
    const result = await sqs.send(
      new ReceiveMessageCommand({ QueueUrl: queue.url, MaxNumberOfMessages: 10, MessageSystemAttributeNames: ['All'], WaitTimeSeconds: 0 }),
    );
    const messages = result.Messages ?? [];
    emptyPolls = messages.length === 0 ? emptyPolls + 1 : 0;
    received.push(...messages);
    if (messages.length > 0) {
      await sqs.send(
        new DeleteMessageBatchCommand({
          QueueUrl: queue.url,
          Entries: messages.map((message, index) => ({ Id: String(index), ReceiptHandle: message.ReceiptHandle! })),
        }),
      );
    }
  }
  return received;
}

/** Hands webhook-queue messages to the worker handler the way the SQS event source does. */
async function runWorker(messages: readonly Message[]): Promise<SQSBatchResponse> {
  const queue = queueIdentity(webhookQueue.arn);
  return applyEvents(sqsEvent(messages.map((message) => sqsRecord(message, queue))));
}

const nowSeconds = () => Math.floor(Date.now() / 1000);

describe('POST /api/v1/webhooks/plaid → webhook worker', () => {
  it('turns five deliveries of one webhook into one stored event, one queued event and one sync job', async () => {
    const { accessToken, itemId, connection } = await sandboxItem({ linked: true });
    await plaid.sandboxItemFireWebhook({ access_token: accessToken, webhook_type: WebhookType.Transactions, webhook_code: WebhookCode.SyncUpdatesAvailable });
    const fired = await caught(itemId, 'SYNC_UPDATES_AVAILABLE');

    // The original delivery, then four retries, each re-signed like Plaid re-signs a retry.
    const results = [await receive(asEvent(fired))];
    for (let retry = 0; retry < 4; retry += 1) results.push(await receive(asEvent(fired, { token: sandbox.webhooks.sign(fired.rawBody) })));

    expect(results.map((result) => result.statusCode)).toEqual([200, 200, 200, 200, 200]);
    expect(results.map((result) => JSON.parse(result.body!).duplicate)).toEqual([false, true, true, true, true]);
    const eventIds = new Set(results.map((result) => JSON.parse(result.body!).event_id as string));
    expect(eventIds.size).toBe(1);
    const [eventId] = eventIds;
    expect(await events.get('plaid', eventId!)).toMatchObject({
      type: 'TRANSACTIONS/SYNC_UPDATES_AVAILABLE',
      body: fired.rawBody,
      status: 'received',
      providerItemId: itemId,
      connectionId: connection.connectionId,
    });
    // Listed under its connection only once the worker has recorded what it did with it.
    expect((await events.listByConnection(connection.connectionId, 10, null)).items).toEqual([]);

    const queued = await drain(webhookQueue);
    expect(queued).toHaveLength(1);
    const firstRun = await runWorker(queued);
    // SQS delivers at least once: the same message again must not start a second sync.
    const secondRun = await runWorker(queued);
    expect(firstRun.batchItemFailures).toEqual([]);
    expect(secondRun.batchItemFailures).toEqual([]);

    const syncJobs = await drain(syncQueue);
    expect(syncJobs.map((message) => JSON.parse(message.Body!))).toEqual([
      expect.objectContaining({ userId: connection.userId, connectionId: connection.connectionId, trigger: 'webhook' }),
    ]);
    const stored = await events.listByConnection(connection.connectionId, 10, null);
    expect(stored.items).toHaveLength(1);
    expect(stored.items[0]).toMatchObject({ eventId, type: 'TRANSACTIONS/SYNC_UPDATES_AVAILABLE', body: fired.rawBody, providerItemId: itemId });
    expect(await events.get('plaid', stored.items[0]!.eventId)).toMatchObject({ status: 'processed', attempts: 1 });
  });

  it('settles a legacy DEFAULT_UPDATE at receipt (stored ignored, nothing queued) while SYNC_UPDATES_AVAILABLE still reaches the worker', async () => {
    const { accessToken, itemId, connection } = await sandboxItem({ linked: true });
    await drain(webhookQueue);
    await drain(syncQueue);
    await plaid.sandboxItemFireWebhook({ access_token: accessToken, webhook_type: WebhookType.Transactions, webhook_code: WebhookCode.DefaultUpdate });
    const legacy = await caught(itemId, 'DEFAULT_UPDATE');

    // The signed delivery, then Plaid's re-signed retry of it: acknowledged as before, the retry a duplicate.
    const first = await receive(asEvent(legacy));
    const retry = await receive(asEvent(legacy, { token: sandbox.webhooks.sign(legacy.rawBody) }));
    expect([first.statusCode, retry.statusCode]).toEqual([200, 200]);
    expect([JSON.parse(first.body!).duplicate, JSON.parse(retry.body!).duplicate]).toEqual([false, true]);
    const legacyId = JSON.parse(first.body!).event_id as string;
    expect(JSON.parse(retry.body!).event_id).toBe(legacyId);
    // Stored once, as the worker would have marked it, but tied to no connection and never queued.
    expect(await events.get('plaid', legacyId)).toMatchObject({
      type: 'TRANSACTIONS/DEFAULT_UPDATE',
      body: legacy.rawBody,
      providerItemId: itemId,
      connectionId: null,
      userId: null,
      status: 'ignored',
      attempts: 1,
    });
    expect(await drain(webhookQueue)).toEqual([]);
    expect((await events.listByConnection(connection.connectionId, 10, null)).items).toEqual([]);

    // The webhook that may have an effect goes on as before: stored, tied, queued, and the worker asks for a sync.
    await plaid.sandboxItemFireWebhook({ access_token: accessToken, webhook_type: WebhookType.Transactions, webhook_code: WebhookCode.SyncUpdatesAvailable });
    const updates = await caught(itemId, 'SYNC_UPDATES_AVAILABLE');
    const queuedReceipt = await receive(asEvent(updates));
    expect(queuedReceipt.statusCode).toBe(200);
    const updatesId = JSON.parse(queuedReceipt.body!).event_id as string;
    expect(await events.get('plaid', updatesId)).toMatchObject({ connectionId: connection.connectionId, status: 'received' });
    const queued = await drain(webhookQueue);
    expect(queued.map((message) => JSON.parse(message.Body!))).toEqual([{ provider: 'plaid', eventId: updatesId }]);
    expect((await runWorker(queued)).batchItemFailures).toEqual([]);
    const syncJobs = await drain(syncQueue);
    expect(syncJobs.map((message) => JSON.parse(message.Body!))).toEqual([
      expect.objectContaining({ userId: connection.userId, connectionId: connection.connectionId, trigger: 'webhook' }),
    ]);
    expect(await events.get('plaid', updatesId)).toMatchObject({ status: 'processed', attempts: 1 });

    // A replay by id still works: the event is tied to its connection, queued, and ignored again by the worker.
    const replayed = await replayFromEnvironment(parseReplayArguments(['--event', `plaid:${legacyId}`]));
    expect(replayed.replayed).toEqual([expect.objectContaining({ eventId: legacyId, previousStatus: 'ignored', connectionId: connection.connectionId })]);
    const replayQueued = await drain(webhookQueue);
    expect(replayQueued.map((message) => JSON.parse(message.Body!))).toEqual([{ provider: 'plaid', eventId: legacyId }]);
    expect((await runWorker(replayQueued)).batchItemFailures).toEqual([]);
    expect(await events.get('plaid', legacyId)).toMatchObject({ status: 'ignored', connectionId: connection.connectionId, attempts: 2 });
    expect(await drain(syncQueue)).toEqual([]);
  });

  it('answers 401 to forged, re-signed, stale and tampered deliveries and stores nothing', async () => {
    const { accessToken, itemId, connection } = await sandboxItem({ linked: true });
    await plaid.sandboxItemFireWebhook({ access_token: accessToken, webhook_code: WebhookCode.NewAccountsAvailable });
    const fired = await caught(itemId, 'NEW_ACCOUNTS_AVAILABLE');
    const genuine = String(fired.headers['plaid-verification']);
    const [header, claims, signature] = genuine.split('.') as [string, string, string];
    const flipped = Buffer.from(signature, 'base64url');
    flipped[0] = (flipped[0] ?? 0) ^ 0x01;
    // Someone else's P-256 key, presented under the sandbox's current kid.
    const reSigned = new WebhookSigner(nowSeconds).sign(fired.rawBody).split('.');

    const attempts = [
      asEvent(fired, { token: `${header}.${claims}.${flipped.toString('base64url')}` }),
      asEvent(fired, { token: `${header}.${reSigned[1]}.${reSigned[2]}` }),
      asEvent(fired, { token: sandbox.webhooks.sign(fired.rawBody, nowSeconds() - 6 * 60) }),
      asEvent(fired, { rawBody: fired.rawBody.replace('NEW_ACCOUNTS_AVAILABLE', 'USER_PERMISSION_REVOKED') }),
      asEvent(fired, { rawBody: JSON.stringify(JSON.parse(fired.rawBody)) }),
      asEvent(fired, { token: '' }),
    ];
    for (const attempt of attempts) {
      const result = await receive(attempt);
      expect(result.statusCode).toBe(401);
      expect(JSON.parse(result.body!)).toEqual({
        error: { code: 'WEBHOOK_VERIFICATION_FAILED', message: 'Webhook verification failed', details: null },
      });
    }
    expect((await events.listByConnection(connection.connectionId, 10, null)).items).toEqual([]);
    expect(await drain(webhookQueue)).toEqual([]);
    // The genuine delivery itself still goes through.
    const genuineReceipt = await receive(asEvent(fired));
    expect(genuineReceipt.statusCode).toBe(200);
    // Not a duplicate: no rejected delivery of these bytes was stored (the listing above shows handled events only).
    expect(JSON.parse(genuineReceipt.body!).duplicate).toBe(false);
    await drain(webhookQueue);
  });

  it('stores a webhook for an unknown item and answers 200 without queueing it', async () => {
    const { accessToken, itemId } = await sandboxItem({ linked: false });
    await plaid.sandboxItemFireWebhook({ access_token: accessToken, webhook_type: WebhookType.Transactions, webhook_code: WebhookCode.SyncUpdatesAvailable });
    const fired = await caught(itemId, 'SYNC_UPDATES_AVAILABLE');

    const result = await receive(asEvent(fired));

    expect(result.statusCode).toBe(200);
    const eventId = JSON.parse(result.body!).event_id as string;
    expect(await events.get('plaid', eventId)).toMatchObject({ providerItemId: itemId, connectionId: null, status: 'ignored', body: fired.rawBody });
    expect(await drain(webhookQueue)).toEqual([]);
  });

  it('applies ITEM ERROR → login_required, then LOGIN_REPAIRED → healthy with a sync queued', async () => {
    const { accessToken, itemId, connection } = await sandboxItem({ linked: true });
    await plaid.sandboxItemResetLogin({ access_token: accessToken });
    const itemError = await caught(itemId, 'ERROR');

    expect((await receive(asEvent(itemError))).statusCode).toBe(200);
    expect((await runWorker(await drain(webhookQueue))).batchItemFailures).toEqual([]);
    expect(await connections.get(connection.userId, connection.connectionId)).toMatchObject({
      status: 'login_required',
      statusReason: { code: 'ITEM_LOGIN_REQUIRED' },
      nextSyncAt: null,
    });
    expect(await drain(syncQueue)).toEqual([]);

    await plaid.sandboxItemFireWebhook({ access_token: accessToken, webhook_code: WebhookCode.LoginRepaired });
    const repaired = await caught(itemId, 'LOGIN_REPAIRED');
    expect((await receive(asEvent(repaired))).statusCode).toBe(200);
    expect((await runWorker(await drain(webhookQueue))).batchItemFailures).toEqual([]);

    const after = await connections.get(connection.userId, connection.connectionId);
    expect(after).toMatchObject({ status: 'healthy', statusReason: null });
    expect(after?.nextSyncAt).not.toBeNull();
    const syncJobs = await drain(syncQueue);
    expect(syncJobs.map((message) => JSON.parse(message.Body!))).toEqual([
      expect.objectContaining({ connectionId: connection.connectionId, trigger: 'webhook' }),
    ]);
  });

  it('resolves webhooks for a connection stored before item pointers, before and after the save that gives it one', async () => {
    // Prepare: the connection as an earlier version stored it (in GSI1 under its item, no pointer row).
    const { accessToken, itemId, connection } = await sandboxItem({ linked: false });
    await seedLegacyConnection(process.env.TABLE_NAME!, connection, 8);
    const raw = async (key: { PK: string; SK: string }) =>
      (await dynamoDocumentClient().send(new GetCommand({ TableName: process.env.TABLE_NAME!, Key: key, ConsistentRead: true }))).Item;
    const pointerKey = itemPointerKey({ provider: 'plaid', providerItemId: itemId, connectionId: connection.connectionId });
    await plaid.sandboxItemResetLogin({ access_token: accessToken });
    const itemError = await caught(itemId, 'ERROR');

    // Act: the receipt finds it through GSI1; the worker's save moves it to a pointer.
    const received = await receive(asEvent(itemError));
    expect((await runWorker(await drain(webhookQueue))).batchItemFailures).toEqual([]);

    // Assess
    expect(received.statusCode).toBe(200);
    expect(await events.get('plaid', JSON.parse(received.body!).event_id)).toMatchObject({
      connectionId: connection.connectionId,
      userId: connection.userId,
      status: 'processed',
    });
    expect(await connections.get(connection.userId, connection.connectionId)).toMatchObject({ status: 'login_required' });
    expect(await raw(connectionKey(connection.userId, connection.connectionId))).not.toHaveProperty('GSI1PK');
    expect(await raw(pointerKey)).toMatchObject({ user_id: connection.userId, connection_id: connection.connectionId });

    // Act + Assess: the next webhook is tied to the connection through the pointer.
    await plaid.sandboxItemFireWebhook({ access_token: accessToken, webhook_code: WebhookCode.LoginRepaired });
    const repaired = await receive(asEvent(await caught(itemId, 'LOGIN_REPAIRED')));
    expect(await events.get('plaid', JSON.parse(repaired.body!).event_id)).toMatchObject({ connectionId: connection.connectionId, status: 'received' });
    expect((await runWorker(await drain(webhookQueue))).batchItemFailures).toEqual([]);
    expect(await connections.get(connection.userId, connection.connectionId)).toMatchObject({ status: 'healthy' });
    await drain(syncQueue);
  });

  it('accepts webhooks signed with a rotated key and refuses the expired one', async () => {
    const { accessToken, itemId } = await sandboxItem({ linked: true });
    await plaid.sandboxItemFireWebhook({ access_token: accessToken, webhook_code: WebhookCode.PendingDisconnect });
    const beforeRotation = await caught(itemId, 'PENDING_DISCONNECT');
    expect((await receive(asEvent(beforeRotation))).statusCode).toBe(200);

    sandbox.webhooks.rotateKey();
    await plaid.sandboxItemFireWebhook({ access_token: accessToken, webhook_code: WebhookCode.NewAccountsAvailable });
    const afterRotation = await caught(itemId, 'NEW_ACCOUNTS_AVAILABLE');
    // The new kid makes the receiver re-fetch the key it had cached, and so learn that it expired.
    expect((await receive(asEvent(afterRotation))).statusCode).toBe(200);
    expect((await receive(asEvent(beforeRotation))).statusCode).toBe(401);
    await drain(webhookQueue);
  });

  // Kept last: the flood uses up this container's allowance for looking up new kids.
  it('turns 25 forged deliveries with fresh kids into at most a few key lookups at Plaid', async () => {
    const { accessToken, itemId, connection } = await sandboxItem({ linked: true });
    await plaid.sandboxItemFireWebhook({ access_token: accessToken, webhook_code: WebhookCode.NewAccountsAvailable });
    const fired = await caught(itemId, 'NEW_ACCOUNTS_AVAILABLE');
    const keyLookups = () => sandbox.recorder.list({ path: '/webhook_verification_key/get', afterSeq: before }).length;
    const before = sandbox.recorder.lastSeq();

    const statuses: number[] = [];
    for (let i = 0; i < 25; i += 1) {
      // Each forger signs with its own P-256 key under a kid Plaid never issued.
      const forged = new WebhookSigner(nowSeconds).sign(fired.rawBody);
      statuses.push((await receive(asEvent(fired, { token: forged }))).statusCode ?? 0);
    }

    expect(statuses).toEqual(Array.from({ length: 25 }, () => 401));
    expect(keyLookups()).toBeLessThanOrEqual(4);
    expect((await events.listByConnection(connection.connectionId, 10, null)).items).toEqual([]);
    // The genuine delivery is still accepted: its key is cached.
    const genuineReceipt = await receive(asEvent(fired));
    expect(genuineReceipt.statusCode).toBe(200);
    // Not a duplicate: no rejected delivery of these bytes was stored (the listing above shows handled events only).
    expect(JSON.parse(genuineReceipt.body!).duplicate).toBe(false);
    await drain(webhookQueue);
  });
});
