import { describe, expect, it } from 'vitest';
import { accountIdFor, newId, transactionIdFor } from '../../shared/banking/ids';

describe('newId', () => {
  it('prefixes and sorts by creation time', () => {
    const earlier = newId('run', new Date('2026-01-01T00:00:00.000Z'));
    const later = newId('run', new Date('2026-01-01T00:00:00.001Z'));
    expect(earlier).toMatch(/^run_[0-9a-z]{26}$/);
    expect(earlier < later).toBe(true);
  });

  it('is unique for the same instant', () => {
    const now = new Date();
    const ids = new Set(Array.from({ length: 1000 }, () => newId('conn', now)));
    expect(ids.size).toBe(1000);
  });
});

describe('derived ids', () => {
  it('are stable for the same provider id and differ across connections', () => {
    expect(transactionIdFor('conn_a', 'tx1')).toBe(transactionIdFor('conn_a', 'tx1'));
    expect(transactionIdFor('conn_a', 'tx1')).not.toBe(transactionIdFor('conn_b', 'tx1'));
    expect(accountIdFor('conn_a', 'acc')).toMatch(/^acct_[0-9a-z]{26}$/);
  });

  it('cannot be confused by joining ambiguous parts', () => {
    expect(transactionIdFor('conn_a', 'bc')).not.toBe(transactionIdFor('conn_ab', 'c'));
  });
});
