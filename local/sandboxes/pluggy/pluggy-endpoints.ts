/**
 * Pluggy's own endpoints, as the sandbox answers them: paths, methods, bodies, query parameters, status codes
 * and error bodies after Pluggy's OpenAPI document and docs (see README.md for the list and deviations).
 *
 * Every handler validates its input the way Pluggy's validation layer does — `400 {code, message}` listing the
 * failed constraints, and `property X should not exist` for query parameters an endpoint does not take.
 */
import type { TokenIssuer, VerifiedToken } from './api-tokens';
import { CATEGORIES, categoryView, findCategory } from './categories';
import { connectorView, filterConnectors, type SandboxConnector } from './connectors';
import {
  PluggyApiError,
  accountNotFound,
  categoryNotFound,
  clientKeysUnauthorized,
  connectorNotFound,
  consentNotFound,
  errorForCode,
  invalidApiKey,
  invalidParameters,
  transactionNotFound,
  webhookNotFound,
} from './errors';
import { saoPauloDay } from './history-generator';
import { accountView, consentView, transactionView, type SandboxTransaction } from './resources';
import { isProductType, type PluggySandboxState, type SandboxItem } from './sandbox-state';
import { decodeCursor, filtersFingerprint, nextLink, type TransactionFilters } from './transaction-cursor';
import { webhookView, type PluggyWebhooks, type TriggeredBy } from './webhooks';

export interface EndpointContext {
  readonly state: PluggySandboxState;
  readonly tokens: TokenIssuer;
  readonly webhooks: PluggyWebhooks;
  readonly connectors: readonly SandboxConnector[];
  readonly credentials: { readonly clientId: string; readonly clientSecret: string };
  /** Rows per `GET /v2/transactions` page (Pluggy: 500, fixed). */
  readonly transactionsPageSize: number;
  /** What `DELETE /items/{id}` answers: the OAS says 200 `{count}`, the consent docs 204. */
  readonly itemDeleteStatus: 200 | 204;
  /** Hours between two client-requested updates of one Item (`PATCH /items/{id}` without credentials); 0 = none. */
  readonly minUpdateFrequencyHours: number;
}

export interface EndpointRequest {
  readonly pathParams: Readonly<Record<string, string>>;
  readonly query: URLSearchParams;
  readonly body: unknown;
  /** The verified `X-API-KEY` (undefined only on public endpoints). */
  readonly auth: VerifiedToken | undefined;
}

export interface EndpointReply {
  readonly status: number;
  readonly body?: unknown;
}

/** Who may call an endpoint: nobody needs a key for `/auth`; Pluggy Connect's token reaches a few. */
export type Access = 'public' | 'api_key' | 'api_key_or_connect_token';

export interface EndpointDefinition {
  readonly method: 'GET' | 'POST' | 'PATCH' | 'DELETE';
  readonly template: string;
  readonly access: Access;
  readonly handle: (context: EndpointContext, request: EndpointRequest) => EndpointReply;
}

const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const DATE_PATTERN = /^\d{4}-\d{2}-\d{2}$/;
/** Page-numbered lists answer 20 entries unless asked for more (SDK PageFilters). */
const DEFAULT_PAGE_SIZE = 20;

function isUuid(value: unknown): value is string {
  return typeof value === 'string' && UUID_PATTERN.test(value);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function ok(body: unknown, status = 200): EndpointReply {
  return { status, body };
}

function page<T>(results: readonly T[]): Record<string, unknown> {
  return { total: results.length, totalPages: results.length === 0 ? 0 : 1, page: 1, results };
}

/** Rejects query parameters the endpoint does not declare, with the validation layer's wording. */
function rejectUnknownQuery(query: URLSearchParams, allowed: readonly string[]): void {
  const unknown = [...new Set(query.keys())].filter((key) => !allowed.includes(key));
  if (unknown.length > 0) throw new PluggyApiError(400, unknown.map((key) => `property ${key} should not exist`).join(', '));
}

function requireUuidParam(value: string | null | undefined, name: string): string {
  if (isUuid(value)) return value;
  throw invalidParameters(value === null || value === undefined || value === '' ? [`${name} should not be null or undefined`, `${name} must be a UUID`] : [`${name} must be a UUID`]);
}

function requireBody(body: unknown): Record<string, unknown> {
  if (body === undefined) return {};
  if (!isRecord(body)) throw invalidParameters(['body must be an object']);
  return body;
}

function optionalString(body: Record<string, unknown>, name: string, problems: string[]): string | undefined {
  const value = body[name];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') {
    problems.push(`${name} must be a string`);
    return undefined;
  }
  return value;
}

function optionalUrl(body: Record<string, unknown>, name: string, problems: string[]): string | undefined {
  const value = optionalString(body, name, problems);
  if (value !== undefined && !URL.canParse(value)) problems.push(`${name} must be a URL address`);
  return value;
}

function optionalProducts(body: Record<string, unknown>, problems: string[]) {
  const value = body.products;
  if (value === undefined || value === null) return undefined;
  if (!Array.isArray(value) || !value.every(isProductType)) {
    problems.push('each value in products must be one of the following values: ACCOUNTS, CREDIT_CARDS, TRANSACTIONS, PAYMENT_DATA, INVESTMENTS, INVESTMENTS_TRANSACTIONS, IDENTITY, BROKERAGE_NOTE, MOVE_SECURITY, LOANS');
    return undefined;
  }
  return value;
}

function stringMap(value: unknown, name: string, problems: string[]): Record<string, string> | undefined {
  if (value === undefined || value === null) return undefined;
  if (!isRecord(value) || !Object.values(value).every((entry) => typeof entry === 'string')) {
    problems.push(`${name} must be an object of strings`);
    return undefined;
  }
  return value as Record<string, string>;
}

/** Checks credentials against the connector's declared parameters (spec example CONNECTOR_VALIDATION_ERROR). */
function validateConnectorParameters(connector: SandboxConnector, parameters: Record<string, string>): void {
  const errors: Array<{ code: string; message: string; parameter: string }> = [];
  for (const credential of connector.credentials) {
    const value = parameters[credential.name];
    if (value === undefined || value === '') {
      if (!credential.optional) errors.push({ code: '001', message: `${credential.name} parameter is required`, parameter: credential.name });
      continue;
    }
    if (credential.validation !== undefined && !new RegExp(credential.validation).test(value)) {
      errors.push({ code: '002', message: credential.validationMessage ?? `${credential.name} parameter is invalid`, parameter: credential.name });
    }
  }
  if (errors.length > 0) throw new PluggyApiError(400, 'Connector parameters do not match validation rules', 'CONNECTOR_VALIDATION_ERROR', { errors });
}

function itemView(context: EndpointContext, item: SandboxItem): Record<string, unknown> {
  const consent = context.state.currentConsent(item);
  return {
    id: item.id,
    connector: connectorView(item.connector),
    status: item.status,
    executionStatus: item.executionStatus,
    error: item.error,
    parameter: item.parameter,
    userAction: item.userAction,
    statusDetail: item.statusDetail,
    webhookUrl: item.webhookUrl,
    clientUserId: item.clientUserId,
    products: [...item.products],
    createdAt: item.createdAt,
    updatedAt: item.updatedAt,
    lastUpdatedAt: item.lastUpdatedAt,
    nextAutoSyncAt: item.nextAutoSyncAt,
    consecutiveFailedLoginAttempts: item.consecutiveFailedLoginAttempts,
    consentExpiresAt: consent?.expiresAt ?? null,
  };
}

function triggerOf(auth: VerifiedToken | undefined): TriggeredBy {
  // Calls with a connect token are Pluggy Connect acting for the user; API-key calls are the client's.
  return auth?.kind === 'connect' ? 'USER' : 'CLIENT';
}

/** The Item at `pathParams.id`, if this credential may touch it (a connect token only its own Items). */
function authorizedItem(context: EndpointContext, request: EndpointRequest, itemId: string): SandboxItem {
  const item = context.state.liveItem(itemId);
  if (request.auth?.kind === 'connect' && !context.tokens.connectTokenMayUse(request.auth.tokenId, item.id)) throw invalidApiKey();
  return item;
}

function itemIdFromPath(request: EndpointRequest): string {
  const id = request.pathParams.id ?? '';
  if (!isUuid(id)) throw errorForCode('ITEM_NOT_FOUND');
  return id;
}

// ---- dates -------------------------------------------------------------------------------------------------

function validDateInput(value: string): boolean {
  if (DATE_PATTERN.test(value)) return !Number.isNaN(Date.parse(`${value}T00:00:00Z`));
  return /^\d{4}-\d{2}-\d{2}T/.test(value) && !Number.isNaN(Date.parse(value));
}

// A date-only bound is a Brazilian calendar day: a Pix at 22:30 in São Paulo is stamped 01:30Z the next UTC day.
function onOrAfter(transaction: SandboxTransaction, bound: string): boolean {
  return DATE_PATTERN.test(bound) ? saoPauloDay(transaction.date) >= bound : Date.parse(transaction.date) >= Date.parse(bound);
}

function onOrBefore(transaction: SandboxTransaction, bound: string): boolean {
  return DATE_PATTERN.test(bound) ? saoPauloDay(transaction.date) <= bound : Date.parse(transaction.date) <= Date.parse(bound);
}

function parseTransactionFilters(query: URLSearchParams): TransactionFilters {
  const problems: string[] = [];
  const dateFrom = query.get('dateFrom') ?? undefined;
  const dateTo = query.get('dateTo') ?? undefined;
  const createdAtFrom = query.get('createdAtFrom') ?? undefined;
  const idsText = query.get('ids') ?? undefined;
  if (dateFrom !== undefined && !validDateInput(dateFrom)) problems.push('dateFrom must be a valid ISO 8601 date string');
  if (dateTo !== undefined && !validDateInput(dateTo)) problems.push('dateTo must be a valid ISO 8601 date string');
  if (createdAtFrom !== undefined && !(/^\d{4}-\d{2}-\d{2}T/.test(createdAtFrom) && !Number.isNaN(Date.parse(createdAtFrom)))) {
    problems.push('createdAtFrom must be a valid ISO 8601 date string');
  }
  // Mutually exclusive (SDK TransactionCursorFilters): one is a window on the transaction date, the other on
  // when Pluggy stored it.
  if (dateFrom !== undefined && createdAtFrom !== undefined) problems.push('createdAtFrom and dateFrom cannot be used together');
  let ids: string[] | undefined;
  if (idsText !== undefined) {
    ids = idsText.split(',').filter((id) => id !== '');
    if (ids.length === 0 || ids.length > 500) problems.push('ids must contain between 1 and 500 elements');
    if (!ids.every(isUuid)) problems.push('each value in ids must be a UUID');
  }
  if (problems.length > 0) throw invalidParameters(problems);
  return { dateFrom, dateTo, createdAtFrom, ids };
}

// ---- handlers ----------------------------------------------------------------------------------------------

function authenticate(context: EndpointContext, request: EndpointRequest): EndpointReply {
  const body = requireBody(request.body);
  const problems: string[] = [];
  if (typeof body.clientId !== 'string' || body.clientId === '') problems.push('clientId must be a string');
  if (typeof body.clientSecret !== 'string' || body.clientSecret === '') problems.push('clientSecret must be a string');
  if (problems.length > 0) throw invalidParameters(problems);
  if (body.clientId !== context.credentials.clientId || body.clientSecret !== context.credentials.clientSecret) throw clientKeysUnauthorized();
  return ok({ apiKey: context.tokens.issueApiKey(context.credentials.clientId) });
}

function createConnectToken(context: EndpointContext, request: EndpointRequest): EndpointReply {
  const body = requireBody(request.body);
  const problems: string[] = [];
  const itemId = optionalString(body, 'itemId', problems);
  const options = body.options === undefined || body.options === null ? {} : body.options;
  if (!isRecord(options)) problems.push('options must be an object');
  const record = isRecord(options) ? options : {};
  const clientUserId = optionalString(record, 'clientUserId', problems);
  const webhookUrl = optionalUrl(record, 'webhookUrl', problems);
  const oauthRedirectUri = optionalUrl(record, 'oauthRedirectUri', problems);
  if (record.avoidDuplicates !== undefined && typeof record.avoidDuplicates !== 'boolean') problems.push('avoidDuplicates must be a boolean value');
  if (problems.length > 0) throw invalidParameters(problems);
  if (itemId !== undefined) {
    if (!isUuid(itemId)) throw errorForCode('ITEM_NOT_FOUND');
    context.state.liveItem(itemId);
  }
  const accessToken = context.tokens.issueConnectToken(context.credentials.clientId, itemId, {
    clientUserId,
    webhookUrl,
    oauthRedirectUri,
    avoidDuplicates: record.avoidDuplicates as boolean | undefined,
  });
  return ok({ accessToken });
}

function booleanQuery(query: URLSearchParams, name: string): boolean | undefined {
  const value = query.get(name);
  if (value === null) return undefined;
  if (value !== 'true' && value !== 'false') throw invalidParameters([`${name} must be a boolean value`]);
  return value === 'true';
}

function listQuery(query: URLSearchParams, name: string): string[] | undefined {
  const values = query.getAll(name).flatMap((value) => value.split(',')).filter((value) => value !== '');
  return values.length === 0 ? undefined : values;
}

function listConnectors(context: EndpointContext, request: EndpointRequest): EndpointReply {
  const { query } = request;
  const ids = listQuery(query, 'ids')?.map(Number);
  const connectors = filterConnectors(context.connectors, {
    name: query.get('name') ?? undefined,
    countries: listQuery(query, 'countries'),
    types: listQuery(query, 'types'),
    sandbox: booleanQuery(query, 'sandbox'),
    isOpenFinance: booleanQuery(query, 'isOpenFinance'),
    supportsPaymentInitiation: booleanQuery(query, 'supportsPaymentInitiation'),
    ids,
  });
  return ok(page(connectors.map(connectorView)));
}

function getConnector(context: EndpointContext, request: EndpointRequest): EndpointReply {
  const id = Number(request.pathParams.id);
  const connector = context.connectors.find((candidate) => candidate.id === id);
  if (!connector || !/^\d+$/.test(request.pathParams.id ?? '')) throw connectorNotFound();
  return ok(connectorView(connector));
}

function createItem(context: EndpointContext, request: EndpointRequest): EndpointReply {
  const body = requireBody(request.body);
  const problems: string[] = [];
  if (typeof body.connectorId !== 'number' || !Number.isInteger(body.connectorId)) problems.push('connectorId must be a number');
  const parameters = stringMap(body.parameters, 'parameters', problems);
  if (parameters === undefined && !problems.some((problem) => problem.startsWith('parameters'))) problems.push('parameters should not be null or undefined');
  const bodyClientUserId = optionalString(body, 'clientUserId', problems);
  const bodyWebhookUrl = optionalUrl(body, 'webhookUrl', problems);
  const bodyOauthRedirectUri = optionalUrl(body, 'oauthRedirectUri', problems);
  const products = optionalProducts(body, problems);
  if (body.avoidDuplicates !== undefined && typeof body.avoidDuplicates !== 'boolean') problems.push('avoidDuplicates must be a boolean value');
  if (problems.length > 0) throw invalidParameters(problems);
  const connector = context.connectors.find((candidate) => candidate.id === body.connectorId);
  if (!connector) throw connectorNotFound();
  validateConnectorParameters(connector, parameters ?? {});

  const auth = request.auth;
  // A connect token in update mode repairs its Item; it cannot connect new ones.
  if (auth?.kind === 'connect' && auth.itemId !== undefined) throw invalidApiKey();
  // Options fixed on the connect token by the client's backend win over what the widget sends.
  const tokenOptions = auth?.kind === 'connect' ? auth.options : {};
  const clientUserId = tokenOptions.clientUserId ?? bodyClientUserId ?? null;
  const avoidDuplicates = tokenOptions.avoidDuplicates ?? (body.avoidDuplicates as boolean | undefined) ?? false;
  if (avoidDuplicates) {
    const duplicates = context.state.duplicatesOf(connector, clientUserId, parameters ?? {});
    if (duplicates.length > 0) {
      throw new PluggyApiError(400, "There are other items with the same credentials, you can't create a new one", 'ITEM_USER_ALREADY_EXISTS', {
        items: duplicates.map((item) => item.id),
      });
    }
  }
  const item = context.state.createItem({
    connector,
    parameters: parameters ?? {},
    clientUserId,
    webhookUrl: tokenOptions.webhookUrl ?? bodyWebhookUrl ?? null,
    oauthRedirectUri: tokenOptions.oauthRedirectUri ?? bodyOauthRedirectUri ?? null,
    products,
    trigger: triggerOf(auth),
  });
  if (auth?.kind === 'connect') context.tokens.bindItem(auth.tokenId, item.id);
  return ok(itemView(context, item));
}

function getItem(context: EndpointContext, request: EndpointRequest): EndpointReply {
  return ok(itemView(context, authorizedItem(context, request, itemIdFromPath(request))));
}

function updateItem(context: EndpointContext, request: EndpointRequest): EndpointReply {
  const item = authorizedItem(context, request, itemIdFromPath(request));
  const body = requireBody(request.body);
  const problems: string[] = [];
  const parameters = stringMap(body.parameters, 'parameters', problems);
  const clientUserId = optionalString(body, 'clientUserId', problems);
  const webhookUrl = optionalUrl(body, 'webhookUrl', problems);
  const products = optionalProducts(body, problems);
  if (problems.length > 0) throw invalidParameters(problems);
  if (parameters !== undefined) validateConnectorParameters(item.connector, { ...item.parameters, ...parameters });
  const trigger = triggerOf(request.auth);
  // New credentials and the user's own update (Pluggy Connect) are how an Item is repaired; the frequency limit
  // is on the client asking for fresh data (OAS items-update 409 "Client updates on this item are allowed at
  // most every {minUpdateFrequencyAllowedInHours} hours").
  if (parameters === undefined && trigger === 'CLIENT') context.state.checkClientUpdateFrequency(item, context.minUpdateFrequencyHours);
  context.state.updateItem(item, { parameters, clientUserId, webhookUrl, products }, trigger);
  return ok(itemView(context, item));
}

function deleteItem(context: EndpointContext, request: EndpointRequest): EndpointReply {
  const item = authorizedItem(context, request, itemIdFromPath(request));
  context.state.deleteItem(item, triggerOf(request.auth));
  return context.itemDeleteStatus === 204 ? { status: 204 } : ok({ count: 1 });
}

function submitMfa(context: EndpointContext, request: EndpointRequest): EndpointReply {
  const item = authorizedItem(context, request, itemIdFromPath(request));
  const problems: string[] = [];
  const values = stringMap(request.body ?? {}, 'body', problems);
  if (problems.length > 0 || values === undefined) throw invalidParameters(problems.length > 0 ? problems : ['body must be an object of strings']);
  context.state.submitMfa(item, values);
  return ok(itemView(context, item));
}

function disableAutoSync(context: EndpointContext, request: EndpointRequest): EndpointReply {
  const item = authorizedItem(context, request, itemIdFromPath(request));
  return ok(itemView(context, context.state.disableAutoSync(item)));
}

function listAccounts(context: EndpointContext, request: EndpointRequest): EndpointReply {
  rejectUnknownQuery(request.query, ['itemId', 'type']);
  const itemId = requireUuidParam(request.query.get('itemId'), 'itemId');
  const type = request.query.get('type');
  if (type !== null && type !== 'BANK' && type !== 'CREDIT') throw invalidParameters(['type must be one of the following values: BANK, CREDIT']);
  const item = authorizedItem(context, request, itemId);
  const accounts = context.state.dataVisible(item) ? item.accounts.filter((account) => type === null || account.type === type) : [];
  return ok(page(accounts.map(accountView)));
}

function getAccount(context: EndpointContext, request: EndpointRequest): EndpointReply {
  const id = request.pathParams.id ?? '';
  const entry = isUuid(id) ? context.state.visibleAccount(id) : undefined;
  if (!entry) throw accountNotFound();
  return ok(accountView(entry.account));
}

/**
 * `GET /transactions` (page-numbered) is retired: Pluggy answers 410 ENDPOINT_DEPRECATED for accounts created
 * from June 2026 (changelog 2026.06, field reports). The sandbox's accounts are all new.
 */
function legacyTransactions(): EndpointReply {
  throw new PluggyApiError(410, 'GET /transactions is deprecated for this account. Use GET /v2/transactions (cursor pagination) instead.', 'ENDPOINT_DEPRECATED');
}

function listTransactionsV2(context: EndpointContext, request: EndpointRequest): EndpointReply {
  const { query } = request;
  rejectUnknownQuery(query, ['accountId', 'after', 'dateFrom', 'dateTo', 'createdAtFrom', 'ids']);
  const accountId = requireUuidParam(query.get('accountId'), 'accountId');
  const afterText = query.get('after');
  const cursor = afterText === null ? undefined : decodeCursor(afterText);
  if (afterText !== null && (cursor === undefined || cursor.accountId !== accountId)) throw invalidParameters(['after must be a valid cursor']);
  const filters = parseTransactionFilters(query);
  // The cursor continues the listing it came from only: the filters must be sent again, unchanged.
  if (cursor !== undefined && cursor.filters !== filtersFingerprint(filters)) throw invalidParameters(['after must be a valid cursor for these filters']);

  const entry = context.state.liveAccount(accountId);
  if (!entry) throw accountNotFound();
  // An Open Finance account whose consent lapsed still exists but shows no data.
  if (!context.state.dataVisible(entry.item)) return ok({ results: [], next: null });
  const ids = filters.ids === undefined ? undefined : new Set(filters.ids);
  const matching = entry.account.transactions.filter(
    (transaction) =>
      (filters.dateFrom === undefined || onOrAfter(transaction, filters.dateFrom)) &&
      (filters.dateTo === undefined || onOrBefore(transaction, filters.dateTo)) &&
      (filters.createdAtFrom === undefined || Date.parse(transaction.createdAt) >= Date.parse(filters.createdAtFrom)) &&
      (ids === undefined || ids.has(transaction.id)),
  );
  const start = cursor === undefined ? 0 : matching.findIndex((transaction) => isAfterPosition(transaction, cursor));
  const remaining = start < 0 ? [] : matching.slice(start);
  const pageRows = remaining.slice(0, context.transactionsPageSize);
  const last = pageRows[pageRows.length - 1];
  const next = remaining.length > pageRows.length && last !== undefined ? nextLink({ accountId, date: last.date, sequence: last.sequence, filters: filtersFingerprint(filters) }) : null;
  return ok({ results: pageRows.map(transactionView), next });
}

/** Rows are ordered by (date, sequence); the cursor names the last row returned. */
function isAfterPosition(transaction: SandboxTransaction, position: { date: string; sequence: number }): boolean {
  return transaction.date > position.date || (transaction.date === position.date && transaction.sequence > position.sequence);
}

function transactionIdFromPath(request: EndpointRequest): string {
  const id = request.pathParams.id ?? '';
  if (!isUuid(id)) throw invalidParameters(['Transaction Id should not be null or undefined', ' transactionId must be a UUID']);
  return id;
}

function getTransaction(context: EndpointContext, request: EndpointRequest): EndpointReply {
  const entry = context.state.visibleTransaction(transactionIdFromPath(request));
  if (!entry) throw transactionNotFound();
  return ok(transactionView(entry.transaction));
}

/** Category feedback (`PATCH /transactions/{id}` `{categoryId}` → the updated transaction). */
function updateTransaction(context: EndpointContext, request: EndpointRequest): EndpointReply {
  const id = transactionIdFromPath(request);
  const body = requireBody(request.body);
  if (typeof body.categoryId !== 'string' || body.categoryId === '') throw invalidParameters(['categoryId must be a string', 'categoryId should not be empty']);
  const entry = context.state.visibleTransaction(id);
  // The OAS example for this 404 has no codeDescription.
  if (!entry) throw new PluggyApiError(404, 'Transaction not found');
  const category = findCategory(body.categoryId);
  if (!category) throw new PluggyApiError(400, 'category not found', 'CATEGORY_NOT_FOUND');
  return ok(transactionView(context.state.setTransactionCategory(entry, category)));
}

function listCategories(_context: EndpointContext, request: EndpointRequest): EndpointReply {
  const parentId = request.query.get('parentId');
  const categories = parentId === null ? CATEGORIES : CATEGORIES.filter((category) => category.parentId === parentId);
  // Page-shaped, as the SDK types it and the OAS example shows (the OAS schema says a bare array).
  return ok(page(categories.map(categoryView)));
}

function getCategory(_context: EndpointContext, request: EndpointRequest): EndpointReply {
  const category = findCategory(request.pathParams.id ?? '');
  if (!category) throw categoryNotFound();
  return ok(categoryView(category));
}

/**
 * `page` (1-based) and `pageSize` (default 20, at most 500) of a page-numbered list (SDK PageFilters, used by
 * `fetchConsents`); an out-of-range value is refused like Pluggy's validation layer does.
 */
function pageParams(query: URLSearchParams): { page: number; pageSize: number } {
  const problems: string[] = [];
  const read = (name: string, fallback: number, max: number): number => {
    const raw = query.get(name);
    if (raw === null) return fallback;
    const value = Number(raw);
    if (!/^\d+$/.test(raw) || value < 1 || value > max) problems.push(`${name} must be an integer between 1 and ${max}`);
    return value;
  };
  const result = { page: read('page', 1, Number.MAX_SAFE_INTEGER), pageSize: read('pageSize', DEFAULT_PAGE_SIZE, 500) };
  if (problems.length > 0) throw invalidParameters(problems);
  return result;
}

function pageOf<T>(entries: readonly T[], params: { page: number; pageSize: number }): Record<string, unknown> {
  const start = (params.page - 1) * params.pageSize;
  return { total: entries.length, totalPages: Math.ceil(entries.length / params.pageSize), page: params.page, results: entries.slice(start, start + params.pageSize) };
}

/** Consents of an Item, oldest first, 20 a page unless `pageSize` says otherwise (SDK ConsentFilters = PageFilters). */
function listConsents(context: EndpointContext, request: EndpointRequest): EndpointReply {
  rejectUnknownQuery(request.query, ['itemId', 'page', 'pageSize']);
  const itemId = requireUuidParam(request.query.get('itemId'), 'itemId');
  const params = pageParams(request.query);
  const item = authorizedItem(context, request, itemId);
  return ok(pageOf(item.consents.map(consentView), params));
}

function getConsent(context: EndpointContext, request: EndpointRequest): EndpointReply {
  const id = request.pathParams.id ?? '';
  const found = isUuid(id) ? context.state.findConsent(id) : undefined;
  if (!found || found.item.deletedAt !== null) throw consentNotFound();
  return ok(consentView(found.consent));
}

function createWebhook(context: EndpointContext, request: EndpointRequest): EndpointReply {
  const body = requireBody(request.body);
  const problems: string[] = [];
  if (typeof body.url !== 'string' || body.url === '') problems.push('url must be a string');
  if (typeof body.event !== 'string' || body.event === '') problems.push('event must be a string');
  const headers = stringMap(body.headers, 'headers', problems);
  if (problems.length > 0) throw invalidParameters(problems);
  const webhook = context.webhooks.register({ url: body.url as string, event: body.event as string, headers });
  return ok(webhookView(webhook), 201);
}

/** `204 No Content` without a body when there is none (OAS webhooks-list lists 200 and 204). */
function listWebhooks(context: EndpointContext): EndpointReply {
  const webhooks = context.webhooks.list();
  if (webhooks.length === 0) return { status: 204 };
  return ok(page(webhooks.map(webhookView)));
}

function webhookIdFromPath(request: EndpointRequest): string {
  const id = request.pathParams.id ?? '';
  if (!isUuid(id)) throw webhookNotFound();
  return id;
}

function getWebhook(context: EndpointContext, request: EndpointRequest): EndpointReply {
  const webhook = context.webhooks.get(webhookIdFromPath(request));
  if (!webhook) throw webhookNotFound();
  return ok(webhookView(webhook));
}

function updateWebhook(context: EndpointContext, request: EndpointRequest): EndpointReply {
  const id = webhookIdFromPath(request);
  const body = requireBody(request.body);
  const problems: string[] = [];
  const url = optionalString(body, 'url', problems);
  const event = optionalString(body, 'event', problems);
  const headers = stringMap(body.headers, 'headers', problems);
  if (body.enabled !== undefined && typeof body.enabled !== 'boolean') problems.push('enabled must be a boolean value');
  if (problems.length > 0) throw invalidParameters(problems);
  const webhook = context.webhooks.update(id, { url, event, headers, enabled: body.enabled as boolean | undefined });
  if (!webhook) throw webhookNotFound();
  return ok(webhookView(webhook));
}

function deleteWebhook(context: EndpointContext, request: EndpointRequest): EndpointReply {
  if (!context.webhooks.remove(webhookIdFromPath(request))) throw webhookNotFound();
  return ok({ count: 1 });
}

export const PLUGGY_ENDPOINTS: readonly EndpointDefinition[] = [
  { method: 'POST', template: '/auth', access: 'public', handle: authenticate },
  { method: 'POST', template: '/connect_token', access: 'api_key', handle: createConnectToken },
  { method: 'GET', template: '/connectors', access: 'api_key_or_connect_token', handle: listConnectors },
  { method: 'GET', template: '/connectors/{id}', access: 'api_key_or_connect_token', handle: getConnector },
  { method: 'POST', template: '/items', access: 'api_key_or_connect_token', handle: createItem },
  { method: 'GET', template: '/items/{id}', access: 'api_key_or_connect_token', handle: getItem },
  { method: 'PATCH', template: '/items/{id}', access: 'api_key_or_connect_token', handle: updateItem },
  { method: 'DELETE', template: '/items/{id}', access: 'api_key', handle: deleteItem },
  { method: 'POST', template: '/items/{id}/mfa', access: 'api_key_or_connect_token', handle: submitMfa },
  { method: 'PATCH', template: '/items/{id}/disable-auto-sync', access: 'api_key', handle: disableAutoSync },
  { method: 'GET', template: '/accounts', access: 'api_key_or_connect_token', handle: listAccounts },
  { method: 'GET', template: '/accounts/{id}', access: 'api_key', handle: getAccount },
  { method: 'GET', template: '/transactions', access: 'api_key', handle: legacyTransactions },
  { method: 'GET', template: '/v2/transactions', access: 'api_key', handle: listTransactionsV2 },
  { method: 'GET', template: '/transactions/{id}', access: 'api_key', handle: getTransaction },
  { method: 'PATCH', template: '/transactions/{id}', access: 'api_key', handle: updateTransaction },
  { method: 'GET', template: '/categories', access: 'api_key', handle: listCategories },
  { method: 'GET', template: '/categories/{id}', access: 'api_key', handle: getCategory },
  { method: 'GET', template: '/consents', access: 'api_key', handle: listConsents },
  { method: 'GET', template: '/consents/{id}', access: 'api_key', handle: getConsent },
  { method: 'POST', template: '/webhooks', access: 'api_key', handle: createWebhook },
  { method: 'GET', template: '/webhooks', access: 'api_key', handle: listWebhooks },
  { method: 'GET', template: '/webhooks/{id}', access: 'api_key', handle: getWebhook },
  { method: 'PATCH', template: '/webhooks/{id}', access: 'api_key', handle: updateWebhook },
  { method: 'DELETE', template: '/webhooks/{id}', access: 'api_key', handle: deleteWebhook },
];
