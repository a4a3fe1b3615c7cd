/**
 * Pluggy webhooks without a network: the verifier (secret header, optional HMAC, clientId, the unsigned
 * switch), the receipt (deduplicated by eventId) and the interpreter (event → action).
 */
import { createHmac, randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { PluggyWebhookVerifier, sameSecret, type PluggyWebhookSecrets } from '../../shared/providers/pluggy/pluggy-webhook-verifier';
import type { Connection } from '../../shared/banking/model';
import { interpretPluggyWebhook } from '../../shared/providers/pluggy/pluggy-webhook-interpreter';
import { describePluggyWebhook } from '../../shared/providers/pluggy/pluggy-webhook-body';
import { receiveWebhook } from '../../shared/webhooks/receive-webhook';
import { WebhookVerificationError } from '../../shared/providers/webhook-verification';
import { InMemoryConnectionStore, InMemoryWebhookEventStore, RecordingWebhookQueue, TestClock } from '../helpers/fakes/banking-stores';

const CLIENT_ID = 'client-1';
const SECRET = 'registered-secret';

function verifier(secrets: Partial<PluggyWebhookSecrets> = {}, allowUnsigned = false) {
  return new PluggyWebhookVerifier({
    secrets: async () => ({ clientId: CLIENT_ID, webhookSecret: SECRET, signingSecret: undefined, ...secrets }),
    allowUnsigned,
  });
}

function delivery(body: Record<string, unknown>, headers: Record<string, string> = { 'x-webhook-secret': SECRET }) {
  return { headers, rawBody: Buffer.from(JSON.stringify(body)) };
}

async function rejection(promise: Promise<void>): Promise<string> {
  const error = await promise.catch((caught: unknown) => caught);
  expect(error).toBeInstanceOf(WebhookVerificationError);
  return (error as WebhookVerificationError).reason;
}

const itemUpdated = { event: 'item/updated', eventId: 'e-1', itemId: 'item-1', clientId: CLIENT_ID };

describe('PluggyWebhookVerifier', () => {
  it('accepts the registered secret header, whatever its case', async () => {
    await expect(verifier().verify(delivery(itemUpdated, { 'X-Webhook-Secret': SECRET }))).resolves.toBeUndefined();
  });

  it('refuses a missing or wrong secret, and another client', async () => {
    expect(await rejection(verifier().verify(delivery(itemUpdated, {})))).toBe('missing_secret');
    expect(await rejection(verifier().verify(delivery(itemUpdated, { 'x-webhook-secret': `${SECRET}x` })))).toBe('bad_secret');
    expect(await rejection(verifier().verify(delivery({ ...itemUpdated, clientId: 'client-2' })))).toBe('client_mismatch');
    // Events Pluggy sends without a clientId (transactions/created) pass on the secret alone.
    const { clientId: _omitted, ...withoutClient } = itemUpdated;
    await expect(verifier().verify(delivery(withoutClient))).resolves.toBeUndefined();
  });

  it('checks the HMAC signature only when a signing key is configured', async () => {
    const signed = verifier({ signingSecret: 'hmac-key' });
    const request = delivery(itemUpdated);
    const signature = createHmac('sha256', 'hmac-key').update(request.rawBody).digest('hex');
    await expect(signed.verify({ ...request, headers: { ...request.headers, 'x-pluggy-signature': signature } })).resolves.toBeUndefined();
    expect(await rejection(signed.verify(request))).toBe('missing_signature');
    expect(await rejection(signed.verify({ ...request, headers: { ...request.headers, 'x-pluggy-signature': 'zz' } }))).toBe('malformed_signature');
    const other = createHmac('sha256', 'other-key').update(request.rawBody).digest('hex');
    expect(await rejection(signed.verify({ ...request, headers: { ...request.headers, 'x-pluggy-signature': other } }))).toBe('bad_signature');
  });

  it('refuses everything without a configured secret, unless unsigned calls are explicitly allowed', async () => {
    expect(await rejection(verifier({ webhookSecret: undefined }).verify(delivery(itemUpdated)))).toBe('not_configured');
    expect(await rejection(verifier({ webhookSecret: undefined }).verify(delivery(itemUpdated, {})))).toBe('missing_secret');
    await expect(verifier({ webhookSecret: undefined }, true).verify(delivery(itemUpdated, {}))).resolves.toBeUndefined();
    // The flag never weakens a configured secret.
    expect(await rejection(verifier({}, true).verify(delivery(itemUpdated, {})))).toBe('missing_secret');
  });

  it('refuses a delivery without the secret header before reading any secret, and reads them for one with it', async () => {
    let reads = 0;
    const counting = (allowUnsigned: boolean) =>
      new PluggyWebhookVerifier({
        secrets: async () => {
          reads++;
          return { clientId: CLIENT_ID, webhookSecret: SECRET, signingSecret: 'hmac-key' };
        },
        allowUnsigned,
      });
    expect(await rejection(counting(false).verify(delivery(itemUpdated, {})))).toBe('missing_secret');
    expect(await rejection(counting(false).verify(delivery(itemUpdated, { 'x-webhook-secret': '' })))).toBe('missing_secret');
    expect(reads).toBe(0);
    // With the header, the secrets decide (here: the configured signature is missing).
    expect(await rejection(counting(false).verify(delivery(itemUpdated)))).toBe('missing_signature');
    expect(reads).toBe(1);
    // Where unsigned calls are allowed, only the stored secrets can tell whether the header is required.
    expect(await rejection(counting(true).verify(delivery(itemUpdated, {})))).toBe('missing_secret');
    expect(reads).toBe(2);
  });

  it('compares secrets of any length without throwing', () => {
    expect(sameSecret('a', 'a')).toBe(true);
    expect(sameSecret('a', 'a much longer value')).toBe(false);
  });
});

describe('Pluggy webhook receipt', () => {
  const connection = { userId: 'u-1', connectionId: 'conn-1', provider: 'pluggy', providerItemId: 'item-1' } as Connection;

  function deps() {
    return {
      events: new InMemoryWebhookEventStore(),
      connections: new InMemoryConnectionStore(connection),
      queue: new RecordingWebhookQueue(),
      clock: new TestClock(new Date('2026-03-01T12:00:00.000Z')),
    };
  }
  const source = { provider: 'pluggy' as const, verifier: verifier(), describe: describePluggyWebhook };

  it('stores and queues an event once per eventId', async () => {
    const stores = deps();
    const request = delivery({ ...itemUpdated, eventId: randomUUID() });
    const first = await receiveWebhook(stores, source, request);
    const second = await receiveWebhook(stores, source, request);
    expect(first.outcome).toBe('queued');
    expect(second).toEqual({ outcome: 'duplicate', eventId: first.eventId });
    expect(stores.queue.sent).toHaveLength(1);
    expect(stores.events.all()[0]).toMatchObject({ provider: 'pluggy', type: 'item/updated', connectionId: 'conn-1', status: 'received' });
  });

  it('queues connector events, which name no item, and sets aside events of unknown items', async () => {
    const stores = deps();
    const connector = await receiveWebhook(stores, source, delivery({ event: 'connector/status_updated', eventId: 'e-c', connectorId: 0, data: { status: 'UNSTABLE' } }));
    const unknown = await receiveWebhook(stores, source, delivery({ ...itemUpdated, eventId: 'e-u', itemId: 'item-unknown' }));
    expect(connector.outcome).toBe('queued');
    expect(unknown.outcome).toBe('unknown_item');
    expect(stores.queue.sent.map((job) => job.eventId)).toEqual(['e-c']);
  });

  it('settles an event the service does not use at receipt: stored once as ignored, no lookup, not queued', async () => {
    const stores = deps();
    const request = delivery({ event: 'payment_intent/created', eventId: 'e-p', itemId: 'item-1', clientId: CLIENT_ID });
    const first = await receiveWebhook(stores, source, request);
    const again = await receiveWebhook(stores, source, request);
    expect(first).toEqual({ outcome: 'ignored', eventId: 'e-p' });
    expect(again).toEqual({ outcome: 'duplicate', eventId: 'e-p' });
    expect(stores.events.all()).toEqual([
      expect.objectContaining({ type: 'payment_intent/created', connectionId: null, status: 'ignored', attempts: 1, processedAt: '2026-03-01T12:00:00.000Z' }),
    ]);
    expect(stores.connections.itemLookups).toBe(0);
    expect(stores.queue.sent).toEqual([]);
  });

  it('settles at receipt exactly the events the interpreter ignores, with its note', () => {
    const bodies = [
      { event: 'payment_intent/created' },
      { event: 'scheduled_payment/created' },
      { event: 'item/updated' },
      { event: 'item/error', error: { code: 'SITE_NOT_AVAILABLE' } },
      { event: 'item/login_succeeded' },
      { event: 'connector/status_updated', data: {} },
      { event: 'transactions/deleted', accountId: 'acc-1', transactionIds: ['t1'] },
    ];
    for (const body of bodies) {
      const raw = JSON.stringify({ eventId: 'e', itemId: 'item-1', ...body });
      const action = interpretPluggyWebhook(raw);
      expect(describePluggyWebhook(Buffer.from(raw)).ignoredNote, body.event).toBe(action.kind === 'ignore' ? action.note : undefined);
    }
  });

  it('stores nothing from a delivery that fails verification', async () => {
    const stores = deps();
    await expect(receiveWebhook(stores, source, delivery(itemUpdated, {}))).rejects.toBeInstanceOf(WebhookVerificationError);
    expect(stores.events.all()).toHaveLength(0);
  });
});

describe('interpretPluggyWebhook', () => {
  const act = (body: Record<string, unknown>) => interpretPluggyWebhook(JSON.stringify({ eventId: 'e', itemId: 'item-1', ...body }));

  it('syncs on new data, with the ids of updated and deleted transactions', () => {
    expect(act({ event: 'item/updated' })).toEqual({ kind: 'sync' });
    expect(act({ event: 'transactions/created', accountId: 'acc-1' })).toEqual({ kind: 'sync' });
    expect(act({ event: 'transactions/updated', accountId: 'acc-1', transactionIds: ['t1', 't1', 't2'] })).toEqual({
      kind: 'sync',
      transactionHint: { providerAccountId: 'acc-1', updatedIds: ['t1', 't2'], deletedIds: [] },
    });
    expect(act({ event: 'transactions/deleted', accountId: 'acc-1', transactionIds: ['t3'] })).toMatchObject({
      transactionHint: { deletedIds: ['t3'], updatedIds: [] },
    });
  });

  it('sets the statuses that need the user, and never syncs on an item error', () => {
    expect(act({ event: 'item/error', error: { code: 'INVALID_CREDENTIALS', message: 'x' } })).toMatchObject({ kind: 'status', status: 'login_required' });
    expect(act({ event: 'item/error', error: { code: 'SITE_NOT_AVAILABLE', message: 'x' } }).kind).toBe('record');
    expect(act({ event: 'item/waiting_user_action' })).toMatchObject({ kind: 'status', status: 'user_action_required', thenSync: true });
    expect(act({ event: 'item/waiting_user_input' })).toMatchObject({ kind: 'status', status: 'mfa_required', thenSync: true });
    expect(act({ event: 'item/deleted' })).toMatchObject({ kind: 'status', status: 'revoked', reason: { code: 'ITEM_DELETED' } });
    // The update goes on after the login and ends in item/updated, which requests the sync: settled at receipt.
    expect(act({ event: 'item/login_succeeded' })).toEqual({ kind: 'ignore', note: 'login succeeded; item/updated follows when the update ends' });
    expect(describePluggyWebhook(Buffer.from(JSON.stringify({ eventId: 'e', itemId: 'item-1', event: 'item/login_succeeded' }))).ignoredNote).toBe(
      'login succeeded; item/updated follows when the update ends',
    );
    // Connector health marks the institution (our institution id for Pluggy is the connector id).
    expect(act({ event: 'connector/status_updated', itemId: undefined, connectorId: 3, data: { status: 'OFFLINE' } })).toEqual({
      kind: 'institution',
      institutionId: '3',
      status: 'degraded',
      note: 'Pluggy reports connector 3 OFFLINE',
    });
    expect(act({ event: 'connector/status_updated', itemId: undefined, connectorId: 3, data: { status: 'ONLINE' } })).toMatchObject({
      kind: 'institution',
      status: 'operational',
    });
    // Without a connector id or status there is nothing to mark: recorded as before.
    expect(act({ event: 'connector/status_updated', itemId: undefined, data: {} })).toMatchObject({ kind: 'record' });
    expect(act({ event: 'payment_intent/created' }).kind).toBe('ignore');
  });
});
