/**
 * Plaid shapes → our model. Plaid's conventions handled here:
 * - `amount` is positive when money leaves the account (https://plaid.com/docs/api/products/transactions/
 *   "Positive values when money moves out of the account"), the opposite of ours, so it is negated.
 * - `iso_currency_code` is null for unofficial currencies, which come in `unofficial_currency_code`.
 * - account `type`/`subtype` enums grow without notice; unknown values fall back to `other`.
 * - `personal_finance_category.detailed` already starts with its `primary` (FOOD_AND_DRINK_COFFEE).
 */
import type { AccountBase, Transaction as PlaidTransaction } from 'plaid';
import type { AccountType, ProviderCategoryRef } from '../../banking/model';
import { decimalFromNumber, negateDecimal } from '../../money/decimal';
import type { ProviderAccount, ProviderTransaction } from '../ports';

/** ISO 4217 "no currency": used only if Plaid sends neither currency field, which it documents it won't. */
const UNKNOWN_CURRENCY = 'XXX';

const SAVINGS_SUBTYPES = new Set(['savings', 'money market', 'cd', 'hsa', 'isa', 'cash isa']);

export function accountTypeOf(type: string, subtype: string | null | undefined): AccountType {
  switch (type) {
    case 'depository':
      return subtype && SAVINGS_SUBTYPES.has(subtype) ? 'savings' : 'checking';
    case 'credit':
      return 'credit_card';
    case 'loan':
      return 'loan';
    case 'investment':
    case 'brokerage':
      return 'investment';
    default:
      return 'other';
  }
}

function amountOrNull(value: number | null | undefined): string | null {
  return value === null || value === undefined ? null : decimalFromNumber(value);
}

export function toProviderAccount(account: AccountBase): ProviderAccount {
  return {
    providerAccountId: account.account_id,
    name: account.name,
    officialName: account.official_name ?? null,
    type: accountTypeOf(account.type, account.subtype),
    subtype: account.subtype ?? null,
    mask: account.mask ?? null,
    balances: {
      current: amountOrNull(account.balances.current),
      available: amountOrNull(account.balances.available),
      limit: amountOrNull(account.balances.limit),
      currency: account.balances.iso_currency_code ?? account.balances.unofficial_currency_code ?? UNKNOWN_CURRENCY,
    },
  };
}

function titleCase(words: string): string {
  const lower = words.toLowerCase().replace(/_/g, ' ');
  return lower.charAt(0).toUpperCase() + lower.slice(1);
}

export function categoryOf(transaction: Pick<PlaidTransaction, 'personal_finance_category'>): ProviderCategoryRef | null {
  const category = transaction.personal_finance_category;
  if (!category?.detailed) return null;
  const detail = category.detailed.startsWith(`${category.primary}_`)
    ? category.detailed.slice(category.primary.length + 1)
    : category.detailed;
  return { id: `plaid:${category.detailed}`, name: `${titleCase(category.primary)}: ${titleCase(detail)}` };
}

export function toProviderTransaction(transaction: PlaidTransaction): ProviderTransaction {
  return {
    providerTransactionId: transaction.transaction_id,
    providerAccountId: transaction.account_id,
    amount: negateDecimal(decimalFromNumber(transaction.amount)),
    currency: transaction.iso_currency_code ?? transaction.unofficial_currency_code ?? UNKNOWN_CURRENCY,
    date: transaction.date,
    authorizedDate: transaction.authorized_date ?? null,
    description: transaction.original_description ?? transaction.name,
    merchantName: transaction.merchant_name ?? null,
    pending: transaction.pending,
    pendingProviderTransactionId: transaction.pending_transaction_id ?? null,
    category: categoryOf(transaction),
  };
}
