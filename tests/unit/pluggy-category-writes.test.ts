/**
 * The provider-write use-case with Pluggy's category writer: what `category_sync` ends as for each outcome
 * of a delivery, and which failures are handed back to the queue.
 */
import { describe, expect, it } from 'vitest';
import { PluggyCategoryWriter } from '../../shared/providers/pluggy/pluggy-category-writer';
import type { Transaction } from '../../shared/banking/model';
import type { TransactionStore } from '../../shared/banking/ports';
import { writeTransactionCategory } from '../../shared/banking/provider-writes';
import { ProviderError } from '../../shared/errors/app-error';

const NOW = new Date('2026-03-01T12:00:00.000Z');
const job = { kind: 'transaction_category' as const, userId: 'u-1', transactionId: 'txn-1', connectionId: 'conn-1', provider: 'pluggy' as const };

function stored(fields: Partial<Transaction> = {}): Transaction {
  return {
    userId: 'u-1',
    transactionId: 'txn-1',
    provider: 'pluggy',
    providerTransactionId: 'pluggy-txn-1',
    userCategoryId: 'pluggy:11010000',
    categorySync: { status: 'pending', updatedAt: NOW.toISOString(), error: null },
    ...fields,
  } as Transaction;
}

/** Just enough of a transaction store: one row, and the category-sync edits made to it. */
function store(row: Transaction | null) {
  const edits: Transaction['categorySync'][] = [];
  let current = row;
  const transactions = {
    get: async () => current,
    updateUserFields: async (_userId: string, changes: { categorySync?: Transaction['categorySync'] }[]) => {
      for (const change of changes) {
        edits.push(change.categorySync ?? null);
        if (current) current = { ...current, categorySync: change.categorySync ?? null };
      }
      return current ? [current] : [];
    },
  };
  return { transactions, edits };
}

function writer(outcome: 'ok' | ProviderError) {
  const sent: { transactionId: string; categoryId: string }[] = [];
  const api = {
    updateTransactionCategory: async (transactionId: string, categoryId: string) => {
      sent.push({ transactionId, categoryId });
      if (outcome !== 'ok') throw outcome;
    },
  };
  return { category: new PluggyCategoryWriter(api), sent };
}

function run(row: Transaction | null, outcome: 'ok' | ProviderError, receiveCount = 1) {
  const { transactions, edits } = store(row);
  const { category, sent } = writer(outcome);
  const deps = { transactions: transactions as unknown as TransactionStore, writerFor: async () => category, clock: { now: () => NOW } };
  return { result: writeTransactionCategory(deps, job, { receiveCount, maxReceiveCount: 8 }), edits, sent };
}

const unavailable = new ProviderError('pluggy', 'transient', { providerCode: 'HTTP_503', message: 'temporarily unavailable' });

describe('writeTransactionCategory (Pluggy)', () => {
  it("sends Pluggy's own id and marks the category synced", async () => {
    const { result, edits, sent } = run(stored(), 'ok');
    await expect(result).resolves.toBe('synced');
    expect(sent).toEqual([{ transactionId: 'pluggy-txn-1', categoryId: '11010000' }]);
    expect(edits).toEqual([{ status: 'synced', updatedAt: NOW.toISOString(), error: null }]);
  });

  it("does not send the user's own category, and clears the pending mark", async () => {
    const { result, edits, sent } = run(stored({ userCategoryId: 'usr_01abcdef' }), 'ok');
    await expect(result).resolves.toBe('not_sent');
    expect(sent).toHaveLength(0);
    expect(edits).toEqual([null]);
  });

  it('hands a temporary failure back to the queue while deliveries remain', async () => {
    const { result, edits } = run(stored(), unavailable, 3);
    await expect(result).rejects.toBe(unavailable);
    expect(edits).toHaveLength(0);
  });

  it('marks it failed on the last delivery, and still lets it reach the dead-letter queue', async () => {
    const { result, edits } = run(stored(), unavailable, 8);
    await expect(result).rejects.toBe(unavailable);
    expect(edits).toEqual([{ status: 'failed', updatedAt: NOW.toISOString(), error: expect.stringContaining('8 attempts') }]);
  });

  it('marks a refusal failed at once, with the reason', async () => {
    const refused = new ProviderError('pluggy', 'permanent', { providerCode: 'CATEGORY_NOT_FOUND', message: 'The bank data provider rejected the request' });
    const { result, edits } = run(stored(), refused, 1);
    await expect(result).resolves.toBe('failed');
    expect(edits).toEqual([{ status: 'failed', updatedAt: NOW.toISOString(), error: 'The bank data provider rejected the request' }]);
  });

  it('does nothing for a settled or vanished transaction', async () => {
    const settled = run(stored({ categorySync: { status: 'synced', updatedAt: NOW.toISOString(), error: null } }), 'ok');
    await expect(settled.result).resolves.toBe('superseded');
    expect(settled.sent).toHaveLength(0);
    await expect(run(null, 'ok').result).resolves.toBe('gone');
  });
});
