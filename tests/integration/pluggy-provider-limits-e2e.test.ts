/**
 * Pluggy as strict as the real one, end to end: an account with no webhooks answers `GET /webhooks` with an
 * empty 204; client item updates are limited in frequency (409 CLIENT_IS_UPDATING_BEFORE_ALLOWED_FREQUENCY)
 * and in rate; webhooks get lost; `next` pages continue only with the filters sent again; dates are São
 * Paulo days; bank accounts report an available balance.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { localProviderCredentials } from '../../local/aws/provision';
import { accountIdFor, transactionIdFor } from '../../shared/banking/ids';
import { PLUGGY_CATEGORY_PREFIX } from '../../shared/providers/pluggy/pluggy-mapping';
import { saoPauloDay } from '../../local/sandboxes/pluggy/history-generator';
import { eventually } from '../helpers/eventually';
import { startLocalStack, type LocalStack } from '../helpers/local-stack';
import { allTransactions, finishedSyncRun } from '../helpers/plaid-flow';
import { FULL_READ_EVERY_HOURS, RECENT_WINDOW_DAYS } from '../../shared/providers/pluggy/pluggy-sync-source';
import { connection, connectPluggyBank, forcedSync, itemSettled, registerWebhook, sandboxControl, scheduledSync, syncsSettled } from '../helpers/pluggy-flow';

let stack: LocalStack;

beforeAll(async () => {
  // Small pages, so every listing of an account's history spans several of them.
  stack = await startLocalStack({ pluggy: { transactionsPageSize: 40 } });
}, 60_000);

afterAll(async () => {
  await stack?.stop();
});

function itemUpdates(itemId: string) {
  return stack.pluggy.recorder.list({ path: `/items/${itemId}`, kind: 'provider' }).filter((exchange) => exchange.method === 'PATCH');
}

/** What the sandbox holds for the item's accounts now, keyed by the id our API gives each row. */
function sandboxLedger(itemId: string, connectionId: string): Map<string, { providerId: string; date: string; pending: boolean }> {
  const item = stack.pluggy.state.liveItem(itemId);
  return new Map(
    item.accounts.flatMap((account) =>
      account.transactions.map((row) => [transactionIdFor(connectionId, row.id), { providerId: row.id, date: saoPauloDay(row.date), pending: row.status === 'PENDING' }] as const),
    ),
  );
}

function storedLedger(userId: string, connectionId: string): Promise<any[]> {
  return allTransactions(stack, userId, `connection_id=${connectionId}`);
}

describe('Pluggy limits, lost webhooks and faithful details', () => {
  it('lists, registers and re-registers the webhook from an account that has none (GET /webhooks answers 204)', async () => {
    await registerWebhook(stack);
    const listings = stack.pluggy.recorder.list({ path: '/webhooks', kind: 'provider' }).filter((exchange) => exchange.method === 'GET');
    expect(listings[0]?.status).toBe(204);
    expect(stack.pluggy.webhooks.registrations()).toHaveLength(1);
    // Again: found, nothing created.
    await registerWebhook(stack);
    expect(stack.pluggy.webhooks.registrations()).toHaveLength(1);
  });

  it('asks Pluggy for an update only when a user forces a sync, records the 409 "not before" and reads what Pluggy has', async () => {
    const linked = await connectPluggyBank(stack, 'pl-ana');
    const connectionId = linked.connection.id;
    const first = await finishedSyncRun(stack, 'pl-ana', connectionId, linked.sync_run_id!, 60_000);
    expect(first.outcome, JSON.stringify(first)).toBe('succeeded');
    // The first sync (and any webhook-triggered one) reads what Pluggy collected: no update asked for.
    await syncsSettled(stack, 'pl-ana', connectionId);
    expect(itemUpdates(linked.itemId)).toHaveLength(0);

    // The item was updated minutes ago: Pluggy refuses a client update for 24 hours.
    const forced = await forcedSync(stack, 'pl-ana', connectionId);
    expect(forced.outcome).toBe('succeeded');
    const refused = itemUpdates(linked.itemId);
    expect(refused.map((exchange) => exchange.status)).toEqual([409]);
    const lastUpdatedAt = stack.pluggy.state.liveItem(linked.itemId).lastUpdatedAt!;
    const body = await connection(stack, 'pl-ana', connectionId);
    expect(body.status).toBe('healthy');
    expect(Date.parse(body.provider_update.not_before)).toBeGreaterThanOrEqual(Date.parse(lastUpdatedAt) + 24 * 3_600_000 - 5_000);

    // Another forced sync before that time does not ask again: no redelivery loop of PATCH /items.
    expect((await forcedSync(stack, 'pl-ana', connectionId)).outcome).toBe('succeeded');
    expect(itemUpdates(linked.itemId)).toHaveLength(1);
  }, 120_000);

  it('converges on edits and deletions whose webhooks were lost', async () => {
    const linked = await connectPluggyBank(stack, 'pl-bia');
    const connectionId = linked.connection.id;
    await finishedSyncRun(stack, 'pl-bia', connectionId, linked.sync_run_id!, 60_000);
    await stack.pluggy.webhooks.idle();

    // Pluggy's auto-sync posts the pending rows, deletes two recent ones per bank account and adds new ones;
    // every webhook about it is lost.
    await sandboxControl(stack, 'POST', '/webhooks/drop', {});
    await sandboxControl(stack, 'POST', `/items/${linked.itemId}/refresh`, { newTransactions: 2, postPending: true, deleteTransactions: 2 });
    await itemSettled(stack, linked.itemId, ['UPDATED']);
    const lost = stack.pluggy.webhooks.events({ itemId: linked.itemId }).filter((event) => event.dropped);
    expect(lost.map((event) => event.event)).toEqual(expect.arrayContaining(['item/updated', 'transactions/deleted']));
    await sandboxControl(stack, 'DELETE', '/webhooks/drop');

    const synced = await forcedSync(stack, 'pl-bia', connectionId);
    expect(synced.outcome).toBe('succeeded');
    const expected = sandboxLedger(linked.itemId, connectionId);
    const stored = await storedLedger('pl-bia', connectionId);
    for (const row of stored) {
      const truth = expected.get(row.id);
      expect(truth, `stored ${row.id} still exists at Pluggy`).toBeDefined();
      expect(row.pending).toBe(truth!.pending);
    }
    expect(stored).toHaveLength(expected.size);
  }, 120_000);

  it('a transactions/deleted hint removes only ids the item\'s accounts no longer return', async () => {
    const linked = await connectPluggyBank(stack, 'pl-cida');
    const connectionId = linked.connection.id;
    await finishedSyncRun(stack, 'pl-cida', connectionId, linked.sync_run_id!, 60_000);
    const [kept] = await storedLedger('pl-cida', connectionId);
    const keptProviderId = sandboxLedger(linked.itemId, connectionId).get(kept.id)!.providerId;
    // An authenticated event naming an id Pluggy still has, without the account it belongs to.
    const response = await fetch(`${stack.gatewayUrl}/api/v1/webhooks/pluggy`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'X-Webhook-Secret': localProviderCredentials.pluggyWebhook.webhook_secret },
      body: JSON.stringify({
        event: 'transactions/deleted',
        eventId: '0b6f8e3c-1d2a-4c5b-8e9f-a0b1c2d3e4f5',
        itemId: linked.itemId,
        clientId: localProviderCredentials.pluggy.client_id,
        transactionIds: [keptProviderId],
      }),
    });
    expect(response.status).toBeLessThan(300);
    const run = await eventually('the hinted sync finished', async () => {
      const runs = (await stack.api('pl-cida', 'GET', `/banking/connections/${connectionId}/sync-runs?limit=50`)).body.data;
      return runs.find((candidate: any) => candidate.trigger === 'webhook' && !['queued', 'running', 'retrying'].includes(candidate.outcome));
    }, { timeoutMs: 60_000 });
    expect(run.outcome).toBe('succeeded');
    const after = await storedLedger('pl-cida', connectionId);
    expect(after.map((row) => row.id)).toContain(kept.id);
  }, 120_000);

  it('stores São Paulo calendar days, every page of a filtered listing, and the available balance', async () => {
    const linked = await connectPluggyBank(stack, 'pl-duda');
    const connectionId = linked.connection.id;
    await finishedSyncRun(stack, 'pl-duda', connectionId, linked.sync_run_id!, 60_000);
    // A later sync lists by filters over several pages: each page must repeat them.
    await sandboxControl(stack, 'POST', `/items/${linked.itemId}/refresh`, { newTransactions: 3 });
    await itemSettled(stack, linked.itemId, ['UPDATED']);
    expect((await forcedSync(stack, 'pl-duda', connectionId)).outcome).toBe('succeeded');

    const expected = sandboxLedger(linked.itemId, connectionId);
    const stored = await storedLedger('pl-duda', connectionId);
    expect(stored).toHaveLength(expected.size);
    const lateEvening = [...stack.pluggy.state.liveItem(linked.itemId).accounts.flatMap((account) => account.transactions)].filter(
      (row) => saoPauloDay(row.date) !== row.date.slice(0, 10),
    );
    expect(lateEvening.length).toBeGreaterThan(0);
    for (const row of stored) expect(row.date, row.id).toBe(expected.get(row.id)!.date);

    const item = stack.pluggy.state.liveItem(linked.itemId);
    const checking = item.accounts.find((account) => account.type === 'BANK')!;
    const storedChecking = (await stack.api('pl-duda', 'GET', `/banking/accounts/${accountIdFor(connectionId, checking.id)}`)).body;
    expect(Number(storedChecking.balances.available)).toBeCloseTo(checking.bankData!.closingBalance, 2);
  }, 120_000);

  it('applies a delivered transactions/updated at once, reading only the ids it names', async () => {
    const linked = await connectPluggyBank(stack, 'pl-fia');
    const connectionId = linked.connection.id;
    expect((await finishedSyncRun(stack, 'pl-fia', connectionId, linked.sync_run_id!, 60_000)).outcome).toBe('succeeded');
    await syncsSettled(stack, 'pl-fia', connectionId);
    const accountIds = stack.pluggy.state.liveItem(linked.itemId).accounts.map((account) => account.id);
    const before = stack.pluggy.recorder.lastSeq();

    // Pluggy re-categorizes outside an update (lastUpdatedAt stays) and tells us.
    const { changed } = await sandboxControl(stack, 'POST', `/items/${linked.itemId}/enrich`, { perAccount: 2 });
    const rows = (changed as { accountId: string; ids: string[] }[]).flatMap((entry) => entry.ids);
    const truth = () => new Map(stack.pluggy.state.liveItem(linked.itemId).accounts.flatMap((account) => account.transactions).map((row) => [row.id, row.categoryId]));
    await eventually('the re-categorized rows are stored', async () => {
      const stored = new Map((await storedLedger('pl-fia', connectionId)).map((row) => [row.id, row.provider_category?.id]));
      return rows.every((id) => stored.get(transactionIdFor(connectionId, id)) === `${PLUGGY_CATEGORY_PREFIX}${truth().get(id)}`) ? true : undefined;
    }, { timeoutMs: 60_000 });
    await syncsSettled(stack, 'pl-fia', connectionId);
    const listings = stack.pluggy.recorder
      .list({ kind: 'provider', path: '/v2/transactions', afterSeq: before })
      .map((exchange) => new URLSearchParams(exchange.query ?? ''))
      .filter((query) => accountIds.includes(query.get('accountId') ?? ''));
    expect(listings.length).toBeGreaterThan(0);
    for (const query of listings) expect(query.get('ids'), query.toString()).toBeTruthy();
  }, 120_000);

  // Last in the file: it moves the sandbox clock a day on.
  it(`an unchanged scheduled sync makes at most 5 Pluggy requests; a lost transactions/updated converges within ${FULL_READ_EVERY_HOURS} h of the last full read`, async () => {
    const linked = await connectPluggyBank(stack, 'pl-eva');
    const connectionId = linked.connection.id;
    expect((await finishedSyncRun(stack, 'pl-eva', connectionId, linked.sync_run_id!, 60_000)).outcome).toBe('succeeded');
    await syncsSettled(stack, 'pl-eva', connectionId);
    // Pluggy's daily update brings a new transaction per account; every webhook about it is lost, and the
    // next scheduled sync reads it because the item's lastUpdatedAt moved.
    await sandboxControl(stack, 'POST', '/webhooks/drop', {});
    await sandboxControl(stack, 'POST', `/items/${linked.itemId}/refresh`, { newTransactions: 1, postPending: false });
    await itemSettled(stack, linked.itemId, ['UPDATED']);
    await stack.pluggy.webhooks.idle();
    await sandboxControl(stack, 'DELETE', '/webhooks/drop');
    expect((await scheduledSync(stack, 'pl-eva', connectionId)).outcome).toBe('succeeded');
    expect(await storedLedger('pl-eva', connectionId)).toHaveLength(sandboxLedger(linked.itemId, connectionId).size);

    const accountIds = stack.pluggy.state.liveItem(linked.itemId).accounts.map((account) => account.id);
    const ofThisItem = (afterSeq: number) =>
      stack.pluggy.recorder
        .list({ kind: 'provider', afterSeq })
        .filter((exchange) => exchange.path === '/auth' || exchange.path.includes(linked.itemId) || (exchange.query ?? '').includes(linked.itemId) || accountIds.some((id) => (exchange.query ?? '').includes(id)));

    // Nothing new since: the auto-sync scheduler's sync.
    const before = stack.pluggy.recorder.lastSeq();
    const unchanged = await scheduledSync(stack, 'pl-eva', connectionId);
    expect(unchanged.outcome).toBe('succeeded');
    const requests = ofThisItem(before).map((exchange) => `${exchange.method} ${exchange.path}`);
    expect(requests.length, requests.join(', ')).toBeLessThanOrEqual(5);
    expect(requests).not.toContain(`PATCH /items/${linked.itemId}`);

    // Pluggy re-categorizes the newest transaction of each account outside an update; the webhook is lost.
    const lastUpdatedAt = stack.pluggy.state.liveItem(linked.itemId).lastUpdatedAt;
    await sandboxControl(stack, 'POST', '/webhooks/drop', { events: ['transactions/updated'] });
    const { changed } = await sandboxControl(stack, 'POST', `/items/${linked.itemId}/enrich`, { perAccount: 1 });
    await stack.pluggy.webhooks.idle();
    expect(stack.pluggy.webhooks.events({ itemId: linked.itemId, event: 'transactions/updated' }).filter((event) => event.dropped)).toHaveLength(changed.length);
    await sandboxControl(stack, 'DELETE', '/webhooks/drop');
    const windowStart = saoPauloDay(new Date(Date.now() - RECENT_WINDOW_DAYS * 86_400_000).toISOString());
    const enriched = (changed as { accountId: string; ids: string[] }[])
      .flatMap((entry) => entry.ids)
      .map((id) => stack.pluggy.state.liveItem(linked.itemId).accounts.flatMap((account) => account.transactions).find((row) => row.id === id)!)
      .filter((row) => saoPauloDay(row.date) >= windowStart);
    expect(enriched.length).toBeGreaterThan(0);
    expect(stack.pluggy.state.liveItem(linked.itemId).lastUpdatedAt).toBe(lastUpdatedAt);

    // The bound: the first scheduled sync once that many hours (Pluggy's clock) have passed since the last full read.
    await sandboxControl(stack, 'POST', '/clock', { advance_seconds: FULL_READ_EVERY_HOURS * 3600 });
    expect((await scheduledSync(stack, 'pl-eva', connectionId)).outcome).toBe('succeeded');
    const stored = new Map((await storedLedger('pl-eva', connectionId)).map((row) => [row.id, row]));
    for (const row of enriched) {
      const mine = stored.get(transactionIdFor(connectionId, row.id));
      expect(mine?.provider_category?.id, row.id).toBe(`${PLUGGY_CATEGORY_PREFIX}${row.categoryId}`);
    }
  }, 180_000);
});

