/**
 * The transaction change feed through the API, end to end: a Plaid sandbox Item linked and synced by the
 * worker, then moved forward a day at the sandbox (its pending transactions post: Plaid reports the pending
 * ones removed and the posted ones added), re-synced, and read through `GET /banking/transactions/changes`.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { feedCursorAt } from '../../shared/banking/transaction-feed';
import { uniqueId } from '../helpers/dynamodb-fixtures';
import { eventually } from '../helpers/eventually';
import { startLocalStack, type LocalStack } from '../helpers/local-stack';
import { finishedRun, linkItem, sandboxControl, type LinkedItem } from '../helpers/plaid-e2e';
import { allTransactions } from '../helpers/plaid-flow';

let stack: LocalStack;
const ana = uniqueId('ana');
const mallory = uniqueId('mallory');
let item: LinkedItem;

interface FeedPage {
  added: { id: string }[];
  modified: { id: string }[];
  removed: { id: string; connection_id: string; removed_at: string }[];
  next_cursor: string;
  has_more: boolean;
}

async function feedPage(userId: string, cursor: string | null, limit: number, extra = ''): Promise<FeedPage> {
  const query = `limit=${limit}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}${extra}`;
  const response = await stack.api(userId, 'GET', `/banking/transactions/changes?${query}`);
  expect(response.status, JSON.stringify(response.body)).toBe(200);
  return response.body as FeedPage;
}

/** Follows the feed to its current end; every change in page order, and the last cursor. */
async function readFeed(userId: string, cursor: string | null, limit: number) {
  const pages: FeedPage[] = [];
  let next = cursor;
  do {
    const page = await feedPage(userId, next, limit);
    expect(page.added.length + page.modified.length + page.removed.length).toBeLessThanOrEqual(limit);
    pages.push(page);
    next = page.next_cursor;
    expect(pages.length, 'the feed must end').toBeLessThan(500);
  } while (pages.at(-1)!.has_more);
  const entries = pages.flatMap((page) => [
    ...page.added.map((entry) => `added:${entry.id}`),
    ...page.modified.map((entry) => `modified:${entry.id}`),
    ...page.removed.map((entry) => `removed:${entry.id}`),
  ]);
  return { pages, entries, cursor: next! };
}

beforeAll(async () => {
  stack = await startLocalStack();
  item = await linkItem(stack, ana, { daysRequested: 30, webhook: false });
  const run = await finishedRun(stack, item, 'the first sync finished', (candidate) => candidate.id === item.syncRunId);
  expect(run.outcome).toBe('succeeded');
}, 120_000);

afterAll(async () => {
  await stack?.stop();
});

describe('integration: transaction change feed', () => {
  let firstCursor: string;

  it("returns a new connection's transactions once as added, then nothing from the returned cursor", async () => {
    const listed = (await allTransactions(stack, ana)).map((transaction) => transaction.id).sort();
    expect(listed.length).toBeGreaterThan(10);
    // Changes become readable once the feed's settle window has passed; until then the feed may be short.
    const full = await eventually(
      'the feed from the beginning holds every transaction',
      async () => {
        const read = await readFeed(ana, null, 500);
        return read.entries.length === listed.length ? read : undefined;
      },
      { timeoutMs: 60_000, intervalMs: 1_000 },
    );
    expect(full.entries.every((entry) => entry.startsWith('added:'))).toBe(true);
    expect(full.entries.map((entry) => entry.slice('added:'.length)).sort()).toEqual(listed);

    const after = await feedPage(ana, full.cursor, 100);
    expect(after).toMatchObject({ added: [], modified: [], removed: [], has_more: false });
    firstCursor = after.next_cursor;
  }, 90_000);

  it('pages the same changes with any page size: ordered, no gaps, no repeats', async () => {
    const reference = (await readFeed(ana, null, 500)).entries;
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 40 }), async (limit) => {
        const paged = await readFeed(ana, null, limit);
        expect(paged.entries).toEqual(reference);
        expect(new Set(paged.entries).size).toBe(paged.entries.length);
      }),
      { numRuns: 4 },
    );
  }, 120_000);

  it('reports a transaction the provider removed in removed, and no read path shows it any more', async () => {
    const advanced = await sandboxControl(stack, 'POST', 'advance', { item_id: item.itemId, days: 1 });
    expect(advanced.status).toBe(200);
    expect(advanced.body.posted).toBeGreaterThan(0);
    const requested = await stack.api(ana, 'POST', `/banking/connections/${item.connectionId}/sync`);
    expect(requested.status).toBe(202);
    const run = await finishedRun(stack, item, 'the re-sync finished', (candidate) => candidate.id === requested.body.sync_run_id);
    expect(run.outcome).toBe('succeeded');
    expect(run.counts.removed).toBe(advanced.body.posted);

    const changes = await eventually(
      'the removals reached the feed',
      async () => {
        const read = await readFeed(ana, firstCursor, 50);
        return read.pages.flatMap((page) => page.removed).length === advanced.body.posted ? read : undefined;
      },
      { timeoutMs: 60_000, intervalMs: 1_000 },
    );
    const removed = changes.pages.flatMap((page) => page.removed);
    const added = changes.pages.flatMap((page) => page.added);
    expect(added.length).toBe(run.counts.added);
    for (const tombstone of removed) {
      expect(tombstone.connection_id).toBe(item.connectionId);
      expect(Date.parse(tombstone.removed_at)).not.toBeNaN();
      const read = await stack.api(ana, 'GET', `/banking/transactions/${tombstone.id}`);
      expect(read.status).toBe(404);
      const edit = await stack.api(ana, 'PATCH', `/banking/transactions/${tombstone.id}`, { note: 'gone' });
      expect(edit.status).toBe(404);
    }
    const listed = new Set((await allTransactions(stack, ana)).map((transaction) => transaction.id));
    expect(removed.filter((tombstone) => listed.has(tombstone.id))).toEqual([]);
    const bulk = await stack.api(ana, 'POST', '/banking/transactions/bulk-categorize', {
      transaction_ids: [removed[0]!.id],
      category_id: null,
    });
    // Bulk edits name the ids they could not find (400), as for any unknown id.
    expect(bulk.status, JSON.stringify(bulk.body)).toBe(400);
    expect(bulk.body.error.details).toEqual([{ field: 'body.transaction_ids.0', message: 'Transaction not found' }]);

    // Only the connection's own changes with connection_id, and the same ones.
    const scoped = await feedPage(ana, firstCursor, 500, `&connection_id=${item.connectionId}`);
    expect(scoped.removed.map((entry) => entry.id).sort()).toEqual(removed.map((entry) => entry.id).sort());
  }, 120_000);

  it("never shows another user's changes, nor lets them scope to another user's connection", async () => {
    const own = await readFeed(mallory, null, 100);
    expect(own.entries).toEqual([]);
    const withAnasCursor = await feedPage(mallory, firstCursor, 100);
    expect(withAnasCursor).toMatchObject({ added: [], modified: [], removed: [] });
    const foreign = await stack.api(mallory, 'GET', `/banking/transactions/changes?connection_id=${item.connectionId}`);
    expect(foreign.status).toBe(404);
  });

  it('refuses a cursor older than the retention with 410 CURSOR_EXPIRED, and a malformed one with 400', async () => {
    const old = feedCursorAt(new Date(Date.now() - 31 * 86_400_000));
    const expired = await stack.api(ana, 'GET', `/banking/transactions/changes?cursor=${encodeURIComponent(old)}`);
    expect(expired.status).toBe(410);
    expect(expired.body.error.code).toBe('CURSOR_EXPIRED');
    const malformed = await stack.api(ana, 'GET', '/banking/transactions/changes?cursor=not-a-cursor');
    expect(malformed.status).toBe(400);
    expect(malformed.body.error.details[0].field).toBe('query.cursor');
  });
});
