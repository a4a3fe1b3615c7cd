/**
 * Connections end to end: what list/get show after a real Plaid link and sync, the sync history, forced
 * syncs through the FIFO queue, and DELETE: removal at Plaid plus a purge of every local row, after which
 * the same bank can be linked again.
 */
import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dynamoDocumentClient } from '../../shared/adapters/aws-clients';
import { uniqueId } from '../helpers/dynamodb-fixtures';
import { eventually } from '../helpers/eventually';
import { startLocalStack, type LocalStack } from '../helpers/local-stack';
import { allTransactions, finishedSyncRun, linkPlaidItem, sandboxPublicToken, type LinkedConnection } from '../helpers/plaid-flow';
import { bankingStores, seedConnection, seedSyncRuns, seedTransactions, type BankingStores } from '../helpers/seed-banking-data';

let stack: LocalStack;
let stores: BankingStores;
const cy = uniqueId('cy');
let linked: LinkedConnection;
// No webhook: a webhook-triggered sync would add runs to the history while a test pages through it.
const smallItem = { username: 'user_large_history', password: 'txn_count_30', webhook: false } as const;

beforeAll(async () => {
  stack = await startLocalStack();
  stores = bankingStores(stack);
  linked = await linkPlaidItem(stack, cy, smallItem);
  const run = await finishedSyncRun(stack, cy, linked.connectionId, linked.syncRunId);
  expect(run.outcome).toBe('succeeded');
}, 120_000);

afterAll(async () => {
  await stack?.stop();
});

describe('list and get', () => {
  it('show status, institution, products and the last and next sync', async () => {
    const list = await stack.api(cy, 'GET', '/banking/connections');
    expect(list.status).toBe(200);
    expect(list.body).toHaveLength(1);
    const [connection] = list.body;
    expect(connection).toMatchObject({
      id: linked.connectionId,
      provider: 'plaid',
      institution: { id: 'ins_109508', name: 'First Platypus Bank' },
      status: 'healthy',
      status_reason: null,
      products: expect.arrayContaining(['transactions', 'auth']),
      last_sync_outcome: 'succeeded',
      pending_user_action: null,
    });
    expect(Date.parse(connection.last_sync_at)).toBeGreaterThanOrEqual(Date.parse(connection.created_at));
    // Auto-sync every 12 hours, jittered by up to ±10 % (shared/sync/schedule.ts).
    const hoursToNext = (Date.parse(connection.next_sync_at) - Date.parse(connection.last_sync_at)) / 3_600_000;
    expect(hoursToNext).toBeGreaterThanOrEqual(12 * 0.9);
    expect(hoursToNext).toBeLessThanOrEqual(12 * 1.1);
    for (const secret of ['access_token', 'accessToken', 'sync_cursor', 'syncCursor', 'ciphertext']) {
      expect(JSON.stringify(connection)).not.toContain(secret);
    }

    const one = await stack.api(cy, 'GET', `/banking/connections/${linked.connectionId}`);
    expect(one.status).toBe(200);
    expect(one.body).toEqual(connection);
  });

  it('lists the newest connection first', async () => {
    const cora = uniqueId('cora');
    const older = await seedConnection(stores, cora, { connection: { createdAt: '2024-01-01T00:00:00.000Z', updatedAt: '2024-01-01T00:00:00.000Z' } });
    const newer = await seedConnection(stores, cora, {
      institution: { id: 'ins_109509', name: 'Other Bank' },
      connection: { createdAt: '2024-06-01T00:00:00.000Z', updatedAt: '2024-06-01T00:00:00.000Z' },
    });
    const list = await stack.api(cora, 'GET', '/banking/connections');
    expect(list.body.map((connection: { id: string }) => connection.id)).toEqual([newer.connection.connectionId, older.connection.connectionId]);
  });
});

describe('sync history and forced syncs', () => {
  it('POST …/sync answers 202 with a run that is queued, then runs and succeeds; requests join a sync not yet started', async () => {
    // Slow the first forced sync down at Plaid: while it runs, the next one waits in the connection's FIFO
    // message group, so it can be seen queued.
    stack.plaid.faults.arm({ endpoint: '/transactions/sync', fault: { type: 'delay', ms: 4000 }, count: 1 });
    const first = await stack.api(cy, 'POST', `/banking/connections/${linked.connectionId}/sync`);
    expect(first.status).toBe(202);
    expect(first.body).toEqual({ sync_run_id: expect.stringMatching(/^run_/), status: 'queued' });
    await eventually('the first forced sync is running', async () => {
      const runs = (await stack.api(cy, 'GET', `/banking/connections/${linked.connectionId}/sync-runs`)).body.data;
      return runs.find((run: { id: string }) => run.id === first.body.sync_run_id)?.outcome === 'running';
    });

    // The first run has started, so a new request gets a run of its own; one more, made while that one
    // still waits, joins it instead of queueing a third sync.
    const second = await stack.api(cy, 'POST', `/banking/connections/${linked.connectionId}/sync`);
    const third = await stack.api(cy, 'POST', `/banking/connections/${linked.connectionId}/sync`);
    expect(second.status).toBe(202);
    expect(second.body).toEqual({ sync_run_id: expect.stringMatching(/^run_/), status: 'queued' });
    expect(second.body.sync_run_id).not.toBe(first.body.sync_run_id);
    expect(third.status).toBe(202);
    expect(third.body.sync_run_id).toBe(second.body.sync_run_id);
    const whileFirstRuns = (await stack.api(cy, 'GET', `/banking/connections/${linked.connectionId}/sync-runs`)).body.data;
    expect(whileFirstRuns.find((run: { id: string }) => run.id === second.body.sync_run_id)).toMatchObject({
      outcome: 'queued',
      trigger: 'manual',
      finished_at: null,
    });

    for (const response of [first, second]) {
      const run = await finishedSyncRun(stack, cy, linked.connectionId, response.body.sync_run_id);
      expect(run).toMatchObject({ outcome: 'succeeded', trigger: 'manual', error: null });
      expect(run.counts).toEqual({ added: 0, modified: 0, removed: 0, accounts: 3 });
      expect(Date.parse(run.finished_at)).toBeGreaterThanOrEqual(Date.parse(run.started_at));
    }
  }, 90_000);

  it('lists runs newest first with counts, and pages through all of them exactly once', async () => {
    const connection = await stores.connections.get(cy, linked.connectionId);
    await seedSyncRuns(stores, connection!, [
      { startedAt: '2024-01-01T00:00:00.000Z', outcome: 'failed', error: { code: 'ITEM_LOGIN_REQUIRED', message: 'Login required' } },
      { startedAt: '2024-02-01T00:00:00.000Z', outcome: 'partial' },
    ]);
    const all = (await stack.api(cy, 'GET', `/banking/connections/${linked.connectionId}/sync-runs?limit=100`)).body;
    expect(all.next_cursor).toBeNull();
    const runs = all.data;
    expect(runs.length).toBeGreaterThanOrEqual(5);
    const startedAt = runs.map((run: { started_at: string }) => run.started_at);
    expect(startedAt).toEqual([...startedAt].sort().reverse());
    const linkRun = runs.find((run: { id: string }) => run.id === linked.syncRunId);
    expect(linkRun).toMatchObject({ trigger: 'link', outcome: 'succeeded', counts: { added: 30, modified: 0, removed: 0, accounts: 3 } });
    expect(runs.at(-1)).toMatchObject({ outcome: 'failed', error: { code: 'ITEM_LOGIN_REQUIRED', message: 'Login required' } });

    const paged: string[] = [];
    let cursor: string | null = null;
    do {
      const page: { status: number; body: any } = await stack.api(
        cy,
        'GET',
        `/banking/connections/${linked.connectionId}/sync-runs?limit=2${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
      );
      expect(page.status).toBe(200);
      expect(page.body.data.length).toBeLessThanOrEqual(2);
      paged.push(...page.body.data.map((run: { id: string }) => run.id));
      cursor = page.body.next_cursor;
    } while (cursor);
    expect(paged).toEqual(runs.map((run: { id: string }) => run.id));

    const tampered = await stack.api(cy, 'GET', `/banking/connections/${linked.connectionId}/sync-runs?cursor=bm90LWEtY3Vyc29y`);
    expect(tampered.status).toBe(400);
    expect(tampered.body.error.details[0].field).toBe('query.cursor');
  });
});

describe('DELETE', () => {
  /** Every row of the table that still names the connection, by each access path that reaches it. */
  async function rowsOf(userId: string, connectionId: string) {
    const client = dynamoDocumentClient();
    const userRows = await client.send(
      new QueryCommand({
        TableName: stack.env.TABLE_NAME,
        KeyConditionExpression: 'PK = :pk',
        FilterExpression: 'connection_id = :connectionId',
        ExpressionAttributeValues: { ':pk': `USER#${userId}`, ':connectionId': connectionId },
      }),
    );
    const transactions = await stores.transactions.listByConnection(userId, connectionId, null);
    const accounts = await stores.accounts.listByConnection(userId, connectionId);
    const runs = await stores.syncRuns.listByConnection(connectionId, 100, null);
    return {
      userPartition: (userRows.Items ?? []).map((item) => String(item.SK).split('#')[0]),
      transactions: transactions.items.length,
      accounts: accounts.length,
      runs: runs.items.length,
      connection: await stores.connections.get(userId, connectionId),
    };
  }

  it('removes the Item at Plaid, purges every local row, lets the same bank be linked again, and is 404 the second time', async () => {
    const dana = uniqueId('dana');
    const target = await linkPlaidItem(stack, dana, smallItem);
    await finishedSyncRun(stack, dana, target.connectionId, target.syncRunId);
    const kept = await seedConnection(stores, dana, { institution: { id: 'ins_109509', name: 'Kept Bank' } });
    await seedTransactions(stores, kept.accounts[0]!, [{ date: '2024-05-01' }, { date: '2024-05-02' }]);
    await seedSyncRuns(stores, kept.connection, [{ startedAt: '2024-05-03T00:00:00.000Z' }]);
    const keptId = kept.connection.connectionId;

    const before = await rowsOf(dana, target.connectionId);
    expect(before).toMatchObject({ transactions: 30, accounts: 3, runs: 1 });
    expect(new Set(before.userPartition)).toEqual(new Set(['CONN', 'ACCT', 'TXN', 'GUARD']));
    // The duplicate-item guard refuses the same bank while the connection exists.
    const duplicate = await stack.api(dana, 'POST', '/banking/plaid/exchange', { public_token: await sandboxPublicToken(stack, smallItem) });
    expect(duplicate.body.error?.code).toBe('ITEM_ALREADY_EXISTS');

    const { providerItemId } = (await stores.connections.get(dana, target.connectionId))!;
    const afterSeq = stack.plaid.recorder.lastSeq();
    const removed = await stack.api(dana, 'DELETE', `/banking/connections/${target.connectionId}`);
    expect(removed.status).toBe(204);

    // At Plaid: the access token this Item was exchanged for went to /item/remove, and no longer works.
    const exchange = stack.plaid.recorder
      .list({ path: '/item/public_token/exchange' })
      .find((entry) => (entry.responseBody as { item_id?: string }).item_id === providerItemId);
    const removals = stack.plaid.recorder.list({ path: '/item/remove', afterSeq });
    expect(removals).toHaveLength(1);
    expect(removals[0]!.status).toBe(200);
    const accessToken = (removals[0]!.requestBody as { access_token: string }).access_token;
    expect(accessToken).toBe((exchange!.responseBody as { access_token: string }).access_token);
    const itemGet = await fetch(`${stack.plaid.url}/item/get`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ client_id: stack.plaid.credentials.clientId, secret: stack.plaid.credentials.secret, access_token: accessToken }),
    });
    expect(itemGet.status).toBe(400);
    expect(((await itemGet.json()) as { error_code: string }).error_code).toBe('INVALID_ACCESS_TOKEN');

    // Locally: nothing of the connection is left, by any path; the other connection is untouched.
    expect(await rowsOf(dana, target.connectionId)).toEqual({ userPartition: [], transactions: 0, accounts: 0, runs: 0, connection: null });
    expect(await rowsOf(dana, keptId)).toMatchObject({ transactions: 2, accounts: 1, runs: 1 });
    expect((await stack.api(dana, 'GET', `/banking/connections/${target.connectionId}`)).status).toBe(404);
    expect((await stack.api(dana, 'GET', `/banking/connections/${target.connectionId}/sync-runs`)).status).toBe(404);
    const accounts = (await stack.api(dana, 'GET', '/banking/accounts')).body;
    expect(accounts.map((account: { connection_id: string }) => account.connection_id)).toEqual([keptId]);
    const transactions = await allTransactions(stack, dana);
    expect(transactions.map((transaction) => transaction.connection_id)).toEqual([keptId, keptId]);

    const again = await stack.api(dana, 'DELETE', `/banking/connections/${target.connectionId}`);
    expect(again.status).toBe(404);
    expect(again.body.error.code).toBe('NOT_FOUND');
    expect(stack.plaid.recorder.list({ path: '/item/remove', afterSeq })).toHaveLength(1);

    // The guard rows went with it: the same bank links again.
    const relinked = await linkPlaidItem(stack, dana, smallItem);
    expect(relinked.connectionId).not.toBe(target.connectionId);
    const run = await finishedSyncRun(stack, dana, relinked.connectionId, relinked.syncRunId);
    expect(run.outcome).toBe('succeeded');
  }, 120_000);
});
