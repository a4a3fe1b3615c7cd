/**
 * Re-authenticating Pluggy connections end to end: an MFA prompt answered through our API, and wrong
 * credentials replaced through the credentials route (local gateway, queue poller, Pluggy sandbox).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalStack, type LocalStack } from '../helpers/local-stack';
import { allTransactions, finishedSyncRun } from '../helpers/plaid-flow';
import { connectionReaches, createConnection, createItemAsWidget, itemSettled, PLUGGY_BANK_MFA, registerWebhook } from '../helpers/pluggy-flow';

let stack: LocalStack;

beforeAll(async () => {
  stack = await startLocalStack();
  await registerWebhook(stack);
}, 60_000);

afterAll(async () => {
  await stack?.stop();
});

describe('Pluggy MFA and credentials', () => {
  it('completes an MFA login with the code through our API', async () => {
    const itemId = await createItemAsWidget(stack, 'pg-carol', { connectorId: PLUGGY_BANK_MFA });
    await itemSettled(stack, itemId, ['WAITING_USER_INPUT']);
    const created = await createConnection(stack, 'pg-carol', itemId);
    expect(created.connection.status).toBe('mfa_required');
    expect(created.sync_run_id).toBeNull();
    expect(created.mfa).toMatchObject({ name: 'token', type: 'number' });

    const answered = await stack.api('pg-carol', 'POST', `/banking/connections/${created.connection.id}/mfa`, {
      parameters: { [created.mfa.name]: '123456' },
    });
    expect(answered.status, JSON.stringify(answered.body)).toBe(202);
    const run = await finishedSyncRun(stack, 'pg-carol', created.connection.id, answered.body.sync_run_id);
    expect(run.outcome).toBe('succeeded');
    expect(run.counts.added).toBeGreaterThan(0);
    await connectionReaches(stack, 'pg-carol', created.connection.id, 'healthy');
  });

  it('marks wrong credentials login_required, and a credentials update fixes the connection', async () => {
    const itemId = await createItemAsWidget(stack, 'pg-dave', { parameters: { user: 'user-ok', password: 'wrong-password' } });
    await itemSettled(stack, itemId, ['LOGIN_ERROR']);
    const created = await createConnection(stack, 'pg-dave', itemId);
    expect(created.connection).toMatchObject({ status: 'login_required', status_reason: { code: 'INVALID_CREDENTIALS' } });

    // Without parameters: an update-mode connect token for the widget.
    const token = await stack.api('pg-dave', 'POST', `/banking/connections/${created.connection.id}/credentials`);
    expect(token.status).toBe(200);
    expect(token.body).toMatchObject({ provider: 'pluggy', mode: 'connect_token', widget_options: { updateItem: itemId } });

    const updated = await stack.api('pg-dave', 'POST', `/banking/connections/${created.connection.id}/credentials`, {
      parameters: { user: 'user-ok', password: 'password-ok' },
    });
    expect(updated.status, JSON.stringify(updated.body)).toBe(202);
    expect(updated.body.mode).toBe('credentials_sent');
    const run = await finishedSyncRun(stack, 'pg-dave', created.connection.id, updated.body.sync_run_id);
    expect(run.outcome).toBe('succeeded');
    const healthy = await connectionReaches(stack, 'pg-dave', created.connection.id, 'healthy');
    expect(healthy.status_reason).toBeNull();
    expect((await allTransactions(stack, 'pg-dave')).length).toBe(run.counts.added);
  });
});
