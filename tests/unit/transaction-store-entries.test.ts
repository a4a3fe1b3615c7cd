/**
 * The transaction store's change entries against a scripted client: the emulator never leaves batch items
 * unprocessed, so the re-stamping of retried rows past the write budget is driven here; what reaches
 * DynamoDB proper is covered by tests/integration/dynamodb-transaction-feed.test.ts.
 */
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import { transactionFromItem } from '../../shared/adapters/dynamodb/entities/transaction';
import { CHANGE_WRITE_BUDGET_MILLISECONDS, DynamoTransactionStore } from '../../shared/adapters/dynamodb/transaction-store';
import { makeAccount, makeConnection, makeTransaction } from '../helpers/dynamodb-fixtures';

interface Sent {
  readonly name: string;
  readonly input: Record<string, any>;
}

function scriptedStore(respond: (command: Sent, clock: { advance(ms: number): void }) => unknown) {
  let now = Date.parse('2025-03-01T12:00:00.000Z');
  const clock = { advance: (ms: number) => void (now += ms) };
  const sent: Sent[] = [];
  const client = {
    send: async (command: { constructor: { name: string }; input: Record<string, unknown> }) => {
      const recorded = { name: command.constructor.name, input: structuredClone(command.input) };
      sent.push(recorded);
      return respond(recorded, clock);
    },
  };
  const store = new DynamoTransactionStore({
    tableName: 'banking-test',
    client: client as unknown as DynamoDBDocumentClient,
    now: () => new Date(now),
  });
  return { store, sent, clock };
}

const rowsIn = (command: Sent): Record<string, any>[] =>
  (command.input.RequestItems['banking-test'] as { PutRequest: { Item: Record<string, any> } }[]).map((request) => request.PutRequest.Item);

describe('unit: transaction store change entries', () => {
  it('writes the entry before its rows, and re-stamps rows retried past the write budget under a new entry', async () => {
    const account = makeAccount(makeConnection());
    const transactions = Array.from({ length: 25 }, (_, index) =>
      makeTransaction(account, { date: `2024-03-${String(1 + index).padStart(2, '0')}` }),
    );
    let batchWrites = 0;
    const { store, sent } = scriptedStore((command, clock) => {
      if (command.name !== 'BatchWriteCommand') return {};
      batchWrites += 1;
      if (batchWrites > 1) return {};
      // Two rows come back unprocessed, and the retry goes out after the budget.
      clock.advance(CHANGE_WRITE_BUDGET_MILLISECONDS + 1_000);
      return { UnprocessedItems: { 'banking-test': command.input.RequestItems['banking-test'].slice(0, 2) } };
    });

    await store.putMany(transactions);

    expect(sent.map((command) => command.name)).toEqual(['PutCommand', 'BatchWriteCommand', 'PutCommand', 'BatchWriteCommand']);
    const [firstEntry, firstRows, secondEntry, retriedRows] = [sent[0]!.input.Item, rowsIn(sent[1]!), sent[2]!.input.Item, rowsIn(sent[3]!)];
    expect(firstEntry).toMatchObject({ PK: `USER#${account.userId}`, entity: 'transaction_change', date_from: '2024-03-01', date_to: '2024-03-25' });
    expect(firstEntry.SK).toBe(`CHG#${firstEntry.change_id}`);
    expect(firstRows).toHaveLength(25);
    expect(firstRows.every((row) => row.change_id === firstEntry.change_id)).toBe(true);
    // The renewal: same coverage, a later stamp; the two retried rows carry it.
    expect(secondEntry.change_id > firstEntry.change_id).toBe(true);
    expect({ ...secondEntry, SK: '', change_id: '', expires_at: 0 }).toEqual({ ...firstEntry, SK: '', change_id: '', expires_at: 0 });
    expect(retriedRows.map((row) => row.SK)).toEqual(firstRows.slice(0, 2).map((row) => row.SK));
    // Their modification time is the renewal's stamp (read from `change_id`; no row stores it again).
    expect(retriedRows.every((row) => row.change_id === secondEntry.change_id && !('updated_at' in row))).toBe(true);
    expect(retriedRows.map((row) => transactionFromItem(row).updatedAt)).toEqual([secondEntry.change_id.slice(0, 24), secondEntry.change_id.slice(0, 24)]);
    for (const row of [...firstRows, ...retriedRows]) expect(Object.keys(row).filter((name) => name.startsWith('GSI3'))).toEqual([]);
  });

  it('writes one entry per 500 rows and lists the ids of a small write instead of a date range', async () => {
    const account = makeAccount(makeConnection());
    const { store, sent } = scriptedStore(() => ({}));

    await store.putMany(Array.from({ length: 1001 }, () => makeTransaction(account)));
    const entries = sent.filter((command) => command.name === 'PutCommand').map((command) => command.input.Item);
    expect(entries).toHaveLength(3);
    expect(sent.filter((command) => command.name === 'BatchWriteCommand').flatMap(rowsIn)).toHaveLength(1001);

    const small = [makeTransaction(account), makeTransaction(account)];
    await store.putMany(small);
    const entry = sent.at(-2)!.input.Item;
    expect(entry.transaction_ids).toEqual(small.map((row) => row.transactionId).sort());
    expect(entry).not.toHaveProperty('date_from');
  });

  it('shares one entry of rows of any date across the writes of one session within the budget, and renews it past the budget', async () => {
    const account = makeAccount(makeConnection());
    const { store, sent, clock } = scriptedStore(() => ({}));
    const entriesSent = () => sent.filter((command) => command.name === 'PutCommand').map((command) => command.input.Item);
    const rows = Array.from({ length: 2000 }, (_, index) =>
      makeTransaction(account, { date: `202${index % 4}-0${1 + (index % 9)}-1${index % 10}` }),
    );
    const session = store.changeSession();

    // Four provider pages of 500, one after another, within the budget: one entry for the 2,000 rows.
    for (let page = 0; page < 4; page++) await session.putMany(rows.slice(page * 500, page * 500 + 500));
    const [shared, ...others] = entriesSent();
    expect(others).toEqual([]);
    expect(shared).toMatchObject({ entity: 'transaction_change', connection_ids: [account.connectionId], any_date: true });
    expect(shared).not.toHaveProperty('date_from');
    expect(shared).not.toHaveProperty('transaction_ids');
    const written = sent.filter((command) => command.name === 'BatchWriteCommand').flatMap(rowsIn);
    expect(written).toHaveLength(2000);
    expect(written.every((row) => row.change_id === shared.change_id)).toBe(true);
    // The entry is stored before any row that names it.
    expect(sent[0]!.name).toBe('PutCommand');

    // A write past the budget renews the entry (same coverage, later stamp), and the renewal is shared too.
    clock.advance(CHANGE_WRITE_BUDGET_MILLISECONDS + 1);
    const later = Array.from({ length: 30 }, () => makeTransaction(account));
    await session.putMany(later.slice(0, 15));
    await session.putMany(later.slice(15));
    const [, renewed, ...more] = entriesSent();
    expect(more).toEqual([]);
    expect(renewed.change_id > shared.change_id).toBe(true);
    expect({ ...renewed, SK: '', change_id: '', expires_at: 0 }).toEqual({ ...shared, SK: '', change_id: '', expires_at: 0 });
    const afterRenewal = sent.filter((command) => command.name === 'BatchWriteCommand').flatMap(rowsIn).slice(2000);
    expect(afterRenewal).toHaveLength(30);
    expect(afterRenewal.every((row) => row.change_id === renewed.change_id)).toBe(true);
  });

  it("gives a session's small writes entries of their own until a full page opens a shared one, and opens another for a new connection", async () => {
    const account = makeAccount(makeConnection());
    const other = makeAccount(makeConnection({ userId: account.userId }));
    const { store, sent } = scriptedStore(() => ({}));
    const session = store.changeSession();

    // An incremental sync's pages: ids, then a date range, each in an entry of its own.
    await session.putMany([makeTransaction(account), makeTransaction(account)]);
    await session.putMany(Array.from({ length: 21 }, () => makeTransaction(account, { date: '2024-05-02' })));
    // A full page opens the shared entry; a small page after it joins it; another connection's page opens its own.
    await session.putMany(Array.from({ length: 500 }, () => makeTransaction(account)));
    await session.putMany([makeTransaction(account)]);
    await session.putMany(Array.from({ length: 500 }, () => makeTransaction(other)));
    const entries = sent.filter((command) => command.name === 'PutCommand').map((command) => command.input.Item);
    expect(entries.map((entry) => [entry.transaction_ids?.length ?? null, entry.date_from ?? null, entry.any_date ?? false, entry.connection_ids])).toEqual([
      [2, null, false, [account.connectionId]],
      [null, '2024-05-02', false, [account.connectionId]],
      [null, null, true, [account.connectionId]],
      [null, null, true, [other.connectionId]],
    ]);
    const rows = sent.filter((command) => command.name === 'BatchWriteCommand').flatMap(rowsIn);
    expect(rows.filter((row) => row.change_id === entries[2]!.change_id)).toHaveLength(501);
  });
});
