/**
 * A Plaid Item's life through the public API and the sandbox's webhooks: login breaks and is repaired
 * through Link update mode, new accounts appear, the user revokes access, balances are refreshed live,
 * account numbers stay sealed, and the connection is removed (at Plaid first, then locally).
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalStack, type LocalStack } from '../helpers/local-stack';
import {
  connectionOf,
  connectionWhen,
  deliveriesOf,
  finishedRun,
  linkItem,
  plaidCall,
  postWebhook,
  sandboxControl,
  syncRuns,
  type LinkedItem,
} from '../helpers/plaid-e2e';
import { localAwsClientConfig } from '../setup/local-aws-context';

let stack: LocalStack;

beforeAll(async () => {
  stack = await startLocalStack();
}, 60_000);

afterAll(async () => {
  await stack?.stop();
});

/** A linked Item whose first sync has finished, so later syncs and faults are this test's alone. */
async function linkedAndSynced(userId: string): Promise<LinkedItem> {
  const item = await linkItem(stack, userId, { daysRequested: 7 });
  const first = await finishedRun(stack, item, `${userId}'s first sync finished`, (run) => run.id === item.syncRunId);
  expect(first.outcome).toBe('succeeded');
  return item;
}

async function fireWebhook(item: LinkedItem, code: string): Promise<void> {
  const fired = await plaidCall(stack, '/sandbox/item/fire_webhook', { access_token: item.accessToken, webhook_code: code });
  expect(fired.status, JSON.stringify(fired.body)).toBe(200);
  expect(fired.body.webhook_fired).toBe(true);
}

describe('Plaid ITEM webhooks through the gateway', () => {
  it('login required → update-mode link → LOGIN_REPAIRED → healthy and synced; then new accounts; then revoked', async () => {
    const item = await linkedAndSynced('item-user');

    const reset = await plaidCall(stack, '/sandbox/item/reset_login', { access_token: item.accessToken });
    expect(reset.body).toMatchObject({ reset_login: true });
    const broken = await connectionWhen(stack, item, 'the connection needs a login', (connection) => connection.status === 'login_required');
    expect(broken.status_reason).toMatchObject({ code: 'ITEM_LOGIN_REQUIRED' });
    // Out of auto-sync until the user is back.
    expect(broken.next_sync_at).toBeNull();
    expect(deliveriesOf(stack, item, 'ITEM/ERROR')).toEqual([expect.objectContaining({ status: 'delivered', lastStatus: 200 })]);

    // Update mode: a link token for the existing Item (access token, no products).
    const seqBefore = stack.plaid.recorder.lastSeq();
    const linkToken = await stack.api(item.userId, 'POST', '/banking/link-token', { connection_id: item.connectionId });
    expect(linkToken.status, JSON.stringify(linkToken.body)).toBe(200);
    expect(linkToken.body.link_token).toMatch(/^link-sandbox-/);
    const [created] = stack.plaid.recorder.list({ path: '/link/token/create', afterSeq: seqBefore });
    expect(created?.requestBody).toMatchObject({ access_token: item.accessToken });
    expect(created?.requestBody).not.toHaveProperty('products');
    expect(JSON.stringify(linkToken.body)).not.toContain(item.accessToken);

    // The user finishes Link in update mode; nothing to exchange.
    const completed = await sandboxControl(stack, 'POST', 'link/complete', { link_token: linkToken.body.link_token });
    expect(completed.body).toMatchObject({ repaired: true, public_token: null });

    const runsBefore = await syncRuns(stack, item.userId, item.connectionId);
    await fireWebhook(item, 'LOGIN_REPAIRED');
    const repaired = await connectionWhen(stack, item, 'the connection is healthy again', (connection) => connection.status === 'healthy');
    expect(repaired.status_reason).toBeNull();
    expect(repaired.next_sync_at).not.toBeNull();
    const catchUp = await finishedRun(stack, item, 'the catch-up sync finished', (run) =>
      run.trigger === 'webhook' && !runsBefore.some((earlier) => earlier.id === run.id),
    );
    expect(catchUp.outcome).toBe('succeeded');
    expect((await connectionOf(stack, item)).status).toBe('healthy');

    await fireWebhook(item, 'NEW_ACCOUNTS_AVAILABLE');
    await connectionWhen(stack, item, 'new accounts are offered', (connection) => connection.status === 'new_accounts_available');
    const selectionSeq = stack.plaid.recorder.lastSeq();
    const selection = await stack.api(item.userId, 'POST', '/banking/link-token', { connection_id: item.connectionId });
    expect(selection.status).toBe(200);
    const [selectionRequest] = stack.plaid.recorder.list({ path: '/link/token/create', afterSeq: selectionSeq });
    expect(selectionRequest?.requestBody).toMatchObject({ access_token: item.accessToken, update: { account_selection_enabled: true } });

    await fireWebhook(item, 'USER_PERMISSION_REVOKED');
    const revoked = await connectionWhen(stack, item, 'the connection is revoked', (connection) => connection.status === 'revoked');
    expect(revoked.next_sync_at).toBeNull();
    expect(revoked.consent?.revoked_at).toEqual(expect.any(String));
  }, 60_000);

  it('acknowledges ITEM codes it does not act on and webhooks for unknown Items with 200; PENDING_DISCONNECT warns', async () => {
    const item = await linkedAndSynced('item-unknowns');
    const unknownCode = JSON.stringify({ environment: 'sandbox', item_id: item.itemId, webhook_code: 'SOMETHING_PLAID_ADDS_LATER', webhook_type: 'ITEM' }, null, 2);
    const response = await postWebhook(stack, unknownCode, stack.plaid.webhooks.sign(unknownCode));
    expect(response.status).toBe(200);

    const unknownItem = JSON.stringify(
      { environment: 'sandbox', error: null, item_id: 'neverLinkedItem00000000000000000000000', webhook_code: 'NEW_ACCOUNTS_AVAILABLE', webhook_type: 'ITEM' },
      null,
      2,
    );
    const unknown = await postWebhook(stack, unknownItem, stack.plaid.webhooks.sign(unknownItem));
    expect(unknown.status).toBe(200);
    expect((await connectionOf(stack, item)).status).toBe('healthy');

    // The institution will disconnect the Item in 7 days: re-login soon, but data still flows meanwhile.
    await fireWebhook(item, 'PENDING_DISCONNECT');
    const warned = await connectionWhen(stack, item, 'the connection warns of the disconnect', (connection) => connection.status === 'pending_expiration');
    expect(warned.status_reason).toMatchObject({ code: 'PENDING_DISCONNECT' });
    expect(warned.next_sync_at).not.toBeNull();
    const requested = await stack.api(item.userId, 'POST', `/banking/connections/${item.connectionId}/sync`);
    const run = await finishedRun(stack, item, 'the sync finished', (candidate) => candidate.id === requested.body.sync_run_id);
    expect(run.outcome).toBe('succeeded');
    // A successful sync does not hide the warning: the user still has to act before the date.
    expect((await connectionOf(stack, item)).status).toBe('pending_expiration');
  });
});

describe('Plaid balances and account numbers', () => {
  it('POST /banking/accounts/{id}/sync asks /accounts/balance/get for that account', async () => {
    const item = await linkedAndSynced('balance-user');
    const savings = item.accounts.find((account) => account.type === 'savings')!;
    const changed = await sandboxControl(stack, 'POST', 'balance', { account_id: savings.provider_account_id, current: 4321.09, available: 4300 });
    expect(changed.status).toBe(200);

    const seq = stack.plaid.recorder.lastSeq();
    const refreshed = await stack.api(item.userId, 'POST', `/banking/accounts/${savings.id}/sync`);
    expect(refreshed.status, JSON.stringify(refreshed.body)).toBe(200);
    expect(refreshed.body.balances).toMatchObject({ current: '4321.09', available: '4300.00' });

    const calls = stack.plaid.recorder.list({ kind: 'provider', afterSeq: seq });
    expect(calls.map((call) => call.path)).toEqual(['/accounts/balance/get']);
    expect(calls[0]!.requestBody).toMatchObject({ access_token: item.accessToken, options: { account_ids: [savings.provider_account_id] } });
    const stored = await stack.api(item.userId, 'GET', `/banking/accounts/${savings.id}`);
    expect(stored.body.balances.current).toBe('4321.09');
  });

  it('stores auth numbers encrypted and reveals them only through GET …/numbers to the owner', async () => {
    const item = await linkedAndSynced('numbers-user');
    const auth = stack.plaid.recorder
      .list({ path: '/auth/get' })
      .find((call) => (call.requestBody as { access_token?: string }).access_token === item.accessToken);
    const ach = (auth?.responseBody as { numbers: { ach: { account_id: string; account: string; routing: string; wire_routing: string }[] } })
      .numbers.ach;
    expect(ach.length).toBeGreaterThan(0);

    // Every row of the user's partition, as DynamoDB holds it: no number in plaintext anywhere.
    const documents = DynamoDBDocumentClient.from(new DynamoDBClient(localAwsClientConfig()));
    const rows = await documents.send(
      new QueryCommand({ TableName: stack.env.TABLE_NAME, KeyConditionExpression: 'PK = :pk', ExpressionAttributeValues: { ':pk': `USER#${item.userId}` } }),
    );
    const accountRows = (rows.Items ?? []).filter((row) => row.entity === 'account');
    expect(accountRows.length).toBe(item.accounts.length);
    const stored = JSON.stringify(rows.Items);
    for (const numbers of ach) {
      expect(stored).not.toContain(numbers.account);
      expect(stored).not.toContain(numbers.routing);
      expect(stored).not.toContain(numbers.wire_routing);
    }
    expect(stored).not.toContain(item.accessToken);

    for (const numbers of ach) {
      const account = item.accounts.find((candidate) => candidate.provider_account_id === numbers.account_id)!;
      const listed = await stack.api(item.userId, 'GET', `/banking/accounts/${account.id}`);
      expect(listed.body.has_numbers).toBe(true);
      expect(JSON.stringify(listed.body)).not.toContain(numbers.account);

      const revealed = await stack.api(item.userId, 'GET', `/banking/accounts/${account.id}/numbers`);
      expect(revealed.status).toBe(200);
      expect(revealed.body).toEqual({
        account_id: account.id,
        account_number: numbers.account,
        routing_number: numbers.routing,
        wire_routing_number: numbers.wire_routing,
      });
      expect(revealed.headers.get('cache-control')).toMatch(/no-store/);
      expect((await stack.api('someone-else', 'GET', `/banking/accounts/${account.id}/numbers`)).status).toBe(404);
    }
    const listedAll = await stack.api(item.userId, 'GET', '/banking/accounts');
    for (const numbers of ach) expect(JSON.stringify(listedAll.body)).not.toContain(numbers.account);
    // The credit card has no ACH numbers.
    const card = item.accounts.find((account) => account.type === 'credit_card')!;
    expect((await stack.api(item.userId, 'GET', `/banking/accounts/${card.id}/numbers`)).status).toBe(404);
  });
});

describe('Removing a Plaid connection', () => {
  async function expectPurged(item: LinkedItem): Promise<void> {
    expect((await stack.api(item.userId, 'GET', `/banking/connections/${item.connectionId}`)).status).toBe(404);
    expect((await stack.api(item.userId, 'GET', '/banking/accounts')).body).toEqual([]);
    expect((await stack.api(item.userId, 'GET', '/banking/transactions')).body.data).toEqual([]);
    expect((await stack.api(item.userId, 'GET', `/banking/connections/${item.connectionId}/sync-runs`)).status).toBe(404);
  }

  it('calls /item/remove with the Item’s token, then purges everything local', async () => {
    const item = await linkedAndSynced('remove-user');
    const seq = stack.plaid.recorder.lastSeq();
    const removed = await stack.api(item.userId, 'DELETE', `/banking/connections/${item.connectionId}`);
    expect(removed.status).toBe(204);
    const calls = stack.plaid.recorder.list({ path: '/item/remove', afterSeq: seq });
    expect(calls).toHaveLength(1);
    expect(calls[0]).toMatchObject({ status: 200, requestBody: { access_token: item.accessToken } });
    expect(stack.plaid.state.findItem(item.itemId)?.removed).toBe(true);
    await expectPurged(item);

    // The duplicate guard went with it: the same bank can be linked again.
    const relinked = await linkItem(stack, item.userId, { daysRequested: 7 });
    expect(relinked.connectionId).not.toBe(item.connectionId);
    await finishedRun(stack, relinked, 'the re-linked connection synced', (run) => run.id === relinked.syncRunId);
  });

  it.each(['ITEM_NOT_FOUND', 'INVALID_ACCESS_TOKEN'])('counts %s at /item/remove as removed', async (errorCode) => {
    const item = await linkedAndSynced(`remove-${errorCode.toLowerCase()}`);
    stack.plaid.faults.arm({ endpoint: '/item/remove', fault: { type: 'error', error_code: errorCode } });
    const seq = stack.plaid.recorder.lastSeq();
    const removed = await stack.api(item.userId, 'DELETE', `/banking/connections/${item.connectionId}`);
    expect(removed.status).toBe(204);
    expect(stack.plaid.recorder.list({ path: '/item/remove', afterSeq: seq })).toEqual([
      expect.objectContaining({ status: 400, fault: `error:${errorCode}` }),
    ]);
    await expectPurged(item);
  });

  it('keeps the connection when Plaid cannot remove the Item, so the DELETE can be repeated', async () => {
    const item = await linkedAndSynced('remove-retry');
    // More failures than the in-call retries absorb.
    stack.plaid.faults.arm({ endpoint: '/item/remove', fault: { type: 'status', status: 500 }, count: 4 });
    const failed = await stack.api(item.userId, 'DELETE', `/banking/connections/${item.connectionId}`);
    expect(failed.status).toBe(502);
    expect(JSON.stringify(failed.body)).not.toContain(item.accessToken);
    expect((await connectionOf(stack, item)).id).toBe(item.connectionId);
    expect((await stack.api(item.userId, 'GET', '/banking/accounts')).body.length).toBe(item.accounts.length);

    const repeated = await stack.api(item.userId, 'DELETE', `/banking/connections/${item.connectionId}`);
    expect(repeated.status).toBe(204);
    await expectPurged(item);
  });
});
