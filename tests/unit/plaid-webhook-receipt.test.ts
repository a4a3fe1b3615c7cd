import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { beforeEach, describe, expect, it } from 'vitest';
import { PlaidWebhookVerifier, VerificationKeyCache } from '../../shared/providers/plaid/plaid-webhook-verifier';
import { MAX_WEBHOOK_BODY_BYTES, webhookRoute } from '../../shared/http/webhook-handler';
import { DEDUPE_WINDOW_SECONDS } from '../../shared/webhooks/event-ids';
import { describePlaidWebhook } from '../../shared/providers/plaid/plaid-webhook-body';
import { interpretPlaidWebhook } from '../../shared/providers/plaid/plaid-webhook-interpreter';
import { receiveWebhook, WEBHOOK_EVENT_RETENTION_DAYS } from '../../shared/webhooks/receive-webhook';
import { type WebhookSource } from '../../shared/providers/ports';
import { InMemoryConnectionStore, InMemoryWebhookEventStore, RecordingWebhookQueue, TestClock } from '../helpers/fakes/banking-stores';
import { FakeKeyServer, newSigningKey, plaidBody, signPlaidWebhook, testConnection } from './plaid-webhook-support';

const syncUpdates = (itemId: string) =>
  plaidBody({
    environment: 'sandbox',
    historical_update_complete: true,
    initial_update_complete: true,
    item_id: itemId,
    webhook_code: 'SYNC_UPDATES_AVAILABLE',
    webhook_type: 'TRANSACTIONS',
  });

function httpEvent(body: string, headers: Record<string, string>, options: { base64?: boolean } = {}): APIGatewayProxyEventV2 {
  return {
    version: '2.0',
    routeKey: 'POST /api/v1/webhooks/plaid',
    rawPath: '/api/v1/webhooks/plaid',
    rawQueryString: '',
    headers: { 'content-type': 'application/json', ...headers },
    requestContext: {
      accountId: '123456789012',
      apiId: 'local',
      domainName: 'localhost',
      domainPrefix: 'localhost',
      http: { method: 'POST', path: '/api/v1/webhooks/plaid', protocol: 'HTTP/1.1', sourceIp: '52.21.26.131', userAgent: 'Plaid Verifier' },
      requestId: 'req-1',
      routeKey: 'POST /api/v1/webhooks/plaid',
      stage: '$default',
      time: '01/Mar/2025:12:00:00 +0000',
      timeEpoch: 1_740_830_400_000,
    },
    body: options.base64 ? Buffer.from(body).toString('base64') : body,
    isBase64Encoded: options.base64 ?? false,
  };
}

describe('Plaid webhook receipt (HTTP adapter + use-case)', () => {
  const key = newSigningKey();
  let clock: TestClock;
  let events: InMemoryWebhookEventStore;
  let connections: InMemoryConnectionStore;
  let queue: RecordingWebhookQueue;
  let handler: ReturnType<typeof webhookRoute>;

  beforeEach(() => {
    clock = new TestClock(new Date('2025-03-01T12:00:00.000Z'));
    events = new InMemoryWebhookEventStore();
    connections = new InMemoryConnectionStore(testConnection({ providerItemId: 'item_known' }));
    queue = new RecordingWebhookQueue();
    const source: WebhookSource = {
      provider: 'plaid',
      verifier: new PlaidWebhookVerifier({
        fetchKey: new FakeKeyServer().publish(key).fetchKey,
        clock,
        cache: new VerificationKeyCache(),
      }),
      describe: describePlaidWebhook,
    };
    // Composed exactly like functions/http/plaid-webhook.ts, with in-memory ports.
    handler = webhookRoute(async (request) => {
      const receipt = await receiveWebhook({ events, connections, queue, clock }, source, request);
      return { status: 200, body: { received: true, event_id: receipt.eventId, duplicate: receipt.outcome === 'duplicate' } };
    });
  });

  const signed = (body: string, options: { base64?: boolean } = {}) =>
    httpEvent(body, { 'plaid-verification': signPlaidWebhook(body, key, { iat: clock.epochSeconds }) }, options);

  it('stores and queues a verified webhook for a known item', async () => {
    const body = syncUpdates('item_known');
    const result = await handler(signed(body));

    expect(result.statusCode).toBe(200);
    expect(result.headers?.['x-request-id']).toBe('req-1');
    const stored = events.all();
    expect(stored).toHaveLength(1);
    expect(stored[0]).toMatchObject({
      provider: 'plaid',
      type: 'TRANSACTIONS/SYNC_UPDATES_AVAILABLE',
      providerItemId: 'item_known',
      connectionId: 'conn_1',
      userId: 'user_1',
      body,
      status: 'received',
      attempts: 0,
      processedAt: null,
      receivedAt: '2025-03-01T12:00:00.000Z',
    });
    expect(queue.sent).toEqual([{ provider: 'plaid', eventId: stored[0]!.eventId }]);
    const row = [...events.rows.values()][0]!;
    expect(row.expiresAt).toBe(clock.epochSeconds + WEBHOOK_EVENT_RETENTION_DAYS * 86_400);
  });

  it('answers every verification failure with the same bare 401', async () => {
    const body = syncUpdates('item_known');
    const forged = httpEvent(body, { 'plaid-verification': signPlaidWebhook(body, newSigningKey(key.kid), { iat: clock.epochSeconds }) });
    const stale = httpEvent(body, { 'plaid-verification': signPlaidWebhook(body, key, { iat: clock.epochSeconds - 301 }) });
    const missing = httpEvent(body, {});
    const tampered = httpEvent(body.replace('item_known', 'item_other'), {
      'plaid-verification': signPlaidWebhook(body, key, { iat: clock.epochSeconds }),
    });

    for (const event of [forged, stale, missing, tampered]) {
      const result = await handler(event);
      expect(result.statusCode).toBe(401);
      expect(JSON.parse(result.body ?? '')).toEqual({
        error: { code: 'WEBHOOK_VERIFICATION_FAILED', message: 'Webhook verification failed', details: null },
      });
    }
    expect(events.all()).toEqual([]);
    expect(queue.sent).toEqual([]);
  });

  it('verifies the decoded bytes of a base64-encoded body', async () => {
    const body = syncUpdates('item_known');
    const result = await handler(signed(body, { base64: true }));
    expect(result.statusCode).toBe(200);
    expect(events.all()[0]?.body).toBe(body);
  });

  it('refuses an oversized body with 413 before verifying it', async () => {
    const body = `{"padding":"${'x'.repeat(MAX_WEBHOOK_BODY_BYTES)}"}`;
    const result = await handler(signed(body));
    expect(result.statusCode).toBe(413);
    expect(JSON.parse(result.body ?? '').error.code).toBe('PAYLOAD_TOO_LARGE');
  });

  it('turns five deliveries of the same webhook into one stored event and one queued job', async () => {
    const body = syncUpdates('item_known');
    const results = [];
    for (let delivery = 0; delivery < 5; delivery += 1) {
      results.push(await handler(signed(body)));
      clock.advanceSeconds(30);
    }
    expect(results.map((result) => result.statusCode)).toEqual([200, 200, 200, 200, 200]);
    expect(results.map((result) => JSON.parse(result.body ?? '').duplicate)).toEqual([false, true, true, true, true]);
    expect(events.all()).toHaveLength(1);
    expect(queue.sent).toHaveLength(1);
  });

  it('still dedupes a redelivery that crosses into the next window', async () => {
    const body = syncUpdates('item_known');
    clock.set(new Date(Math.ceil(clock.now().getTime() / 1000 / DEDUPE_WINDOW_SECONDS) * DEDUPE_WINDOW_SECONDS * 1000 - 5_000).toISOString());
    await handler(signed(body));
    clock.advanceSeconds(10);
    const redelivery = await handler(signed(body));
    expect(JSON.parse(redelivery.body ?? '').duplicate).toBe(true);
    expect(queue.sent).toHaveLength(1);
  });

  it('treats the same bytes arriving much later as a new event (Plaid bodies carry no id)', async () => {
    const body = syncUpdates('item_known');
    await handler(signed(body));
    clock.advanceSeconds(2 * DEDUPE_WINDOW_SECONDS);
    const later = await handler(signed(body));
    expect(JSON.parse(later.body ?? '').duplicate).toBe(false);
    // One record per body: the later arrival replaced the earlier one's (same bytes, same id), and was queued.
    expect(events.all()).toEqual([expect.objectContaining({ receivedAt: clock.now().toISOString(), status: 'received', attempts: 0 })]);
    expect(queue.sent).toHaveLength(2);
  });

  it('dedupes the same bytes for the whole window after the first delivery, and no longer after it', async () => {
    const body = syncUpdates('item_known');
    await handler(signed(body));
    clock.advanceSeconds(DEDUPE_WINDOW_SECONDS - 1);
    expect(JSON.parse((await handler(signed(body))).body ?? '').duplicate).toBe(true);
    clock.advanceSeconds(2);
    expect(JSON.parse((await handler(signed(body))).body ?? '').duplicate).toBe(false);
    expect(queue.sent).toHaveLength(2);
  });

  it('stores a webhook for an unknown item without queueing it, and answers 200', async () => {
    const result = await handler(signed(syncUpdates('item_nobody_has')));
    expect(result.statusCode).toBe(200);
    expect(events.all()).toEqual([
      expect.objectContaining({
        providerItemId: 'item_nobody_has',
        connectionId: null,
        userId: null,
        status: 'ignored',
        processedAt: '2025-03-01T12:00:00.000Z',
      }),
    ]);
    expect(queue.sent).toEqual([]);
  });

  it('answers 5xx when the queue is down, and queues the event on the provider retry', async () => {
    const body = syncUpdates('item_known');
    queue.failuresToInject = 1;
    const first = await handler(signed(body));
    expect(first.statusCode).toBe(500);
    expect(events.all()[0]?.status).toBe('failed');

    clock.advanceSeconds(30);
    const retry = await handler(signed(body));
    expect(retry.statusCode).toBe(200);
    expect(queue.sent).toHaveLength(1);
    expect(events.all()).toEqual([expect.objectContaining({ status: 'received', attempts: 0 })]);
  });

  it('settles a legacy DEFAULT_UPDATE at receipt: stored once as ignored, tied to no connection, not queued, answered 200', async () => {
    const body = plaidBody({
      environment: 'sandbox',
      item_id: 'item_known',
      new_transactions: 3,
      webhook_code: 'DEFAULT_UPDATE',
      webhook_type: 'TRANSACTIONS',
    });
    const first = await handler(signed(body));
    clock.advanceSeconds(30);
    const retry = await handler(signed(body));

    expect([first.statusCode, retry.statusCode]).toEqual([200, 200]);
    expect([JSON.parse(first.body ?? '').duplicate, JSON.parse(retry.body ?? '').duplicate]).toEqual([false, true]);
    expect(events.all()).toEqual([
      expect.objectContaining({
        type: 'TRANSACTIONS/DEFAULT_UPDATE',
        providerItemId: 'item_known',
        connectionId: null,
        userId: null,
        body,
        status: 'ignored',
        processedAt: '2025-03-01T12:00:00.000Z',
        attempts: 1,
      }),
    ]);
    expect(connections.itemLookups).toBe(0);
    expect(queue.sent).toEqual([]);
  });

  it.each([
    ['TRANSACTIONS', 'DEFAULT_UPDATE'],
    ['TRANSACTIONS', 'INITIAL_UPDATE'],
    ['TRANSACTIONS', 'HISTORICAL_UPDATE'],
    ['TRANSACTIONS', 'TRANSACTIONS_REMOVED'],
    ['TRANSACTIONS', 'RECURRING_TRANSACTIONS_UPDATE'],
    ['TRANSACTIONS', 'SOME_FUTURE_CODE'],
    ['HOLDINGS', 'DEFAULT_UPDATE'],
    ['AUTH', 'AUTOMATICALLY_VERIFIED'],
    ['ITEM', 'SOME_FUTURE_CODE'],
  ])('settles %s/%s at receipt with the note the interpreter gives it', (type, code) => {
    const body = plaidBody({ environment: 'sandbox', item_id: 'item_known', webhook_code: code, webhook_type: type });
    const interpreted = interpretPlaidWebhook(body);
    expect(interpreted.kind).toBe('ignore');
    expect(describePlaidWebhook(Buffer.from(body)).ignoredNote).toBe((interpreted as { note: string }).note);
  });

  it.each([
    ['TRANSACTIONS', 'SYNC_UPDATES_AVAILABLE'],
    ['ITEM', 'ERROR'],
    ['ITEM', 'LOGIN_REPAIRED'],
    ['ITEM', 'WEBHOOK_UPDATE_ACKNOWLEDGED'],
  ])('leaves %s/%s, which the interpreter acts on, to the worker', async (type, code) => {
    const body = plaidBody({ environment: 'sandbox', item_id: 'item_known', webhook_code: code, webhook_type: type });
    expect(interpretPlaidWebhook(body).kind).not.toBe('ignore');
    expect(describePlaidWebhook(Buffer.from(body)).ignoredNote).toBeUndefined();
    await handler(signed(body));
    expect(events.all()).toEqual([expect.objectContaining({ connectionId: 'conn_1', status: 'received' })]);
    expect(queue.sent).toHaveLength(1);
  });

  it('rejects a verified body that is not a Plaid webhook with 400', async () => {
    const notJson = await handler(signed('not json'));
    expect(notJson.statusCode).toBe(400);
    expect(JSON.parse(notJson.body ?? '').error.code).toBe('MALFORMED_JSON');
    const noCode = await handler(signed(plaidBody({ webhook_type: 'TRANSACTIONS', item_id: 'item_known' })));
    expect(noCode.statusCode).toBe(400);
    expect(JSON.parse(noCode.body ?? '').error.details).toEqual([expect.objectContaining({ field: 'body.webhook_code' })]);
    expect(events.all()).toEqual([]);
  });
});
