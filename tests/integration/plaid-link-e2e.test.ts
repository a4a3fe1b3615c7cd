/**
 * Plaid linking end to end: HTTP through the local gateway, jobs through the queue poller, Plaid
 * through the local Plaid sandbox, data in the local AWS emulator.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { finishedRun } from '../helpers/plaid-e2e';
import { allTransactions, linkPlaidItem, sandboxPublicToken } from '../helpers/plaid-flow';
import { startLocalStack, type LocalStack } from '../helpers/local-stack';

let stack: LocalStack;

beforeAll(async () => {
  stack = await startLocalStack();
}, 60_000);

afterAll(async () => {
  await stack?.stop();
});

describe('Plaid link and exchange', () => {
  it('(A) issues a sandbox link token, exchanges, and stores accounts with type and mask', async () => {
    const linkToken = await stack.api('seed-a', 'POST', '/banking/link-token');
    expect(linkToken.status).toBe(200);
    expect(linkToken.body.link_token).toMatch(/^link-sandbox-/);

    const linked = await linkPlaidItem(stack, 'seed-a', { daysRequested: 120 });
    const accounts = await stack.api('seed-a', 'GET', '/banking/accounts');
    expect(accounts.status).toBe(200);
    expect(accounts.body).toHaveLength(linked.accounts.length);
    expect(accounts.body.map((account: { type: string }) => account.type).sort()).toEqual(['checking', 'credit_card', 'savings']);
    for (const account of accounts.body) expect(account.mask).toMatch(/^\d{4}$/);

    const seedA = { userId: 'seed-a', connectionId: linked.connectionId };
    const run = await finishedRun(stack, seedA, 'the first sync finished', (candidate) => candidate.id === linked.syncRunId, 50_000);
    expect(run.outcome).toBe('succeeded');
    expect(run.counts.added).toBeGreaterThan(0);
    const transactions = await allTransactions(stack, 'seed-a');
    expect(transactions).toHaveLength(run.counts.added);
    expect(new Set(transactions.map((transaction) => transaction.id)).size).toBe(transactions.length);
    // Two years of history (~2,300 rows) into the local emulator, which other test files may be using too.
  }, 60_000);

  it('(B) after the bank changes a balance, a sync stores the new current balance', async () => {
    // A month of history is plenty for a balance check (and keeps this file quick).
    const linked = await linkPlaidItem(stack, 'seed-b', { daysRequested: 30 });
    const seedB = { userId: 'seed-b', connectionId: linked.connectionId };
    await finishedRun(stack, seedB, 'the first sync finished', (candidate) => candidate.id === linked.syncRunId);
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
    await finishedRun(stack, seedB, 'the forced sync finished', (candidate) => candidate.id === sync.body.sync_run_id);
    const accountAfter = await stack.api('seed-b', 'GET', `/banking/accounts/${checking.id}`);
    expect(accountAfter.body.balances.current).toBe('1234.56');
  });

  it('(C) a fake public token is refused with Plaid’s error, and the same bank linked twice is refused', async () => {
    const fake = await stack.api('seed-c', 'POST', '/banking/plaid/exchange', { public_token: 'public-sandbox-00000000-fake' });
    expect(fake.status).toBe(400);
    expect(fake.body.error.code).toBe('INVALID_PUBLIC_TOKEN');
    // Plaid's display_message is null for this code; its developer message says what was wrong.
    expect(fake.body.error.message).toBe('could not find matching public token');
    expect(fake.body.error.details).toMatchObject({ provider: 'plaid', provider_code: 'INVALID_PUBLIC_TOKEN', display_message: null });

    // The duplicate check compares institution and account names/masks; the history length plays no part.
    await linkPlaidItem(stack, 'seed-c', { daysRequested: 30 });
    const again = await stack.api('seed-c', 'POST', '/banking/plaid/exchange', {
      public_token: await sandboxPublicToken(stack, { daysRequested: 30 }),
    });
    expect(again.status).toBe(400);
    expect(again.body.error).toMatchObject({ code: 'ITEM_ALREADY_EXISTS', message: 'Item already exists' });
    const connections = await stack.api('seed-c', 'GET', '/banking/connections');
    expect(connections.body).toHaveLength(1);

    // A public token older than Plaid's 30 minutes: Plaid's code, and its explanation of why.
    const stale = await sandboxPublicToken(stack, { institutionId: 'ins_109509' });
    const moved = await fetch(`${stack.plaid.url}/sandbox/local/clock`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ advance_seconds: 31 * 60 }),
    });
    expect(moved.status).toBe(200);
    const expired = await stack.api('seed-c', 'POST', '/banking/plaid/exchange', { public_token: stale });
    expect(expired.status).toBe(400);
    expect(expired.body.error.code).toBe('INVALID_PUBLIC_TOKEN');
    expect(expired.body.error.message).toMatch(/expired/);
    expect(JSON.stringify(expired.body)).not.toContain(stale);
  });
});
