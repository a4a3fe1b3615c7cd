/**
 * Connecting banks through Pluggy end to end: our API through the local gateway, jobs through the queue
 * poller, Pluggy through the local Pluggy sandbox (items created the way Pluggy Connect creates them).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '../helpers/eventually';
import { startLocalStack, type LocalStack } from '../helpers/local-stack';
import { allTransactions, finishedSyncRun } from '../helpers/plaid-flow';
import {
  connectionReaches,
  connectPluggyBank,
  createConnection,
  createItemAsWidget,
  itemSettled,
  PLUGGY_BANK,
  PLUGGY_BANK_OPEN_FINANCE,
  registerWebhook,
  sandboxControl,
} from '../helpers/pluggy-flow';

let stack: LocalStack;

beforeAll(async () => {
  stack = await startLocalStack();
  await registerWebhook(stack);
}, 60_000);

afterAll(async () => {
  await stack?.stop();
});

describe('Pluggy connect and connections', () => {
  it('issues a connect token with the connector filters as widget options and a connect URL', async () => {
    const response = await stack.api('pg-token', 'POST', '/banking/pluggy/connect-token', {
      avoid_duplicates: true,
      country_codes: ['BR'],
      connector_types: ['PERSONAL_BANK'],
      connector_ids: [0, 2],
      products_types: ['ACCOUNTS', 'TRANSACTIONS'],
      oauth_redirect_uri: 'https://app.example.com/pluggy/callback',
    });
    expect(response.status, JSON.stringify(response.body)).toBe(200);
    const body = response.body;
    expect(body.mode).toBe('create');
    expect(body.connect_token.split('.')).toHaveLength(3);
    expect(Date.parse(body.expires_at)).toBeGreaterThan(Date.now());
    expect(body.widget_options).toEqual({
      connectToken: body.connect_token,
      includeSandbox: true,
      connectorTypes: ['PERSONAL_BANK'],
      connectorIds: [0, 2],
      countries: ['BR'],
      products: ['ACCOUNTS', 'TRANSACTIONS'],
    });
    const url = new URL(body.connect_url);
    expect(url.origin).toBe('https://connect.pluggy.ai');
    expect(url.searchParams.get('connect_token')).toBe(body.connect_token);

    // Pluggy received only what its connect token takes: the item options, never the widget filters.
    const [tokenRequest] = stack.pluggy.recorder.list({ path: '/connect_token', kind: 'provider' });
    expect(tokenRequest?.requestBody).toEqual({
      options: { clientUserId: expect.stringMatching(/^[0-9a-f]{40}$/), oauthRedirectUri: 'https://app.example.com/pluggy/callback', avoidDuplicates: true },
    });

    const invalid = await stack.api('pg-token', 'POST', '/banking/pluggy/connect-token', { connector_ids: ['zero'] });
    expect(invalid.status).toBe(400);
    expect(invalid.body.error.details[0].field).toBe('body.connector_ids.0');
  });

  it('creates a connection from a widget item, then syncs its accounts and transactions', async () => {
    const linked = await connectPluggyBank(stack, 'pg-alice');
    expect(linked.connection).toMatchObject({ provider: 'pluggy', status: 'healthy', institution: { id: String(PLUGGY_BANK), name: 'Pluggy Bank' } });
    expect(linked.accounts.map((account) => account.type).sort()).toEqual(['checking', 'credit_card', 'savings']);
    for (const account of linked.accounts) {
      expect(account.balances.currency).toBe('BRL');
      expect(account.balances.current).toMatch(/^-?\d+\.\d{2}$/);
      expect(account.mask).toMatch(/^\d{4}$/);
    }
    const card = linked.accounts.find((account) => account.type === 'credit_card');
    expect(card.balances.limit).toMatch(/^\d+\.\d{2}$/);

    const run = await finishedSyncRun(stack, 'pg-alice', linked.connection.id, linked.sync_run_id!);
    expect(run.outcome).toBe('succeeded');
    expect(run.counts.added).toBeGreaterThan(0);
    const transactions = await allTransactions(stack, 'pg-alice');
    expect(transactions).toHaveLength(run.counts.added);
    for (const transaction of transactions) {
      expect(transaction.currency).toBe('BRL');
      expect(transaction.provider_category?.id ?? 'pluggy:').toMatch(/^pluggy:/);
    }
    // Money out is negative on every account type: card purchases arrive positive from Pluggy.
    const cardRows = transactions.filter((transaction) => transaction.account_id === card.id);
    expect(cardRows.some((transaction) => transaction.amount.startsWith('-'))).toBe(true);
    const salary = transactions.find((transaction) => transaction.provider_category?.id === 'pluggy:01010000');
    expect(salary?.amount).not.toMatch(/^-/);

    // Pluggy's whole category tree is pickable, not only the categories transactions used (GET /categories).
    const categories = await stack.api('pg-alice', 'GET', '/banking/categories');
    const pluggyCategories = (categories.body as { id: string; name: string; source: string }[]).filter((category) => category.source === 'pluggy');
    const used = new Set(transactions.map((transaction) => transaction.provider_category?.id));
    expect(pluggyCategories.find((category) => category.id === 'pluggy:01040000')).toMatchObject({ name: 'Government aid' });
    expect(pluggyCategories.some((category) => !used.has(category.id))).toBe(true);

    // Pluggy has no live balance call: a forced refresh stores what Pluggy holds now.
    const refreshed = await stack.api('pg-alice', 'POST', `/banking/accounts/${card.id}/sync`);
    expect(refreshed.status).toBe(200);
    expect(refreshed.body.balances).toMatchObject({ current: card.balances.current, currency: 'BRL' });

    // A second sync reads the creation-time window again (overlap) and changes nothing.
    const again = await stack.api('pg-alice', 'POST', `/banking/connections/${linked.connection.id}/sync`);
    const second = await finishedSyncRun(stack, 'pg-alice', linked.connection.id, again.body.sync_run_id);
    expect(second).toMatchObject({ outcome: 'succeeded', counts: { added: 0, modified: 0, removed: 0 } });
  });

  it('shares one Pluggy API key between functions through the table, encrypted', async () => {
    // Imported here: these modules load the shared logger, which must see the stack's log level first.
    const { DynamoProviderKeyStore } = await import('../../shared/adapters/dynamodb/provider-key-store');
    const { KmsTokenVault } = await import('../../shared/adapters/kms/kms-token-vault');
    const { clientDigest, jwtExpiryMs, PLUGGY_API_KEY_CONTEXT } = await import('../../shared/providers/pluggy/pluggy-api-key');
    const cached = await new DynamoProviderKeyStore({ tableName: stack.env.TABLE_NAME! }).get('pluggy', clientDigest(stack.pluggy.credentials.clientId));
    expect(cached).not.toBeNull();
    expect(cached!.key.ciphertext).not.toContain('.');

    const apiKey = await new KmsTokenVault(stack.env.TOKEN_KEY_ID!).decrypt(cached!.key, PLUGGY_API_KEY_CONTEXT);
    expect(Date.parse(cached!.expiresAt)).toBe(jwtExpiryMs(apiKey));
    const accepted = await fetch(`${stack.pluggy.url}/connectors?sandbox=true`, { headers: { 'x-api-key': apiKey } });
    expect(accepted.status).toBe(200);
  });

  it("refuses another user's item (404) and the same item twice (400 ITEM_ALREADY_EXISTS)", async () => {
    const itemId = await createItemAsWidget(stack, 'pg-bob');
    await itemSettled(stack, itemId, ['UPDATED']);
    const stolen = await stack.api('pg-mallory', 'POST', '/banking/connections', { item_id: itemId });
    expect(stolen.status).toBe(404);
    const unknown = await stack.api('pg-mallory', 'POST', '/banking/connections', { item_id: '00000000-0000-4000-8000-000000000000' });
    expect(unknown.status).toBe(404);
    expect(unknown.body).toEqual(stolen.body);

    await createConnection(stack, 'pg-bob', itemId);
    const twice = await stack.api('pg-bob', 'POST', '/banking/connections', { item_id: itemId });
    expect(twice.status).toBe(400);
    expect(twice.body.error.code).toBe('ITEM_ALREADY_EXISTS');
    const listed = await stack.api('pg-bob', 'GET', '/banking/connections');
    expect(listed.body).toHaveLength(1);
  });

  it('Open Finance: waits for the authorization, shows the consent, and deleting the connection revokes it', async () => {
    const itemId = await createItemAsWidget(stack, 'pg-erin', { connectorId: PLUGGY_BANK_OPEN_FINANCE, parameters: { cpf: '76109277673' } });
    await itemSettled(stack, itemId, ['WAITING_USER_ACTION']);
    const created = await createConnection(stack, 'pg-erin', itemId);
    expect(created.connection.status).toBe('user_action_required');
    expect(created.connection.pending_user_action.url).toMatch(/\/oauth\/authorize\?state=/);
    expect(Date.parse(created.connection.pending_user_action.expires_at)).toBeGreaterThan(Date.now());

    await sandboxControl(stack, 'POST', `/items/${itemId}/authorize`, {});
    // item/updated (or item/created) reaches our webhook route and queues the sync that clears the status.
    const healthy = await connectionReaches(stack, 'pg-erin', created.connection.id, 'healthy');
    expect(healthy.pending_user_action).toBeNull();
    expect(healthy.consent).toMatchObject({ valid: true, revoked_at: null });

    const consent = await stack.api('pg-erin', 'GET', `/banking/connections/${created.connection.id}/consent`);
    expect(consent.status).toBe(200);
    expect(consent.body.consent).toMatchObject({ valid: true, products: expect.arrayContaining(['ACCOUNTS']) });
    expect((await stack.api('pg-frank', 'GET', `/banking/connections/${created.connection.id}/consent`)).status).toBe(404);

    const removed = await stack.api('pg-erin', 'DELETE', `/banking/connections/${created.connection.id}`);
    expect(removed.status).toBe(204);
    const consents = await sandboxControl(stack, 'GET', `/consents?item_id=${itemId}`);
    expect(consents.consents.length).toBeGreaterThan(0);
    for (const entry of consents.consents) expect(entry.revokedAt).not.toBeNull();
    expect((await stack.api('pg-erin', 'GET', '/banking/connections')).body).toHaveLength(0);
    await eventually('no transactions remain', async () => (await allTransactions(stack, 'pg-erin')).length === 0);
  });
});
