/**
 * Deterministic transaction histories for Sandbox Items.
 *
 * Everything is derived from a PRNG seeded with the item and account ids, so the same Item always yields
 * the same transactions (ids included), and generation stays cheap: 30,000 rows take well under a second
 * because sub-objects (category, location, counterparties) are shared per merchant.
 *
 * Sign convention is Plaid's: positive amounts are money leaving the account, negative money coming in
 * (docs https://plaid.com/docs/api/products/transactions/#transactions-sync-response-added-amount).
 */
import type { PaymentMeta, Transaction } from 'plaid';
import { hashSeed, SeededRandom } from '../common/seeded-random';
import { dayOfMonth, dayOfWeek, isLastDayOfMonth, isoDate, monthKey } from './calendar';
import { EVERYDAY_SPENDING, merchant, merchantForDescription, type Merchant } from './merchants';
import type { HistoryProfile } from './test-users';

export type AccountRole = 'checking' | 'savings' | 'credit';

export interface HistoryAccount {
  readonly accountId: string;
  readonly role: AccountRole;
  readonly mask: string;
  readonly currency: string;
}

export interface HistoryRequest {
  readonly itemId: string;
  readonly accounts: readonly HistoryAccount[];
  /** First epoch day of history (today − days_requested + 1). */
  readonly firstDay: number;
  /** The Item's current epoch day. */
  readonly today: number;
  readonly profile: HistoryProfile;
}

const EMPTY_PAYMENT_META: PaymentMeta = Object.freeze({
  reference_number: null,
  ppd_id: null,
  payee: null,
  by_order_of: null,
  payer: null,
  payment_method: null,
  payment_processor: null,
  reason: null,
});

/** Merchants whose transactions are money coming in (negative amounts). */
const INFLOWS = new Set(['payroll', 'card-payment-in', 'savings-transfer-in', 'interest']);

const EVERYDAY_KEYS = EVERYDAY_SPENDING.map(([key]) => key);
const EVERYDAY_WEIGHTS = EVERYDAY_SPENDING.map(([, weight]) => weight);

interface TransactionParts {
  readonly id: string;
  readonly account: HistoryAccount;
  readonly merchant: Merchant;
  readonly name: string;
  /** Positive magnitude; the sign is applied from the merchant. */
  readonly magnitude: number;
  readonly day: number;
  readonly authorizedDay: number;
  readonly pending: boolean;
  readonly pendingTransactionId?: string | null;
  readonly currency?: string;
}

function buildTransaction(parts: TransactionParts): Transaction {
  const { merchant: source } = parts;
  const amount = INFLOWS.has(source.key) ? -parts.magnitude : parts.magnitude;
  return {
    transaction_id: parts.id,
    account_id: parts.account.accountId,
    amount,
    iso_currency_code: parts.currency ?? parts.account.currency,
    unofficial_currency_code: null,
    date: isoDate(parts.day),
    authorized_date: isoDate(parts.authorizedDay),
    datetime: null,
    authorized_datetime: null,
    pending: parts.pending,
    pending_transaction_id: parts.pendingTransactionId ?? null,
    name: parts.name,
    merchant_name: source.merchantName,
    merchant_entity_id: source.entityId,
    original_description: null,
    payment_channel: source.channel,
    personal_finance_category: source.personalFinanceCategory,
    personal_finance_category_icon_url: source.categoryIconUrl,
    counterparties: source.counterparties,
    website: source.website,
    logo_url: null,
    location: source.location,
    payment_meta: EMPTY_PAYMENT_META,
    transaction_code: null,
    account_owner: null,
    check_number: null,
  };
}

function descriptorFor(source: Merchant, random: SeededRandom, relatedMask: string): string {
  return random.pick(source.descriptors).replace('{mask}', relatedMask);
}

function maskOf(accounts: readonly HistoryAccount[], role: AccountRole): string {
  return accounts.find((account) => account.role === role)?.mask ?? '0000';
}

/**
 * Everyday purchase: pending while authorised today or yesterday, otherwise posted 0–2 days after
 * authorisation (never later than today).
 */
function everydayPurchase(account: HistoryAccount, random: SeededRandom, day: number, today: number): Transaction {
  const source = merchant(random.weighted(EVERYDAY_KEYS, EVERYDAY_WEIGHTS));
  const pending = day >= today - 1;
  const postedDay = pending ? day : Math.min(day + random.integer(0, 2), today);
  return buildTransaction({
    id: random.identifier(37),
    account,
    merchant: source,
    name: descriptorFor(source, random, account.mask),
    magnitude: random.amount(source.amount[0], source.amount[1]),
    day: postedDay,
    authorizedDay: day,
    pending,
  });
}

/** A posted transaction on `day` whose amount is shared by both legs of a transfer (seeded by month). */
function recurring(
  account: HistoryAccount,
  random: SeededRandom,
  key: string,
  day: number,
  relatedMask: string,
  sharedAmountSeed?: string,
): Transaction {
  const source = merchant(key);
  const amountRandom = sharedAmountSeed === undefined ? random : new SeededRandom(hashSeed(sharedAmountSeed));
  return buildTransaction({
    id: random.identifier(37),
    account,
    merchant: source,
    name: descriptorFor(source, random, relatedMask),
    magnitude: amountRandom.amount(source.amount[0], source.amount[1]),
    day,
    authorizedDay: day,
    pending: false,
  });
}

function standardAccountHistory(request: HistoryRequest, account: HistoryAccount): Transaction[] {
  const random = new SeededRandom(hashSeed(request.itemId, account.accountId));
  const out: Transaction[] = [];
  const creditMask = maskOf(request.accounts, 'credit');
  const savingsMask = maskOf(request.accounts, 'savings');
  const checkingMask = maskOf(request.accounts, 'checking');
  for (let day = request.firstDay; day <= request.today; day += 1) {
    const dom = dayOfMonth(day);
    const month = monthKey(day);
    if (account.role === 'checking') {
      // Paid every other Friday.
      if (dayOfWeek(day) === 5 && Math.floor(day / 7) % 2 === 0) out.push(recurring(account, random, 'payroll', day, account.mask));
      if (dom === 1) out.push(recurring(account, random, 'rent', day, account.mask));
      if (dom === 2) out.push(recurring(account, random, 'savings-transfer-out', day, savingsMask, `${request.itemId}:savings:${month}`));
      if (dom === 8) out.push(recurring(account, random, 'pge', day, account.mask));
      if (dom === 14) out.push(recurring(account, random, 'comcast', day, account.mask));
      if (dom === 22) out.push(recurring(account, random, 'geico', day, account.mask));
      if (dom === 25) out.push(recurring(account, random, 'card-payment-out', day, creditMask, `${request.itemId}:card:${month}`));
      if (random.chance(0.07)) out.push(recurring(account, random, 'atm', day, account.mask));
      if (random.chance(0.06)) out.push(recurring(account, random, 'venmo-out', day, account.mask));
      if (random.chance(0.55)) out.push(everydayPurchase(account, random, day, request.today));
      if (random.chance(0.15)) out.push(everydayPurchase(account, random, day, request.today));
    } else if (account.role === 'credit') {
      if (dom === 3) out.push(recurring(account, random, 'climbing-gym', day, account.mask));
      if (dom === 12) out.push(recurring(account, random, 'netflix', day, account.mask));
      if (dom === 18) out.push(recurring(account, random, 'spotify', day, account.mask));
      if (dom === 20) out.push(recurring(account, random, 'verizon', day, account.mask));
      if (dom === 25) out.push(recurring(account, random, 'card-payment-in', day, checkingMask, `${request.itemId}:card:${month}`));
      out.push(everydayPurchase(account, random, day, request.today));
      if (random.chance(0.6)) out.push(everydayPurchase(account, random, day, request.today));
      if (random.chance(0.25)) out.push(everydayPurchase(account, random, day, request.today));
    } else {
      if (dom === 2) out.push(recurring(account, random, 'savings-transfer-in', day, checkingMask, `${request.itemId}:savings:${month}`));
      if (isLastDayOfMonth(day)) out.push(recurring(account, random, 'interest', day, account.mask));
    }
  }
  return out;
}

const LARGE_POOLS: Record<AccountRole, { keys: string[]; weights: number[] }> = {
  checking: {
    keys: [...EVERYDAY_KEYS, 'atm', 'venmo-out', 'payroll', 'pge', 'comcast', 'geico'],
    weights: [...EVERYDAY_WEIGHTS, 3, 3, 4, 1, 1, 1],
  },
  credit: { keys: [...EVERYDAY_KEYS, 'netflix', 'spotify', 'verizon'], weights: [...EVERYDAY_WEIGHTS, 1, 1, 1] },
  savings: { keys: ['savings-transfer-in', 'interest'], weights: [1, 1] },
};

const EVERYDAY_SET = new Set(EVERYDAY_KEYS);

/**
 * Exactly `count` transactions spread evenly over the window, for benchmarks: no calendar schedule, just a
 * steady mix per account role.
 */
function largeHistory(request: HistoryRequest, count: number): Transaction[] {
  const random = new SeededRandom(hashSeed(request.itemId, 'large-history'));
  const span = request.today - request.firstDay + 1;
  const roles = request.accounts.map((account) => account.role);
  const roleWeights = roles.map((role) => (role === 'credit' ? 55 : role === 'checking' ? 40 : 5));
  const out: Transaction[] = new Array<Transaction>(count);
  for (let index = 0; index < count; index += 1) {
    const day = request.firstDay + Math.floor((index * span) / count);
    const account = random.weighted(request.accounts, roleWeights);
    const pool = LARGE_POOLS[account.role];
    const source = merchant(random.weighted(pool.keys, pool.weights));
    const pending = EVERYDAY_SET.has(source.key) && day >= request.today - 1;
    out[index] = buildTransaction({
      id: random.identifier(37),
      account,
      merchant: source,
      name: descriptorFor(source, random, account.mask),
      magnitude: random.amount(source.amount[0], source.amount[1]),
      day,
      authorizedDay: day,
      pending,
    });
  }
  return out;
}

/**
 * The Item's full history up to `today`, oldest first (the order Plaid's first sync returns it in).
 *
 * @example
 * const history = generateHistory({ itemId, accounts, firstDay: today - 729, today, profile });
 */
export function generateHistory(request: HistoryRequest): Transaction[] {
  if (request.profile.kind === 'large') return largeHistory(request, request.profile.transactionCount);
  const all = request.accounts.flatMap((account) => standardAccountHistory(request, account));
  // Stable sort keeps same-day rows in generation order; ISO dates compare as strings.
  return all.sort((left, right) => (left.date < right.date ? -1 : left.date > right.date ? 1 : 0));
}

/** New pending card and debit purchases authorised on `day` (used when the Item's clock advances). */
export function generateDayActivity(itemId: string, accounts: readonly HistoryAccount[], day: number): Transaction[] {
  const random = new SeededRandom(hashSeed(itemId, 'activity', String(day)));
  const out: Transaction[] = [];
  for (const account of accounts) {
    if (account.role === 'checking' && random.chance(0.6)) out.push(everydayPurchase(account, random, day, day));
    if (account.role === 'credit') {
      out.push(everydayPurchase(account, random, day, day));
      if (random.chance(0.5)) out.push(everydayPurchase(account, random, day, day));
    }
  }
  return out;
}

/**
 * The posted version of a pending transaction: a NEW transaction id whose `pending_transaction_id` points
 * at the pending one, as Plaid reports it (removed pending + added posted; docs
 * https://plaid.com/docs/transactions/transactions-data/#pending-and-posted-transactions). Restaurant bills
 * post with the tip added.
 */
export function postPendingTransaction(pendingTransaction: Transaction, postedDay: number): Transaction {
  const random = new SeededRandom(hashSeed(pendingTransaction.transaction_id, 'posted'));
  const tipped =
    pendingTransaction.personal_finance_category?.detailed === 'FOOD_AND_DRINK_RESTAURANT' && pendingTransaction.payment_channel === 'in store';
  const amount = tipped ? Math.round(pendingTransaction.amount * (1 + random.amount(0.15, 0.22)) * 100) / 100 : pendingTransaction.amount;
  return {
    ...pendingTransaction,
    transaction_id: random.identifier(37),
    amount,
    date: isoDate(postedDay),
    authorized_date: pendingTransaction.date,
    pending: false,
    pending_transaction_id: pendingTransaction.transaction_id,
  };
}

export interface CustomTransactionInput {
  readonly transactedDay: number;
  readonly postedDay: number;
  readonly amount: number;
  readonly description: string;
  readonly currency?: string;
}

/** A transaction from /sandbox/transactions/create, enriched to a merchant when the description names one. */
export function customTransaction(id: string, account: HistoryAccount, input: CustomTransactionInput): Transaction {
  const source = merchantForDescription(input.description);
  const base = buildTransaction({
    id,
    account,
    merchant: source,
    name: input.description,
    magnitude: Math.abs(input.amount),
    day: input.postedDay,
    authorizedDay: input.transactedDay,
    pending: false,
    currency: input.currency,
  });
  // The caller's sign wins: the description decides the merchant, not the direction of money.
  return { ...base, amount: input.amount };
}

/** A re-enriched copy (longer descriptor, higher confidence), used to exercise `modified` in sync. */
export function reenrichTransaction(transaction: Transaction): Transaction {
  const category = transaction.personal_finance_category;
  return {
    ...transaction,
    name: transaction.merchant_name ?? transaction.name,
    personal_finance_category: category ? { ...category, confidence_level: 'VERY_HIGH' } : category,
  };
}
