/**
 * Pluggy item states during sync, end to end: OUTDATED items are updated again (twice at most), one
 * failing account does not fail the others, and a lapsed Open Finance consent stops syncing.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalStack, type LocalStack } from '../helpers/local-stack';
import { allTransactions, finishedSyncRun } from '../helpers/plaid-flow';
import {
  connection,
  connectionReaches,
  forcedSync,
  connectPluggyBank,
  createConnection,
  createItemAsWidget,
  itemSettled,
  PLUGGY_BANK_OPEN_FINANCE,
  sandboxControl,
  scheduledSync,
} from '../helpers/pluggy-flow';

let stack: LocalStack;

// No webhook registration here: every sync in this file is one the test asked for, so scripted item
// outcomes are consumed by exactly the sync under test (webhook-triggered syncs would race for them).
beforeAll(async () => {
  stack = await startLocalStack();
}, 60_000);

afterAll(async () => {
  await stack?.stop();
});

/** Pluggy's own update (auto-sync) ends in OUTDATED, then the next `failures - 1` updates fail too. */
async function outdatedItem(itemId: string, failures: number): Promise<void> {
  await sandboxControl(stack, 'POST', '/outcomes', { itemId, outcomes: Array.from({ length: failures }, () => 'UNEXPECTED_ERROR') });
  await sandboxControl(stack, 'POST', `/items/${itemId}/refresh`, {});
  await itemSettled(stack, itemId, ['OUTDATED']);
}

function itemUpdateStatuses(itemId: string): number[] {
  return stack.pluggy.recorder.list({ path: `/items/${itemId}`, kind: 'provider' }).filter((exchange) => exchange.method === 'PATCH').map((exchange) => exchange.status);
}

/** Pluggy's clock moves a day on (client updates of an item are at least 24 hours apart). */
async function passDay(): Promise<void> {
  await sandboxControl(stack, 'POST', '/clock', { advance_seconds: 24 * 3600 + 60 });
}

describe('Pluggy sync: item states, accounts, consent', () => {
  it('retries an OUTDATED item twice at most, each no earlier than Pluggy allows; a third OUTDATED ends in error', async () => {
    const linked = await connectPluggyBank(stack, 'ps-olga');
    const connectionId = linked.connection.id;
    expect((await finishedSyncRun(stack, 'ps-olga', connectionId, linked.sync_run_id!)).outcome).toBe('succeeded');

    // Pluggy's own update fails; the item was updated minutes ago, so a client update is refused (409) for a day:
    // the sync reads what Pluggy has and records when it may ask.
    await outdatedItem(linked.itemId, 2);
    const early = await forcedSync(stack, 'ps-olga', connectionId);
    expect(early.outcome).toBe('succeeded');
    expect(itemUpdateStatuses(linked.itemId)).toEqual([409]);
    expect((await connection(stack, 'ps-olga', connectionId)).provider_update).toMatchObject({ not_before: expect.any(String), outdated_retries: 0 });
    // Asked again before that time: no PATCH at all.
    await forcedSync(stack, 'ps-olga', connectionId);
    expect(itemUpdateStatuses(linked.itemId)).toEqual([409]);

    // A day later the first retry is allowed and fails again; a day after that the second works.
    await passDay();
    expect((await forcedSync(stack, 'ps-olga', connectionId)).outcome).toBe('succeeded');
    expect(itemUpdateStatuses(linked.itemId)).toEqual([409, 200]);
    expect((await connection(stack, 'ps-olga', connectionId)).provider_update.outdated_retries).toBe(1);
    await passDay();
    const recovered = await forcedSync(stack, 'ps-olga', connectionId);
    expect(recovered.outcome).toBe('succeeded');
    // The update that finally worked collected Pluggy's new activity, which this sync stored.
    expect(recovered.counts.added).toBeGreaterThan(0);
    expect(itemUpdateStatuses(linked.itemId)).toEqual([409, 200, 200]);
    await connectionReaches(stack, 'ps-olga', connectionId, 'healthy');

    // Three failures in a row: two retries, then the connection is in error (auto-sync keeps trying).
    await outdatedItem(linked.itemId, 3);
    await passDay();
    expect((await forcedSync(stack, 'ps-olga', connectionId)).outcome).toBe('succeeded');
    await passDay();
    const failed = await forcedSync(stack, 'ps-olga', connectionId);
    expect(failed).toMatchObject({ outcome: 'failed', error: { code: 'ITEM_OUTDATED' } });
    expect(itemUpdateStatuses(linked.itemId)).toEqual([409, 200, 200, 200, 200]);
    const broken = await connectionReaches(stack, 'ps-olga', connectionId, 'error');
    expect(broken.next_sync_at).not.toBeNull();
    // The other tests read consents and keys against our own clock.
    stack.pluggy.clock.reset();
  }, 120_000);

  it('a scheduled sync with nothing new reads only the item; an item that needs the user still moves the connection', async () => {
    const linked = await connectPluggyBank(stack, 'ps-nora');
    const connectionId = linked.connection.id;
    await finishedSyncRun(stack, 'ps-nora', connectionId, linked.sync_run_id!);
    const before = await connection(stack, 'ps-nora', connectionId);
    const ofThisItem = (afterSeq: number) =>
      stack.pluggy.recorder
        .list({ kind: 'provider', afterSeq })
        .filter((exchange) => exchange.path !== '/auth')
        .map((exchange) => `${exchange.method} ${exchange.path}`);

    const seq = stack.pluggy.recorder.lastSeq();
    const quiet = await scheduledSync(stack, 'ps-nora', connectionId);
    expect(quiet).toMatchObject({ outcome: 'succeeded', counts: { added: 0, modified: 0, removed: 0, accounts: linked.accounts.length } });
    expect(ofThisItem(seq)).toEqual([`GET /items/${linked.itemId}`]);
    const after = await connection(stack, 'ps-nora', connectionId);
    expect(after).toMatchObject({ status: 'healthy', last_sync_outcome: 'succeeded' });
    expect(after.last_sync_at > before.last_sync_at).toBe(true);
    expect(after.next_sync_at).not.toBe(before.next_sync_at);

    // Pluggy's own update fails on the login: the next scheduled sync sees it from the same single item read.
    await sandboxControl(stack, 'POST', '/outcomes', { itemId: linked.itemId, outcomes: ['INVALID_CREDENTIALS'] });
    await sandboxControl(stack, 'POST', `/items/${linked.itemId}/refresh`, {});
    await itemSettled(stack, linked.itemId, ['LOGIN_ERROR']);
    const broken = stack.pluggy.recorder.lastSeq();
    const failed = await scheduledSync(stack, 'ps-nora', connectionId);
    expect(failed).toMatchObject({ outcome: 'failed' });
    expect(ofThisItem(broken)).toEqual([`GET /items/${linked.itemId}`]);
    const needsUser = await connectionReaches(stack, 'ps-nora', connectionId, 'login_required');
    expect(needsUser.next_sync_at).toBeNull();
  });

  it('records a failing account on the run and reads its window again next time', async () => {
    const linked = await connectPluggyBank(stack, 'ps-paul');
    const connectionId = linked.connection.id;
    await finishedSyncRun(stack, 'ps-paul', connectionId, linked.sync_run_id!);
    const card = linked.accounts.find((account) => account.type === 'credit_card');
    const before = await allTransactions(stack, 'ps-paul');

    // New activity on every account; the card's transactions cannot be read for this sync.
    await sandboxControl(stack, 'POST', `/items/${linked.itemId}/refresh`, { newTransactions: 2 });
    await itemSettled(stack, linked.itemId, ['UPDATED']);
    await sandboxControl(stack, 'POST', '/faults', {
      endpoint: `GET /v2/transactions?accountId=${card.provider_account_id}`,
      fault: { type: 'status', status: 503 },
      count: 20,
    });
    const partial = await forcedSync(stack, 'ps-paul', connectionId);
    expect(partial.outcome).toBe('partial');
    expect(partial.account_errors).toEqual([{ account_id: card.id, code: 'SERVICE_UNAVAILABLE', message: expect.any(String) }]);
    const afterPartial = await allTransactions(stack, 'ps-paul');
    expect(afterPartial.filter((row) => row.account_id === card.id)).toHaveLength(before.filter((row) => row.account_id === card.id).length);
    expect(afterPartial.length).toBeGreaterThan(before.length);

    await sandboxControl(stack, 'DELETE', '/faults');
    const healed = await forcedSync(stack, 'ps-paul', connectionId);
    expect(healed.outcome).toBe('succeeded');
    const cardRows = (await allTransactions(stack, 'ps-paul')).filter((row) => row.account_id === card.id);
    expect(cardRows.length).toBe(before.filter((row) => row.account_id === card.id).length + 2);
  });

  it('stops syncing with consent_expired when the Open Finance consent expires', async () => {
    const itemId = await createItemAsWidget(stack, 'ps-rita', { connectorId: PLUGGY_BANK_OPEN_FINANCE, parameters: { cpf: '76109277673' } });
    await itemSettled(stack, itemId, ['WAITING_USER_ACTION']);
    await sandboxControl(stack, 'POST', `/items/${itemId}/authorize`, {});
    await itemSettled(stack, itemId, ['UPDATED']);
    const created = await createConnection(stack, 'ps-rita', itemId);
    expect(created.connection.consent).toMatchObject({ valid: true });
    await finishedSyncRun(stack, 'ps-rita', created.connection.id, created.sync_run_id!);

    const { consents } = await sandboxControl(stack, 'GET', `/consents?item_id=${itemId}`);
    await sandboxControl(stack, 'POST', `/consents/${consents[0].id}/expire`);
    const stopped = await forcedSync(stack, 'ps-rita', created.connection.id);
    expect(stopped).toMatchObject({ outcome: 'failed', error: { code: 'CONSENT_EXPIRED' } });
    const lapsed = await connectionReaches(stack, 'ps-rita', created.connection.id, 'consent_expired');
    expect(lapsed.consent.valid).toBe(false);
    expect(lapsed.next_sync_at).toBeNull();

    // The user renews access through the widget in update mode.
    const renew = await stack.api('ps-rita', 'POST', `/banking/connections/${created.connection.id}/credentials`);
    expect(renew.body).toMatchObject({ mode: 'connect_token', widget_options: { updateItem: itemId } });
  });
});
