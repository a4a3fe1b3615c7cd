/**
 * Seed 002's frontend calls, as that frontend makes them: a link token naming its own user, the exchange
 * read for `item_id` and `product`, and a sync that waits for its run (`?wait=`).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { finishedSyncRun, sandboxPublicToken } from '../helpers/plaid-flow';
import { startLocalStack, type LocalStack } from '../helpers/local-stack';

let stack: LocalStack;

beforeAll(async () => {
  stack = await startLocalStack();
}, 60_000);

afterAll(async () => {
  await stack?.stop();
});

describe('seed 002 calls', () => {
  it('accepts user_id in the link-token body when it is the caller, and refuses another user', async () => {
    const own = await stack.api('seed2-user', 'POST', '/banking/link-token', { user_id: 'seed2-user', products: ['transactions'] });
    expect(own.status, JSON.stringify(own.body)).toBe(200);
    expect(own.body.link_token).toMatch(/^link-sandbox-/);

    const other = await stack.api('seed2-user', 'POST', '/banking/link-token', { user_id: 'someone-else' });
    expect(other.status).toBe(400);
    expect(other.body.error.code).toBe('VALIDATION_FAILED');
    expect(other.body.error.details).toEqual([{ field: 'body.user_id', message: 'Must be the authenticated user' }]);
  });

  it('answers the exchange with item_id and the product tag at the top level, never an access token', async () => {
    const publicToken = await sandboxPublicToken(stack, { daysRequested: 30 });
    const response = await stack.api('seed2-user', 'POST', '/banking/plaid/exchange', { public_token: publicToken, product: 'budgeting' });
    expect(response.status, JSON.stringify(response.body)).toBe(201);
    const exchanged = stack.plaid.recorder
      .list({ path: '/item/public_token/exchange', kind: 'provider' })
      .find((entry) => (entry.requestBody as { public_token?: string }).public_token === publicToken);
    const itemId = (exchanged?.responseBody as { item_id: string }).item_id;
    expect(response.body.item_id).toBe(itemId);
    expect(response.body.product).toBe('budgeting');
    expect(response.body.connection.product_tag).toBe('budgeting');
    expect(JSON.stringify(response.body)).not.toMatch(/access-sandbox-/);
    await finishedSyncRun(stack, 'seed2-user', response.body.connection.id, response.body.sync_run_id, 50_000);
  }, 60_000);

  it('sync?wait=20 answers 200 with the finished run and its transaction count; without wait it stays 202', async () => {
    const publicToken = await sandboxPublicToken(stack, { daysRequested: 30, webhook: false });
    const linked = await stack.api('seed2-wait', 'POST', '/banking/plaid/exchange', { public_token: publicToken });
    expect(linked.status).toBe(201);
    const connectionId: string = linked.body.connection.id;
    const first = await finishedSyncRun(stack, 'seed2-wait', connectionId, linked.body.sync_run_id, 50_000);
    expect(first.outcome).toBe('succeeded');

    // New activity at the bank; no webhook is set on this Item, so only our request syncs it.
    const advanced = await fetch(`${stack.plaid.url}/sandbox/local/advance`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ item_id: linked.body.item_id, days: 2 }),
    });
    expect(advanced.status, await advanced.clone().text()).toBe(200);

    // As a frontend would call it: through the typed client generated from docs/openapi.json.
    const waited = await stack.client('seed2-wait').POST('/api/v1/banking/connections/{connectionId}/sync', {
      params: { path: { connectionId }, query: { wait: 20 } },
    });
    expect(waited.response.status, JSON.stringify(waited.error)).toBe(200);
    const finished = waited.data as { sync_run_id: string; status: string; transactions_synced: number };
    expect(finished).toEqual({ sync_run_id: expect.any(String), status: 'succeeded', transactions_synced: expect.any(Number) });
    expect(finished.transactions_synced).toBeGreaterThanOrEqual(1);

    const queued = await stack.api('seed2-wait', 'POST', `/banking/connections/${connectionId}/sync`);
    expect(queued.status).toBe(202);
    expect(queued.body).toEqual({ sync_run_id: expect.any(String), status: 'queued' });
  }, 90_000);

  it('refuses a wait beyond 25 seconds, naming the field', async () => {
    const response = await stack.api('seed2-wait', 'POST', '/banking/connections/con_missing/sync?wait=26');
    expect(response.status).toBe(400);
    expect(response.body.error.details[0].field).toBe('query.wait');
  });
});

