/**
 * Webhook receipt, provider-neutral (`receiveWebhook` with a fake webhook source): verification, storage
 * with deduplication, unknown items, events the interpreter ignores by their code alone (settled at receipt),
 * a failed send and the provider's retry of it, and events whose identical bytes can mean "it happened again". The Plaid and Pluggy specifics (signatures, body ids)
 * are in plaid-webhook-receipt.test.ts and pluggy-webhook.test.ts. No emulator, no network.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Connection, SyncRun } from '../../shared/banking/model';
import { syncRunRecord } from '../../shared/banking/sync-requests';
import { detailMetricNames, flushMetrics, resetMetricsSettings } from '../../shared/observability/metrics';
import { captureLines } from '../../shared/observability/output';
import { WebhookVerificationError } from '../../shared/providers/webhook-verification';
import { receiveWebhook, WEBHOOK_EVENT_RETENTION_DAYS, type ReceiveWebhookDeps } from '../../shared/webhooks/receive-webhook';
import {
  InMemoryConnectionStore,
  InMemorySyncRunStore,
  InMemoryWebhookEventStore,
  RecordingWebhookQueue,
  TestClock,
} from '../helpers/fakes/banking-stores';
import { JsonWebhookSource } from '../helpers/fakes/providers';
import { testConnection } from './plaid-webhook-support';

let events: InMemoryWebhookEventStore;
let connections: InMemoryConnectionStore;
let queue: RecordingWebhookQueue;
let syncRuns: InMemorySyncRunStore;
let clock: TestClock;
let source: JsonWebhookSource;
let deps: ReceiveWebhookDeps;
let connection: Connection;

const deliver = (body: Record<string, unknown>) =>
  receiveWebhook(deps, source, { headers: {}, rawBody: Buffer.from(JSON.stringify(body)) });

beforeEach(() => {
  events = new InMemoryWebhookEventStore();
  connection = testConnection();
  connections = new InMemoryConnectionStore(connection);
  queue = new RecordingWebhookQueue();
  syncRuns = new InMemorySyncRunStore();
  clock = new TestClock(new Date('2025-03-01T12:00:00.000Z'));
  source = new JsonWebhookSource('plaid');
  deps = { events, connections, queue, clock, syncRuns };
});

describe('receiveWebhook', () => {
  it("stores a verified event for a known item under its connection, queues it, and keeps it for the retention period", async () => {
    const receipt = await deliver({ type: 'TRANSACTIONS/SYNC_UPDATES_AVAILABLE', item_id: 'item_1', event_id: 'evt-1' });

    expect(receipt).toEqual({ outcome: 'queued', eventId: 'evt-1' });
    expect(events.all()).toEqual([
      expect.objectContaining({
        provider: 'plaid',
        eventId: 'evt-1',
        type: 'TRANSACTIONS/SYNC_UPDATES_AVAILABLE',
        userId: connection.userId,
        connectionId: connection.connectionId,
        status: 'received',
        attempts: 0,
        receivedAt: '2025-03-01T12:00:00.000Z',
      }),
    ]);
    expect(queue.sent).toEqual([{ provider: 'plaid', eventId: 'evt-1' }]);
    expect(events.rows.get('plaid#evt-1')!.expiresAt).toBe(clock.epochSeconds + WEBHOOK_EVENT_RETENTION_DAYS * 86_400);
    // Stored by the receipt alone: listed under the connection only once some handling of it is saved.
    expect((await events.listByConnection(connection.connectionId, 10, null)).items).toEqual([]);
  });

  it('stores and queues nothing from a delivery that fails verification', async () => {
    source.accept = false;
    await expect(deliver({ type: 'X', item_id: 'item_1', event_id: 'evt-1' })).rejects.toBeInstanceOf(WebhookVerificationError);
    expect(events.all()).toEqual([]);
    expect(queue.sent).toEqual([]);
  });

  it('turns repeated deliveries of one event into one stored event and one job', async () => {
    const outcomes = [];
    for (let attempt = 0; attempt < 3; attempt += 1) outcomes.push((await deliver({ type: 'X', item_id: 'item_1', event_id: 'evt-1' })).outcome);

    expect(outcomes).toEqual(['queued', 'duplicate', 'duplicate']);
    expect(events.all()).toHaveLength(1);
    expect(queue.sent).toHaveLength(1);
  });

  it('derives an id from the body when the provider sends none, so a redelivery minutes later is a duplicate', async () => {
    const first = await deliver({ type: 'X', item_id: 'item_1' });
    clock.advanceSeconds(20 * 60);
    const again = await deliver({ type: 'X', item_id: 'item_1' });

    expect(again).toEqual({ outcome: 'duplicate', eventId: first.eventId });
    expect(queue.sent).toHaveLength(1);
  });

  it('sets aside an event for an unknown item: stored as ignored, not queued, acknowledged', async () => {
    const receipt = await deliver({ type: 'X', item_id: 'item_gone', event_id: 'evt-2' });

    expect(receipt.outcome).toBe('unknown_item');
    expect(events.all()).toEqual([
      expect.objectContaining({ connectionId: null, userId: null, status: 'ignored', processedAt: '2025-03-01T12:00:00.000Z' }),
    ]);
    expect(queue.sent).toEqual([]);
  });

  it('queues an event about the provider itself, which names no item', async () => {
    const receipt = await deliver({ type: 'connector/status_updated', about_provider: true, event_id: 'evt-3' });

    expect(receipt.outcome).toBe('queued');
    expect(events.all()).toEqual([expect.objectContaining({ connectionId: null, status: 'received' })]);
    expect(queue.sent).toEqual([{ provider: 'plaid', eventId: 'evt-3' }]);
  });

  describe('an event the interpreter ignores whatever the state of the connection', () => {
    const legacy = {
      type: 'TRANSACTIONS/DEFAULT_UPDATE',
      item_id: 'item_1',
      ignored_note: 'DEFAULT_UPDATE is covered by the transactions sync cursor',
    };
    let lines: string[];
    let stopCapturing: () => void;

    beforeEach(() => {
      vi.stubEnv('POWERTOOLS_METRICS_DISABLED', 'false');
      resetMetricsSettings();
      lines = [];
      stopCapturing = captureLines((stream, line) => {
        if (stream === 'stdout') lines.push(line);
      });
    });

    afterEach(() => {
      stopCapturing();
      vi.unstubAllEnvs();
      resetMetricsSettings();
    });

    const logged = () => lines.map((line) => JSON.parse(line) as Record<string, any>);

    it('is stored once as ignored, as the worker would mark it, without a connection lookup or a queue message', async () => {
      const receipt = await deliver(legacy);

      expect(receipt.outcome).toBe('ignored');
      expect(events.all()).toEqual([
        {
          provider: 'plaid',
          eventId: receipt.eventId,
          type: 'TRANSACTIONS/DEFAULT_UPDATE',
          providerItemId: 'item_1',
          connectionId: null,
          userId: null,
          body: JSON.stringify(legacy),
          status: 'ignored',
          receivedAt: '2025-03-01T12:00:00.000Z',
          processedAt: '2025-03-01T12:00:00.000Z',
          attempts: 1,
        },
      ]);
      expect(events.rows.get(`plaid#${receipt.eventId}`)!.expiresAt).toBe(clock.epochSeconds + WEBHOOK_EVENT_RETENTION_DAYS * 86_400);
      expect(connections.itemLookups).toBe(0);
      expect(queue.sent).toEqual([]);
      // Tied to no connection: not in the by-connection listing.
      expect((await events.listByConnection(connection.connectionId, 10, null)).items).toEqual([]);

      // Logged and counted as the webhook worker logs and counts an event it ignores.
      flushMetrics();
      expect(logged()).toEqual(
        expect.arrayContaining([
          expect.objectContaining({ message: 'webhook event ignored', type: 'TRANSACTIONS/DEFAULT_UPDATE', note: legacy.ignored_note }),
          expect.objectContaining({ message: 'webhook event applied', event_id: receipt.eventId, status: 'ignored' }),
        ]),
      );
      const metrics = logged().filter((record) => record._aws);
      expect(metrics.flatMap((record) => record._aws.CloudWatchMetrics[0].Metrics.map((metric: { Name: string }) => metric.Name))).toContain(
        detailMetricNames.webhookEventsIgnored,
      );
    });

    it('acknowledges a duplicate through the same conditional put, storing and queueing nothing more', async () => {
      const first = await deliver(legacy);
      clock.advanceSeconds(60);
      const again = await deliver(legacy);

      expect(again).toEqual({ outcome: 'duplicate', eventId: first.eventId });
      expect(events.all()).toEqual([expect.objectContaining({ status: 'ignored', processedAt: '2025-03-01T12:00:00.000Z', attempts: 1 })]);
      expect(connections.itemLookups).toBe(0);
      expect(queue.sent).toEqual([]);
    });

    it('leaves an event that may have an effect to the worker: SYNC_UPDATES_AVAILABLE is stored, tied and queued', async () => {
      await deliver(legacy);
      const receipt = await deliver({ type: 'TRANSACTIONS/SYNC_UPDATES_AVAILABLE', item_id: 'item_1', repeatable: true });

      expect(receipt.outcome).toBe('queued');
      expect(connections.itemLookups).toBe(1);
      expect(await events.get('plaid', receipt.eventId)).toMatchObject({
        connectionId: connection.connectionId,
        userId: connection.userId,
        status: 'received',
        processedAt: null,
        attempts: 0,
      });
      expect(queue.sent).toEqual([{ provider: 'plaid', eventId: receipt.eventId }]);
    });
  });

  describe('a failed send', () => {
    it('fails the delivery and marks the event, so the provider retry queues it', async () => {
      queue.failuresToInject = 1;
      await expect(deliver({ type: 'X', item_id: 'item_1', event_id: 'evt-1' })).rejects.toThrow('SQS unavailable');
      expect(events.all()).toEqual([expect.objectContaining({ status: 'failed', attempts: 0 })]);
      // The failed mark is a save: the event is listed under its connection from now on.
      expect((await events.listByConnection(connection.connectionId, 10, null)).items).toEqual(events.all());

      const retry = await deliver({ type: 'X', item_id: 'item_1', event_id: 'evt-1' });
      expect(retry.outcome).toBe('queued');
      expect(queue.sent).toEqual([{ provider: 'plaid', eventId: 'evt-1' }]);
      expect(events.all()).toEqual([expect.objectContaining({ status: 'received' })]);
    });

    it('is not confused with an event a worker already tried: that one is a plain duplicate', async () => {
      await deliver({ type: 'X', item_id: 'item_1', event_id: 'evt-1' });
      const tried = events.all()[0]!;
      await events.save({ ...tried, status: 'failed', attempts: 3 });

      expect((await deliver({ type: 'X', item_id: 'item_1', event_id: 'evt-1' })).outcome).toBe('duplicate');
      expect(queue.sent).toHaveLength(1);
    });
  });

  describe('a repeatable event (same bytes, possibly new news) already applied', () => {
    const body = { type: 'TRANSACTIONS/SYNC_UPDATES_AVAILABLE', item_id: 'item_1', repeatable: true };

    async function appliedEarlier(): Promise<string> {
      const { eventId } = await deliver(body);
      const stored = (await events.get('plaid', eventId))!;
      await events.save({ ...stored, status: 'processed', processedAt: clock.now().toISOString(), attempts: 1 });
      return eventId;
    }

    const run = (fields: Partial<SyncRun>): SyncRun => ({
      ...syncRunRecord({
        userId: connection.userId,
        connectionId: connection.connectionId,
        syncRunId: `run-${syncRuns.runs.length + 1}`,
        trigger: 'webhook',
        outcome: 'succeeded',
        startedAt: '2025-03-01T12:00:00.000Z',
      }),
      ...fields,
    });

    it('is queued again when no sync reads the provider after it arrived', async () => {
      const eventId = await appliedEarlier();
      await syncRuns.put(run({ startedAt: '2025-03-01T12:00:10.000Z', outcome: 'succeeded' }));
      clock.advanceSeconds(5 * 60);

      expect(await deliver(body)).toEqual({ outcome: 'queued', eventId });
      expect(queue.sent).toHaveLength(2);
      expect(await events.get('plaid', eventId)).toMatchObject({ status: 'received', processedAt: null });
    });

    it('is a duplicate while a queued sync will still read the provider', async () => {
      await appliedEarlier();
      clock.advanceSeconds(5 * 60);
      await syncRuns.put(run({ startedAt: '2025-03-01T12:04:00.000Z', outcome: 'queued' }));

      expect((await deliver(body)).outcome).toBe('duplicate');
      expect(queue.sent).toHaveLength(1);
    });

    it('is a duplicate when a sync started after it arrived', async () => {
      await appliedEarlier();
      clock.advanceSeconds(5 * 60);
      await syncRuns.put(run({ startedAt: '2025-03-01T12:05:00.000Z', outcome: 'running' }));

      expect((await deliver(body)).outcome).toBe('duplicate');
    });

    it('does not trust a queued run old enough for its job to have been lost', async () => {
      await appliedEarlier();
      await syncRuns.put(run({ startedAt: '2025-03-01T11:40:00.000Z', outcome: 'queued' }));
      clock.advanceSeconds(5 * 60);

      expect((await deliver(body)).outcome).toBe('queued');
    });

    it('is never queued again when the event is not repeatable', async () => {
      const { eventId } = await deliver({ type: 'ITEM/ERROR', item_id: 'item_1' });
      await events.save({ ...(await events.get('plaid', eventId))!, status: 'processed', attempts: 1 });
      clock.advanceSeconds(5 * 60);

      expect((await deliver({ type: 'ITEM/ERROR', item_id: 'item_1' })).outcome).toBe('duplicate');
      expect(queue.sent).toHaveLength(1);
    });
  });
});
