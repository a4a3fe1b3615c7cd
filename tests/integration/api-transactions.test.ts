/**
 * Transactions through the API, end to end: a real Plaid sandbox Item synced by the worker, plus a second
 * connection seeded with transactions on chosen dates, pending states and categories, so filters,
 * inclusive date bounds, effective categories and cursor paging can be checked against exact expectations.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { transactionIdFor } from '../../shared/banking/ids';
import { uniqueId } from '../helpers/dynamodb-fixtures';
import { startLocalStack, type LocalStack } from '../helpers/local-stack';
import { allTransactions, finishedSyncRun, linkPlaidItem, type LinkedConnection } from '../helpers/plaid-flow';
import { bankingStores, seedConnection, seedTransactions, seedUserCategory, type SeededConnection } from '../helpers/seed-banking-data';

let stack: LocalStack;
const ana = uniqueId('ana');
const mallory = uniqueId('mallory');
let plaidItem: LinkedConnection;
let seeded: SeededConnection;
let treatsCategoryId: string;
/** Every transaction of ana as an unfiltered, cursor-followed listing returns them. */
let everything: any[];

const SEEDED_PROVIDER_CATEGORY = { id: 'plaid:GENERAL_MERCHANDISE_BOOKSTORES_AND_NEWSSTANDS', name: 'General merchandise: Bookstores' };

beforeAll(async () => {
  stack = await startLocalStack();
  const stores = bankingStores(stack);
  // No webhook: no sync may run in the background while listings are compared with each other.
  plaidItem = await linkPlaidItem(stack, ana, { daysRequested: 90, webhook: false });
  const treats = await stack.api(ana, 'POST', '/banking/categories', { name: 'Treats' });
  treatsCategoryId = treats.body.id;
  // A second bank, long before the Plaid history starts, with exactly the shapes the filters must tell apart.
  seeded = await seedConnection(stores, ana, {
    institution: { id: 'ins_109509', name: 'Second Bank' },
    accountNames: ['Everyday', 'Rainy day'],
  });
  const [everyday, rainyDay] = seeded.accounts;
  await seedTransactions(stores, everyday!, [
    { date: '2023-01-10', amount: '-4.50', providerCategory: SEEDED_PROVIDER_CATEGORY },
    { date: '2023-01-10', amount: '-7.25', providerCategory: SEEDED_PROVIDER_CATEGORY, userCategoryId: treatsCategoryId },
    { date: '2023-01-11', amount: '2500.00', providerCategory: { id: 'plaid:INCOME_WAGES', name: 'Income: Wages' } },
    { date: '2023-01-12', amount: '-0.01', pending: true, providerCategory: SEEDED_PROVIDER_CATEGORY },
    { date: '2023-01-31', amount: '-1234567.89', providerCategory: null },
    { date: '2023-02-01', amount: '-19.99', pending: true, providerCategory: SEEDED_PROVIDER_CATEGORY },
  ]);
  await seedTransactions(stores, rainyDay!, [
    { date: '2023-01-11', amount: '100.00', providerCategory: null, userCategoryId: treatsCategoryId },
    { date: '2023-01-31', amount: '-3.00', providerCategory: SEEDED_PROVIDER_CATEGORY },
  ]);
  await seedUserCategory(stores, mallory, 'Mallory only');
  const run = await finishedSyncRun(stack, ana, plaidItem.connectionId, plaidItem.syncRunId);
  expect(run.outcome).toBe('succeeded');
  everything = await allTransactions(stack, ana);
}, 120_000);

afterAll(async () => {
  await stack?.stop();
});

/** Follows the cursor through a filtered listing, asserting no page repeats an id. */
async function pagedIds(userId: string, query: string, limit: number): Promise<string[]> {
  const ids: string[] = [];
  let cursor: string | null = null;
  let pages = 0;
  do {
    const separator = query ? '&' : '';
    const response: { status: number; body: any } = await stack.api(
      userId,
      'GET',
      `/banking/transactions?limit=${limit}${separator}${query}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
    );
    expect(response.status, JSON.stringify(response.body)).toBe(200);
    expect(response.body.data.length).toBeLessThanOrEqual(limit);
    ids.push(...response.body.data.map((transaction: { id: string }) => transaction.id));
    cursor = response.body.next_cursor;
    pages += 1;
    expect(pages, 'paging must end').toBeLessThan(500);
  } while (cursor);
  expect(new Set(ids).size, 'no transaction on two pages').toBe(ids.length);
  return ids;
}

function idsWhere(predicate: (transaction: any) => boolean): string[] {
  return everything.filter(predicate).map((transaction) => transaction.id);
}

describe('listing', () => {
  it('holds every synced and seeded transaction once, newest first (ties by id, descending)', async () => {
    const run = await finishedSyncRun(stack, ana, plaidItem.connectionId, plaidItem.syncRunId);
    expect(everything).toHaveLength(run.counts.added + 8);
    expect(new Set(everything.map((transaction) => transaction.id)).size).toBe(everything.length);
    for (let index = 1; index < everything.length; index++) {
      const [newer, older] = [everything[index - 1], everything[index]];
      const inOrder = newer.date > older.date || (newer.date === older.date && newer.id > older.id);
      expect(inOrder, `${newer.date} ${newer.id} before ${older.date} ${older.id}`).toBe(true);
    }
  });

  it('shows money as exact decimal strings with a currency, negative = money out (Plaid’s sign flipped)', async () => {
    const pages = stack.plaid.recorder.list({ path: '/transactions/sync' });
    const plaidAmounts = new Map<string, number>();
    for (const page of pages) {
      const body = page.responseBody as { added?: { transaction_id: string; amount: number }[] };
      for (const added of body.added ?? []) plaidAmounts.set(transactionIdFor(plaidItem.connectionId, added.transaction_id), added.amount);
    }
    const fromPlaid = everything.filter((transaction) => transaction.connection_id === plaidItem.connectionId);
    expect(fromPlaid.length).toBeGreaterThan(50);
    for (const transaction of fromPlaid) {
      expect(transaction.amount).toMatch(/^-?\d+\.\d{2}$/);
      expect(transaction.currency).toBe('USD');
      const plaidAmount = plaidAmounts.get(transaction.id);
      expect(plaidAmount, transaction.id).toBeDefined();
      expect(Number(transaction.amount)).toBe(plaidAmount === 0 ? 0 : -plaidAmount!);
    }
    expect(fromPlaid.some((transaction) => transaction.amount.startsWith('-'))).toBe(true);
    expect(fromPlaid.some((transaction) => !transaction.amount.startsWith('-'))).toBe(true);
    // Stored strings come back verbatim: no float rounding on the way.
    const seededAmounts = everything.filter((transaction) => transaction.connection_id === seeded.connection.connectionId).map((t) => t.amount);
    expect(seededAmounts).toEqual(expect.arrayContaining(['-1234567.89', '-0.01', '2500.00', '-4.50']));
  });

  it('honours limit bounds: 1 and 200 work, the default is 50', async () => {
    const one = await stack.api(ana, 'GET', '/banking/transactions?limit=1');
    expect(one.body.data).toHaveLength(1);
    expect(one.body.data[0].id).toBe(everything[0].id);
    expect(one.body.next_cursor).toEqual(expect.any(String));
    const most = await stack.api(ana, 'GET', '/banking/transactions?limit=200');
    expect(most.body.data.map((transaction: { id: string }) => transaction.id)).toEqual(everything.slice(0, 200).map((t) => t.id));
    const byDefault = await stack.api(ana, 'GET', '/banking/transactions');
    expect(byDefault.body.data).toHaveLength(50);
  });

  it('GET one returns the same shape as the listing', async () => {
    for (const listed of [everything[0], everything[everything.length - 1]]) {
      const one = await stack.api(ana, 'GET', `/banking/transactions/${listed.id}`);
      expect(one.status).toBe(200);
      expect(one.body).toEqual(listed);
    }
  });
});

describe('filters, each paged to the end and compared with the unfiltered listing', () => {
  it('account_id', async () => {
    const checking = plaidItem.accounts.find((account) => account.type === 'checking')!;
    const expected = idsWhere((transaction) => transaction.account_id === checking.id);
    expect(expected.length).toBeGreaterThan(20);
    expect(await pagedIds(ana, `account_id=${checking.id}`, 40)).toEqual(expected);
    const rainyDay = seeded.accounts[1]!.accountId;
    expect(await pagedIds(ana, `account_id=${rainyDay}`, 1)).toEqual(idsWhere((t) => t.account_id === rainyDay));
  });

  it('connection_id', async () => {
    const seededIds = await pagedIds(ana, `connection_id=${seeded.connection.connectionId}`, 3);
    expect(seededIds).toHaveLength(8);
    expect(seededIds).toEqual(idsWhere((transaction) => transaction.connection_id === seeded.connection.connectionId));
    const plaidIds = await pagedIds(ana, `connection_id=${plaidItem.connectionId}`, 120);
    expect(plaidIds).toEqual(idsWhere((transaction) => transaction.connection_id === plaidItem.connectionId));
  });

  it('date_from / date_to are inclusive on both ends', async () => {
    const january = await pagedIds(ana, 'date_from=2023-01-11&date_to=2023-01-31', 2);
    expect(january).toEqual(idsWhere((transaction) => transaction.date >= '2023-01-11' && transaction.date <= '2023-01-31'));
    const dates = everything.filter((transaction) => january.includes(transaction.id)).map((transaction) => transaction.date);
    expect(new Set(dates)).toEqual(new Set(['2023-01-11', '2023-01-12', '2023-01-31']));

    const oneDay = await pagedIds(ana, 'date_from=2023-01-10&date_to=2023-01-10', 1);
    expect(oneDay).toHaveLength(2);

    // An open-ended range over the synced history, both directions.
    const middle = everything[Math.floor(everything.length / 3)].date;
    expect(await pagedIds(ana, `date_from=${middle}`, 100)).toEqual(idsWhere((transaction) => transaction.date >= middle));
    expect(await pagedIds(ana, `date_to=${middle}`, 100)).toEqual(idsWhere((transaction) => transaction.date <= middle));
    expect(await pagedIds(ana, 'date_from=2020-01-01&date_to=2020-12-31', 10)).toEqual([]);
  });

  it('pending=true / pending=false split the listing exactly', async () => {
    const pending = await pagedIds(ana, 'pending=true', 5);
    const posted = await pagedIds(ana, 'pending=false', 150);
    expect(pending).toEqual(idsWhere((transaction) => transaction.pending === true));
    expect(posted).toEqual(idsWhere((transaction) => transaction.pending === false));
    expect(pending.length).toBeGreaterThanOrEqual(2);
    expect(pending.length + posted.length).toBe(everything.length);
  });

  it('category_id matches the effective category: the user override first, else the provider category', async () => {
    const treats = await pagedIds(ana, `category_id=${treatsCategoryId}`, 1);
    expect(treats).toEqual(idsWhere((transaction) => transaction.user_category_id === treatsCategoryId));
    expect(treats).toHaveLength(2);

    const bookstores = await pagedIds(ana, `category_id=${SEEDED_PROVIDER_CATEGORY.id}`, 2);
    expect(bookstores).toEqual(idsWhere((transaction) => transaction.category_id === SEEDED_PROVIDER_CATEGORY.id));
    // The overridden one has the same provider category but counts under Treats only.
    const overridden = everything.find(
      (transaction) => transaction.connection_id === seeded.connection.connectionId && transaction.amount === '-7.25',
    );
    expect(overridden.provider_category.id).toBe(SEEDED_PROVIDER_CATEGORY.id);
    expect(bookstores).not.toContain(overridden.id);

    const counts = new Map<string, number>();
    for (const transaction of everything) {
      if (transaction.connection_id === plaidItem.connectionId) counts.set(transaction.category_id, (counts.get(transaction.category_id) ?? 0) + 1);
    }
    const [commonest] = [...counts.entries()].sort((a, b) => b[1] - a[1])[0]!;
    expect(await pagedIds(ana, `category_id=${encodeURIComponent(commonest)}`, 15)).toEqual(
      idsWhere((transaction) => transaction.category_id === commonest),
    );
  });

  it('combined filters intersect', async () => {
    const checking = plaidItem.accounts.find((account) => account.type === 'checking')!;
    const middle = everything[Math.floor(everything.length / 2)].date;
    expect(await pagedIds(ana, `account_id=${checking.id}&pending=false&date_to=${middle}`, 25)).toEqual(
      idsWhere((transaction) => transaction.account_id === checking.id && !transaction.pending && transaction.date <= middle),
    );
    expect(
      await pagedIds(ana, `connection_id=${seeded.connection.connectionId}&pending=false&category_id=${SEEDED_PROVIDER_CATEGORY.id}`, 1),
    ).toEqual(
      idsWhere(
        (transaction) =>
          transaction.connection_id === seeded.connection.connectionId && !transaction.pending && transaction.category_id === SEEDED_PROVIDER_CATEGORY.id,
      ),
    );
  });
});

describe('cursors', () => {
  async function firstCursor(query: string): Promise<string> {
    const page = await stack.api(ana, 'GET', `/banking/transactions?limit=2${query ? `&${query}` : ''}`);
    expect(page.body.next_cursor).toEqual(expect.any(String));
    return page.body.next_cursor;
  }

  function reencode(cursor: string, change: (key: Record<string, string>) => void): string {
    const key = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as Record<string, string>;
    change(key);
    return Buffer.from(JSON.stringify(key), 'utf8').toString('base64url');
  }

  async function expectCursorRefused(userId: string, query: string): Promise<void> {
    const response = await stack.api(userId, 'GET', `/banking/transactions?${query}`);
    expect(response.status, query).toBe(400);
    expect(response.body.error.code).toBe('VALIDATION_FAILED');
    expect(response.body.error.details.map((issue: { field: string }) => issue.field)).toEqual(['query.cursor']);
  }

  it('garbage, non-JSON and tampered cursors are 400 on query.cursor', async () => {
    const valid = await firstCursor('');
    const candidates = [
      'garbage!!',
      Buffer.from('not json').toString('base64url'),
      Buffer.from('[1,2]').toString('base64url'),
      reencode(valid, (key) => (key.PK = `USER#${mallory}`)),
      reencode(valid, (key) => (key.GSI1PK = `USER#${mallory}#TXN`)),
      reencode(valid, (key) => (key.extra = 'x')),
      reencode(valid, (key) => delete key.SK),
    ];
    for (const cursor of candidates) await expectCursorRefused(ana, `cursor=${encodeURIComponent(cursor)}`);
    // A cursor is not accepted by another user. (Account, connection and user
    // listings share the user's date index, so one's position is a position of the others.)
    await expectCursorRefused(mallory, `cursor=${encodeURIComponent(valid)}`);
    // Nor outside the date range it is used with.
    await expectCursorRefused(ana, `date_to=2023-12-31&cursor=${encodeURIComponent(valid)}`);
  });

  it('a cursor continues exactly where its page ended, and the filters may be repeated with it', async () => {
    const cursor = await firstCursor('pending=false');
    const next = await stack.api(ana, 'GET', `/banking/transactions?limit=3&pending=false&cursor=${encodeURIComponent(cursor)}`);
    const posted = everything.filter((transaction) => !transaction.pending);
    expect(next.body.data.map((transaction: { id: string }) => transaction.id)).toEqual(posted.slice(2, 5).map((t) => t.id));
  });
});

describe('editing one transaction', () => {
  const target = () => everything.find((transaction) => transaction.connection_id === plaidItem.connectionId && !transaction.pending);

  it('sets a user category and a note, then clears both with null', async () => {
    const transaction = target();
    const set = await stack.api(ana, 'PATCH', `/banking/transactions/${transaction.id}`, { category_id: treatsCategoryId, note: 'birthday cake' });
    expect(set.status).toBe(200);
    expect(set.body).toMatchObject({
      id: transaction.id,
      category_id: treatsCategoryId,
      user_category_id: treatsCategoryId,
      provider_category: transaction.provider_category,
      note: 'birthday cake',
      amount: transaction.amount,
      category_sync: null,
    });
    expect(set.body.updated_at > transaction.updated_at).toBe(true);
    expect((await stack.api(ana, 'GET', `/banking/transactions/${transaction.id}`)).body).toEqual(set.body);
    expect(await pagedIds(ana, `category_id=${treatsCategoryId}`, 50)).toContain(transaction.id);
    expect(await pagedIds(ana, `category_id=${encodeURIComponent(transaction.category_id)}&date_from=${transaction.date}&date_to=${transaction.date}`, 50)).not.toContain(
      transaction.id,
    );

    const cleared = await stack.api(ana, 'PATCH', `/banking/transactions/${transaction.id}`, { category_id: null, note: null });
    expect(cleared.status).toBe(200);
    expect(cleared.body).toMatchObject({ user_category_id: null, category_id: transaction.category_id, note: null });
    expect(await pagedIds(ana, `category_id=${treatsCategoryId}`, 50)).not.toContain(transaction.id);
    expect(
      await pagedIds(ana, `category_id=${encodeURIComponent(transaction.category_id)}&date_from=${transaction.date}&date_to=${transaction.date}`, 50),
    ).toContain(transaction.id);
  });

  it('changes only the field it is given', async () => {
    const transaction = target();
    await stack.api(ana, 'PATCH', `/banking/transactions/${transaction.id}`, { category_id: treatsCategoryId });
    const noted = await stack.api(ana, 'PATCH', `/banking/transactions/${transaction.id}`, { note: 'only the note' });
    expect(noted.body).toMatchObject({ user_category_id: treatsCategoryId, note: 'only the note' });
    const recategorised = await stack.api(ana, 'PATCH', `/banking/transactions/${transaction.id}`, { category_id: null });
    expect(recategorised.body).toMatchObject({ user_category_id: null, note: 'only the note' });
  });

  it('accepts a provider catalog category as the override', async () => {
    const catalog = (await stack.api(ana, 'GET', '/banking/categories')).body.filter((category: { source: string }) => category.source === 'plaid');
    const transaction = target();
    const other = catalog.find((category: { id: string }) => category.id !== transaction.category_id);
    const response = await stack.api(ana, 'PATCH', `/banking/transactions/${transaction.id}`, { category_id: other.id });
    expect(response.status).toBe(200);
    expect(response.body.category_id).toBe(other.id);
  });

  it('a PATCH that changes nothing writes nothing (updated_at stays)', async () => {
    const transaction = target();
    const before = (await stack.api(ana, 'PATCH', `/banking/transactions/${transaction.id}`, { note: 'steady' })).body;
    const again = await stack.api(ana, 'PATCH', `/banking/transactions/${transaction.id}`, { note: 'steady', category_id: before.user_category_id });
    expect(again.status).toBe(200);
    expect(again.body).toEqual(before);
  });

  it("an unknown category or another user's category is 400 on body.category_id and nothing changes", async () => {
    const transaction = target();
    const before = (await stack.api(ana, 'GET', `/banking/transactions/${transaction.id}`)).body;
    const mallorysCategory = (await stack.api(mallory, 'GET', '/banking/categories')).body.find(
      (category: { name: string }) => category.name === 'Mallory only',
    );
    expect(mallorysCategory).toBeDefined();
    for (const categoryId of [mallorysCategory.id, 'usr_00000000000000000000000000', 'plaid:NOT_A_CATEGORY', 'pluggy:99999999', 'other:thing']) {
      const response = await stack.api(ana, 'PATCH', `/banking/transactions/${transaction.id}`, { category_id: categoryId, note: 'changed' });
      expect(response.status, categoryId).toBe(400);
      expect(response.body.error.details).toEqual([{ field: 'body.category_id', message: 'Unknown category' }]);
    }
    expect((await stack.api(ana, 'GET', `/banking/transactions/${transaction.id}`)).body).toEqual(before);
  });
});

// Last in the file: its thousand rows would slow every later query against the local emulator.
describe('sparse filters over a long history', () => {
  it('visit every match once, even across pages that come back short or empty', async () => {
    const stores = bankingStores(stack);
    const zoe = uniqueId('zoe');
    const { accounts } = await seedConnection(stores, zoe);
    const start = Date.UTC(2020, 0, 1);
    const dayOf = (index: number) => new Date(start + index * 86_400_000).toISOString().slice(0, 10);
    // 1,000 days of history with three pending transactions, two of them more rows apart than one request
    // may read for a one-item page of a filter that matches almost nothing (ten rounds, at most 100 rows
    // each after the first): that request must hand back an empty page with a cursor, and the next one
    // must resume there.
    const history = Array.from({ length: 1000 }, (_, index) => ({ date: dayOf(index), pending: [0, 960, 999].includes(index) }));
    const written = await seedTransactions(stores, accounts[0]!, history);
    const newestFirst = [...written].sort((a, b) => (a.date === b.date ? b.transactionId.localeCompare(a.transactionId) : b.date.localeCompare(a.date)));

    const pending = newestFirst.filter((transaction) => transaction.pending).map((transaction) => transaction.transactionId);
    const pages: number[] = [];
    const ids: string[] = [];
    let cursor: string | null = null;
    do {
      const page: { status: number; body: any } = await stack.api(
        zoe,
        'GET',
        `/banking/transactions?pending=true&limit=1${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
      );
      expect(page.status, JSON.stringify(page.body)).toBe(200);
      pages.push(page.body.data.length);
      ids.push(...page.body.data.map((transaction: { id: string }) => transaction.id));
      cursor = page.body.next_cursor;
    } while (cursor);
    expect(ids).toEqual(pending);
    expect(pages, 'some page ended on the read budget with nothing found yet').toContain(0);

    const posted = await stack.api(zoe, 'GET', '/banking/transactions?pending=false&limit=200');
    expect(posted.body.data.map((transaction: { id: string }) => transaction.id)).toEqual(
      newestFirst.filter((transaction) => !transaction.pending).slice(0, 200).map((transaction) => transaction.transactionId),
    );
  }, 90_000);
});
