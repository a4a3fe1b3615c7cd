import { randomBytes } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import { describe, expect, it, vi } from 'vitest';
import { consentIndexKey } from '../../shared/adapters/dynamodb/entities/connection';
import type { Connection } from '../../shared/banking/model';
import { nextStepFor } from '../../shared/banking/next-step';
import { findUnusedItems } from '../../shared/billing/unused-items';
import { sendConsentWarnings } from '../../shared/events/consent-warnings';
import { AppWebhookRejectedError, deliverAppWebhook } from '../../shared/events/deliver-app-webhook';
import { consentExpiringEvent, syncCompletedEvent } from '../../shared/events/model';
import { signedWebhookHeaders, signingKeyOf } from '../../shared/events/standard-webhooks';
import {
  InstitutionHealthService,
  type InstitutionHealth,
  type InstitutionHealthStore,
  type InstitutionKey,
  type InstitutionTransition,
} from '../../shared/institutions/institution-health';
import { testOutbox } from '../helpers/fakes/events';
import { InMemoryConnectionStore, TestClock } from '../helpers/fakes/banking-stores';
import { testConnection } from './plaid-webhook-support';

const secret = `whsec_${randomBytes(32).toString('base64')}`;

describe('Standard Webhooks signing', () => {
  it('produces headers the standardwebhooks package verifies, and only with the same secret', () => {
    const body = JSON.stringify({ type: 'sync.completed', timestamp: '2025-03-02T08:00:00.000Z', data: { a: 1 } });
    const headers = signedWebhookHeaders(signingKeyOf(secret), 'evt_1', Math.floor(Date.now() / 1000), body);
    expect(headers['webhook-signature']).toMatch(/^v1,[A-Za-z0-9+/]+=*$/);
    expect(new Webhook(secret).verify(body, headers)).toEqual(JSON.parse(body));
    expect(() => new Webhook(`whsec_${randomBytes(32).toString('base64')}`).verify(body, headers)).toThrow();
  });

  it('refuses a secret that is not whsec_ + base64 of 24-64 bytes, without echoing it', () => {
    expect(() => signingKeyOf('whsec_not base64!')).toThrow(/must be "whsec_" followed by base64/);
    expect(() => signingKeyOf(`whsec_${Buffer.from('short').toString('base64')}`)).toThrow(/24-64 bytes/);
  });
});

describe('outbox publisher and delivery', () => {
  const clock = new TestClock(new Date('2025-03-02T08:00:00.000Z'));
  const connection = testConnection({ consent: { products: [], createdAt: null, expiresAt: '2025-03-05T00:00:00.000Z', revokedAt: null } });

  it('publishes an event once however often it is published, and not at all when discarded', async () => {
    const outbox = testOutbox(clock);
    const event = consentExpiringEvent(connection, '2025-03-05T00:00:00.000Z', clock.now());
    await outbox.publisher.publish([event]);
    await outbox.publisher.publish([event]);
    expect(outbox.bus.put_.map((put) => put.id)).toEqual([event.id]);
    expect(outbox.webhooks.sent).toEqual([event.id]);

    const other = consentExpiringEvent(connection, '2025-04-05T00:00:00.000Z', clock.now());
    await outbox.publisher.stage([other]);
    await outbox.publisher.discard([other.id]);
    await outbox.publisher.flush([other.id]);
    expect(outbox.bus.put_).toHaveLength(1);
  });

  it('keeps an event whose bus put failed unpublished, so the next flush sends it', async () => {
    const outbox = testOutbox(clock);
    const event = consentExpiringEvent(connection, '2025-03-05T00:00:00.000Z', clock.now());
    outbox.bus.failNext = 1;
    await expect(outbox.publisher.publish([event])).rejects.toThrow('bus unavailable');
    await outbox.publisher.flush([event.id]);
    expect(outbox.bus.put_.map((put) => put.id)).toEqual([event.id]);
  });

  it('publish reads back only an event staged before it, and marks what it sent', async () => {
    const outbox = testOutbox(clock);
    const reads = vi.spyOn(outbox.store, 'get');
    const event = consentExpiringEvent(connection, '2025-03-05T00:00:00.000Z', clock.now());
    await outbox.publisher.publish([event]);
    expect(reads).not.toHaveBeenCalled();
    expect(outbox.store.rows.get(event.id)?.published).toBe(true);
    await outbox.publisher.publish([event]);
    expect(reads).toHaveBeenCalledTimes(1);
    expect(outbox.bus.put_).toHaveLength(1);
  });

  it('stage returns only what it stored; publishStaged sends that as staged and leaves the mark to the caller', async () => {
    const outbox = testOutbox(clock);
    const event = consentExpiringEvent(connection, '2025-03-05T00:00:00.000Z', clock.now());
    const recomputed = { ...event, data: { ...event.data, recomputed: true } };
    expect(await outbox.publisher.stage([event])).toEqual([event]);
    // A retry recomputing the event finds the first copy: it gets nothing to send from memory.
    expect(await outbox.publisher.stage([recomputed])).toEqual([]);
    await outbox.publisher.publishStaged([event]);
    expect(outbox.bus.put_).toEqual([event]);
    expect(outbox.webhooks.sent).toEqual([event.id]);
    expect(outbox.store.rows.get(event.id)?.published).toBe(false);
    // Without the caller's record, a retry's flush sends the stored first copy again under the same id.
    await outbox.publisher.flush([event.id]);
    expect(outbox.bus.put_).toEqual([event, event]);
  });

  it('delivers a signed body {type, timestamp, data}; a redelivered message is skipped; a refusal throws for a retry', async () => {
    // Receivers refuse timestamps far from their own clock, so this delivery happens now.
    const now = new TestClock(new Date());
    const outbox = testOutbox(now);
    const event = consentExpiringEvent(connection, '2025-03-05T00:00:00.000Z', now.now());
    await outbox.publisher.publish([event]);
    const posts: { headers: Record<string, string>; body: string }[] = [];
    let answer = 500;
    const deps = {
      events: outbox.store,
      clock: now,
      sender: { post: async (_url: string, headers: Readonly<Record<string, string>>, body: string) => (posts.push({ headers: { ...headers }, body }), { status: answer }) },
      target: async () => ({ url: 'https://app.example/hooks', key: signingKeyOf(secret) }),
    };
    await expect(deliverAppWebhook(deps, { eventId: event.id })).rejects.toBeInstanceOf(AppWebhookRejectedError);
    expect((await outbox.store.get(event.id))!.delivery).toMatchObject({ status: 'failed', attempts: 1, lastError: 'HTTP 500' });

    answer = 204;
    expect(await deliverAppWebhook(deps, { eventId: event.id })).toBe('delivered');
    expect(await deliverAppWebhook(deps, { eventId: event.id })).toBe('already_delivered');
    expect(await deliverAppWebhook(deps, { eventId: event.id, replay: true })).toBe('delivered');
    expect(posts).toHaveLength(3);
    const delivered = new Webhook(secret).verify(posts[1]!.body, posts[1]!.headers) as Record<string, unknown>;
    expect(Object.keys(delivered).sort()).toEqual(['data', 'timestamp', 'type']);
    expect(posts[1]!.headers['webhook-id']).toBe(event.id);

    expect(await deliverAppWebhook({ ...deps, target: async () => null }, { eventId: 'evt_missing' })).toBe('missing');
  });
});

/** The expiry index as DynamoDB keeps it: exactly the connections `consentIndexKey` puts there. */
function consentIndexOver(store: InMemoryConnectionStore) {
  return {
    async listConsentsEndingBefore(shard: number, endsBefore: string) {
      const items = [...store.rows.values()].filter((connection) => {
        const key = consentIndexKey(connection, 1);
        return key !== null && key.GSI3PK === `CONSENT#${shard}` && key.GSI3SK < `${endsBefore}#\uffff`;
      });
      return { items, nextCursor: null };
    },
  };
}

describe('sync.completed payload', () => {
  it('names a failed run\'s error in snake_case, with the provider\'s request id', () => {
    const connection = testConnection();
    const event = syncCompletedEvent(connection, {
      syncRunId: 'run_1',
      connectionId: connection.connectionId,
      userId: connection.userId,
      trigger: 'manual',
      outcome: 'failed',
      startedAt: '2025-03-02T08:00:00.000Z',
      finishedAt: '2025-03-02T08:00:05.000Z',
      counts: { added: 0, modified: 0, removed: 0, accounts: 0 },
      error: { code: 'ITEM_LOGIN_REQUIRED', message: 'Sign in again', providerRequestId: 'req-plaid-1' },
      accountErrors: [],
    } as Parameters<typeof syncCompletedEvent>[1]);
    expect(event.data.error).toEqual({ code: 'ITEM_LOGIN_REQUIRED', message: 'Sign in again', provider_request_id: 'req-plaid-1' });
  });
});

describe('consent.expiring', () => {
  it('is published once per consent end date, days ahead, and again for a renewed consent', async () => {
    const clock = new TestClock(new Date('2025-03-02T08:00:00.000Z'));
    const outbox = testOutbox(clock);
    const connections = new InMemoryConnectionStore();
    const soon = testConnection({ consent: { products: [], createdAt: null, expiresAt: '2025-03-06T08:00:00.000Z', revokedAt: null } });
    const later = testConnection({
      connectionId: 'conn_2',
      consent: { products: [], createdAt: null, expiresAt: '2025-06-01T00:00:00.000Z', revokedAt: null },
    });
    connections.rows.set(soon.connectionId, soon);
    connections.rows.set(later.connectionId, later);
    const deps = { index: consentIndexOver(connections), connections, publisher: outbox.publisher, clock, shardCount: 1, warningDays: 7 };

    expect(await sendConsentWarnings(deps)).toEqual({ warned: 1, lapsed: 0 });
    expect(await sendConsentWarnings(deps)).toEqual({ warned: 0, lapsed: 0 });
    expect(outbox.bus.put_).toEqual([
      expect.objectContaining({
        type: 'consent.expiring',
        userId: 'user_1',
        data: expect.objectContaining({
          connection_id: 'conn_1',
          expires_at: '2025-03-06T08:00:00.000Z',
          days_left: 4,
          next_step: expect.objectContaining({ action: 'renew_consent', path: '/api/v1/banking/connections/conn_1/credentials' }),
        }),
      }),
    ]);
    expect(consentIndexKey(connections.rows.get('conn_1')!, 1)).toBeNull();

    // Renewed, then close to its new end: a new warning.
    connections.rows.set('conn_1', {
      ...connections.rows.get('conn_1')!,
      consent: { products: [], createdAt: null, expiresAt: '2025-03-08T00:00:00.000Z', revokedAt: null },
    });
    expect(await sendConsentWarnings(deps)).toEqual({ warned: 1, lapsed: 0 });
    expect(outbox.bus.put_).toHaveLength(2);
  });

  it('the connection shows when and how to renew once the end date is within the warning window', () => {
    const now = new Date('2025-03-02T08:00:00.000Z');
    const connection = testConnection({ consent: { products: [], createdAt: null, expiresAt: '2025-03-06T00:00:00.000Z', revokedAt: null } });
    expect(nextStepFor(connection, now)).toMatchObject({ action: 'renew_consent', dueBy: '2025-03-06T00:00:00.000Z', method: 'POST' });
    expect(nextStepFor(connection, now, { consentWarningDays: 2 })).toBeNull();
    expect(nextStepFor({ ...connection, status: 'pending_expiration' }, now, { consentWarningDays: 2 })).toMatchObject({ action: 'renew_consent' });
  });
});

class InMemoryHealthStore implements InstitutionHealthStore {
  readonly rows = new Map<string, InstitutionHealth>();
  private keyOf(key: InstitutionKey) {
    return `${key.provider}#${key.institutionId}`;
  }
  private row(key: InstitutionKey): InstitutionHealth {
    return (
      this.rows.get(this.keyOf(key)) ?? { ...key, name: null, status: 'operational', source: null, reason: null, changedAt: null, failures: {}, unpublishedEventId: null }
    );
  }
  async get(key: InstitutionKey) {
    return this.rows.get(this.keyOf(key)) ?? null;
  }
  async getMany(keys: readonly InstitutionKey[]) {
    return keys.flatMap((key) => this.rows.get(this.keyOf(key)) ?? []);
  }
  async recordFailure(key: InstitutionKey, connectionId: string, at: string) {
    const row = this.row(key);
    const next = { ...row, failures: { ...row.failures, [connectionId]: at } };
    this.rows.set(this.keyOf(key), next);
    return next;
  }
  async transition(change: InstitutionTransition) {
    const row = this.row(change);
    if (row.status !== change.from) return false;
    this.rows.set(this.keyOf(change), {
      ...row,
      name: change.name,
      status: change.to,
      source: change.source,
      reason: change.reason,
      changedAt: change.at,
      failures: {},
      unpublishedEventId: change.eventId,
    });
    return true;
  }
  async markEventPublished(key: InstitutionKey, eventId: string) {
    const row = this.row(key);
    if (row.unpublishedEventId === eventId) this.rows.set(this.keyOf(key), { ...row, unpublishedEventId: null });
  }
}

describe('institution health', () => {
  const setup = () => {
    const clock = new TestClock(new Date('2025-03-02T08:00:00.000Z'));
    const outbox = testOutbox(clock);
    const health = new InMemoryHealthStore();
    const service = new InstitutionHealthService({ health, publisher: outbox.publisher, clock, threshold: 3, windowMinutes: 30 });
    return { clock, outbox, health, service };
  };
  const plaidConnection = (id: string): Connection => testConnection({ connectionId: id, providerItemId: `item_${id}` });

  it('Pluggy connector status marks the institution degraded and operational again, one event each way', async () => {
    const { outbox, health, service } = setup();
    const key = { provider: 'pluggy' as const, institutionId: '0' };
    await service.reportStatus(key, null, 'degraded', 'Pluggy reports connector 0 OFFLINE');
    await service.reportStatus(key, null, 'degraded', 'Pluggy reports connector 0 UNSTABLE');
    // A Plaid-style success does not lift a status the provider itself reported.
    await service.syncSucceeded(testConnection({ provider: 'pluggy', institution: { id: '0', name: 'Pluggy Bank' } }));
    expect((await health.get(key))!.status).toBe('degraded');
    await service.reportStatus(key, null, 'operational', 'Pluggy reports connector 0 ONLINE');
    expect(outbox.bus.put_.map((event) => [event.type, event.data.old_status, event.data.new_status])).toEqual([
      ['institution.status_changed', 'operational', 'degraded'],
      ['institution.status_changed', 'degraded', 'operational'],
    ]);
    expect((await health.get(key))!.unpublishedEventId).toBeNull();
  });

  it('Plaid institution errors across N connections within the window degrade it; a successful sync restores it', async () => {
    const { outbox, health, service } = setup();
    await service.syncFailed(plaidConnection('c1'), 'INSTITUTION_DOWN');
    await service.syncFailed(plaidConnection('c1'), 'INSTITUTION_DOWN');
    await service.syncFailed(plaidConnection('c2'), 'ITEM_LOGIN_REQUIRED');
    await service.syncFailed(plaidConnection('c2'), 'INSTITUTION_NOT_RESPONDING');
    expect(outbox.bus.put_).toEqual([]);
    await service.syncFailed(plaidConnection('c3'), 'INSTITUTION_DOWN');
    expect((await health.get({ provider: 'plaid', institutionId: 'ins_109508' }))!.status).toBe('degraded');
    await service.syncSucceeded(plaidConnection('c4'));
    expect(outbox.bus.put_.map((event) => event.data.new_status)).toEqual(['degraded', 'operational']);
  });

  it('old failures outside the window do not count', async () => {
    const { clock, outbox, service } = setup();
    await service.syncFailed(plaidConnection('c1'), 'INSTITUTION_DOWN');
    await service.syncFailed(plaidConnection('c2'), 'INSTITUTION_DOWN');
    clock.advanceSeconds(31 * 60);
    await service.syncFailed(plaidConnection('c3'), 'INSTITUTION_DOWN');
    expect(outbox.bus.put_).toEqual([]);
  });

  it('a degraded institution shows as a wait step instead of an error', () => {
    const step = nextStepFor(testConnection({ status: 'error' }), new Date(), { institutionDegraded: true });
    expect(step).toMatchObject({ action: 'wait_for_institution', method: null });
    expect(nextStepFor(testConnection({ status: 'login_required' }), new Date(), { institutionDegraded: true })).toMatchObject({ action: 'reauthenticate' });
  });
});

describe('billing hygiene', () => {
  it('lists connections dead for more than N days and webhook senders no connection claims', () => {
    const now = new Date('2025-04-15T00:00:00.000Z');
    const dead = testConnection({ status: 'revoked', updatedAt: '2025-03-01T00:00:00.000Z' });
    const recent = testConnection({ connectionId: 'conn_2', providerItemId: 'item_2', status: 'login_required', updatedAt: '2025-04-10T00:00:00.000Z' });
    const unused = findUnusedItems(
      [dead, recent],
      [
        { provider: 'pluggy', providerItemId: 'orphan', lastWebhookAt: '2025-04-01T00:00:00.000Z', webhooks: 3 },
        { provider: 'plaid', providerItemId: 'item_2', lastWebhookAt: '2025-04-01T00:00:00.000Z', webhooks: 1 },
      ],
      now,
      30,
    );
    expect(unused.map((item) => [item.kind, item.providerItemId])).toEqual([
      ['dead_connection', 'item_1'],
      ['unknown_item', 'orphan'],
    ]);
  });
});
