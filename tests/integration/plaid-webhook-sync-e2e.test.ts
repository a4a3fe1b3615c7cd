/**
 * The transactions webhook path end to end: the sandbox posts signed webhooks to the local gateway, the
 * receipt verifies and queues them, the webhook worker asks for a sync, the sync worker pulls
 * `/transactions/sync`. Also: what the receipt refuses (forged, stale, foreign-key, tampered deliveries),
 * that redeliveries of one webhook cost one sync, and that a sync with nothing new writes nothing.
 */
import { createHash, generateKeyPairSync, sign } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '../helpers/eventually';
import { startLocalStack, type LocalStack } from '../helpers/local-stack';
import {
  deliveriesOf,
  finishedRun,
  linkItem,
  ourTransactionId,
  plaidCall,
  pollSyncRuns,
  postWebhook,
  sandboxControl,
  sandboxLedger,
  syncRuns,
  type LinkedItem,
} from '../helpers/plaid-e2e';
import { allTransactions } from '../helpers/plaid-flow';
import { webhookWorkDone } from '../helpers/queues';

const SYNC_UPDATES = 'TRANSACTIONS/SYNC_UPDATES_AVAILABLE';

let stack: LocalStack;
let item: LinkedItem;

beforeAll(async () => {
  stack = await startLocalStack();
  // Two weeks of history: enough for pending purchases (authorised today or yesterday) to exist.
  item = await linkItem(stack, 'webhook-user', { daysRequested: 14 });
  const first = await finishedRun(stack, item, 'the first sync finished', (run) => run.id === item.syncRunId);
  expect(first.outcome).toBe('succeeded');
}, 60_000);

afterAll(async () => {
  await stack?.stop();
});

function base64url(value: string | Buffer): string {
  return Buffer.from(value).toString('base64url');
}

/** A `Plaid-Verification` JWT for `body`, signed with a key Plaid never issued. */
function signWithForeignKey(body: string, kid: string, issuedAt = Math.floor(Date.now() / 1000)): string {
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const header = base64url(JSON.stringify({ alg: 'ES256', kid, typ: 'JWT' }));
  const payload = base64url(JSON.stringify({ iat: issuedAt, request_body_sha256: createHash('sha256').update(body).digest('hex') }));
  const signature = sign('sha256', Buffer.from(`${header}.${payload}`), { key: privateKey, dsaEncoding: 'ieee-p1363' });
  return `${header}.${payload}.${base64url(signature)}`;
}

function headerOf(token: string): { kid: string } {
  return JSON.parse(Buffer.from(token.split('.')[0]!, 'base64url').toString('utf8'));
}

describe('Plaid transactions webhooks end to end', () => {
  it('SYNC_UPDATES_AVAILABLE after new data leads to a sync that turns pending into posted, keeping the user’s edits', async () => {
    const before = await allTransactions(stack, item.userId);
    const pending = before.filter((transaction) => transaction.pending);
    expect(pending.length).toBeGreaterThan(0);
    const edited = pending[0];

    const category = await stack.api(item.userId, 'POST', '/banking/categories', { name: 'Coffee with clients' });
    expect(category.status).toBe(201);
    const patch = await stack.api(item.userId, 'PATCH', `/banking/transactions/${edited.id}`, {
      category_id: category.body.id,
      note: 'reimbursable',
    });
    expect(patch.status).toBe(200);
    expect(patch.body).toMatchObject({ user_category_id: category.body.id, note: 'reimbursable', category_id: category.body.id });

    // Which provider transaction is the edited one, and which posted one will replace it.
    const pendingProviderIds = new Map(
      sandboxLedger(stack, item).filter((row) => row.pending).map((row) => [ourTransactionId(item, row.transaction_id), row.transaction_id]),
    );
    const editedProviderId = pendingProviderIds.get(edited.id);
    expect(editedProviderId).toBeDefined();

    // Plaid announces the completed history once the first sync has run. That body is byte-identical to
    // every later SYNC_UPDATES_AVAILABLE of the Item, so the next one must not be taken for a duplicate.
    const announced = await plaidCall(stack, '/sandbox/item/fire_webhook', { access_token: item.accessToken, webhook_code: 'SYNC_UPDATES_AVAILABLE' });
    expect(announced.body.webhook_fired).toBe(true);
    const catchUp = await finishedRun(stack, item, 'the first webhook-triggered sync finished', (candidate) => candidate.trigger === 'webhook');
    expect(catchUp).toMatchObject({ outcome: 'succeeded', counts: { added: 0, modified: 0, removed: 0 } });
    const runsBefore = await syncRuns(stack, item.userId, item.connectionId);

    const advanced = await sandboxControl(stack, 'POST', 'advance', { item_id: item.itemId });
    expect(advanced.status).toBe(200);
    expect(advanced.body).toMatchObject({ posted: pending.length, webhookSent: true });

    const run = await finishedRun(stack, item, 'a webhook-triggered sync after the advance finished', (candidate) =>
      candidate.trigger === 'webhook' && !runsBefore.some((earlier) => earlier.id === candidate.id),
    );
    expect(run.outcome).toBe('succeeded');
    expect(run.counts).toMatchObject({ removed: pending.length, added: pending.length + advanced.body.newPending, modified: 0 });
    expect(await syncRuns(stack, item.userId, item.connectionId)).toHaveLength(runsBefore.length + 1);
    const deliveries = deliveriesOf(stack, item, SYNC_UPDATES);
    expect(deliveries).toHaveLength(2);
    expect(deliveries[1]!.body).toBe(deliveries[0]!.body);
    expect(deliveries[1]).toMatchObject({ status: 'delivered', lastStatus: 200 });

    // The pending row is gone; the posted row replaces it and carries the user's category and note.
    expect((await stack.api(item.userId, 'GET', `/banking/transactions/${edited.id}`)).status).toBe(404);
    const postedRow = sandboxLedger(stack, item).find((row) => row.pending_transaction_id === editedProviderId);
    expect(postedRow).toBeDefined();
    const posted = await stack.api(item.userId, 'GET', `/banking/transactions/${ourTransactionId(item, postedRow!.transaction_id)}`);
    expect(posted.status).toBe(200);
    expect(posted.body).toMatchObject({
      pending: false,
      user_category_id: category.body.id,
      category_id: category.body.id,
      note: 'reimbursable',
      account_id: edited.account_id,
    });

    // Exactly what Plaid now holds: every pending row replaced, no duplicates, nothing missing.
    const after = await allTransactions(stack, item.userId);
    const ids = after.map((transaction) => transaction.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids.sort()).toEqual(sandboxLedger(stack, item).map((row) => ourTransactionId(item, row.transaction_id)).sort());
    expect(after).toHaveLength(before.length + advanced.body.newPending);
    for (const id of pendingProviderIds.keys()) expect(ids).not.toContain(id);
  }, 60_000);

  it('a sync with nothing new writes nothing', async () => {
    const before = await allTransactions(stack, item.userId);
    const accountsBefore = await stack.api(item.userId, 'GET', '/banking/accounts');
    const connectionBefore = await stack.api(item.userId, 'GET', `/banking/connections/${item.connectionId}`);

    const requested = await stack.api(item.userId, 'POST', `/banking/connections/${item.connectionId}/sync`);
    expect(requested.status).toBe(202);
    const run = await finishedRun(stack, item, 'the forced sync finished', (candidate) => candidate.id === requested.body.sync_run_id);
    expect(run.outcome).toBe('succeeded');
    expect(run.counts).toMatchObject({ added: 0, modified: 0, removed: 0 });

    const after = await allTransactions(stack, item.userId);
    const updatedAt = (rows: any[]) => Object.fromEntries(rows.map((row) => [row.id, row.updated_at]));
    expect(updatedAt(after)).toEqual(updatedAt(before));
    const accountsAfter = await stack.api(item.userId, 'GET', '/banking/accounts');
    expect(accountsAfter.body.map((account: any) => [account.id, account.updated_at, account.balances.updated_at])).toEqual(
      accountsBefore.body.map((account: any) => [account.id, account.updated_at, account.balances.updated_at]),
    );
    // The cursor did not move either: the connection changed only by its sync bookkeeping.
    const connectionAfter = await stack.api(item.userId, 'GET', `/banking/connections/${item.connectionId}`);
    expect(connectionAfter.body.status).toBe(connectionBefore.body.status);
  });

  it('refuses forged, stale, foreign-key and tampered deliveries with a bare 401', async () => {
    const captured = deliveriesOf(stack, item, SYNC_UPDATES).at(-1)!;
    const body = captured.body;
    const genuine = stack.plaid.webhooks.sign(body);
    const kid = headerOf(genuine).kid;
    const now = Math.floor(Date.now() / 1000);
    const [headerPart, payloadPart, signaturePart] = genuine.split('.') as [string, string, string];
    const flipped = Buffer.from(signaturePart, 'base64url');
    flipped[5] = flipped[5]! ^ 0xff;

    const refused: Record<string, { body: string; verification?: string }> = {
      'no signature': { body },
      'signed with another key under Plaid’s key id': { body, verification: signWithForeignKey(body, kid) },
      'signed with another key under its own key id': { body, verification: signWithForeignKey(body, 'not-a-plaid-key') },
      'a flipped signature byte': { body, verification: `${headerPart}.${payloadPart}.${base64url(flipped)}` },
      'stale (iat 6 minutes old)': { body, verification: stack.plaid.webhooks.sign(body, now - 6 * 60) },
      // The last character replaced by another one (an id may already end in X), so the body always differs.
      'body tampered after signing': { body: body.replace(item.itemId, `${item.itemId.slice(0, -1)}${item.itemId.endsWith('X') ? 'Y' : 'X'}`), verification: genuine },
      'body re-serialised after signing': { body: JSON.stringify(JSON.parse(body)), verification: genuine },
      'unsigned (alg none)': {
        body,
        verification: `${base64url(JSON.stringify({ alg: 'none', kid, typ: 'JWT' }))}.${payloadPart}.`,
      },
    };
    expect(refused['body tampered after signing']!.body).not.toBe(body);
    for (const [label, attempt] of Object.entries(refused)) {
      const response = await postWebhook(stack, attempt.body, attempt.verification);
      expect(response.status, label).toBe(401);
      expect(JSON.stringify(response.body), label).not.toMatch(/stale|signature|key|sha256|iat/i);
    }

    // The same bytes with the genuine header are accepted: what failed above was the forgery, not the body.
    const runsBefore = await syncRuns(stack, item.userId, item.connectionId);
    const accepted = await postWebhook(stack, body, genuine);
    expect(accepted.status).toBe(200);
    expect(accepted.body).toMatchObject({ received: true });
    // A webhook-requested run is quiet: it has no queued or running record and appears in the history once
    // it has ended, so the wait is for that run, not for the history to have nothing unfinished.
    const run = await finishedRun(stack, item, 'the sync it asked for has finished', (candidate) =>
      candidate.trigger === 'webhook' && !runsBefore.some((earlier) => earlier.id === candidate.id),
    );
    expect(run.outcome).toBe('succeeded');
  });

  it('five deliveries of one webhook lead to one sync run; the same bytes after that sync are news again', async () => {
    const runsBefore = await syncRuns(stack, item.userId, item.connectionId);
    // A delivery the receiver has never seen: Plaid's bytes for this Item in another (still valid) layout,
    // signed with the sandbox's current key. Each redelivery is signed afresh, as Plaid signs each retry.
    const body = JSON.stringify(JSON.parse(deliveriesOf(stack, item, SYNC_UPDATES).at(-1)!.body));
    const responses = await Promise.all(
      Array.from({ length: 5 }, () => postWebhook(stack, body, stack.plaid.webhooks.sign(body))),
    );
    expect(responses.map((response) => response.status)).toEqual([200, 200, 200, 200, 200]);
    expect(new Set(responses.map((response) => response.body.event_id)).size).toBe(1);
    expect(responses.filter((response) => response.body.duplicate === false)).toHaveLength(1);

    const run = await finishedRun(stack, item, 'the webhook-triggered sync finished', (candidate) =>
      candidate.trigger === 'webhook' && !runsBefore.some((earlier) => earlier.id === candidate.id),
    );
    expect(run.outcome).toBe('succeeded');
    // Webhook-requested runs are recorded only when they end: the queues carrying them tell when all are done.
    await webhookWorkDone(stack);
    const settled = await eventually('the queues are drained', async () => {
      const runs = await pollSyncRuns(stack, item);
      return runs?.every((candidate) => !['queued', 'running', 'retrying'].includes(candidate.outcome)) ? runs : undefined;
    });
    // One run for the five copies; on a slow machine the sandbox's own retry of an earlier delivery may
    // land in this window and ask for one more (runs never grow with the number of copies).
    expect(settled.length).toBeGreaterThanOrEqual(runsBefore.length + 1);
    expect(settled.length).toBeLessThanOrEqual(runsBefore.length + 2);

    // Once that sync has run, the same bytes can only mean "new changes again" (the body has no id or
    // time to tell a late copy from a new announcement): one more sync, which finds nothing new here.
    const again = await postWebhook(stack, body, stack.plaid.webhooks.sign(body));
    expect(again.body).toMatchObject({ duplicate: false, event_id: responses[0]!.body.event_id });
    const rerun = await finishedRun(stack, item, 'the repeated webhook’s sync finished', (candidate) =>
      candidate.trigger === 'webhook' && !settled.some((earlier) => earlier.id === candidate.id),
    );
    expect(rerun).toMatchObject({ outcome: 'succeeded', counts: { added: 0, modified: 0, removed: 0 } });
    expect(await syncRuns(stack, item.userId, item.connectionId)).toHaveLength(settled.length + 1);
  }, 60_000);

  it('verifies webhooks across a signing-key rotation and refuses the retired key', async () => {
    const body = deliveriesOf(stack, item, SYNC_UPDATES).at(-1)!.body;
    const signedBeforeRotation = stack.plaid.webhooks.sign(body);
    const rotation = stack.plaid.webhooks.rotateKey();
    expect(rotation.currentKeyId).not.toBe(rotation.expiredKeyId);

    // The new kid is unknown to the receiver: it fetches it and re-checks the cached key, learning it expired.
    const current = await postWebhook(stack, body, stack.plaid.webhooks.sign(body));
    expect(current.status).toBe(200);
    const retired = await postWebhook(stack, body, signedBeforeRotation);
    expect(retired.status).toBe(401);
  });

  it('acknowledges a webhook for an Item it does not know', async () => {
    const body = JSON.stringify(
      { environment: 'sandbox', historical_update_complete: true, initial_update_complete: true, item_id: 'unknownItem0000000000000000000000000', webhook_code: 'SYNC_UPDATES_AVAILABLE', webhook_type: 'TRANSACTIONS' },
      null,
      2,
    );
    const response = await postWebhook(stack, body, stack.plaid.webhooks.sign(body));
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({ received: true, duplicate: false });
  });
});
