/**
 * Outbound app events end to end: a Plaid link through the gateway, the sync worker, the outbox, the local
 * EventBridge bus and the app-webhook queue, delivered to a local HTTP receiver as Standard Webhooks, checked
 * with the `standardwebhooks` package (an implementation independent of ours).
 */
import { randomBytes } from 'node:crypto';
import { ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queues } from '../../shared/catalog/resources';
import { replayAppEventsFromEnvironment } from '../../ops/replay-app-events';
import { eventually } from '../helpers/eventually';
import { startLocalStack, type LocalStack } from '../helpers/local-stack';
import { finishedRun, linkItem } from '../helpers/plaid-e2e';
import { startWebhookReceiver, type ReceivedWebhook, type WebhookReceiver } from '../helpers/webhook-receiver';

const secret = `whsec_${randomBytes(32).toString('base64')}`;
let receiver: WebhookReceiver;
let stack: LocalStack;

beforeAll(async () => {
  receiver = await startWebhookReceiver();
  stack = await startLocalStack({ appWebhook: { url: `${receiver.url}/app-events`, secret } });
}, 60_000);

afterAll(async () => {
  await stack?.stop();
  await receiver?.close();
});

function headersOf(webhook: ReceivedWebhook): Record<string, string> {
  return Object.fromEntries(Object.entries(webhook.headers).map(([name, value]) => [name, String(value)]));
}

/** Reads Server-Sent Events from `GET /dev/events` until `until` returns true for one. */
async function openEventStream(userId: string) {
  const abort = new AbortController();
  const response = await fetch(`${stack.gatewayUrl}/dev/events?user_id=${userId}`, { signal: abort.signal });
  expect(response.status).toBe(200);
  expect(response.headers.get('content-type')).toMatch(/^text\/event-stream/);
  const events: { id: string; type: string; user_id: string | null; data: any }[] = [];
  const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  const pump = (async () => {
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) return;
        buffer += value;
        let end: number;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const data = block.split('\n').find((line) => line.startsWith('data: '));
          if (data) events.push(JSON.parse(data.slice('data: '.length)));
        }
      }
    } catch {
      // aborted
    }
  })();
  return { events, close: async () => (abort.abort(), await pump) };
}

describe('events for the app', () => {
  it('linking a bank delivers a correctly signed sync.completed and transactions.changed, and the dev stream shows them', async () => {
    const stream = await openEventStream('ev-link');
    const linked = await linkItem(stack, 'ev-link', { daysRequested: 30 });
    await finishedRun(stack, linked, 'the first sync finished', (run) => run.id === linked.syncRunId, 50_000);

    const completed = await receiver.waitFor(
      (webhook) => webhook.body.type === 'sync.completed' && (webhook.body.data as any).connection_id === linked.connectionId,
      30_000,
    );
    expect(completed.path).toBe('/app-events');
    // The independent verifier accepts our signature and hands back the body.
    const verified = new Webhook(secret).verify(completed.rawBody, headersOf(completed)) as any;
    expect(verified).toMatchObject({
      type: 'sync.completed',
      data: { connection_id: linked.connectionId, sync_run_id: linked.syncRunId, outcome: 'succeeded', trigger: 'link' },
    });
    expect(verified.data.counts.added).toBeGreaterThan(0);
    expect(completed.headers['webhook-id']).toMatch(/^evt_[0-9a-f]{32}$/);
    expect(Object.keys(completed.body).sort()).toEqual(['data', 'timestamp', 'type']);
    // Another secret does not verify it, nor does a tampered body.
    expect(() => new Webhook(`whsec_${randomBytes(32).toString('base64')}`).verify(completed.rawBody, headersOf(completed))).toThrow();
    expect(() => new Webhook(secret).verify(completed.rawBody.replace('succeeded', 'failed'), headersOf(completed))).toThrow();

    const changed = await receiver.waitFor(
      (webhook) => webhook.body.type === 'transactions.changed' && (webhook.body.data as any).connection_id === linked.connectionId,
      30_000,
    );
    expect((changed.body.data as any).counts.added).toBe(verified.data.counts.added);
    expect((changed.body.data as any).feed).toMatchObject({ cursor: expect.any(String), changed_since: expect.any(String) });
    // The event's cursor is where the app reads what the sync stored: the change feed answers those rows.
    const feed = await eventually('the change feed shows the synced rows', async () => {
      const page = await stack.api('ev-link', 'GET', `/banking/transactions/changes?cursor=${encodeURIComponent((changed.body.data as any).feed.cursor)}&limit=500&connection_id=${linked.connectionId}`);
      return page.status === 200 && page.body.added.length >= (changed.body.data as any).counts.added ? page : null;
    }, { timeoutMs: 30_000, intervalMs: 500 });
    expect(feed.body.added.every((row: { connection_id: string }) => row.connection_id === linked.connectionId)).toBe(true);

    const seen = await eventually('the dev stream showed sync.completed', async () =>
      stream.events.find((event) => event.type === 'sync.completed' && event.data.connection_id === linked.connectionId),
    );
    expect(seen.id).toBe(completed.headers['webhook-id']);
    expect(seen.user_id).toBe('ev-link');
    await stream.close();

    // Published once: one delivery per event id, however the queue and worker retried around it.
    const ids = receiver.received.map((webhook) => webhook.headers['webhook-id']);
    expect(ids.filter((id) => id === completed.headers['webhook-id'])).toHaveLength(1);
  }, 120_000);

  it('a receiver answering 500 gets the event again later, and it lands in the DLQ after the retries; a replay delivers it', async () => {
    const linked = await linkItem(stack, 'ev-fail', { daysRequested: 30 });
    await finishedRun(stack, linked, 'the first sync finished', (run) => run.id === linked.syncRunId, 50_000);
    await receiver.waitFor((webhook) => (webhook.body.data as any)?.sync_run_id === linked.syncRunId && webhook.body.type === 'sync.completed', 30_000);

    receiver.failNext(1_000, 500);
    const forced = await stack.api('ev-fail', 'POST', `/banking/connections/${linked.connectionId}/sync`);
    expect(forced.status).toBe(202);
    const runId = forced.body.sync_run_id as string;
    const attemptsFor = () => receiver.attempts.filter((attempt) => attempt.rawBody.includes(runId) && attempt.rawBody.includes('sync.completed'));

    const sqs = new SQSClient({ region: stack.env.AWS_REGION, endpoint: stack.env.AWS_ENDPOINT_URL });
    // Every event of the forced run fails (status changes, transactions.changed too), so the dead-letter queue
    // holds several; the one that matters is the sync.completed the receiver saw.
    const deadEventIds = new Set<string>();
    const eventId = await eventually(
      'the undeliverable sync.completed reached the dead-letter queue',
      async () => {
        const received = await sqs.send(new ReceiveMessageCommand({ QueueUrl: stack.env.APP_WEBHOOK_DLQ_URL, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }));
        for (const message of received.Messages ?? []) deadEventIds.add(JSON.parse(message.Body!).eventId as string);
        return attemptsFor()
          .map((attempt) => attempt.headers['webhook-id'] as string)
          .find((id) => deadEventIds.has(id));
      },
      { timeoutMs: 90_000, intervalMs: 500 },
    );
    const attempts = attemptsFor();
    expect(attempts.length).toBe(queues.appWebhooks.maxReceiveCount);
    expect(new Set(attempts.map((attempt) => attempt.headers['webhook-id']))).toEqual(new Set([eventId]));
    // Each attempt is signed anew, with its own timestamp, and verifies.
    for (const attempt of attempts) expect(() => new Webhook(secret).verify(attempt.rawBody, headersOf(attempt))).not.toThrow();

    receiver.failNext(0);
    const replay = await replayAppEventsFromEnvironment({ by: 'event', eventIds: [eventId] }, stack.env);
    expect(replay.replayed.map((event) => event.id)).toEqual([eventId]);
    const delivered = await receiver.waitFor((webhook) => webhook.headers['webhook-id'] === eventId, 30_000);
    expect(delivered.body).toMatchObject({ type: 'sync.completed', data: { sync_run_id: runId, outcome: 'succeeded' } });
  }, 180_000);
});
