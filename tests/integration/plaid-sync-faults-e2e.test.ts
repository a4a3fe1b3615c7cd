/**
 * The sync engine under Plaid's failure modes, end to end: a 2,000-transaction history paged through
 * `/transactions/sync` while the sandbox injects a rate limit, a server error, a mutation during
 * pagination and finally more rate limits than one attempt absorbs (the job fails, the queue redelivers
 * it, the next attempt finishes). Plus: a login error from `/transactions/sync` marks the connection.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '../helpers/eventually';
import { startLocalStack, type LocalStack } from '../helpers/local-stack';
import { connectionOf, finishedRun, linkItem, ourTransactionId, pollSyncRuns, sandboxLedger } from '../helpers/plaid-e2e';
import { allTransactions } from '../helpers/plaid-flow';
import { localAwsClientConfig } from '../setup/local-aws-context';

let stack: LocalStack;
const documents = DynamoDBDocumentClient.from(new DynamoDBClient(localAwsClientConfig()));

beforeAll(async () => {
  stack = await startLocalStack();
}, 60_000);

afterAll(async () => {
  await stack?.stop();
});

describe('Plaid sync under faults', () => {
  it('a 2,000-transaction history arrives complete, without duplicates, through faults mid-pagination', async () => {
    // Pages of 500: four per pass. The fault switch consults rules in order and a rule's `after` counts
    // only the calls that reach it, so the calls go:
    //   1 page 1 ok | 2 page 2 → 429, 3 retried ok | 4 page 3 → 500, 5 retried ok |
    //   6 page 4 → MUTATION_DURING_PAGINATION → restart from the first cursor: 7 page 1 ok |
    //   8-11 page 2 → 429 four times, more than the in-call retries: the attempt fails, the run is
    //   `retrying`, and the queue redelivers the job, whose next attempt pages through to the end.
    const sync = '/transactions/sync';
    stack.plaid.faults.arm({ endpoint: sync, fault: { type: 'status', status: 429 }, after: 1 });
    stack.plaid.faults.arm({ endpoint: sync, fault: { type: 'status', status: 500 }, after: 2 });
    stack.plaid.faults.arm({ endpoint: sync, fault: { type: 'mutation_during_pagination' }, after: 2 });
    stack.plaid.faults.arm({ endpoint: sync, fault: { type: 'status', status: 429 }, after: 4, count: 4 });
    const firstSeq = stack.plaid.recorder.lastSeq();

    const item = await linkItem(stack, 'large-history', { username: 'user_large_history', password: 'txn_count_2000' });

    // While the job waits for its redelivery, the rate limit has not marked the connection broken.
    const retrying = await eventually(
      'the first attempt gave up on the rate limit',
      async () => (await pollSyncRuns(stack, item))?.find((run) => run.outcome === 'retrying'),
      { timeoutMs: 60_000, intervalMs: 100 },
    );
    expect(retrying.error).toMatchObject({ code: 'TRANSACTIONS_SYNC_LIMIT' });
    const limited = stack.plaid.recorder.list({ path: sync, afterSeq: firstSeq }).filter((call) => call.status === 429);
    expect(limited.map((call) => (call.responseBody as { request_id: string }).request_id)).toContain(retrying.error.provider_request_id);
    const waiting = await connectionOf(stack, item);
    expect(['healthy', 'syncing']).toContain(waiting.status);
    expect(waiting.status_reason).toBeNull();
    expect(waiting.last_sync_outcome).toBe('retrying');
    // Pages were stored, but the cursor only moves once a pass reaches the end.
    const stored = await documents.send(
      new GetCommand({ TableName: stack.env.TABLE_NAME, Key: { PK: `USER#${item.userId}`, SK: `CONN#${item.connectionId}` } }),
    );
    expect(stored.Item?.entity).toBe('connection');
    expect(stored.Item?.sync_cursor).toBeUndefined();

    const run = await finishedRun(stack, item, 'the first sync finished', (candidate) => candidate.id === item.syncRunId, 90_000);
    expect(run.outcome).toBe('succeeded');
    expect(run.error).toBeNull();
    expect(stack.plaid.faults.list()).toEqual([]);
    const faulted = stack.plaid.recorder
      .list({ path: sync, afterSeq: firstSeq })
      .map((call) => call.fault ?? (call.status === 200 ? 'ok' : `status ${call.status}`));
    expect(faulted.slice(0, 11)).toEqual([
      'ok',
      'status:429',
      'ok',
      'status:500',
      'ok',
      'mutation_during_pagination',
      'ok',
      'status:429',
      'status:429',
      'status:429',
      'status:429',
    ]);
    expect(faulted.slice(11).every((label) => label === 'ok')).toBe(true);
    // The restart after the mutation went back to the loop's first cursor (none: this is the first sync).
    const syncCalls = stack.plaid.recorder.list({ path: sync, afterSeq: firstSeq });
    expect(syncCalls[6]!.requestBody).not.toHaveProperty('cursor');
    expect(syncCalls[5]!.requestBody).toHaveProperty('cursor');
    // So did the redelivered attempt: nothing was committed before the failure.
    expect(syncCalls[11]!.requestBody).not.toHaveProperty('cursor');
    const finalCursor = (syncCalls.at(-1)!.responseBody as { next_cursor: string; has_more: boolean });
    expect(finalCursor.has_more).toBe(false);

    const transactions = await allTransactions(stack, item.userId);
    expect(transactions).toHaveLength(2_000);
    const ids = transactions.map((transaction) => transaction.id);
    expect(new Set(ids).size).toBe(2_000);
    expect(ids.sort()).toEqual(sandboxLedger(stack, item).map((row) => ourTransactionId(item, row.transaction_id)).sort());

    const connection = await connectionOf(stack, item);
    expect(connection).toMatchObject({ status: 'healthy', status_reason: null, last_sync_outcome: 'succeeded' });

    // The committed cursor is the end of the history: a further sync finds nothing.
    const again = await stack.api(item.userId, 'POST', `/banking/connections/${item.connectionId}/sync`);
    const rerun = await finishedRun(stack, item, 'the re-run finished', (candidate) => candidate.id === again.body.sync_run_id);
    expect(rerun).toMatchObject({ outcome: 'succeeded', counts: { added: 0, modified: 0, removed: 0 } });
    // Writing 2,000 rows to the local emulator is the slow part; other test files may share it.
  }, 120_000);

  it('ITEM_LOGIN_REQUIRED from /transactions/sync marks the connection login_required and takes it out of auto-sync', async () => {
    const item = await linkItem(stack, 'login-breaks', { daysRequested: 7 });
    const first = await finishedRun(stack, item, 'the first sync finished', (run) => run.id === item.syncRunId);
    expect(first.outcome).toBe('succeeded');

    stack.plaid.faults.clear();
    stack.plaid.faults.arm({ endpoint: '/transactions/sync', fault: { type: 'error', error_code: 'ITEM_LOGIN_REQUIRED' } });
    const requested = await stack.api(item.userId, 'POST', `/banking/connections/${item.connectionId}/sync`);
    expect(requested.status).toBe(202);
    const run = await finishedRun(stack, item, 'the forced sync finished', (candidate) => candidate.id === requested.body.sync_run_id);
    expect(run).toMatchObject({ outcome: 'failed', error: { code: 'ITEM_LOGIN_REQUIRED' } });
    // Plaid's request_id of the failed call is kept on the run (Plaid support asks for it).
    const failedCall = stack.plaid.recorder
      .list({ path: '/transactions/sync', kind: 'provider' })
      .filter((call) => call.fault === 'error:ITEM_LOGIN_REQUIRED' && (call.requestBody as { access_token?: string }).access_token === item.accessToken);
    expect(failedCall).toHaveLength(1);
    const plaidRequestId = (failedCall[0]!.responseBody as { request_id: string }).request_id;
    expect(plaidRequestId).toMatch(/^[A-Za-z0-9]{15}$/);
    expect(run.error.provider_request_id).toBe(plaidRequestId);

    const connection = await connectionOf(stack, item);
    expect(connection).toMatchObject({ status: 'login_required', status_reason: { code: 'ITEM_LOGIN_REQUIRED' }, next_sync_at: null });
  });
});
