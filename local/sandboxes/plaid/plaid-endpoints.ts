/**
 * Handlers for the Plaid API paths the sandbox serves. Each takes the parsed body and returns the response
 * typed with the `plaid` package's own response type, so a drift between the sandbox and the SDK's contract
 * fails `tsc`. Failures are thrown as {@link PlaidSandboxError} and turned into Plaid's error body by the server.
 */
import {
  CountryCode,
  PendingDisconnectWebhookReason,
  Products,
  TransactionsUpdateStatus,
  WebhookType,
  type AccountsGetResponse,
  type AuthGetResponse,
  type ItemGetResponse,
  type ItemLoginRepairedWebhook,
  type ItemPublicTokenExchangeResponse,
  type ItemRemoveResponse,
  type ItemWebhookUpdateResponse,
  type LinkTokenCreateResponse,
  type NewAccountsAvailableWebhook,
  type NumbersACH,
  type NumbersEFT,
  type PendingDisconnectWebhook,
  type PendingExpirationWebhook,
  type RecurringTransactionsUpdateWebhook,
  type SandboxItemFireWebhookResponse,
  type SandboxItemResetLoginResponse,
  type SandboxPublicTokenCreateResponse,
  type SandboxTransactionsCreateResponse,
  type Transaction,
  type TransactionsSyncResponse,
  type DefaultUpdateWebhook,
  type AuthDefaultUpdateWebhook,
  type UserAccountRevokedWebhook,
  type UserPermissionRevokedWebhook,
  type WebhookUpdateAcknowledgedWebhook,
  type WebhookVerificationKeyGetResponse,
} from 'plaid';
import { isoSeconds, type SandboxClock } from '../common/sandbox-clock';
import { parseIsoDate } from './calendar';
import { invalidField, missingFields, PlaidSandboxError } from './errors';
import type { CustomTransactionInput } from './history-generator';
import { findInstitution } from './institutions';
import {
  optionalBoolean,
  optionalInteger,
  optionalObject,
  optionalString,
  optionalStringArray,
  optionalWebhookUrl,
  requiredString,
  requireFields,
  type RequestBody,
} from './request-fields';
import { accountView, itemView, itemWithConsentView, type SandboxItem } from './sandbox-item';
import type { PlaidSandboxState } from './sandbox-state';
import { decodeCursor, encodeCursor, type SyncCursor } from './sync-cursor';
import type { WebhookSigner } from './webhook-signer';
import { itemErrorBody, SANDBOX_ENVIRONMENT, syncUpdatesAvailableBody, type PlaidWebhookSender } from './webhooks';

export interface EndpointContext {
  readonly state: PlaidSandboxState;
  readonly signer: WebhookSigner;
  readonly webhooks: PlaidWebhookSender;
  readonly clock: SandboxClock;
}

export interface PlaidCall {
  readonly body: RequestBody;
  readonly requestId: string;
}

export type EndpointHandler = (context: EndpointContext, call: PlaidCall) => object;

/** Link languages Plaid accepts (https://plaid.com/docs/api/link/#linktokencreate `language`). */
const LINK_LANGUAGES = new Set(['da', 'de', 'en', 'es', 'et', 'fr', 'hi', 'it', 'ja', 'lt', 'lv', 'nl', 'no', 'pl', 'pt', 'ro', 'sv', 'vi', 'zh']);
const COUNTRY_CODES = new Set<string>(Object.values(CountryCode));
const PRODUCT_NAMES = new Set<string>(Object.values(Products));
const REMOVE_REASONS = new Set(['FRAUD_FIRST_PARTY', 'FRAUD_FALSE_IDENTITY', 'FRAUD_ABUSE', 'FRAUD_OTHER', 'CONNECTION_IS_NON_FUNCTIONAL', 'OTHER']);
const DEFAULT_SANDBOX_HISTORY_DAYS = 730;
/** /sandbox/transactions/create accepts dates within the last 14 days only (spec example `invalid_dates`). */
const CUSTOM_TRANSACTION_WINDOW_DAYS = 14;
const MAX_CUSTOM_TRANSACTIONS = 10;

function productList(body: RequestBody, field: string): Products[] {
  const names = optionalStringArray(body, field) ?? [];
  for (const name of names) {
    // `balance` is billed per call, never initialised in Link (https://plaid.com/docs/api/link/#link-token-create-request-products).
    if (!PRODUCT_NAMES.has(name) || name === Products.Balance) throw invalidField(`${field} contains an invalid product: ${name}`);
  }
  return names as Products[];
}

function accessTokenOf(body: RequestBody): string {
  return requiredString(body, 'access_token');
}

function accountIdsOption(body: RequestBody): string[] | undefined {
  const options = optionalObject(body, 'options');
  return options ? optionalStringArray(options, 'account_ids') : undefined;
}

// ---- Link and tokens ---------------------------------------------------------------------------------------

function linkTokenCreate(context: EndpointContext, { body, requestId }: PlaidCall): LinkTokenCreateResponse {
  requireFields(body, 'client_name', 'language', 'country_codes');
  const clientName = requiredString(body, 'client_name');
  if (clientName.trim() === '') throw invalidField('client_name must be a non-empty string');
  const language = requiredString(body, 'language');
  if (!LINK_LANGUAGES.has(language)) throw invalidField(`language must be one of: ${[...LINK_LANGUAGES].join(', ')}`);
  const countryCodes = optionalStringArray(body, 'country_codes') ?? [];
  if (countryCodes.length === 0) throw invalidField('country_codes must contain at least one country code');
  const unknownCountry = countryCodes.find((code) => !COUNTRY_CODES.has(code));
  if (unknownCountry !== undefined) throw invalidField(`country_codes contains an invalid country code: ${unknownCountry}`);

  // `user` is required unless the newer `user_id` / `user_token` identifies the end user.
  const user = optionalObject(body, 'user');
  if (!user && optionalString(body, 'user_id') === undefined && optionalString(body, 'user_token') === undefined) throw missingFields('user');
  if (user) {
    const clientUserId = optionalString(user, 'client_user_id');
    if (clientUserId === undefined || clientUserId === '') throw missingFields('user.client_user_id');
  }

  const accessToken = optionalString(body, 'access_token');
  const products = productList(body, 'products');
  const ifSupported = [...productList(body, 'required_if_supported_products'), ...productList(body, 'optional_products')];
  const otherProducts = [...ifSupported, ...productList(body, 'additional_consented_products')];
  if (accessToken !== undefined) {
    // Update mode: the Item must exist; its health does not matter (repairing it is the point).
    context.state.itemForAccessToken(accessToken);
  } else if (products.length === 0) {
    // "The `products` array must have at least one product" (spec LinkTokenCreateRequest.required_if_supported_products).
    throw missingFields('products');
  }
  // "There should be no overlap between this array and the `products`, `optional_products`, or
  // `additional_consented_products` arrays" (same place).
  const overlap = otherProducts.find((product, index) => products.includes(product) || otherProducts.indexOf(product) !== index);
  if (overlap !== undefined) {
    throw invalidField(`${overlap} is listed more than once across products, required_if_supported_products, optional_products and additional_consented_products`);
  }
  const webhook = optionalWebhookUrl(body, 'webhook');
  const transactions = optionalObject(body, 'transactions');
  const daysRequested = transactions ? optionalInteger(transactions, 'days_requested', 1, 730) : undefined;

  const record = context.state.createLinkToken({ accessToken, products, productsIfSupported: ifSupported, webhook, daysRequested });
  return { link_token: record.token, expiration: isoSeconds(record.expiresAtMs), request_id: requestId };
}

function sandboxPublicTokenCreate(context: EndpointContext, { body, requestId }: PlaidCall): SandboxPublicTokenCreateResponse {
  requireFields(body, 'institution_id', 'initial_products');
  const institution = findInstitution(requiredString(body, 'institution_id'));
  if (!institution) throw new PlaidSandboxError('INVALID_INSTITUTION');
  const products = productList(body, 'initial_products');
  if (products.length === 0) throw invalidField('initial_products must contain at least one product');

  const options = optionalObject(body, 'options') ?? {};
  const webhook = optionalWebhookUrl(options, 'webhook') ?? null;
  const username = optionalString(options, 'override_username') ?? 'user_good';
  const password = optionalString(options, 'override_password') ?? 'pass_good';
  const transactionOptions = optionalObject(options, 'transactions') ?? {};
  const daysRequested = optionalInteger(transactionOptions, 'days_requested', 1, 730) ?? daysFromStartDate(context, transactionOptions) ?? DEFAULT_SANDBOX_HISTORY_DAYS;

  const item = context.state.createItem({ institution, products, username, password, webhook, daysRequested });
  return { public_token: context.state.issuePublicToken(item), request_id: requestId };
}

function daysFromStartDate(context: EndpointContext, transactionOptions: RequestBody): number | undefined {
  const startText = optionalString(transactionOptions, 'start_date');
  if (startText === undefined) return undefined;
  const start = parseIsoDate(startText);
  if (start === undefined) throw invalidField('options.transactions.start_date must be a date in YYYY-MM-DD format');
  const today = Math.floor(context.clock.now() / 86_400_000);
  return Math.min(730, Math.max(1, today - start + 1));
}

function itemPublicTokenExchange(context: EndpointContext, { body, requestId }: PlaidCall): ItemPublicTokenExchangeResponse {
  const item = context.state.exchangePublicToken(requiredString(body, 'public_token'));
  return { access_token: item.accessToken, item_id: item.itemId, request_id: requestId };
}

// ---- Accounts, balances, auth ------------------------------------------------------------------------------

function accountsGet(context: EndpointContext, { body, requestId }: PlaidCall): AccountsGetResponse {
  const item = context.state.healthyItemForAccessToken(accessTokenOf(body));
  const accounts = context.state.accounts(item, accountIdsOption(body)).map(accountView);
  return { accounts, item: itemView(item), request_id: requestId };
}

function accountsBalanceGet(context: EndpointContext, { body, requestId }: PlaidCall): AccountsGetResponse {
  const item = context.state.healthyItemForAccessToken(accessTokenOf(body));
  const options = optionalObject(body, 'options');
  if (options) optionalString(options, 'min_last_updated_datetime');
  const accounts = context.state.accounts(item, accountIdsOption(body)).map(accountView);
  return { accounts, item: itemView(item), request_id: requestId };
}

function authGet(context: EndpointContext, { body, requestId }: PlaidCall): AuthGetResponse {
  const item = context.state.healthyItemForAccessToken(accessTokenOf(body));
  context.state.ensureProduct(item, Products.Auth);
  const accounts = context.state.accounts(item, accountIdsOption(body));
  // Only depository accounts carry account and routing numbers, and a revoked account's are no longer valid.
  const depository = accounts.filter((account) => account.role !== 'credit' && !account.revoked);
  const ach: NumbersACH[] =
    item.institution.numbersKind === 'ach'
      ? depository.map((account) => ({
          account_id: account.base.account_id,
          account: account.numbers.account,
          routing: account.numbers.routing,
          wire_routing: account.numbers.wireRouting,
          is_tokenized_account_number: false,
          can_transfer_in: true,
          can_transfer_out: true,
        }))
      : [];
  const eft: NumbersEFT[] =
    item.institution.numbersKind === 'eft'
      ? depository.map((account) => ({
          account_id: account.base.account_id,
          account: account.numbers.account,
          institution: account.numbers.institutionNumber,
          branch: account.numbers.branch,
        }))
      : [];
  return {
    accounts: accounts.map(accountView),
    numbers: { ach, eft, international: [], bacs: [] },
    item: itemView(item),
    request_id: requestId,
  };
}

// ---- Transactions ------------------------------------------------------------------------------------------

function transactionsSync(context: EndpointContext, { body, requestId }: PlaidCall): TransactionsSyncResponse {
  const item = context.state.healthyItemForAccessToken(accessTokenOf(body));
  context.state.ensureProduct(item, Products.Transactions);
  const cursorText = optionalString(body, 'cursor') ?? '';
  if (cursorText.length > 256) throw invalidField('cursor must be at most 256 characters');
  const count = optionalInteger(body, 'count', 1, 500) ?? 100;
  const options = optionalObject(body, 'options') ?? {};
  const includeOriginalDescription = optionalBoolean(options, 'include_original_description') ?? false;
  optionalInteger(options, 'days_requested', 1, 730);
  const categoryVersion = optionalString(options, 'personal_finance_category_version');
  if (categoryVersion !== undefined && categoryVersion !== 'v1' && categoryVersion !== 'v2') {
    throw invalidField('options.personal_finance_category_version must be one of: v1, v2');
  }
  const accountId = optionalString(options, 'account_id');
  if (accountId !== undefined) context.state.accounts(item, [accountId]);

  context.state.markSyncStarted(item);
  if (!item.historyReady) {
    // Before the initial pull finishes Plaid answers with nothing and an empty cursor (https://plaid.com/docs/transactions/ "sync").
    return {
      added: [],
      modified: [],
      removed: [],
      next_cursor: '',
      has_more: false,
      transactions_update_status: TransactionsUpdateStatus.NotReady,
      accounts: [],
      request_id: requestId,
    };
  }

  const ledger = context.state.ledger(item);
  let cursor: SyncCursor;
  if (cursorText === '') {
    cursor = { base: 0, position: 0, revision: 0, accountId };
  } else if (cursorText === 'now') {
    // "now" skips history: only changes from this point on (migration from /transactions/get).
    cursor = { base: ledger.revision, position: ledger.revision, revision: 0, accountId };
  } else {
    const decoded = decodeCursor(item.itemId, cursorText);
    if (!decoded) throw invalidField('cursor is not valid for this item');
    if (decoded.accountId !== accountId) throw invalidField('cursor was issued for a different options.account_id');
    if (decoded.revision !== 0 && decoded.revision !== ledger.revision) {
      throw new PlaidSandboxError('TRANSACTIONS_SYNC_MUTATION_DURING_PAGINATION');
    }
    cursor = decoded;
  }

  const page = ledger.changesSince({ base: cursor.base, position: cursor.position, count, accountId });
  const next: SyncCursor = page.hasMore
    ? { base: cursor.base, position: page.nextPosition, revision: ledger.revision, accountId }
    : { base: page.nextPosition, position: page.nextPosition, revision: 0, accountId };
  const withDescription = (transaction: Transaction): Transaction =>
    includeOriginalDescription ? { ...transaction, original_description: transaction.name } : transaction;
  const accounts = item.accounts.filter((account) => accountId === undefined || account.base.account_id === accountId);

  return {
    added: page.added.map(withDescription),
    modified: page.modified.map(withDescription),
    removed: page.removed,
    next_cursor: encodeCursor(item.itemId, next),
    has_more: page.hasMore,
    transactions_update_status: TransactionsUpdateStatus.HistoricalUpdateComplete,
    accounts: accounts.map(accountView),
    request_id: requestId,
  };
}

function sandboxTransactionsCreate(context: EndpointContext, { body, requestId }: PlaidCall): SandboxTransactionsCreateResponse {
  const item = context.state.itemForAccessToken(accessTokenOf(body));
  requireFields(body, 'transactions');
  const raw = body.transactions;
  if (!Array.isArray(raw)) throw invalidField('transactions must be an array');
  if (raw.length === 0) throw invalidField('transactions must contain at least one transaction');
  if (raw.length > MAX_CUSTOM_TRANSACTIONS) {
    throw new PlaidSandboxError('INVALID_FIELD', { detail: 'The request contains too many transactions.', displayMessage: 'The request contains too many transactions.' });
  }
  if (!item.profile.acceptsCustomTransactions) {
    throw invalidField('/sandbox/transactions/create can only be used with Items created with the user_transactions_dynamic test user');
  }
  context.state.ensureProduct(item, Products.Transactions);
  const today = context.state.today(item);
  const inputs: CustomTransactionInput[] = raw.map((entry, index) => {
    if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) throw invalidField(`transactions[${index}] must be an object`);
    const fields = entry as RequestBody;
    const missing = ['date_transacted', 'date_posted', 'amount', 'description'].filter((field) => fields[field] === undefined || fields[field] === null);
    if (missing.length > 0) throw missingFields(...missing.map((field) => `transactions[${index}].${field}`));
    const transactedDay = parseIsoDate(requiredString(fields, 'date_transacted'));
    const postedDay = parseIsoDate(requiredString(fields, 'date_posted'));
    if (transactedDay === undefined || postedDay === undefined) throw invalidField(`transactions[${index}] dates must be in YYYY-MM-DD format`);
    const oldest = today - CUSTOM_TRANSACTION_WINDOW_DAYS;
    if (transactedDay < oldest || postedDay < oldest || transactedDay > today || postedDay > today || postedDay < transactedDay) {
      const message = 'Transaction and posted dates must be within the last 14 days. The posted date cannot be before the transaction date.';
      throw new PlaidSandboxError('INVALID_FIELD', { detail: message, displayMessage: message });
    }
    if (typeof fields.amount !== 'number' || !Number.isFinite(fields.amount)) throw invalidField(`transactions[${index}].amount must be a number`);
    const description = requiredString(fields, 'description');
    const currency = optionalString(fields, 'iso_currency_code');
    return { transactedDay, postedDay, amount: Math.round(fields.amount * 100) / 100, description, currency };
  });
  context.state.addCustomTransactions(item, inputs);
  return { request_id: requestId };
}

// ---- Items -------------------------------------------------------------------------------------------------

function itemGet(context: EndpointContext, { body, requestId }: PlaidCall): ItemGetResponse {
  const item = context.state.itemForAccessToken(accessTokenOf(body));
  return {
    item: itemWithConsentView(item),
    status: {
      transactions: item.products.includes(Products.Transactions)
        ? { last_successful_update: isoSeconds(item.lastSuccessfulUpdateMs), last_failed_update: null }
        : null,
      last_webhook: item.lastWebhook ? { sent_at: item.lastWebhook.sentAt, code_sent: item.lastWebhook.code } : null,
    },
    request_id: requestId,
  };
}

function itemRemove(context: EndpointContext, { body, requestId }: PlaidCall): ItemRemoveResponse {
  const item = context.state.itemForAccessToken(accessTokenOf(body));
  const reason = optionalString(body, 'reason_code');
  if (reason !== undefined && !REMOVE_REASONS.has(reason)) throw invalidField(`reason_code must be one of: ${[...REMOVE_REASONS].join(', ')}`);
  optionalString(body, 'reason_note');
  context.state.removeItem(item);
  return { request_id: requestId };
}

function itemWebhookUpdate(context: EndpointContext, { body, requestId }: PlaidCall): ItemWebhookUpdateResponse {
  const item = context.state.itemForAccessToken(accessTokenOf(body));
  if (!('webhook' in body)) throw missingFields('webhook');
  const webhook = body.webhook === null ? null : (optionalWebhookUrl(body, 'webhook') ?? null);
  item.webhook = webhook;
  if (webhook !== null) {
    // Sent to the NEW address (https://plaid.com/docs/api/items/#webhook_update_acknowledged).
    const acknowledgement: WebhookUpdateAcknowledgedWebhook = {
      webhook_type: 'ITEM',
      webhook_code: 'WEBHOOK_UPDATE_ACKNOWLEDGED',
      item_id: item.itemId,
      new_webhook_url: webhook,
      error: null,
      environment: SANDBOX_ENVIRONMENT,
    };
    context.webhooks.send(item, acknowledgement);
  }
  return { item: itemView(item), request_id: requestId };
}

function webhookVerificationKeyGet(context: EndpointContext, { body, requestId }: PlaidCall): WebhookVerificationKeyGetResponse {
  const key = context.signer.publicKey(requiredString(body, 'key_id'));
  if (!key) throw new PlaidSandboxError('INVALID_WEBHOOK_VERIFICATION_KEY_ID');
  return { key, request_id: requestId };
}

// ---- Sandbox helpers ---------------------------------------------------------------------------------------

function sandboxItemResetLogin(context: EndpointContext, { body, requestId }: PlaidCall): SandboxItemResetLoginResponse {
  const item = context.state.itemForAccessToken(accessTokenOf(body));
  const error = new PlaidSandboxError('ITEM_LOGIN_REQUIRED');
  item.error = error;
  context.webhooks.send(item, itemErrorBody(item, error));
  return { reset_login: true, request_id: requestId };
}

/** Which webhook type each fireable code belongs to (https://plaid.com/docs/api/sandbox/#sandboxitemfire_webhook). */
const WEBHOOK_CODE_TYPES: Readonly<Record<string, readonly WebhookType[]>> = {
  DEFAULT_UPDATE: [WebhookType.Transactions, WebhookType.Auth, WebhookType.Holdings, WebhookType.InvestmentsTransactions, WebhookType.Liabilities],
  SYNC_UPDATES_AVAILABLE: [WebhookType.Transactions],
  RECURRING_TRANSACTIONS_UPDATE: [WebhookType.Transactions],
  NEW_ACCOUNTS_AVAILABLE: [WebhookType.Item],
  LOGIN_REPAIRED: [WebhookType.Item],
  PENDING_DISCONNECT: [WebhookType.Item],
  // Not fireable at Plaid (UK/EU consent expiry); accepted locally so ITEM handling can be exercised end to end.
  PENDING_EXPIRATION: [WebhookType.Item],
  USER_PERMISSION_REVOKED: [WebhookType.Item],
  USER_ACCOUNT_REVOKED: [WebhookType.Item],
  SMS_MICRODEPOSITS_VERIFICATION: [WebhookType.Auth],
  AUTHORIZATION_GRANTED: [WebhookType.Auth],
  PRODUCT_READY: [WebhookType.Assets],
  ERROR: [WebhookType.Assets],
};

const PRODUCT_FOR_WEBHOOK_TYPE: Partial<Record<WebhookType, Products>> = {
  [WebhookType.Transactions]: Products.Transactions,
  [WebhookType.Auth]: Products.Auth,
  [WebhookType.Holdings]: Products.Investments,
  [WebhookType.InvestmentsTransactions]: Products.Investments,
  [WebhookType.Liabilities]: Products.Liabilities,
  [WebhookType.Assets]: Products.Assets,
};

/** Codes whose payloads the local sandbox does not model (micro-deposits, Assets reports). */
const UNMODELLED_CODES = new Set(['SMS_MICRODEPOSITS_VERIFICATION', 'AUTHORIZATION_GRANTED', 'PRODUCT_READY', 'ERROR']);

function sandboxItemFireWebhook(context: EndpointContext, { body, requestId }: PlaidCall): SandboxItemFireWebhookResponse {
  const item = context.state.itemForAccessToken(accessTokenOf(body));
  const code = requiredString(body, 'webhook_code');
  const allowedTypes = WEBHOOK_CODE_TYPES[code];
  if (!allowedTypes) throw invalidField(`webhook_code must be one of: ${Object.keys(WEBHOOK_CODE_TYPES).join(', ')}`);
  const requestedType = optionalString(body, 'webhook_type');
  const type = (requestedType ?? allowedTypes[0]) as WebhookType;
  if (!allowedTypes.includes(type)) throw invalidField(`webhook_type ${type} cannot be combined with webhook_code ${code}`);
  const product = PRODUCT_FOR_WEBHOOK_TYPE[type];
  if ((product !== undefined && !item.products.includes(product)) || UNMODELLED_CODES.has(code)) {
    throw new PlaidSandboxError('SANDBOX_PRODUCT_NOT_ENABLED', { detail: `the ${product ?? type.toLowerCase()} product is not enabled for this item` });
  }
  if (item.webhook === null) throw new PlaidSandboxError('SANDBOX_WEBHOOK_INVALID');
  context.webhooks.send(item, fireableWebhookBody(context, item, code, type));
  return { webhook_fired: true, request_id: requestId };
}

type FireableWebhook =
  | DefaultUpdateWebhook
  | AuthDefaultUpdateWebhook
  | RecurringTransactionsUpdateWebhook
  | NewAccountsAvailableWebhook
  | ItemLoginRepairedWebhook
  | PendingDisconnectWebhook
  | PendingExpirationWebhook
  | UserPermissionRevokedWebhook
  | UserAccountRevokedWebhook
  | ReturnType<typeof syncUpdatesAvailableBody>;

function fireableWebhookBody(context: EndpointContext, item: SandboxItem, code: string, type: WebhookType): FireableWebhook & { webhook_type: string; webhook_code: string } {
  const envelope = { webhook_type: type, webhook_code: code, item_id: item.itemId, environment: SANDBOX_ENVIRONMENT };
  const weekAhead = isoSeconds(context.clock.now() + 7 * 86_400_000);
  switch (code) {
    case 'SYNC_UPDATES_AVAILABLE':
      return syncUpdatesAvailableBody(item);
    case 'DEFAULT_UPDATE':
      if (type === WebhookType.Auth) return { ...envelope, account_ids_with_new_auth: [], account_ids_with_updated_auth: {}, error: null };
      return { ...envelope, new_transactions: 0, error: null };
    case 'RECURRING_TRANSACTIONS_UPDATE':
      return { ...envelope, account_ids: item.accounts.map((account) => account.base.account_id) };
    case 'LOGIN_REPAIRED':
      // The Item left ITEM_LOGIN_REQUIRED outside the app, so its data endpoints work again.
      item.error = null;
      return envelope;
    case 'PENDING_DISCONNECT':
      return { ...envelope, reason: PendingDisconnectWebhookReason.Migration, disconnect_time: weekAhead };
    case 'PENDING_EXPIRATION':
      return { ...envelope, consent_expiration_time: weekAhead };
    case 'USER_PERMISSION_REVOKED':
      return { ...envelope, error: new PlaidSandboxError('USER_PERMISSION_REVOKED').toEmbeddedError() };
    case 'USER_ACCOUNT_REVOKED': {
      // Plaid's fire_webhook names no account; the Item's first (checking) account is the one revoked.
      const account = item.accounts[0];
      if (account) account.revoked = true;
      return { ...envelope, account_id: account?.base.account_id ?? '' };
    }
    default:
      return { ...envelope, error: null };
  }
}

/** Every Plaid path the sandbox answers, by path. */
export const PLAID_ENDPOINTS: Readonly<Record<string, EndpointHandler>> = {
  '/link/token/create': linkTokenCreate,
  '/sandbox/public_token/create': sandboxPublicTokenCreate,
  '/item/public_token/exchange': itemPublicTokenExchange,
  '/accounts/get': accountsGet,
  '/accounts/balance/get': accountsBalanceGet,
  '/auth/get': authGet,
  '/transactions/sync': transactionsSync,
  '/item/get': itemGet,
  '/item/remove': itemRemove,
  '/item/webhook/update': itemWebhookUpdate,
  '/webhook_verification_key/get': webhookVerificationKeyGet,
  '/sandbox/item/fire_webhook': sandboxItemFireWebhook,
  '/sandbox/item/reset_login': sandboxItemResetLogin,
  '/sandbox/transactions/create': sandboxTransactionsCreate,
};
