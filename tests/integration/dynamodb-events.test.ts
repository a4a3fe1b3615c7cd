/**
 * DynamoWebhookEventStore and DynamoSyncRunStore against the emulator: webhook dedupe, TTL and replay
 * listing; sync history newest first and its purge.
 */
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import { dynamoDocumentClient } from '../../shared/adapters/aws-clients';
import { commandsSentDuring } from '../helpers/dynamodb-commands';
import { webhookEventKey } from '../../shared/adapters/dynamodb/entities/webhook-event';
import { DynamoSyncRunStore } from '../../shared/adapters/dynamodb/sync-run-store';
import { DynamoWebhookEventStore } from '../../shared/adapters/dynamodb/webhook-event-store';
import { firstSyncRunIdAt, newId } from '../../shared/banking/ids';
import type { SyncRun, WebhookEvent } from '../../shared/banking/model';
import { NotFoundError, ValidationError } from '../../shared/errors/app-error';
import { makeConnection, makeSyncRun, makeWebhookEvent, uniqueId } from '../helpers/dynamodb-fixtures';
import { localAwsEnv } from '../setup/local-aws-context';

const tableName = localAwsEnv().TABLE_NAME;
const webhookEvents = new DynamoWebhookEventStore({ tableName });
const syncRuns = new DynamoSyncRunStore({ tableName });
const expiresAt = 1_900_000_000;

async function rawEvent(event: WebhookEvent): Promise<Record<string, unknown> | undefined> {
  const output = await dynamoDocumentClient().send(
    new GetCommand({ TableName: tableName, Key: webhookEventKey(event.provider, event.eventId), ConsistentRead: true }),
  );
  return output.Item;
}

describe('DynamoWebhookEventStore', () => {
  it('stores an event once: a redelivery with the same provider and id is reported as a duplicate', async () => {
    // Prepare
    const event = makeWebhookEvent();

    // Act
    const first = await webhookEvents.storeUnlessSeen(event, expiresAt, null);
    const again = await webhookEvents.storeUnlessSeen({ ...event, body: '{"tampered":true}' }, expiresAt + 10, null);
    const otherProvider = await webhookEvents.storeUnlessSeen({ ...event, provider: 'plaid' }, expiresAt, null);

    // Assess: null when stored; a duplicate answers the event stored first
    expect([first, again, otherProvider]).toEqual([null, event, null]);
    expect(await webhookEvents.get('pluggy', event.eventId)).toEqual(event);
    expect(await rawEvent(event)).toMatchObject({ expires_at: expiresAt });
  });

  it('stores unless seen, in one request, answering a duplicate with the stored event', async () => {
    const event = makeWebhookEvent();
    const requests = await commandsSentDuring(async () => {
      expect(await webhookEvents.storeUnlessSeen(event, expiresAt, null)).toBeNull();
      expect(await webhookEvents.storeUnlessSeen({ ...event, body: '{"again":true}' }, expiresAt, null)).toEqual(event);
    });
    // One PutItem each: the failed condition returned the stored row (ALL_OLD), no read followed.
    expect(requests).toEqual(['PutItemCommand', 'PutItemCommand']);
    expect(await webhookEvents.get(event.provider, event.eventId)).toEqual(event);
  });

  it('replaces an event received before the dedupe horizon with a later arrival of the same id, not one received after it', async () => {
    const earlier = makeWebhookEvent({ receivedAt: '2024-05-01T10:00:00.000Z', status: 'processed', processedAt: '2024-05-01T10:00:01.000Z' });
    expect(await webhookEvents.storeUnlessSeen(earlier, expiresAt, '2024-05-01T09:45:00.000Z')).toBeNull();
    // Within the horizon: a duplicate, the stored event comes back.
    const redelivery: WebhookEvent = { ...earlier, receivedAt: '2024-05-01T10:05:00.000Z', status: 'received', processedAt: null };
    expect(await webhookEvents.storeUnlessSeen(redelivery, expiresAt, '2024-05-01T09:50:00.000Z')).toEqual(earlier);
    // Later than the horizon: a new event, stored in place of the earlier one.
    const later: WebhookEvent = { ...earlier, receivedAt: '2024-05-01T11:00:00.000Z', status: 'received', processedAt: null };
    expect(await webhookEvents.storeUnlessSeen(later, expiresAt + 3600, '2024-05-01T10:45:00.000Z')).toBeNull();
    expect(await webhookEvents.get(later.provider, later.eventId)).toEqual(later);
    expect(await rawEvent(later)).toMatchObject({ expires_at: expiresAt + 3600 });
    // The worker of the earlier event can no longer write over the later one.
    await expect(webhookEvents.save({ ...earlier, attempts: 2 })).rejects.toBeInstanceOf(NotFoundError);
    expect(await webhookEvents.get(later.provider, later.eventId)).toEqual(later);
  });

  it('saves progress in place, keeping the TTL, and indexes the event once its connection is known', async () => {
    const event = makeWebhookEvent();
    await webhookEvents.storeUnlessSeen(event, expiresAt, null);
    const connectionId = uniqueId('conn');
    const processed: WebhookEvent = {
      ...event,
      connectionId,
      userId: uniqueId('user'),
      status: 'processed',
      processedAt: '2024-05-01T10:00:03.000Z',
      attempts: 1,
    };

    await webhookEvents.save(processed);

    expect(await webhookEvents.get(event.provider, event.eventId)).toEqual(processed);
    expect(await rawEvent(event)).toMatchObject({ expires_at: expiresAt, GSI1PK: `CONN#${connectionId}#WEBHOOK` });
    expect((await webhookEvents.listByConnection(connectionId, 10, null)).items).toEqual([processed]);
  });

  it('refuses to save an event that was never stored', async () => {
    await expect(webhookEvents.save(makeWebhookEvent())).rejects.toBeInstanceOf(NotFoundError);
  });

  it('lists an event under its connection from its first save, not from its receipt', async () => {
    // Prepare: an event whose connection is known at receipt.
    const connectionId = uniqueId('conn');
    const event = makeWebhookEvent({ connectionId, userId: uniqueId('user') });

    // Act: stored, and delivered again, as the receipt does.
    const requests = await commandsSentDuring(async () => {
      expect(await webhookEvents.storeUnlessSeen(event, expiresAt, null)).toBeNull();
      expect(await webhookEvents.storeUnlessSeen({ ...event, body: '{"again":true}' }, expiresAt, null)).toEqual(event);
    });

    // Assess: one PutItem each, a row without GSI1 keys, found by id and not listed.
    expect(requests).toEqual(['PutItemCommand', 'PutItemCommand']);
    const stored = await rawEvent(event);
    expect(stored).toMatchObject({ connection_id: connectionId, expires_at: expiresAt });
    expect(stored).not.toHaveProperty('GSI1PK');
    expect(stored).not.toHaveProperty('GSI1SK');
    expect(await webhookEvents.get(event.provider, event.eventId)).toEqual(event);
    expect(await webhookEvents.listByConnection(connectionId, 10, null)).toEqual({ items: [], nextCursor: null });

    // Act: the first save that records a handling (a retryable failure: back to received, one attempt).
    const retried: WebhookEvent = { ...event, attempts: 1 };
    await webhookEvents.save(retried);

    // Assess: listed from now on, the TTL kept.
    expect((await webhookEvents.listByConnection(connectionId, 10, null)).items).toEqual([retried]);
    expect(await rawEvent(event)).toMatchObject({
      expires_at: expiresAt,
      GSI1PK: `CONN#${connectionId}#WEBHOOK`,
      GSI1SK: `${event.receivedAt}#${event.eventId}`,
    });
  });

  it('lists a connection’s events newest first, page by page', async () => {
    const connectionId = uniqueId('conn');
    const received = Array.from({ length: 7 }, (_, index) =>
      makeWebhookEvent({ connectionId, receivedAt: `2024-05-0${index + 1}T00:00:00.000Z` }),
    );
    for (const event of received) await webhookEvents.storeUnlessSeen(event, expiresAt, null);
    await webhookEvents.storeUnlessSeen(makeWebhookEvent(), expiresAt, null);
    // The listing holds handled events: each is saved once, as the worker records its outcome.
    const events = received.map((event): WebhookEvent => ({ ...event, status: 'processed', processedAt: event.receivedAt, attempts: 1 }));
    for (const event of events) await webhookEvents.save(event);

    const first = await webhookEvents.listByConnection(connectionId, 4, null);
    const second = await webhookEvents.listByConnection(connectionId, 4, first.nextCursor);

    expect([...first.items, ...second.items]).toEqual([...events].reverse());
    expect(second.nextCursor).toBeNull();
    await expect(webhookEvents.listByConnection(uniqueId('conn'), 4, first.nextCursor)).rejects.toBeInstanceOf(ValidationError);
  });
});

describe('DynamoSyncRunStore', () => {
  function runsOf(connectionId: string, count: number): SyncRun[] {
    const connection = makeConnection({ connectionId });
    // Run ids minted as the service mints them: creation-time ordered.
    return Array.from({ length: count }, (_, index) => {
      const created = new Date(Date.UTC(2024, 4, 1, 10, index));
      return makeSyncRun(connection, { syncRunId: newId('run', created), startedAt: created.toISOString() });
    });
  }

  it('lists runs newest first across pages, one row per run however often it is written', async () => {
    // Prepare: each run written as queued, then again as finished with a later start time.
    const connectionId = uniqueId('conn');
    const runs = runsOf(connectionId, 5);
    for (const run of runs) {
      await syncRuns.put({ ...run, outcome: 'queued', finishedAt: null });
      await syncRuns.put({ ...run, startedAt: new Date(Date.parse(run.startedAt) + 5_000).toISOString() });
    }

    // Act
    const first = await syncRuns.listByConnection(connectionId, 3, null);
    const second = await syncRuns.listByConnection(connectionId, 3, first.nextCursor);

    // Assess
    const listed = [...first.items, ...second.items];
    expect(listed.map((run) => run.syncRunId)).toEqual([...runs].reverse().map((run) => run.syncRunId));
    expect(listed.every((run) => run.outcome === 'succeeded')).toBe(true);
    expect(second.nextCursor).toBeNull();
  });

  it('lists only the runs requested from a given run id on, newest first across pages, and refuses a cursor from before it', async () => {
    const connectionId = uniqueId('conn');
    const runs = runsOf(connectionId, 6);
    for (const run of runs) await syncRuns.put(run);
    const from = firstSyncRunIdAt(new Date(Date.UTC(2024, 4, 1, 10, 2)));

    const first = await syncRuns.listByConnection(connectionId, 3, null, from);
    const second = await syncRuns.listByConnection(connectionId, 3, first.nextCursor, from);

    expect([...first.items, ...second.items].map((run) => run.syncRunId)).toEqual(runs.slice(2).reverse().map((run) => run.syncRunId));
    expect(second.nextCursor).toBeNull();
    const older = await syncRuns.listByConnection(connectionId, 5, null);
    await expect(syncRuns.listByConnection(connectionId, 1, older.nextCursor, from)).rejects.toBeInstanceOf(ValidationError);
  });

  it('purges every run of a connection and no other', async () => {
    const purged = uniqueId('conn');
    const kept = uniqueId('conn');
    for (const run of [...runsOf(purged, 30), ...runsOf(kept, 2)]) await syncRuns.put(run);

    await syncRuns.deleteByConnection(purged);

    expect(await syncRuns.listByConnection(purged, 50, null)).toEqual({ items: [], nextCursor: null });
    expect((await syncRuns.listByConnection(kept, 50, null)).items).toHaveLength(2);
  });
});
