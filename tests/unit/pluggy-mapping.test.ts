/**
 * Pluggy shapes → our model: account types and balances, transaction signs on bank and card accounts,
 * item statuses → connection statuses, consents, and the `/v2/transactions` cursor.
 */
import { describe, expect, it } from 'vitest';
import {
  accountTypeOf,
  connectionStatusOf,
  consentLapsed,
  currentConsent,
  itemCondition,
  maskOf,
  pluggyCategoryIdOf,
  toProviderAccount,
  toProviderTransaction,
} from '../../shared/providers/pluggy/pluggy-mapping';
import type { PluggyAccount, PluggyItem, PluggyTransaction } from '../../shared/providers/pluggy/pluggy-schemas';
import { nextPageQuery, parseCursor } from '../../shared/providers/pluggy/pluggy-sync-source';

const bank = { providerAccountId: 'acc-1', currency: 'BRL' };

function transaction(fields: Partial<PluggyTransaction>): PluggyTransaction {
  return { id: 't-1', date: '2026-02-10T03:00:00.000Z', type: 'DEBIT', amount: -10, ...fields } as PluggyTransaction;
}

function item(fields: Partial<PluggyItem>): PluggyItem {
  return { id: 'item-1', connector: { id: 0, name: 'Pluggy Bank' }, status: 'UPDATED', ...fields } as PluggyItem;
}

describe('Pluggy accounts', () => {
  it('maps BANK/CREDIT and subtypes to our account types', () => {
    expect(accountTypeOf('BANK', 'CHECKING_ACCOUNT')).toBe('checking');
    expect(accountTypeOf('BANK', 'SAVINGS_ACCOUNT')).toBe('savings');
    expect(accountTypeOf('CREDIT', 'CREDIT_CARD')).toBe('credit_card');
    expect(accountTypeOf('BANK', null)).toBe('checking');
    expect(accountTypeOf('INVESTMENT', 'SOMETHING_NEW')).toBe('other');
  });

  it('keeps balances exact, the card balance as the amount owed, and only the last digits of the number', () => {
    const card = toProviderAccount({
      id: 'card-1',
      type: 'CREDIT',
      subtype: 'CREDIT_CARD',
      name: 'Mastercard Black',
      number: '4242 **** **** 1234',
      balance: 1234.5,
      currencyCode: 'BRL',
      creditData: { availableCreditLimit: 8765.5, creditLimit: 10000 },
    } as PluggyAccount);
    expect(card).toMatchObject({
      type: 'credit_card',
      mask: '1234',
      balances: { current: '1234.50', available: '8765.50', limit: '10000.00', currency: 'BRL' },
    });
    const checking = toProviderAccount({ id: 'acc-1', type: 'BANK', subtype: 'CHECKING_ACCOUNT', name: 'Conta Corrente', number: '0001/12345-0', balance: JSON.parse('2500.07') } as PluggyAccount);
    expect(checking.balances).toMatchObject({ current: '2500.07', available: null, limit: null, currency: 'BRL' });
    expect(checking.mask).toBe('3450');
    expect(maskOf(null)).toBeNull();
  });
});

describe('Pluggy transactions', () => {
  it('signs by type: money out is negative on bank accounts and on credit cards', () => {
    expect(toProviderTransaction(transaction({ type: 'DEBIT', amount: -12.3 }), bank).amount).toBe('-12.30');
    expect(toProviderTransaction(transaction({ type: 'CREDIT', amount: 5000 }), bank).amount).toBe('5000.00');
    // Cards: a purchase is a positive DEBIT, a bill payment a negative CREDIT.
    expect(toProviderTransaction(transaction({ type: 'DEBIT', amount: 89.9 }), bank).amount).toBe('-89.90');
    expect(toProviderTransaction(transaction({ type: 'CREDIT', amount: -1500 }), bank).amount).toBe('1500.00');
  });

  it('uses the amount in the account currency when the purchase was in another currency', () => {
    const mapped = toProviderTransaction(
      transaction({ type: 'DEBIT', amount: 20, currencyCode: 'USD', amountInAccountCurrency: 110.4 }),
      bank,
    );
    expect(mapped).toMatchObject({ amount: '-110.40', currency: 'BRL' });
  });

  it('maps day, status, merchant and category', () => {
    const mapped = toProviderTransaction(
      transaction({
        date: '2026-02-10T03:00:00.000Z',
        status: 'PENDING',
        description: 'Padaria',
        merchant: { name: null, businessName: 'Padaria Ltda' },
        categoryId: '11010000',
        category: 'Eating out',
        creditCardMetadata: { purchaseDate: '2026-02-09T15:00:00.000Z' },
      }),
      bank,
    );
    expect(mapped).toMatchObject({
      date: '2026-02-10',
      authorizedDate: '2026-02-09',
      pending: true,
      description: 'Padaria',
      merchantName: 'Padaria Ltda',
      category: { id: 'pluggy:11010000', name: 'Eating out' },
      providerAccountId: 'acc-1',
    });
    expect(toProviderTransaction(transaction({ status: undefined }), bank).pending).toBe(false);
    expect(pluggyCategoryIdOf('pluggy:11010000')).toBe('11010000');
    expect(pluggyCategoryIdOf('usr_01abc')).toBeNull();
  });
});

describe('Pluggy item statuses', () => {
  it('maps each status to what the connection needs', () => {
    expect(itemCondition(item({ status: 'UPDATED' })).kind).toBe('ready');
    expect(itemCondition(item({ status: 'UPDATING' })).kind).toBe('in_progress');
    expect(itemCondition(item({ status: 'MERGING' })).kind).toBe('in_progress');
    expect(itemCondition(item({ status: 'OUTDATED', executionStatus: 'SITE_NOT_AVAILABLE' }))).toMatchObject({
      kind: 'outdated',
      reason: { code: 'SITE_NOT_AVAILABLE' },
    });
    expect(itemCondition(item({ status: 'ERROR' })).kind).toBe('error');
    expect(connectionStatusOf(item({ status: 'LOGIN_ERROR', error: { code: 'INVALID_CREDENTIALS', message: 'x' } }))).toMatchObject({
      status: 'login_required',
      reason: { code: 'INVALID_CREDENTIALS' },
    });
    expect(
      connectionStatusOf(
        item({ status: 'WAITING_USER_INPUT', parameter: { name: 'token', label: 'Token', assistiveText: 'The code sent by SMS', expiresAt: '2026-03-01T12:05:00.000Z' } }),
      ),
    ).toMatchObject({ status: 'mfa_required', pendingUserAction: { url: null, expiresAt: '2026-03-01T12:05:00.000Z', instructions: 'The code sent by SMS' } });
    expect(connectionStatusOf(item({ status: 'UPDATING' })).status).toBe('healthy');
  });

  it('carries the authorization URL and its expiry while the item waits for the user', () => {
    const waiting = connectionStatusOf(
      item({
        status: 'WAITING_USER_ACTION',
        userAction: {
          type: 'authorize-access',
          instructions: 'Authorize at your bank',
          attributes: { url: 'https://bank.example/authorize?state=abc' },
          expiresAt: '2026-03-01T12:10:00.000Z',
        },
      }),
    );
    expect(waiting).toEqual({
      status: 'user_action_required',
      reason: { code: 'WAITING_USER_ACTION', message: expect.any(String) },
      pendingUserAction: {
        url: 'https://bank.example/authorize?state=abc',
        expiresAt: '2026-03-01T12:10:00.000Z',
        instructions: 'Authorize at your bank',
      },
    });
  });
});

describe('Pluggy consents', () => {
  it('takes the newest consent and knows when it lapsed', () => {
    const consent = currentConsent([
      { id: 'c-1', products: ['ACCOUNTS'], createdAt: '2025-01-01T00:00:00.000Z', expiresAt: null, revokedAt: '2025-06-01T00:00:00.000Z' },
      { id: 'c-2', products: ['ACCOUNTS', 'TRANSACTIONS'], createdAt: '2025-07-01T00:00:00.000Z', expiresAt: '2026-07-01T00:00:00.000Z', revokedAt: null },
    ]);
    expect(consent).toEqual({ products: ['ACCOUNTS', 'TRANSACTIONS'], createdAt: '2025-07-01T00:00:00.000Z', expiresAt: '2026-07-01T00:00:00.000Z', revokedAt: null });
    expect(consentLapsed(consent!, new Date('2026-06-30T00:00:00.000Z'))).toBe(false);
    expect(consentLapsed(consent!, new Date('2026-07-02T00:00:00.000Z'))).toBe(true);
    expect(consentLapsed({ ...consent!, expiresAt: null, revokedAt: '2026-01-01T00:00:00.000Z' }, new Date('2025-12-01T00:00:00.000Z'))).toBe(true);
    expect(currentConsent([])).toBeNull();
  });
});

describe('Pluggy transaction cursors', () => {
  it("keeps a base64 cursor's + in Pluggy's next, encoded or not", () => {
    expect(nextPageQuery('?accountId=acc-1&after=%2B%2B%2B%2Fab%3D%3D', 'acc-1')).toEqual({ accountId: 'acc-1', after: '+++/ab==' });
    expect(nextPageQuery('/v2/transactions?after=+ab/c', 'acc-9')).toEqual({ after: '+ab/c', accountId: 'acc-9' });
  });

  it('starts over on a missing, foreign or damaged stored cursor', () => {
    expect(parseCursor(null).accounts).toEqual({});
    expect(parseCursor('not json').accounts).toEqual({});
    expect(parseCursor(JSON.stringify({ v: 99, accounts: { a: '2026-01-01T00:00:00.000Z' } })).accounts).toEqual({});
    expect(parseCursor(JSON.stringify({ v: 1, accounts: { a: '2026-01-01T00:00:00.000Z', b: 'garbage' } })).accounts).toEqual({
      a: '2026-01-01T00:00:00.000Z',
    });
  });
});
