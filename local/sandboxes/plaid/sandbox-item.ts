/**
 * The Sandbox's model of a Plaid Item and its accounts, and the Plaid-shaped views of them.
 */
import {
  AccountSubtype,
  AccountType,
  ItemAuthMethod,
  ItemUpdateTypeEnum,
  ItemWithConsentFieldsUpdateTypeEnum,
  Products,
  type AccountBase,
  type Item,
  type ItemWithConsentFields,
} from 'plaid';
import { isoSeconds } from '../common/sandbox-clock';
import { randomAlphanumeric } from '../common/identifiers';
import type { PlaidSandboxError } from './errors';
import type { AccountRole, HistoryAccount } from './history-generator';
import type { SandboxInstitution } from './institutions';
import type { HistoryProfile } from './test-users';
import type { TransactionLedger } from './transaction-ledger';

export interface AccountNumbers {
  readonly account: string;
  readonly routing: string;
  readonly wireRouting: string;
  /** Canadian EFT numbers. */
  readonly institutionNumber: string;
  readonly branch: string;
}

export interface SandboxAccount {
  readonly role: AccountRole;
  /** Balances are mutable (control endpoint `/sandbox/local/balance`); the rest is fixed at link time. */
  readonly base: AccountBase;
  readonly numbers: AccountNumbers;
  /**
   * The user revoked this one account at the institution (USER_ACCOUNT_REVOKED). Its tokenized numbers are
   * no longer valid, so /auth/get leaves it out (spec UserAccountRevokedWebhook). Whether Plaid keeps listing
   * the account and its transactions is not documented; the sandbox keeps both, the stricter case for a client.
   */
  revoked: boolean;
}

export interface SandboxItem {
  readonly itemId: string;
  readonly accessToken: string;
  readonly institution: SandboxInstitution;
  readonly profile: HistoryProfile;
  products: Products[];
  webhook: string | null;
  /** Set while the Item needs the user (reset_login): data endpoints answer with it. */
  error: PlaidSandboxError | null;
  readonly createdAtMs: number;
  /** Epoch day the Item was created on; its "today" is this plus {@link SandboxItem.dayOffset}. */
  readonly anchorDay: number;
  dayOffset: number;
  readonly daysRequested: number;
  readonly accounts: SandboxAccount[];
  /** Built on first use: generating a large history only when someone reads it keeps linking instant. */
  ledger: TransactionLedger | undefined;
  /** Plaid starts sending SYNC_UPDATES_AVAILABLE only after the Item's first /transactions/sync call. */
  syncStarted: boolean;
  historyReady: boolean;
  removed: boolean;
  lastWebhook: { sentAt: string; code: string } | null;
  lastSuccessfulUpdateMs: number;
}

interface AccountTemplate {
  readonly role: AccountRole;
  readonly name: string;
  readonly officialName: string;
  readonly type: AccountType;
  readonly subtype: AccountSubtype;
  readonly mask: string;
  readonly available: number | null;
  readonly current: number;
  readonly limit: number | null;
}

/**
 * Plaid's Sandbox accounts for user_good (names, masks and balances as the real Sandbox returns them), cut
 * down to checking, savings and a credit card. Names and masks are the same on every link, which is what
 * duplicate-Item detection keys on (https://plaid.com/docs/link/duplicate-items).
 */
const ACCOUNT_TEMPLATES: readonly AccountTemplate[] = [
  { role: 'checking', name: 'Plaid Checking', officialName: 'Plaid Gold Standard 0% Interest Checking', type: AccountType.Depository, subtype: AccountSubtype.Checking, mask: '0000', available: 100, current: 110, limit: null },
  { role: 'savings', name: 'Plaid Saving', officialName: 'Plaid Silver Standard 0.1% Interest Saving', type: AccountType.Depository, subtype: AccountSubtype.Savings, mask: '1111', available: 200, current: 210, limit: null },
  { role: 'credit', name: 'Plaid Credit Card', officialName: 'Plaid Diamond 12.5% APR Interest Credit Card', type: AccountType.Credit, subtype: AccountSubtype.CreditCard, mask: '3333', available: null, current: 410, limit: 2000 },
];

export function createAccounts(institution: SandboxInstitution, profile: HistoryProfile): SandboxAccount[] {
  const templates = profile.kind === 'standard' && profile.creditOnly ? ACCOUNT_TEMPLATES.filter((template) => template.role === 'credit') : ACCOUNT_TEMPLATES;
  return templates.map((template) => ({
    role: template.role,
    base: {
      account_id: randomAlphanumeric(37),
      balances: {
        available: template.available,
        current: template.current,
        limit: template.limit,
        iso_currency_code: institution.currency,
        unofficial_currency_code: null,
      },
      mask: template.mask,
      name: template.name,
      official_name: template.officialName,
      type: template.type,
      subtype: template.subtype,
    },
    // Plaid's Sandbox numbers follow this pattern too (1111222233330000 for the 0000 checking account).
    numbers: { account: `111122223333${template.mask}`, routing: '011401533', wireRouting: '021000021', institutionNumber: '021', branch: '01140' },
    revoked: false,
  }));
}

export function historyAccounts(item: SandboxItem): HistoryAccount[] {
  return item.accounts.map((account) => ({
    accountId: account.base.account_id,
    role: account.role,
    mask: account.base.mask ?? '0000',
    currency: item.institution.currency,
  }));
}

/** Copies so later balance changes never leak into a response already recorded. */
export function accountView(account: SandboxAccount): AccountBase {
  return { ...account.base, balances: { ...account.base.balances } };
}

function availableProducts(item: SandboxItem): Products[] {
  return item.institution.products.filter((product) => !item.products.includes(product));
}

export function itemView(item: SandboxItem): Item {
  return {
    item_id: item.itemId,
    institution_id: item.institution.institutionId,
    institution_name: item.institution.name,
    webhook: item.webhook,
    auth_method: item.products.includes(Products.Auth) ? ItemAuthMethod.InstantAuth : null,
    error: item.error ? item.error.toEmbeddedError() : null,
    available_products: availableProducts(item),
    billed_products: [...item.products],
    products: [...item.products],
    consented_products: [...item.products],
    consent_expiration_time: null,
    update_type: ItemUpdateTypeEnum.Background,
  };
}

export function itemWithConsentView(item: SandboxItem): ItemWithConsentFields {
  return {
    ...itemView(item),
    update_type: ItemWithConsentFieldsUpdateTypeEnum.Background,
    created_at: isoSeconds(item.createdAtMs),
  };
}
