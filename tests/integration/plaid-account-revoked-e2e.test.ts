/**
 * USER_ACCOUNT_REVOKED is about one account (spec UserAccountRevokedWebhook): that account is marked revoked
 * and its Plaid-derived data (transactions, numbers) removed, while the connection stays healthy and its
 * other accounts keep syncing. The sandbox keeps listing the revoked account and its activity (Plaid does
 * not document otherwise), so the sync must leave it alone by itself.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '../helpers/eventually';
import { startLocalStack, type LocalStack } from '../helpers/local-stack';
import { connectionOf, finishedRun, linkItem, ourTransactionId, plaidCall, sandboxControl, sandboxLedger } from '../helpers/plaid-e2e';
import { allTransactions } from '../helpers/plaid-flow';

let stack: LocalStack;

beforeAll(async () => {
  stack = await startLocalStack();
}, 60_000);

afterAll(async () => {
  await stack?.stop();
});

describe('USER_ACCOUNT_REVOKED', () => {
  it('revokes one account and deletes its data; the connection and the other accounts carry on', async () => {
    const item = await linkItem(stack, 'account-revoked', { daysRequested: 30 });
    const first = await finishedRun(stack, item, 'the first sync finished', (run) => run.id === item.syncRunId);
    expect(first.outcome).toBe('succeeded');

    const fired = await plaidCall(stack, '/sandbox/item/fire_webhook', { access_token: item.accessToken, webhook_code: 'USER_ACCOUNT_REVOKED' });
    expect(fired.body.webhook_fired, JSON.stringify(fired.body)).toBe(true);
    await stack.plaid.webhooks.idle();
    const delivery = stack.plaid.webhooks.deliveries({ itemId: item.itemId, label: 'ITEM/USER_ACCOUNT_REVOKED' })[0]!;
    const revokedProviderId = (JSON.parse(delivery.body) as { account_id: string }).account_id;
    const revoked = item.accounts.find((account) => account.provider_account_id === revokedProviderId)!;
    const others = item.accounts.filter((account) => account !== revoked);
    expect(revoked).toBeDefined();
    expect(others.length).toBe(2);

    const account = await eventually(
      'the account is marked revoked',
      async () => {
        const response = await stack.api(item.userId, 'GET', `/banking/accounts/${revoked.id}`);
        return response.status === 200 && response.body.status === 'revoked' ? response.body : undefined;
      },
      { timeoutMs: 30_000, intervalMs: 200 },
    );
    expect(account.has_numbers).toBe(false);
    const numbers = await stack.api(item.userId, 'GET', `/banking/accounts/${revoked.id}/numbers`);
    expect(numbers.status).toBe(409);
    expect(numbers.body.error.code).toBe('ACCOUNT_REVOKED');
    expect(await allTransactions(stack, item.userId, `account_id=${revoked.id}`)).toEqual([]);
    expect((await connectionOf(stack, item)).status).toBe('healthy');
    for (const other of others) {
      const response = await stack.api(item.userId, 'GET', `/banking/accounts/${other.id}`);
      expect(response.body.status).toBe('active');
    }

    // New activity everywhere, the revoked account included: a sync stores the others' and not its.
    const advanced = await sandboxControl(stack, 'POST', 'advance', { item_id: item.itemId, days: 2 });
    expect(advanced.status).toBe(200);
    const forced = await stack.api(item.userId, 'POST', `/banking/connections/${item.connectionId}/sync`);
    expect(forced.status).toBe(202);
    const run = await finishedRun(stack, item, 'the sync after the revocation finished', (candidate) => candidate.id === forced.body.sync_run_id);
    expect(run.outcome).toBe('succeeded');
    expect((await connectionOf(stack, item)).status).toBe('healthy');

    const stored = (await allTransactions(stack, item.userId)).map((transaction) => transaction.id).sort();
    const expected = sandboxLedger(stack, item)
      .filter((transaction) => transaction.account_id !== revokedProviderId)
      .map((transaction) => ourTransactionId(item, transaction.transaction_id))
      .sort();
    expect(expected.length).toBeGreaterThan(0);
    expect(sandboxLedger(stack, item).some((transaction) => transaction.account_id === revokedProviderId)).toBe(true);
    expect(stored).toEqual(expected);
    expect((await stack.api(item.userId, 'GET', `/banking/accounts/${revoked.id}`)).body.status).toBe('revoked');
  }, 120_000);
});
