/**
 * Accounts end to end: list (optionally by connection), get, the account and routing numbers (owner only,
 * never in a log line) and a forced balance refresh against the Plaid sandbox.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { uniqueId } from '../helpers/dynamodb-fixtures';
import { startLocalStack, type LocalStack } from '../helpers/local-stack';
import { linkPlaidItem, type LinkedConnection } from '../helpers/plaid-flow';
import { bankingStores, captureOutput, jsonLogLines, seedConnection, type SeededConnection } from '../helpers/seed-banking-data';

let stack: LocalStack;
const dee = uniqueId('dee');
const mallory = uniqueId('mallory');
let linked: LinkedConnection;
let linkOutput: string;
let seeded: SeededConnection;

interface AchNumbers {
  account_id: string;
  account: string;
  routing: string;
  wire_routing: string | null;
}

beforeAll(async () => {
  stack = await startLocalStack();
  // Captured: the exchange fetches the numbers from Plaid (/auth/get) and must not log them either.
  ({ result: linked, output: linkOutput } = await captureOutput(
    () => linkPlaidItem(stack, dee, { username: 'user_large_history', password: 'txn_count_5', webhook: false }),
    'DEBUG',
  ));
  seeded = await seedConnection(bankingStores(stack), dee, { institution: { id: 'ins_109510', name: 'Third Bank' }, accountNames: ['Spare'] });
}, 120_000);

afterAll(async () => {
  await stack?.stop();
});

/** What Plaid's /auth/get answered for this sandbox, by Plaid account id. */
function plaidNumbers(): Map<string, AchNumbers> {
  const [auth] = stack.plaid.recorder.list({ path: '/auth/get' }).filter((entry) => entry.status === 200);
  expect(auth).toBeDefined();
  const ach = (auth!.responseBody as { numbers: { ach: AchNumbers[] } }).numbers.ach;
  return new Map(ach.map((numbers) => [numbers.account_id, numbers]));
}

describe('list and get', () => {
  it('lists every account of the user with type, mask and balances as exact decimals', async () => {
    const response = await stack.api(dee, 'GET', '/banking/accounts');
    expect(response.status).toBe(200);
    expect(response.body).toHaveLength(4);
    const plaid = response.body.filter((account: { connection_id: string }) => account.connection_id === linked.connectionId);
    expect(plaid.map((account: { type: string }) => account.type).sort()).toEqual(['checking', 'credit_card', 'savings']);
    for (const account of plaid) {
      expect(account).toMatchObject({ provider: 'plaid', mask: expect.stringMatching(/^\d{4}$/) });
      expect(account.balances.currency).toBe('USD');
      expect(account.balances.current).toMatch(/^-?\d+\.\d{2}$/);
      // Numbers exist for depository accounts only, and are never part of the account itself.
      expect(account.has_numbers).toBe(account.type !== 'credit_card');
      expect(Object.keys(account)).not.toContain('numbers');
    }
  });

  it('?connection_id narrows the list to one connection', async () => {
    const plaid = await stack.api(dee, 'GET', `/banking/accounts?connection_id=${linked.connectionId}`);
    expect(plaid.body.map((account: { id: string }) => account.id).sort()).toEqual(linked.accounts.map((account) => account.id).sort());
    const other = await stack.api(dee, 'GET', `/banking/accounts?connection_id=${seeded.connection.connectionId}`);
    expect(other.body.map((account: { id: string }) => account.id)).toEqual([seeded.accounts[0]!.accountId]);
  });

  it('GET one matches the list entry; another user gets 404', async () => {
    const listed = (await stack.api(dee, 'GET', '/banking/accounts')).body[0];
    const one = await stack.api(dee, 'GET', `/banking/accounts/${listed.id}`);
    expect(one.status).toBe(200);
    expect(one.body).toEqual(listed);
    const foreign = await stack.api(mallory, 'GET', `/banking/accounts/${listed.id}`);
    expect(foreign.status).toBe(404);
  });
});

describe('account numbers', () => {
  it('returns the account and routing numbers Plaid reported, to the owner', async () => {
    const numbers = plaidNumbers();
    const accounts = (await stack.api(dee, 'GET', `/banking/accounts?connection_id=${linked.connectionId}`)).body;
    let revealed = 0;
    for (const account of accounts.filter((candidate: { has_numbers: boolean }) => candidate.has_numbers)) {
      const expected = numbers.get(account.provider_account_id)!;
      const response = await stack.api(dee, 'GET', `/banking/accounts/${account.id}/numbers`);
      expect(response.status).toBe(200);
      expect(response.body).toEqual({
        account_id: account.id,
        account_number: expected.account,
        routing_number: expected.routing,
        wire_routing_number: expected.wire_routing,
      });
      expect(response.headers.get('cache-control')).toBe('no-store');
      revealed += 1;
    }
    expect(revealed).toBe(2);
  });

  it('is 404 for an account without numbers and for another user', async () => {
    const accounts = (await stack.api(dee, 'GET', '/banking/accounts')).body;
    const credit = accounts.find((account: { type: string }) => account.type === 'credit_card');
    expect((await stack.api(dee, 'GET', `/banking/accounts/${credit.id}/numbers`)).status).toBe(404);
    expect((await stack.api(dee, 'GET', `/banking/accounts/${seeded.accounts[0]!.accountId}/numbers`)).status).toBe(404);
    const checking = accounts.find((account: { type: string }) => account.type === 'checking');
    const foreign = await stack.api(mallory, 'GET', `/banking/accounts/${checking.id}/numbers`);
    expect(foreign.status).toBe(404);
    expect(foreign.body).toEqual({ error: { code: 'NOT_FOUND', message: 'account not found', details: null } });
  });

  it('never writes the numbers to a log line, at any log level', async () => {
    const checking = (await stack.api(dee, 'GET', '/banking/accounts')).body.find((account: { type: string }) => account.type === 'checking');
    const expected = plaidNumbers().get(checking.provider_account_id)!;
    const { result, output } = await captureOutput(() => stack.api(dee, 'GET', `/banking/accounts/${checking.id}/numbers`), 'DEBUG');
    expect(result.body.account_number).toBe(expected.account);
    // The capture did see this request's own log lines...
    expect(jsonLogLines(output)).toContainEqual(
      expect.objectContaining({ message: 'request completed', request_id: result.headers.get('x-request-id'), status: 200 }),
    );
    // ...and neither they nor the link's lines hold a number.
    for (const secret of [expected.account, expected.routing]) {
      expect(output).not.toContain(secret);
      expect(linkOutput).not.toContain(secret);
    }
    expect(jsonLogLines(linkOutput).length).toBeGreaterThan(0);
  });
});

describe('balance refresh', () => {
  it('POST …/sync asks Plaid for live balances and answers 200 with them', async () => {
    const checking = (await stack.api(dee, 'GET', '/banking/accounts')).body.find((account: { type: string }) => account.type === 'checking');
    const changed = await fetch(`${stack.plaid.url}/sandbox/local/balance`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ account_id: checking.provider_account_id, current: 4321.09, available: 4000.5 }),
    });
    expect(changed.status).toBe(200);
    const afterSeq = stack.plaid.recorder.lastSeq();

    const refreshed = await stack.api(dee, 'POST', `/banking/accounts/${checking.id}/sync`);
    expect(refreshed.status).toBe(200);
    expect(refreshed.body).toMatchObject({ id: checking.id, balances: { current: '4321.09', available: '4000.50', currency: 'USD' } });
    expect(Date.parse(refreshed.body.balances.updated_at)).toBeGreaterThanOrEqual(Date.parse(checking.balances.updated_at));
    expect(stack.plaid.recorder.list({ path: '/accounts/balance/get', afterSeq })).toHaveLength(1);
    expect((await stack.api(dee, 'GET', `/banking/accounts/${checking.id}`)).body.balances.current).toBe('4321.09');

    const foreign = await stack.api(mallory, 'POST', `/banking/accounts/${checking.id}/sync`);
    expect(foreign.status).toBe(404);
    expect(stack.plaid.recorder.list({ path: '/accounts/balance/get', afterSeq })).toHaveLength(1);
  });
});
