import { beforeEach, describe, expect, it } from 'vitest';
import type { Connection, WebhookEvent } from '../../shared/banking/model';
import { ConflictError } from '../../shared/errors/app-error';
import { providerPart } from '../../shared/providers/registry';
import { applyWebhookEvent, type ApplyWebhookDeps } from '../../shared/webhooks/apply-webhook-event';

const webhookInterpreterFor = providerPart((provider) => provider.interpretWebhook, 'webhook interpretation');
import {
  InMemoryConnectionStore,
  InMemorySyncRunStore,
  InMemoryWebhookEventStore,
  RecordingSyncQueue,
  TestClock,
} from '../helpers/fakes/banking-stores';
import { plaidBody, testConnection } from './plaid-webhook-support';
import { testOutbox } from '../helpers/fakes/events';

describe('applyWebhookEvent with Plaid webhooks', () => {
  let clock: TestClock;
  let events: InMemoryWebhookEventStore;
  let connections: InMemoryConnectionStore;
  let syncRuns: InMemorySyncRunStore;
  let syncQueue: RecordingSyncQueue;
  let deps: ApplyWebhookDeps;
  let revokedAccounts: string[];
  let outbox: ReturnType<typeof testOutbox>;

  beforeEach(() => {
    clock = new TestClock(new Date('2025-03-02T08:00:00.000Z'));
    events = new InMemoryWebhookEventStore();
    connections = new InMemoryConnectionStore();
    syncRuns = new InMemorySyncRunStore();
    syncQueue = new RecordingSyncQueue();
    revokedAccounts = [];
    outbox = testOutbox(clock);
    deps = {
      publisher: outbox.publisher,
      events,
      connections,
      syncRuns,
      syncQueue,
      clock,
      interpreterFor: webhookInterpreterFor,
      // random() = 0.5 means no jitter: the next auto-sync is exactly intervalHours away.
      autoSync: { intervalHours: 12, random: () => 0.5 },
      revokeAccount: async (_connection, providerAccountId) => {
        revokedAccounts.push(providerAccountId);
        return providerAccountId === 'acc_1';
      },
    };
  });

  async function given(connection: Connection, body: Record<string, unknown>, eventId = 'evt_1'): Promise<{ provider: 'plaid'; eventId: string }> {
    connections.rows.set(connection.connectionId, connection);
    const event: WebhookEvent = {
      provider: 'plaid',
      eventId,
      type: `${String(body.webhook_type)}/${String(body.webhook_code)}`,
      providerItemId: connection.providerItemId,
      connectionId: connection.connectionId,
      userId: connection.userId,
      body: plaidBody({ environment: 'sandbox', item_id: connection.providerItemId, ...body }),
      status: 'received',
      receivedAt: '2025-03-02T07:59:59.000Z',
      processedAt: null,
      attempts: 0,
    };
    await events.storeUnlessSeen(event, 1, null);
    return { provider: 'plaid', eventId };
  }

  const stored = () => connections.rows.get('conn_1')!;
  const storedEvent = (eventId = 'evt_1') => events.rows.get(`plaid#${eventId}`)!.event;

  it('SYNC_UPDATES_AVAILABLE queues one webhook-triggered sync and marks the event processed', async () => {
    const job = await given(testConnection(), { webhook_type: 'TRANSACTIONS', webhook_code: 'SYNC_UPDATES_AVAILABLE' });
    expect((await events.listByConnection('conn_1', 10, null)).items).toEqual([]);

    expect(await applyWebhookEvent(deps, job)).toBe('processed');

    expect(syncQueue.sent).toEqual([expect.objectContaining({ userId: 'user_1', connectionId: 'conn_1', trigger: 'webhook' })]);
    // Background work like a scheduled sync: no `queued` record; the run is recorded when it ends. The
    // pending-sync marker names it, so a burst of webhooks joins it.
    expect(syncRuns.runs).toEqual([]);
    expect(stored().pendingSync).toEqual({ syncRunId: syncQueue.sent[0]!.syncRunId, requestedAt: '2025-03-02T08:00:00.000Z' });
    expect(storedEvent()).toMatchObject({ status: 'processed', processedAt: '2025-03-02T08:00:00.000Z', attempts: 1 });
    // The worker's mark is the event's first save: it is listed under its connection from now on.
    expect((await events.listByConnection('conn_1', 10, null)).items).toEqual([storedEvent()]);
  });

  it('is idempotent: a redelivered queue message for a handled event does nothing', async () => {
    const job = await given(testConnection(), { webhook_type: 'TRANSACTIONS', webhook_code: 'SYNC_UPDATES_AVAILABLE' });
    await applyWebhookEvent(deps, job);
    expect(await applyWebhookEvent(deps, job)).toBe('processed');
    expect(await applyWebhookEvent(deps, job)).toBe('processed');
    expect(syncQueue.sent).toHaveLength(1);
    expect(storedEvent().attempts).toBe(1);
  });

  // The receipt settles these itself (plaid-webhook-receipt.test.ts); the worker sees them only when replayed.
  it.each(['DEFAULT_UPDATE', 'INITIAL_UPDATE', 'HISTORICAL_UPDATE', 'TRANSACTIONS_REMOVED', 'RECURRING_TRANSACTIONS_UPDATE'])(
    'TRANSACTIONS %s, replayed to the worker, is ignored again',
    async (code) => {
      const job = await given(testConnection(), { webhook_type: 'TRANSACTIONS', webhook_code: code, new_transactions: 3 });
      expect(await applyWebhookEvent(deps, job)).toBe('ignored');
      expect(syncQueue.sent).toEqual([]);
      expect(connections.saves).toBe(0);
      expect(storedEvent()).toMatchObject({ status: 'ignored', attempts: 1, processedAt: '2025-03-02T08:00:00.000Z' });
    },
  );

  it('ITEM ERROR with ITEM_LOGIN_REQUIRED marks the connection login_required and takes it out of auto-sync', async () => {
    const job = await given(testConnection(), {
      webhook_type: 'ITEM',
      webhook_code: 'ERROR',
      error: {
        error_type: 'ITEM_ERROR',
        error_code: 'ITEM_LOGIN_REQUIRED',
        error_message: 'the login details of this item have changed',
        display_message: null,
        status: 400,
      },
    });

    expect(await applyWebhookEvent(deps, job)).toBe('processed');
    expect(stored()).toMatchObject({
      status: 'login_required',
      statusReason: { code: 'ITEM_LOGIN_REQUIRED', message: 'The bank login needs to be renewed' },
      nextSyncAt: null,
    });
    expect(syncQueue.sent).toEqual([]);
  });

  it('publishes connection.status_changed once, with the user\'s next step, and not again on redelivery', async () => {
    const job = await given(testConnection(), {
      webhook_type: 'ITEM',
      webhook_code: 'ERROR',
      error: { error_type: 'ITEM_ERROR', error_code: 'ITEM_LOGIN_REQUIRED', display_message: null, status: 400 },
    });
    await applyWebhookEvent(deps, job);
    events.rows.get('plaid#evt_1')!.event = { ...storedEvent(), status: 'received' };
    await applyWebhookEvent(deps, job);

    expect(outbox.bus.types()).toEqual(['connection.status_changed']);
    expect(outbox.webhooks.sent).toEqual([outbox.bus.put_[0]!.id]);
    expect(outbox.bus.put_[0]).toMatchObject({
      userId: 'user_1',
      data: {
        connection_id: 'conn_1',
        old_status: 'healthy',
        new_status: 'login_required',
        next_step: { action: 'reauthenticate', method: 'POST', path: '/api/v1/banking/connections/conn_1/credentials' },
      },
    });
  });

  it('a status change whose publication failed is published by the retry, once', async () => {
    const job = await given(testConnection(), { webhook_type: 'ITEM', webhook_code: 'USER_PERMISSION_REVOKED' });
    outbox.bus.failNext = 1;
    await expect(applyWebhookEvent(deps, job)).rejects.toThrow('bus unavailable');
    expect(stored().status).toBe('revoked');
    expect(outbox.bus.put_).toEqual([]);

    await applyWebhookEvent(deps, job);
    await applyWebhookEvent(deps, job);
    expect(outbox.bus.put_).toEqual([expect.objectContaining({ type: 'connection.status_changed', data: expect.objectContaining({ new_status: 'revoked' }) })]);
  });

  it('ITEM ERROR with another code marks the connection error and keeps auto-sync', async () => {
    const job = await given(testConnection(), {
      webhook_type: 'ITEM',
      webhook_code: 'ERROR',
      error: { error_type: 'INSTITUTION_ERROR', error_code: 'INSTITUTION_DOWN', display_message: 'The bank is down', status: 400 },
    });
    await applyWebhookEvent(deps, job);
    expect(stored()).toMatchObject({
      status: 'error',
      statusReason: { code: 'INSTITUTION_DOWN', message: 'The bank is down' },
      nextSyncAt: '2025-03-01T22:00:00.000Z',
    });
  });

  it('ITEM_LOGIN_REQUIRED as a code of its own marks login_required', async () => {
    const job = await given(testConnection(), { webhook_type: 'ITEM', webhook_code: 'ITEM_LOGIN_REQUIRED' });
    await applyWebhookEvent(deps, job);
    expect(stored()).toMatchObject({ status: 'login_required', nextSyncAt: null });
  });

  it('PENDING_EXPIRATION keeps the consent expiry and leaves auto-sync running', async () => {
    const job = await given(testConnection(), {
      webhook_type: 'ITEM',
      webhook_code: 'PENDING_EXPIRATION',
      consent_expiration_time: '2025-03-09T08:00:00Z',
    });
    await applyWebhookEvent(deps, job);
    expect(stored()).toMatchObject({
      status: 'pending_expiration',
      statusReason: { code: 'PENDING_EXPIRATION', message: 'Consent expires at 2025-03-09T08:00:00Z' },
      consent: { products: ['transactions'], expiresAt: '2025-03-09T08:00:00Z', revokedAt: null },
      nextSyncAt: '2025-03-01T22:00:00.000Z',
    });
  });

  it('PENDING_DISCONNECT is treated like an expiring consent', async () => {
    const job = await given(testConnection(), {
      webhook_type: 'ITEM',
      webhook_code: 'PENDING_DISCONNECT',
      reason: 'INSTITUTION_TOKEN_EXPIRATION',
      disconnect_time: '2025-03-09T08:00:00Z',
    });
    await applyWebhookEvent(deps, job);
    expect(stored()).toMatchObject({
      status: 'pending_expiration',
      statusReason: { code: 'PENDING_DISCONNECT' },
      consent: { expiresAt: '2025-03-09T08:00:00Z' },
    });
    expect(stored().statusReason?.message).toContain('INSTITUTION_TOKEN_EXPIRATION');
  });

  it('USER_ACCOUNT_REVOKED revokes the named account only: the connection stays healthy and keeps its auto-sync', async () => {
    const connection = testConnection();
    const job = await given(connection, { webhook_type: 'ITEM', webhook_code: 'USER_ACCOUNT_REVOKED', account_id: 'acc_1' });
    expect(await applyWebhookEvent(deps, job)).toBe('processed');
    expect(revokedAccounts).toEqual(['acc_1']);
    expect(stored()).toEqual(connection);
    expect(syncQueue.sent).toEqual([]);
  });

  it('USER_ACCOUNT_REVOKED for an account the connection does not have is ignored', async () => {
    const job = await given(testConnection(), { webhook_type: 'ITEM', webhook_code: 'USER_ACCOUNT_REVOKED', account_id: 'acc_other' });
    expect(await applyWebhookEvent(deps, job)).toBe('ignored');
    expect(stored().status).toBe('healthy');
  });

  it.each([
    ['USER_PERMISSION_REVOKED', { account_id: 'acc_1' }],
    ['USER_ACCOUNT_REVOKED', {}],
  ])('%s (%o) revokes the connection', async (code, extra) => {
    const job = await given(testConnection(), { webhook_type: 'ITEM', webhook_code: code, ...extra });
    await applyWebhookEvent(deps, job);
    expect(stored()).toMatchObject({
      status: 'revoked',
      statusReason: { code },
      nextSyncAt: null,
      consent: { revokedAt: '2025-03-02T08:00:00.000Z' },
    });
  });

  it('LOGIN_REPAIRED makes a login_required connection healthy, restores auto-sync and queues a sync', async () => {
    const job = await given(
      testConnection({ status: 'login_required', statusReason: { code: 'ITEM_LOGIN_REQUIRED', message: 'renew' }, nextSyncAt: null }),
      { webhook_type: 'ITEM', webhook_code: 'LOGIN_REPAIRED' },
    );
    expect(await applyWebhookEvent(deps, job)).toBe('processed');
    expect(stored()).toMatchObject({ status: 'healthy', statusReason: null, nextSyncAt: '2025-03-02T20:00:00.000Z' });
    expect(syncQueue.sent).toEqual([expect.objectContaining({ connectionId: 'conn_1', trigger: 'webhook' })]);
  });

  it('a late LOGIN_REPAIRED does not revive a revoked connection', async () => {
    const job = await given(testConnection({ status: 'revoked', nextSyncAt: null }), { webhook_type: 'ITEM', webhook_code: 'LOGIN_REPAIRED' });
    expect(await applyWebhookEvent(deps, job)).toBe('ignored');
    expect(stored().status).toBe('revoked');
    expect(syncQueue.sent).toEqual([]);
  });

  it('SYNC_UPDATES_AVAILABLE for a revoked connection queues nothing', async () => {
    const job = await given(testConnection({ status: 'revoked', nextSyncAt: null }), {
      webhook_type: 'TRANSACTIONS',
      webhook_code: 'SYNC_UPDATES_AVAILABLE',
    });
    expect(await applyWebhookEvent(deps, job)).toBe('ignored');
    expect(syncQueue.sent).toEqual([]);
  });

  it('NEW_ACCOUNTS_AVAILABLE flags the connection', async () => {
    const job = await given(testConnection(), { webhook_type: 'ITEM', webhook_code: 'NEW_ACCOUNTS_AVAILABLE' });
    await applyWebhookEvent(deps, job);
    expect(stored()).toMatchObject({ status: 'new_accounts_available', statusReason: { code: 'NEW_ACCOUNTS_AVAILABLE' } });
  });

  it('WEBHOOK_UPDATE_ACKNOWLEDGED is recorded without touching the connection', async () => {
    const job = await given(testConnection(), {
      webhook_type: 'ITEM',
      webhook_code: 'WEBHOOK_UPDATE_ACKNOWLEDGED',
      new_webhook_url: 'https://api.example.com/api/v1/webhooks/plaid',
    });
    expect(await applyWebhookEvent(deps, job)).toBe('processed');
    expect(connections.saves).toBe(0);
    expect(syncQueue.sent).toEqual([]);
  });

  it('ignores webhook types this service does not use', async () => {
    const job = await given(testConnection(), { webhook_type: 'HOLDINGS', webhook_code: 'DEFAULT_UPDATE' });
    expect(await applyWebhookEvent(deps, job)).toBe('ignored');
    expect(connections.saves).toBe(0);
  });

  it('a repeated status webhook costs no write', async () => {
    const body = { webhook_type: 'ITEM', webhook_code: 'ITEM_LOGIN_REQUIRED' };
    await applyWebhookEvent(deps, await given(testConnection(), body, 'evt_1'));
    const writes = connections.saves;
    await applyWebhookEvent(deps, await given(stored(), body, 'evt_2'));
    expect(connections.saves).toBe(writes);
    expect(storedEvent('evt_2').status).toBe('processed');
  });

  it('re-applies the change on a concurrent update instead of overwriting it', async () => {
    const job = await given(testConnection(), { webhook_type: 'ITEM', webhook_code: 'NEW_ACCOUNTS_AVAILABLE' });
    connections.conflictsToInject = 1;
    await applyWebhookEvent(deps, job);
    expect(stored().status).toBe('new_accounts_available');
    expect(connections.saves).toBe(1);
  });

  it('ignores an event whose connection was deleted meanwhile', async () => {
    const job = await given(testConnection(), { webhook_type: 'TRANSACTIONS', webhook_code: 'SYNC_UPDATES_AVAILABLE' });
    connections.rows.clear();
    expect(await applyWebhookEvent(deps, job)).toBe('ignored');
    expect(syncQueue.sent).toEqual([]);
  });

  it('returns null for an event that is no longer stored', async () => {
    expect(await applyWebhookEvent(deps, { provider: 'plaid', eventId: 'evt_gone' })).toBeNull();
  });

  it('leaves the event for a retry when queueing the sync fails, and counts the attempt', async () => {
    const job = await given(testConnection(), { webhook_type: 'TRANSACTIONS', webhook_code: 'SYNC_UPDATES_AVAILABLE' });
    syncQueue.failuresToInject = 1;
    await expect(applyWebhookEvent(deps, job)).rejects.toThrow('SQS unavailable');
    expect(storedEvent()).toMatchObject({ status: 'received', attempts: 1, processedAt: null });

    expect(await applyWebhookEvent(deps, job)).toBe('processed');
    expect(syncQueue.sent).toHaveLength(1);
    expect(storedEvent().attempts).toBe(2);
  });

  it('marks an event failed when its provider has no interpreter in this build', async () => {
    const job = await given(testConnection({ provider: 'pluggy' }), { webhook_type: 'x', webhook_code: 'y' });
    const pluggyEvent = { ...storedEvent(), provider: 'pluggy' as const };
    events.rows.set('pluggy#evt_1', { event: pluggyEvent, expiresAt: 1, listed: false });
    // A build whose interpreters cover Plaid only.
    const plaidOnly: ApplyWebhookDeps = {
      ...deps,
      interpreterFor: (provider) => {
        if (provider === 'plaid') return webhookInterpreterFor(provider);
        throw new ConflictError('PROVIDER_NOT_SUPPORTED', `Webhooks of ${provider} are not supported`);
      },
    };
    await expect(applyWebhookEvent(plaidOnly, { ...job, provider: 'pluggy' })).rejects.toMatchObject({ code: 'PROVIDER_NOT_SUPPORTED' });
    expect(events.rows.get('pluggy#evt_1')?.event.status).toBe('failed');
  });
});
