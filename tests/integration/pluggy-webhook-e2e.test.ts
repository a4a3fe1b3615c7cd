/**
 * Pluggy webhooks end to end: deliveries from the Pluggy sandbox (registered with our secret header, signed
 * with an HMAC key both sides share) reach `/webhooks/pluggy` through the local gateway; forged ones are
 * refused with 401; each event is applied once; transaction events drive syncs.
 */
import { createHmac, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { localProviderCredentials } from '../../local/aws/provision';
import { eventually } from '../helpers/eventually';
import { startLocalStack, type LocalStack } from '../helpers/local-stack';
import { allTransactions, finishedSyncRun } from '../helpers/plaid-flow';
import { connectionReaches, connectPluggyBank, itemSettled, registerWebhook, sandboxControl } from '../helpers/pluggy-flow';
import { webhookWorkDone } from '../helpers/queues';

const SIGNING_KEY = 'e2e-pluggy-signing-key';
const user = 'pw-iris';
let stack: LocalStack;
let linked: Awaited<ReturnType<typeof connectPluggyBank>>;

beforeAll(async () => {
  stack = await startLocalStack({ pluggyWebhookSigningSecret: SIGNING_KEY });
  await registerWebhook(stack);
  linked = await connectPluggyBank(stack, user);
  await finishedSyncRun(stack, user, linked.connection.id, linked.sync_run_id!);
}, 60_000);

afterAll(async () => {
  await stack?.stop();
});

async function postWebhook(body: string, headers: Record<string, string>) {
  const response = await fetch(`${stack.gatewayUrl}/api/v1/webhooks/pluggy`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body,
  });
  return { status: response.status, body: (await response.json()) as any };
}

const sign = (body: string) => createHmac('sha256', SIGNING_KEY).update(body).digest('hex');
const secretHeader = { 'X-Webhook-Secret': localProviderCredentials.pluggyWebhook.webhook_secret };

async function webhookRuns(): Promise<any[]> {
  const runs = await stack.api(user, 'GET', `/banking/connections/${linked.connection.id}/sync-runs?limit=100`);
  return runs.body.data.filter((run: any) => run.trigger === 'webhook');
}

/**
 * Every delivery the sandbox made has been answered and every sync it caused has finished. Webhook-requested
 * runs are recorded only when they end, so the queues carrying them are waited for first.
 */
async function quiet(): Promise<any[]> {
  await stack.pluggy.webhooks.idle();
  await webhookWorkDone(stack);
  return eventually(
    'webhook syncs finished',
    async () => {
      const runs = await webhookRuns();
      return runs.every((run) => !['queued', 'running', 'retrying'].includes(run.outcome)) ? runs : undefined;
    },
    { timeoutMs: 60_000 },
  );
}

describe('Pluggy webhooks', () => {
  it('refuses a delivery with a missing or wrong secret, a bad signature or another client id (401)', async () => {
    const body = JSON.stringify({ event: 'item/updated', eventId: randomUUID(), itemId: linked.itemId, clientId: localProviderCredentials.pluggy.client_id });
    const refusals = [
      await postWebhook(body, {}),
      await postWebhook(body, { 'X-Webhook-Secret': 'not-the-secret', 'X-Pluggy-Signature': sign(body) }),
      await postWebhook(body, { ...secretHeader }),
      await postWebhook(body, { ...secretHeader, 'X-Pluggy-Signature': sign(`${body} `) }),
    ];
    const otherClient = JSON.stringify({ event: 'item/updated', eventId: randomUUID(), itemId: linked.itemId, clientId: 'someone-else' });
    refusals.push(await postWebhook(otherClient, { ...secretHeader, 'X-Pluggy-Signature': sign(otherClient) }));
    for (const refusal of refusals) {
      expect(refusal.status).toBe(401);
      expect(refusal.body.error.code).toBe('WEBHOOK_VERIFICATION_FAILED');
    }

    const accepted = await postWebhook(body, { ...secretHeader, 'X-Pluggy-Signature': sign(body) });
    expect(accepted).toMatchObject({ status: 200, body: { received: true, duplicate: false } });
    await eventually('the accepted event queued a sync', async () => (await quiet()).length === 1);
  });

  it('applies a redelivered event once', async () => {
    const before = (await quiet()).length;
    await sandboxControl(stack, 'POST', `/items/${linked.itemId}/refresh`, { newTransactions: 0, postPending: false });
    await itemSettled(stack, linked.itemId, ['UPDATED']);
    const updated = await eventually('item/updated was sent', () => stack.pluggy.webhooks.events({ itemId: linked.itemId, event: 'item/updated' })[0]);
    const afterFirst = before + 1;
    await eventually('item/updated queued one sync', async () => (await quiet()).length === afterFirst);

    // Pluggy re-sends the same event (same body, same eventId), and a second copy arrives straight away too.
    stack.pluggy.webhooks.resend(updated.eventId);
    const again = await postWebhook(updated.body, { ...secretHeader, 'X-Pluggy-Signature': sign(updated.body) });
    expect(again).toMatchObject({ status: 200, body: { event_id: updated.eventId, duplicate: true } });
    expect((await quiet()).length).toBe(afterFirst);
    const redelivery = stack.pluggy.webhooks.deliveries({ itemId: linked.itemId, label: 'item/updated' });
    expect(redelivery.every((delivery) => delivery.status === 'delivered')).toBe(true);
  });

  it('stores new transactions and drops deleted ones when transaction events arrive', async () => {
    const before = await allTransactions(stack, user);
    await sandboxControl(stack, 'POST', `/items/${linked.itemId}/refresh`, { newTransactions: 1, postPending: false });
    // One new transaction per account (three accounts), announced by transactions/created.
    await eventually('new transactions synced', async () => (await allTransactions(stack, user)).length === before.length + 3, {
      timeoutMs: 60_000,
    });

    await quiet();
    const withNew = await allTransactions(stack, user);
    await sandboxControl(stack, 'POST', `/items/${linked.itemId}/refresh`, { newTransactions: 0, postPending: false, deleteTransactions: 1 });
    // The last transaction of each bank account (two) is deleted at Pluggy; transactions/deleted (one event
    // per account) names them, and the syncs they queue remove them here.
    await eventually('deleted transactions removed', async () => (await allTransactions(stack, user)).length === withNew.length - 2, {
      timeoutMs: 60_000,
    });
    const runs = await quiet();
    expect(runs.reduce((removed, run) => removed + run.counts.removed, 0)).toBe(2);
  }, 150_000);

  it('acknowledges connector status events and revokes the connection when Pluggy deletes its item', async () => {
    await sandboxControl(stack, 'POST', '/connectors/0/status', { status: 'UNSTABLE' });
    await stack.pluggy.webhooks.idle();
    const connectorDeliveries = stack.pluggy.webhooks.deliveries({ label: 'connector/status_updated' });
    expect(connectorDeliveries.length).toBeGreaterThan(0);
    for (const delivery of connectorDeliveries) expect(delivery).toMatchObject({ status: 'delivered', lastStatus: 200 });

    const apiKey = await sandboxApiKey();
    const deleted = await fetch(`${stack.pluggy.url}/items/${linked.itemId}`, { method: 'DELETE', headers: { 'x-api-key': apiKey } });
    expect(deleted.status).toBeLessThan(300);
    const revoked = await connectionReaches(stack, user, linked.connection.id, 'revoked');
    // item/deleted says ITEM_DELETED; a sync still running from earlier events may see the item gone first
    // (Pluggy answers 404 ITEM_NOT_FOUND). Either way the connection is revoked and auto-sync stops.
    expect(['ITEM_DELETED', 'ITEM_NOT_FOUND']).toContain(revoked.status_reason.code);
    expect(revoked.next_sync_at).toBeNull();
  });
});

async function sandboxApiKey(): Promise<string> {
  const response = await fetch(`${stack.pluggy.url}/auth`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ clientId: stack.pluggy.credentials.clientId, clientSecret: stack.pluggy.credentials.clientSecret }),
  });
  return ((await response.json()) as { apiKey: string }).apiKey;
}
