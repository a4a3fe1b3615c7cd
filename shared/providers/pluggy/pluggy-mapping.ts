/**
 * Pluggy shapes → our model. Pluggy's conventions handled here:
 *
 * - Transaction sign: `type` is DEBIT (outflow) or CREDIT (inflow) on every account type (OAS
 *   Transaction.type), while the sign of `amount` is not uniform — negative for debits on bank accounts,
 *   positive for purchases on credit cards (what Actual Budget's importer works around by negating CREDIT
 *   accounts, https://docs.pluggy.ai/docs/transactions). So the sign comes from `type` and the magnitude from `amount`:
 *   DEBIT → negative, CREDIT → positive, for bank and card alike.
 * - `amountInAccountCurrency` is present only when the transaction is in another currency than the
 *   account; the stored amount is always in the account's currency, so it wins when present.
 * - Balances: a BANK account's `balance` is its current balance. A CREDIT account's `balance` is the amount
 *   owed on the card; it is stored as `current` unchanged (positive = owed), the same convention Plaid uses
 *   for credit accounts (`balances.current` "the amount owed"), so a credit card reads the same whatever
 *   its provider. `available` is the card's available limit, `limit` its credit limit. A BANK account's
 *   `available` is `bankData.closingBalance` ("available balance of the account" in pluggy-node's Account
 *   type; "balance including not posted transactions" in the OAS), null when Pluggy gives none.
 * - `date` is a UTC timestamp of a moment in Brazil: the booking day is its calendar day in São Paulo, not
 *   its UTC day (a Pix at 22:30 in São Paulo is stamped 01:30Z the next day; Pluggy's docs tell clients to
 *   convert to GMT-3, /docs/transactions).
 * - Categories: `categoryId` is Pluggy's 8-digit id, `category` its English name; namespaced `pluggy:<id>`.
 * - Account numbers are never kept: the mask is the last four digits of `number`.
 */
import type { AccountType, Category, Consent, ConnectionStatus, PendingUserAction, ProviderCategoryRef, StatusReason } from '../../banking/model';
import { NEUTRAL_MESSAGES } from '../../errors/neutral-messages';
import { decimalFromNumber, negateDecimal } from '../../money/decimal';
import type { ProviderAccount, ProviderTransaction } from '../ports';
import type { PluggyAccount, PluggyCategory, PluggyConsent, PluggyItem, PluggyTransaction } from './pluggy-schemas';

export const PLUGGY_CATEGORY_PREFIX = 'pluggy:';
/** Pluggy's accounts are Brazilian; BRL is what an account without `currencyCode` holds. */
const DEFAULT_CURRENCY = 'BRL';

export function accountTypeOf(type: string, subtype: string | null | undefined): AccountType {
  if (type === 'CREDIT' || subtype === 'CREDIT_CARD') return 'credit_card';
  if (subtype === 'SAVINGS_ACCOUNT') return 'savings';
  if (type === 'BANK') return 'checking';
  return 'other';
}

function decimalOrNull(value: number | null | undefined): string | null {
  return value === null || value === undefined ? null : decimalFromNumber(value);
}

/** Last four digits of an account number such as `0001/12345-0`; null when it has fewer than two. */
export function maskOf(number: string | null | undefined): string | null {
  const digits = (number ?? '').replace(/\D/g, '');
  return digits.length >= 2 ? digits.slice(-4) : null;
}

export function toProviderAccount(account: PluggyAccount): ProviderAccount {
  const type = accountTypeOf(account.type, account.subtype);
  const currency = account.currencyCode || DEFAULT_CURRENCY;
  const isCredit = type === 'credit_card';
  return {
    providerAccountId: account.id,
    name: account.name,
    officialName: account.marketingName ?? null,
    type,
    subtype: account.subtype ?? null,
    mask: maskOf(account.number),
    balances: {
      current: decimalOrNull(account.balance),
      available: isCredit ? decimalOrNull(account.creditData?.availableCreditLimit) : decimalOrNull(account.bankData?.closingBalance),
      limit: isCredit ? decimalOrNull(account.creditData?.creditLimit) : null,
      currency,
    },
  };
}

export function categoryOf(transaction: Pick<PluggyTransaction, 'categoryId' | 'category'>): ProviderCategoryRef | null {
  if (!transaction.categoryId) return null;
  return { id: `${PLUGGY_CATEGORY_PREFIX}${transaction.categoryId}`, name: transaction.category ?? null };
}

/** A catalog entry from Pluggy's category tree, under the same ids transactions carry ({@link categoryOf}). */
export function toCatalogCategory(entry: PluggyCategory, now: string): Category {
  return {
    categoryId: `${PLUGGY_CATEGORY_PREFIX}${entry.id}`,
    name: entry.description,
    source: 'pluggy',
    parentId: entry.parentId ? `${PLUGGY_CATEGORY_PREFIX}${entry.parentId}` : null,
    userId: null,
    createdAt: now,
    updatedAt: now,
  };
}

/** The Pluggy category id inside one of our ids, or null when the id is not from Pluggy's catalog. */
export function pluggyCategoryIdOf(categoryId: string): string | null {
  return categoryId.startsWith(PLUGGY_CATEGORY_PREFIX) ? categoryId.slice(PLUGGY_CATEGORY_PREFIX.length) || null : null;
}

/** Exact signed amount in our convention (negative = money out), from `type` and the magnitude of the amount. */
export function signedAmountOf(transaction: Pick<PluggyTransaction, 'type' | 'amount' | 'amountInAccountCurrency'>): string {
  const value = transaction.amountInAccountCurrency ?? transaction.amount;
  const magnitude = decimalFromNumber(Math.abs(value));
  if (transaction.type === 'DEBIT') return negateDecimal(magnitude);
  if (transaction.type === 'CREDIT') return magnitude;
  // An unknown type (Pluggy documents only these two): keep the provider's own sign.
  return decimalFromNumber(value);
}

/** Pluggy's accounts are Brazilian; their days are São Paulo days. */
export const PLUGGY_TIME_ZONE = 'America/Sao_Paulo';
/**
 * Built on first use: a formatter with a time zone loads ICU's zone data (about 10 ms of CPU, measured with
 * bench/cold-start.ts), which every function bundling this module would otherwise pay at start, most of them
 * never formatting a day.
 */
let saoPauloDay: Intl.DateTimeFormat | undefined;
function saoPauloDayFormat(): Intl.DateTimeFormat {
  saoPauloDay ??= new Intl.DateTimeFormat('en-CA', { timeZone: PLUGGY_TIME_ZONE, year: 'numeric', month: '2-digit', day: '2-digit' });
  return saoPauloDay;
}

/** The São Paulo calendar day (`YYYY-MM-DD`) of a Pluggy timestamp; a bare date is already one. */
export function saoPauloDayOf(timestamp: string | null | undefined): string | null {
  if (!timestamp || !/^\d{4}-\d{2}-\d{2}/.test(timestamp)) return null;
  if (/^\d{4}-\d{2}-\d{2}$/.test(timestamp)) return timestamp;
  const at = Date.parse(timestamp);
  return Number.isFinite(at) ? saoPauloDayFormat().format(new Date(at)) : timestamp.slice(0, 10);
}

export function toProviderTransaction(
  transaction: PluggyTransaction,
  account: { readonly providerAccountId: string; readonly currency: string },
): ProviderTransaction {
  const inAccountCurrency = transaction.amountInAccountCurrency !== null && transaction.amountInAccountCurrency !== undefined;
  return {
    providerTransactionId: transaction.id,
    providerAccountId: transaction.accountId ?? account.providerAccountId,
    amount: signedAmountOf(transaction),
    currency: inAccountCurrency ? account.currency : (transaction.currencyCode ?? account.currency),
    date: saoPauloDayOf(transaction.date) ?? transaction.date,
    authorizedDate: saoPauloDayOf(transaction.creditCardMetadata?.purchaseDate),
    description: transaction.description || transaction.descriptionRaw || '',
    merchantName: transaction.merchant?.name || transaction.merchant?.businessName || null,
    // Pluggy's default when `status` is absent is POSTED (SDK transaction.d.ts).
    pending: transaction.status === 'PENDING',
    pendingProviderTransactionId: null,
    category: categoryOf(transaction),
  };
}

/**
 * Item statuses (SDK item.d.ts; https://docs.pluggy.ai/docs/item-lifecycle) and what each means for the connection.
 * `settled` is false while Pluggy is still collecting (UPDATING, MERGING): the data may be half-way.
 */
export type ItemCondition =
  | { readonly kind: 'ready' }
  | { readonly kind: 'in_progress' }
  | { readonly kind: 'outdated'; readonly reason: StatusReason }
  | { readonly kind: 'needs_user'; readonly status: ConnectionStatus; readonly reason: StatusReason; readonly pendingUserAction: PendingUserAction | null }
  | { readonly kind: 'error'; readonly reason: StatusReason };

export function itemCondition(item: PluggyItem): ItemCondition {
  const code = item.error?.code ?? item.executionStatus ?? item.status;
  switch (item.status) {
    case 'UPDATED':
      return { kind: 'ready' };
    case 'UPDATING':
    case 'MERGING':
      return { kind: 'in_progress' };
    case 'LOGIN_ERROR':
      return { kind: 'needs_user', status: 'login_required', reason: { code, message: NEUTRAL_MESSAGES.login_required }, pendingUserAction: null };
    case 'WAITING_USER_INPUT':
      return {
        kind: 'needs_user',
        status: 'mfa_required',
        reason: { code: 'WAITING_USER_INPUT', message: item.parameter?.label ? `${NEUTRAL_MESSAGES.mfa_required}: ${item.parameter.label}` : NEUTRAL_MESSAGES.mfa_required },
        // What to ask the user, and until when Pluggy waits for the answer (the prompt expires).
        pendingUserAction: item.parameter
          ? {
              url: null,
              expiresAt: item.parameter.expiresAt ?? null,
              instructions: item.parameter.assistiveText ?? item.parameter.instructions ?? item.parameter.label ?? null,
            }
          : null,
      };
    case 'WAITING_USER_ACTION':
      return {
        kind: 'needs_user',
        status: 'user_action_required',
        reason: { code: 'WAITING_USER_ACTION', message: NEUTRAL_MESSAGES.user_action_required },
        pendingUserAction: {
          url: userActionUrl(item.userAction?.attributes),
          expiresAt: item.userAction?.expiresAt ?? null,
          instructions: item.userAction?.instructions ?? null,
        },
      };
    case 'OUTDATED':
      return { kind: 'outdated', reason: { code, message: NEUTRAL_MESSAGES.update_failed } };
    default:
      // ERROR, and any status Pluggy adds later.
      return { kind: 'error', reason: { code, message: NEUTRAL_MESSAGES.connection_error } };
  }
}

/** The authorization URL inside `userAction.attributes` (an Open Finance consent page). */
export function userActionUrl(attributes: Readonly<Record<string, unknown>> | null | undefined): string | null {
  if (!attributes) return null;
  for (const name of ['url', 'authorizationUrl', 'redirectUrl', 'link']) {
    const value = attributes[name];
    if (typeof value === 'string' && /^https?:\/\//i.test(value)) return value;
  }
  return null;
}

/** The connection status an item implies when a connection is created from it. */
export function connectionStatusOf(item: PluggyItem): { status: ConnectionStatus; reason: StatusReason | null; pendingUserAction: PendingUserAction | null } {
  const condition = itemCondition(item);
  switch (condition.kind) {
    case 'needs_user':
      return { status: condition.status, reason: condition.reason, pendingUserAction: condition.pendingUserAction };
    case 'error':
      return { status: 'error', reason: condition.reason, pendingUserAction: null };
    default:
      // Ready, still collecting or due for a retry: the first sync settles it.
      return { status: 'healthy', reason: null, pendingUserAction: null };
  }
}

/**
 * The consent that governs the item now: the newest one (an item collects a new consent each time the user
 * renews access). Null when the item has none (direct connectors have no Open Finance consent).
 */
export function currentConsent(consents: readonly PluggyConsent[]): Consent | null {
  if (consents.length === 0) return null;
  const newest = [...consents].sort((a, b) => (b.createdAt ?? '').localeCompare(a.createdAt ?? ''))[0]!;
  return {
    products: newest.products ?? [],
    createdAt: newest.createdAt ?? null,
    expiresAt: newest.expiresAt ?? null,
    revokedAt: newest.revokedAt ?? null,
  };
}

export function consentLapsed(consent: Consent, now: Date): boolean {
  if (consent.revokedAt) return true;
  return consent.expiresAt !== null && Date.parse(consent.expiresAt) <= now.getTime();
}
