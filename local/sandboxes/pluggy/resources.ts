/**
 * The sandbox's accounts, transactions and consents, and how each looks on the wire.
 *
 * Field sets and nullability follow Pluggy's SDK types (pluggy-node src/types/{account,transaction,consent}.ts):
 * absent values are `null`, not missing, where the SDK types them `| null`.
 */
import type { ProductType } from './connectors';

export type AccountType = 'BANK' | 'CREDIT';
export type AccountSubtype = 'CHECKING_ACCOUNT' | 'SAVINGS_ACCOUNT' | 'CREDIT_CARD';
export type TransactionType = 'DEBIT' | 'CREDIT';
export type TransactionStatus = 'POSTED' | 'PENDING';

export interface PaymentParticipant {
  readonly name: string;
  readonly documentNumber: { readonly type: 'CPF' | 'CNPJ'; readonly value: string };
  readonly accountNumber: string | null;
  readonly branchNumber: string | null;
  readonly routingNumber: string | null;
  readonly routingNumberISPB: string | null;
}

export interface PaymentData {
  readonly payer: PaymentParticipant | null;
  readonly receiver: PaymentParticipant | null;
  readonly paymentMethod: 'PIX' | 'TED' | 'BOLETO' | null;
  readonly referenceNumber: string | null;
  readonly reason: string | null;
  readonly receiverReferenceId: string | null;
  readonly boletoMetadata: {
    readonly digitableLine: string;
    readonly barcode: string;
    readonly baseAmount: number;
    readonly interestAmount: number;
    readonly penaltyAmount: number;
    readonly discountAmount: number;
  } | null;
}

export interface CreditCardMetadata {
  readonly installmentNumber: number;
  readonly totalInstallments: number;
  readonly totalAmount: number;
  readonly purchaseDate: string;
  readonly payeeMCC: string;
  readonly cardNumber: string;
  readonly billId: string | null;
}

export interface Merchant {
  readonly name: string;
  readonly businessName: string;
  readonly cnpj: string;
  readonly cnae: string;
  readonly category: string;
}

export interface SandboxTransaction {
  readonly id: string;
  readonly accountId: string;
  /** Ordering key inside the account: by date, then by this (increasing as transactions are generated). */
  readonly sequence: number;
  readonly date: string;
  readonly description: string;
  readonly descriptionRaw: string | null;
  readonly type: TransactionType;
  /**
   * Signed like Pluggy's: on BANK accounts money out is negative (DEBIT) and money in positive (CREDIT); on
   * credit cards a purchase is positive (DEBIT, it raises the bill) and a payment or refund negative (CREDIT).
   * Actual Budget's Pluggy importer relies on exactly this (it negates CREDIT-account amounts only).
   */
  amount: number;
  balance: number;
  category: string | null;
  categoryId: string | null;
  status: TransactionStatus;
  readonly providerCode: string | null;
  readonly providerId: string | null;
  readonly operationType: string | null;
  readonly paymentData: PaymentData | null;
  readonly creditCardMetadata: CreditCardMetadata | null;
  readonly merchant: Merchant | null;
  readonly createdAt: string;
  updatedAt: string;
}

export interface BankData {
  readonly transferNumber: string;
  closingBalance: number;
  readonly automaticallyInvestedBalance: number;
  readonly overdraftContractedLimit: number;
  readonly overdraftUsedLimit: number;
  readonly unarrangedOverdraftAmount: number;
}

export interface CreditData {
  readonly level: string;
  readonly brand: string;
  balanceCloseDate: string;
  balanceDueDate: string;
  availableCreditLimit: number;
  readonly balanceForeignCurrency: number;
  minimumPayment: number;
  readonly creditLimit: number;
  readonly isLimitFlexible: boolean;
  readonly status: 'ACTIVE' | 'BLOCKED' | 'CANCELLED';
  readonly holderType: 'MAIN' | 'ADDITIONAL';
}

export interface SandboxAccount {
  readonly id: string;
  readonly itemId: string;
  readonly type: AccountType;
  readonly subtype: AccountSubtype;
  readonly name: string;
  readonly marketingName: string | null;
  readonly number: string;
  readonly owner: string;
  readonly taxNumber: string;
  balance: number;
  readonly bankData: BankData | null;
  readonly creditData: CreditData | null;
  /** Ordered by (date, sequence). */
  transactions: SandboxTransaction[];
  nextSequence: number;
  readonly createdAt: string;
  updatedAt: string;
}

export interface SandboxConsent {
  readonly id: string;
  readonly itemId: string;
  readonly products: readonly ProductType[];
  readonly openFinancePermissionsGranted: readonly string[];
  readonly createdAt: string;
  expiresAt: string | null;
  revokedAt: string | null;
}

export function accountView(account: SandboxAccount): Record<string, unknown> {
  return {
    id: account.id,
    itemId: account.itemId,
    type: account.type,
    subtype: account.subtype,
    number: account.number,
    name: account.name,
    marketingName: account.marketingName,
    balance: account.balance,
    currencyCode: 'BRL',
    owner: account.owner,
    taxNumber: account.taxNumber,
    bankData: account.bankData === null ? null : { ...account.bankData },
    creditData: account.creditData === null ? null : { ...account.creditData, disaggregatedCreditLimits: [] },
    createdAt: account.createdAt,
    updatedAt: account.updatedAt,
  };
}

export function transactionView(transaction: SandboxTransaction): Record<string, unknown> {
  return {
    id: transaction.id,
    description: transaction.description,
    descriptionRaw: transaction.descriptionRaw,
    currencyCode: 'BRL',
    amount: transaction.amount,
    amountInAccountCurrency: null,
    date: transaction.date,
    category: transaction.category,
    categoryId: transaction.categoryId,
    balance: transaction.balance,
    accountId: transaction.accountId,
    providerCode: transaction.providerCode,
    status: transaction.status,
    type: transaction.type,
    operationType: transaction.operationType,
    paymentData: transaction.paymentData,
    creditCardMetadata: transaction.creditCardMetadata,
    merchant: transaction.merchant,
    providerId: transaction.providerId,
    createdAt: transaction.createdAt,
    updatedAt: transaction.updatedAt,
  };
}

export function consentView(consent: SandboxConsent): Record<string, unknown> {
  return {
    id: consent.id,
    itemId: consent.itemId,
    products: [...consent.products],
    openFinancePermissionsGranted: [...consent.openFinancePermissionsGranted],
    createdAt: consent.createdAt,
    expiresAt: consent.expiresAt,
    revokedAt: consent.revokedAt,
  };
}

/** Whether a consent still lets data through at `nowMs`. */
export function consentIsActive(consent: SandboxConsent, nowMs: number): boolean {
  if (consent.revokedAt !== null) return false;
  return consent.expiresAt === null || Date.parse(consent.expiresAt) > nowMs;
}

export function compareTransactions(left: SandboxTransaction, right: SandboxTransaction): number {
  if (left.date !== right.date) return left.date < right.date ? -1 : 1;
  return left.sequence - right.sequence;
}
