import type { AccountBase, Transaction } from 'plaid';
import { describe, expect, it } from 'vitest';
import { accountTypeOf, categoryOf, toProviderAccount, toProviderTransaction } from '../../shared/providers/plaid/plaid-mapping';

function plaidTransaction(overrides: Partial<Transaction>): Transaction {
  return {
    transaction_id: 'tx_1',
    account_id: 'acc_1',
    amount: 12.34,
    iso_currency_code: 'USD',
    unofficial_currency_code: null,
    date: '2026-11-02',
    authorized_date: '2026-11-01',
    name: 'Coffee Shop',
    merchant_name: 'Coffee Shop',
    pending: false,
    pending_transaction_id: null,
    personal_finance_category: { primary: 'FOOD_AND_DRINK', detailed: 'FOOD_AND_DRINK_COFFEE', confidence_level: 'HIGH' },
    ...overrides,
  } as Transaction;
}

describe('toProviderTransaction', () => {
  it("flips Plaid's sign: positive amounts are money out, ours are negative", () => {
    expect(toProviderTransaction(plaidTransaction({ amount: 12.34 })).amount).toBe('-12.34');
    expect(toProviderTransaction(plaidTransaction({ amount: -500 })).amount).toBe('500.00');
  });

  it('keeps the pending link and falls back to the unofficial currency', () => {
    const mapped = toProviderTransaction(
      plaidTransaction({ pending_transaction_id: 'tx_0', iso_currency_code: null, unofficial_currency_code: 'BTC' }),
    );
    expect(mapped.pendingProviderTransactionId).toBe('tx_0');
    expect(mapped.currency).toBe('BTC');
  });

  it('prefers the original description when Plaid sends it', () => {
    expect(toProviderTransaction(plaidTransaction({ original_description: 'SQ *COFFEE 123' })).description).toBe('SQ *COFFEE 123');
  });
});

describe('categoryOf', () => {
  it('namespaces the detailed category and names it readably', () => {
    expect(categoryOf(plaidTransaction({}))).toEqual({ id: 'plaid:FOOD_AND_DRINK_COFFEE', name: 'Food and drink: Coffee' });
    expect(categoryOf(plaidTransaction({ personal_finance_category: null }))).toBeNull();
  });
});

describe('accountTypeOf', () => {
  it.each([
    ['depository', 'checking', 'checking'],
    ['depository', 'savings', 'savings'],
    ['depository', 'money market', 'savings'],
    ['depository', 'prepaid', 'checking'],
    ['credit', 'credit card', 'credit_card'],
    ['loan', 'mortgage', 'loan'],
    ['investment', '401k', 'investment'],
    ['brokerage', null, 'investment'],
    ['something_new', null, 'other'],
  ])('%s/%s → %s', (type, subtype, expected) => {
    expect(accountTypeOf(type, subtype)).toBe(expected);
  });
});

describe('toProviderAccount', () => {
  it('keeps null balances null and formats the others exactly', () => {
    const account = toProviderAccount({
      account_id: 'acc_1',
      name: 'Plaid Checking',
      official_name: null,
      mask: '0000',
      type: 'depository',
      subtype: 'checking',
      balances: { current: 110, available: null, limit: null, iso_currency_code: 'USD', unofficial_currency_code: null },
    } as unknown as AccountBase);
    expect(account.balances).toEqual({ current: '110.00', available: null, limit: null, currency: 'USD' });
    expect(account.mask).toBe('0000');
    expect(account.type).toBe('checking');
  });
});
