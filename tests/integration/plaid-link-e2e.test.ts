/**
 * Seed 000's scenarios end to end: HTTP through the local gateway, jobs through the queue poller, Plaid
 * through the local Plaid sandbox, data in the local AWS emulator.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { allTransactions, finishedSyncRun, linkPlaidItem, sandboxPublicToken } from '../helpers/plaid-flow';
import { startLocalStack, type LocalStack } from '../helpers/local-stack';

let stack: LocalStack;

beforeAll(async () => {
  stack = await startLocalStack();
}, 60_000);

afterAll(async () => {
  await stack?.stop();
});

describe('Plaid link and exchange (seed 000)', () => {
  it('(A) issues a sandbox link token, exchanges, and stores accounts with type and mask', async () => {
    const linkToken = await stack.api('seed-a', 'POST', '/banking/link-token');
    expect(linkToken.status).toBe(200);
    expect(linkToken.body.link_token).toMatch(/^link-sandbox-/);

    const linked = await linkPlaidItem(stack, 'seed-a');
    const accounts = await stack.api('seed-a', 'GET', '/banking/accounts');
    expect(accounts.status).toBe(200);
    expect(accounts.body).toHaveLength(linked.accounts.length);
    expect(accounts.body.map((account: { type: string }) => account.type).sort()).toEqual(['checking', 'credit_card', 'savings']);
    for (const account of accounts.body) expect(account.mask).toMatch(/^\d{4}$/);

    const run = await finishedSyncRun(stack, 'seed-a', linked.connectionId, linked.syncRunId);
    expect(run.outcome).toBe('succeeded');
    expect(run.counts.added).toBeGreaterThan(0);
    const transactions = await allTransactions(stack, 'seed-a');
    expect(transactions).toHaveLength(run.counts.added);
    expect(new Set(transactions.map((transaction) => transaction.id)).size).toBe(transactions.length);
  });

  it('(B) after the bank changes a balance, a sync stores the new current balance', async () => {
    const linked = await linkPlaidItem(stack, 'seed-b');
    await finishedSyncRun(stack, 'seed-b', linked.connectionId, linked.syncRunId);
    const checking = linked.accounts.find((account) => account.type === 'checking')!;
    const accountBefore = await stack.api('seed-b', 'GET', `/banking/accounts/${checking.id}`);
    expect(accountBefore.body.balances.current).not.toBe('1234.56');

    const changed = await fetch(`${stack.plaid.url}/sandbox/local/balance`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ account_id: accountBefore.body.provider_account_id, current: 1234.56 }),
    });
    expect(changed.status).toBe(200);

    const sync = await stack.api('seed-b', 'POST', `/banking/connections/${linked.connectionId}/sync`);
    expect(sync.status).toBe(202);
    await finishedSyncRun(stack, 'seed-b', linked.connectionId, sync.body.sync_run_id);
    const accountAfter = await stack.api('seed-b', 'GET', `/banking/accounts/${checking.id}`);
    expect(accountAfter.body.balances.current).toBe('1234.56');
  });

  it('(C) a fake public token is refused with Plaid’s error, and the same bank linked twice is refused', async () => {
    const fake = await stack.api('seed-c', 'POST', '/banking/plaid/exchange', { public_token: 'public-sandbox-00000000-fake' });
    expect(fake.status).toBe(400);
    expect(fake.body.error.code).toBe('INVALID_PUBLIC_TOKEN');

    await linkPlaidItem(stack, 'seed-c');
    const again = await stack.api('seed-c', 'POST', '/banking/plaid/exchange', { public_token: await sandboxPublicToken(stack) });
    expect(again.status).toBe(400);
    expect(again.body.error).toMatchObject({ code: 'ITEM_ALREADY_EXISTS', message: 'Item already exists' });
    const connections = await stack.api('seed-c', 'GET', '/banking/connections');
    expect(connections.body).toHaveLength(1);
  });
});
