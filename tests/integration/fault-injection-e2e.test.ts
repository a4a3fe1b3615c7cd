/**
 * Fault injection through the local stack and the Plaid sandbox. Every case ends by comparing the table with
 * the sandbox ledger of the Item (what a fault-free sync stores): no transaction lost, none duplicated, and
 * the stored cursor never ahead of the stored rows.
 *
 * Covered here: 429 / 5xx / dropped connections at seeded-random pages of a 2,000-transaction history; one
 * sync job delivered twice; 50 concurrent sync requests for one connection; 200 concurrent webhook
 * deliveries. (Faults at fixed pages, a mutation during pagination and a job failing between pages and
 * being redelivered are in plaid-sync-faults-e2e.test.ts.)
 *
 * `FAULT_SEED=<n>` replays case 1 with another fault plan; a failure names the plan it ran.
 */
import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashSeed } from '../../local/sandboxes/common/seeded-random';
import { newId } from '../../shared/banking/ids';
import { eventually } from '../helpers/eventually';
import {
  armFaultPlan,
  expectStoredEqualsLedger,
  lastIssuedCursor,
  randomFaultPlan,
  settledRuns,
  storedTransactions,
} from '../helpers/fault-injection';
import { startLocalStack, type LocalStack } from '../helpers/local-stack';
import { queueIsDrained, webhookWorkDone } from '../helpers/queues';
import {
  deliveriesOf,
  finishedRun,
  linkItem,
  plaidCall,
  postWebhook,
  sandboxControl,
  sandboxLedger,
  type LinkedItem,
} from '../helpers/plaid-e2e';
import { bankingStores, type BankingStores } from '../helpers/seed-banking-data';
import { localAwsClientConfig } from '../setup/local-aws-context';

const SYNC = '/transactions/sync';
const SYNC_UPDATES = 'TRANSACTIONS/SYNC_UPDATES_AVAILABLE';

let stack: LocalStack;
let stores: BankingStores;
const sqs = new SQSClient(localAwsClientConfig());

beforeAll(async () => {
  stack = await startLocalStack();
  stores = bankingStores(stack);
}, 60_000);

afterAll(async () => {
  await stack?.stop();
  sqs.destroy();
});

async function storedCursor(item: Pick<LinkedItem, 'userId' | 'connectionId'>): Promise<string | null> {
  const connection = await stores.connections.get(item.userId, item.connectionId);
  expect(connection).not.toBeNull();
  return connection!.syncCursor;
}

/** A linked Item whose first sync has finished (small history, so the case itself is what takes time). */
async function linkedAndSynced(userId: string, spec: Parameters<typeof linkItem>[2] = {}): Promise<LinkedItem> {
  const item = await linkItem(stack, userId, { daysRequested: 30, webhook: false, ...spec });
  const first = await finishedRun(stack, item, `the first sync of ${userId} finished`, (run) => run.id === item.syncRunId);
  expect(first.outcome).toBe('succeeded');
  await expectStoredEqualsLedger(stack, stores, item);
  return item;
}

describe('fault injection end to end', () => {
  // First in the file, while the stack's table is small: the emulator copies a whole table for every
  // DynamoDB transaction (moto's transact_write_items), and the Plaid receipt's dedupe is one.
  it('200 concurrent webhook deliveries: all acknowledged, a bounded number of syncs, the ledger stored', async () => {
    const main = await linkedAndSynced('webhook-storm', { webhook: true });
    const other = await linkedAndSynced('webhook-storm-other', { webhook: true });
    // Real deliveries the sandbox makes, captured to be replayed: a SYNC_UPDATES_AVAILABLE for each Item and
    // a legacy DEFAULT_UPDATE (which the service acknowledges and ignores).
    for (const [item, code] of [[main, 'SYNC_UPDATES_AVAILABLE'], [other, 'SYNC_UPDATES_AVAILABLE'], [main, 'DEFAULT_UPDATE']] as const) {
      const fired = await plaidCall(stack, '/sandbox/item/fire_webhook', { access_token: item.accessToken, webhook_code: code, webhook_type: 'TRANSACTIONS' });
      expect(fired.body.webhook_fired, JSON.stringify(fired.body)).toBe(true);
    }
    await stack.plaid.webhooks.idle();
    const mainUpdates = deliveriesOf(stack, main, SYNC_UPDATES)[0]!;
    const otherUpdates = deliveriesOf(stack, other, SYNC_UPDATES)[0]!;
    const legacy = deliveriesOf(stack, main, 'TRANSACTIONS/DEFAULT_UPDATE')[0]!;
    for (const delivery of [mainUpdates, otherUpdates, legacy]) expect(delivery).toMatchObject({ status: 'delivered', lastStatus: 200 });
    const mainBefore = await settledRuns(stack, main, 2);
    const otherBefore = await settledRuns(stack, other, 2);

    // New data at the main Item: the sandbox announces it itself, and the storm arrives at the same time.
    const advanced = await sandboxControl(stack, 'POST', 'advance', { item_id: main.itemId, days: 2, modify: 1 });
    expect(advanced.body.webhookSent).toBe(true);
    const relaid = JSON.stringify(JSON.parse(mainUpdates.body));
    const bodies = [
      ...Array<string>(170).fill(mainUpdates.body),
      ...Array<string>(10).fill(relaid),
      ...Array<string>(10).fill(otherUpdates.body),
      ...Array<string>(10).fill(legacy.body),
    ];
    const responses = await Promise.all(bodies.map((body) => postWebhook(stack, body, stack.plaid.webhooks.sign(body))));
    const statuses = responses.map((response) => response.status);
    expect(statuses.filter((status) => status < 200 || status >= 300), JSON.stringify(statuses)).toEqual([]);
    await stack.plaid.webhooks.idle();

    await webhookWorkDone(stack);
    const mainRuns = await settledRuns(stack, main, mainBefore.length + 1);
    const otherRuns = await settledRuns(stack, other, otherBefore.length);
    const newMainRuns = mainRuns.filter((run) => !mainBefore.some((earlier) => earlier.id === run.id));
    const newOtherRuns = otherRuns.filter((run) => !otherBefore.some((earlier) => earlier.id === run.id));
    // Copies of one body collapse into one event while its sync is still ahead, and the syncs that copies
    // arriving later do ask for join any sync still waiting to start (shared/banking/sync-requests.ts): a
    // few runs, never one per delivery.
    expect(newMainRuns.length).toBeGreaterThanOrEqual(1);
    expect(newMainRuns.length, JSON.stringify(newMainRuns.map((run) => run.trigger))).toBeLessThanOrEqual(4);
    expect(newOtherRuns.length).toBeLessThanOrEqual(3);
    expect([...newMainRuns, ...newOtherRuns].every((run) => run.outcome === 'succeeded' && run.trigger === 'webhook')).toBe(true);
    // Exactly one run of the main Item took the changes.
    expect(newMainRuns.filter((run) => run.counts.added + run.counts.modified + run.counts.removed > 0)).toHaveLength(1);

    await expectStoredEqualsLedger(stack, stores, main);
    await expectStoredEqualsLedger(stack, stores, other);
    expect(sandboxLedger(stack, main).length).toBeGreaterThan(0);
    expect(await storedCursor(main)).toBe(lastIssuedCursor(stack, main));
    expect(await storedCursor(other)).toBe(lastIssuedCursor(stack, other));
  }, 120_000);

  it('429 / 5xx / dropped connections at seeded-random pages of a 2,000-transaction history', async () => {
    const seed = process.env.FAULT_SEED ? Number(process.env.FAULT_SEED) : hashSeed('fault-injection-e2e');
    // Pages of 500: four successful /transactions/sync calls, plus one per fault. Faults go anywhere but the
    // last call (which must be the final page), at most two in a row (the in-call retry absorbs them).
    const pages = 4;
    const faultCount = 5;
    const plan = randomFaultPlan(seed, faultCount, pages + faultCount - 1);
    const planLabel = `seed ${seed}: ${JSON.stringify(plan)}`;
    stack.plaid.faults.clear();
    armFaultPlan(stack, SYNC, plan);

    const item = await linkItem(stack, 'random-faults', { username: 'user_large_history', password: 'txn_count_2000', webhook: false });

    // Watches the stored connection while the run pages: the first time a cursor shows up, every row the
    // cursor covers must already be stored (it is committed only after the last page).
    const cursorSightings: { cursor: string; storedRows: number }[] = [];
    let watching = true;
    const watcher = (async () => {
      while (watching) {
        const cursor = await storedCursor(item);
        if (cursor) {
          cursorSightings.push({ cursor, storedRows: (await storedTransactions(stores, item)).length });
          return;
        }
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    })();
    let run: any;
    try {
      run = await finishedRun(stack, item, 'the faulted first sync finished', (candidate) => candidate.id === item.syncRunId, 90_000);
    } finally {
      watching = false;
      await watcher;
    }
    expect(run.outcome, planLabel).toBe('succeeded');
    expect(stack.plaid.faults.list(), `every planned fault fired (${planLabel})`).toEqual([]);

    const calls = stack.plaid.recorder
      .list({ path: SYNC, kind: 'provider' })
      .filter((call) => (call.requestBody as { access_token?: string }).access_token === item.accessToken);
    const expectedLabels = Array.from({ length: pages + faultCount }, (_, index) => {
      const planned = plan.find((fault) => fault.callIndex === index);
      if (!planned) return 'ok';
      return planned.fault.type === 'status' ? `status:${planned.fault.status}` : planned.fault.type;
    });
    expect(calls.map((call) => call.fault ?? (call.status === 200 ? 'ok' : `status ${call.status}`)), planLabel).toEqual(expectedLabels);

    const stored = await expectStoredEqualsLedger(stack, stores, item);
    expect(stored).toHaveLength(2_000);
    const cursor = await storedCursor(item);
    expect(cursor).toBe(lastIssuedCursor(stack, item));
    // The watcher may miss the moment the cursor appears (the run can finish between two of its polls on a
    // busy machine); whenever it did see the cursor, every row the cursor covers was already stored.
    for (const sighting of cursorSightings) expect(sighting).toEqual({ cursor, storedRows: 2_000 });
  }, 120_000);

  it('the same sync job delivered twice runs once and leaves the state of one run', async () => {
    const item = await linkedAndSynced('duplicate-job');
    const cursorBefore = await storedCursor(item);
    expect(cursorBefore).toBeTruthy();
    const advanced = await sandboxControl(stack, 'POST', 'advance', { item_id: item.itemId, days: 1, modify: 1 });
    expect(advanced.status).toBe(200);
    const syncCallsBefore = stack.plaid.recorder.lastSeq();

    const syncRunId = newId('run');
    const body = JSON.stringify({ userId: item.userId, connectionId: item.connectionId, syncRunId, trigger: 'manual' });
    for (let copy = 0; copy < 2; copy += 1) {
      await sqs.send(
        new SendMessageCommand({
          QueueUrl: stack.env.SYNC_QUEUE_URL,
          MessageBody: body,
          MessageGroupId: item.connectionId,
          MessageDeduplicationId: randomUUID(),
        }),
      );
    }

    const run = await finishedRun(stack, item, 'the duplicated job finished', (candidate) => candidate.id === syncRunId);
    await eventually('both copies were consumed', () => queueIsDrained(sqs, stack.env.SYNC_QUEUE_URL!), { timeoutMs: 30_000, intervalMs: 250 });
    const runs = await settledRuns(stack, item, 2);
    expect(runs.map((candidate) => candidate.id).sort()).toEqual([item.syncRunId, syncRunId].sort());
    expect(run.outcome).toBe('succeeded');
    expect(run.counts.added).toBe(advanced.body.posted + advanced.body.newPending);
    expect(run.counts.removed).toBe(advanced.body.posted);

    // One pass at the provider: the second copy found its run finished and did not call Plaid.
    const passes = stack.plaid.recorder
      .list({ path: SYNC, kind: 'provider', afterSeq: syncCallsBefore })
      .filter((call) => (call.requestBody as { cursor?: string }).cursor === cursorBefore);
    expect(passes).toHaveLength(1);
    await expectStoredEqualsLedger(stack, stores, item);
    const cursorAfter = await storedCursor(item);
    expect(cursorAfter).not.toBe(cursorBefore);
    expect(cursorAfter).toBe(lastIssuedCursor(stack, item));
  }, 60_000);

  it('50 concurrent sync requests for one connection: all accepted, joined into few runs, one after another, only the first writes', async () => {
    const item = await linkedAndSynced('concurrent-requests');
    const before = await settledRuns(stack, item, 1);
    const advanced = await sandboxControl(stack, 'POST', 'advance', { item_id: item.itemId, days: 1, modify: 2 });
    expect(advanced.status).toBe(200);

    const responses = await Promise.all(
      Array.from({ length: 50 }, () => stack.api(item.userId, 'POST', `/banking/connections/${item.connectionId}/sync`)),
    );
    expect(responses.map((response) => response.status)).toEqual(Array(50).fill(202));
    // Requests made while a requested sync has not started yet join it (shared/banking/sync-requests.ts);
    // only a request arriving after that run started gets a run of its own.
    const requested = new Set(responses.map((response) => response.body.sync_run_id as string));
    expect(requested.size).toBeGreaterThanOrEqual(1);
    expect(requested.size).toBeLessThanOrEqual(3);

    const runs = await settledRuns(stack, item, before.length + requested.size, 120_000);
    const forced = runs.filter((run) => requested.has(run.id));
    expect(forced).toHaveLength(requested.size);
    expect(runs).toHaveLength(before.length + requested.size);
    expect(forced.every((run) => run.outcome === 'succeeded')).toBe(true);
    // Serialized by the FIFO message group: no run starts before the previous one finished.
    const ordered = [...forced].sort((left, right) => (left.started_at < right.started_at ? -1 : left.started_at > right.started_at ? 1 : 0));
    for (let index = 1; index < ordered.length; index += 1) {
      expect(ordered[index].started_at >= ordered[index - 1].finished_at, `run ${index} overlaps its predecessor`).toBe(true);
    }
    // The first run takes the changes; any later one finds nothing left to write.
    expect(ordered[0].counts).toMatchObject({
      added: advanced.body.posted + advanced.body.newPending,
      removed: advanced.body.posted,
      modified: advanced.body.modified,
    });
    for (const later of ordered.slice(1)) expect(later.counts).toMatchObject({ added: 0, modified: 0, removed: 0 });

    await expectStoredEqualsLedger(stack, stores, item);
    expect(await storedCursor(item)).toBe(lastIssuedCursor(stack, item));
  }, 200_000);
});
