/**
 * The local Pluggy sandbox, driven with plain fetch the way a Pluggy client would, checked for Pluggy's
 * behaviour and — when Pluggy's OpenAPI document is available — for conformance of every request it received and
 * every response it sent (afterEach validates the request log; `/v2/transactions`, absent from the document, is
 * checked against its Transaction schema).
 */
import { createHmac } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startPluggySandbox, type PluggySandbox } from '../../local/sandboxes/pluggy/pluggy-sandbox';
import { localProviderCredentials } from '../../local/aws/provision';
import { saoPauloDay } from '../../local/sandboxes/pluggy/history-generator';
import { pluggySpecPath, loadPluggyValidator } from '../helpers/pluggy-spec';
import type { OpenApiValidator } from '../helpers/openapi-validator';
import { startWebhookReceiver, type ReceivedWebhook, type WebhookReceiver } from '../helpers/webhook-receiver';

const validator: OpenApiValidator | undefined = loadPluggyValidator();
if (!validator) {
  console.warn(`[pluggy-sandbox tests] Pluggy OpenAPI document not found at ${pluggySpecPath()}: spec-conformance checks are SKIPPED (set PROVIDER_SPECS_DIR).`);
}

/** Real Pluggy client ids are UUIDs (spec AuthRequest.clientId is `format: uuid`). */
const CLIENT_ID = '8f3c2a9e-4b1d-4e6f-9a7c-2d5e8b1f0c34';
const CLIENT_SECRET = 'sandbox-test-secret';
const SIGNING_SECRET = 'sandbox-test-signing-secret';
const UNKNOWN_UUID = '00000000-0000-4000-8000-000000000000';

let sandbox: PluggySandbox;
let receiver: WebhookReceiver;
let apiKey: string;
let checkedSeq = 0;

beforeAll(async () => {
  sandbox = await startPluggySandbox({
    port: 0,
    clientId: CLIENT_ID,
    clientSecret: CLIENT_SECRET,
    webhookSigningSecret: SIGNING_SECRET,
    webhookRetryDelaysMs: [30, 60],
    executionStepMs: 15,
  });
  receiver = await startWebhookReceiver();
  apiKey = await authenticate();
});

afterAll(async () => {
  await sandbox?.stop();
  await receiver?.close();
});

/** Every exchange recorded since the last check, validated against the spec; returns the problems found. */
function specProblems(): string[] {
  const problems: string[] = [];
  if (!validator) return problems;
  for (const exchange of sandbox.recorder.list({ kind: 'provider', afterSeq: checkedSeq })) {
    checkedSeq = exchange.seq;
    if (exchange.status === 0) continue; // connection dropped on purpose: nothing to check
    const label = `${exchange.method} ${exchange.path}`;
    const body = exchange.responseBody;
    const match = validator.matchOperation(exchange.path, exchange.method);
    if (!match) {
      if (exchange.path === '/v2/transactions' && exchange.status === 200) problems.push(...v2TransactionsProblems(body));
      else if (exchange.status >= 400) problems.push(...validator.validateSchema('GlobalErrorResponse', body).errors.map((error) => `${label} ${exchange.status}: ${error}`));
      else problems.push(`${label}: not an operation of the spec`);
      continue;
    }
    const method = exchange.method.toLowerCase();
    // Requests the sandbox rejected were wrong on purpose; only accepted ones must conform.
    if (exchange.status < 400) {
      const parameters = validator.validateParameters(match.template, method, { query: new URLSearchParams(exchange.query ?? ''), pathParams: match.pathParams });
      problems.push(...parameters.errors.map((error) => `${label} request: ${error}`));
      if (exchange.requestBody !== undefined) {
        const request = validator.validateRequest(match.template, exchange.requestBody, method);
        if (!request.valid) problems.push(`${label} request body: ${request.errors.join('; ')}`);
      }
    }
    if (body === undefined) continue;
    const response = validator.validateResponse(match.template, exchange.status, body, method);
    if (response.valid) continue;
    if (response.errors.some((error) => error.startsWith('no JSON schema') || error.includes('is not a documented response')) && exchange.status >= 400) {
      // Statuses the document does not list for this operation (403, 429, …) still carry Pluggy's error body.
      problems.push(...validator.validateSchema('GlobalErrorResponse', body).errors.map((error) => `${label} ${exchange.status}: ${error}`));
    } else {
      problems.push(`${label} ${exchange.status} response: ${response.errors.join('; ')}`);
    }
  }
  return problems;
}

/** `/v2/transactions` is newer than the document: rows must be spec Transactions and `next` a relative query. */
function v2TransactionsProblems(body: unknown): string[] {
  const problems: string[] = [];
  const page = body as { results?: unknown; next?: unknown };
  if (!Array.isArray(page.results)) return ['/v2/transactions: results is not an array'];
  if (!(page.next === null || (typeof page.next === 'string' && page.next.startsWith('?accountId=')))) problems.push(`/v2/transactions: bad next ${String(page.next)}`);
  for (const row of page.results) {
    const outcome = validator!.validateSchema('Transaction', row);
    if (!outcome.valid) {
      problems.push(`/v2/transactions row: ${outcome.errors.join('; ')}`);
      break;
    }
  }
  return problems;
}

afterEach(() => {
  expect(specProblems()).toEqual([]);
});

// ---- helpers ------------------------------------------------------------------------------------------------

interface Reply {
  status: number;
  body: any;
  headers: Headers;
}

async function call(method: string, path: string, options: { body?: unknown; key?: string | null; rawBody?: string } = {}): Promise<Reply> {
  const key = options.key === undefined ? apiKey : options.key;
  const response = await fetch(`${sandbox.url}${path}`, {
    method,
    redirect: 'manual',
    headers: { 'Content-Type': 'application/json', ...(key === null ? {} : { 'X-API-KEY': key }) },
    body: options.rawBody ?? (options.body === undefined ? undefined : JSON.stringify(options.body)),
  });
  const text = await response.text();
  return { status: response.status, body: text === '' ? undefined : JSON.parse(text), headers: response.headers };
}

async function authenticate(): Promise<string> {
  const reply = await call('POST', '/auth', { body: { clientId: CLIENT_ID, clientSecret: CLIENT_SECRET }, key: null });
  expect(reply.status).toBe(200);
  return reply.body.apiKey as string;
}

function decodeJwtPayload(token: string): Record<string, number | string> {
  return JSON.parse(Buffer.from(token.split('.')[1] as string, 'base64url').toString('utf8')) as Record<string, number | string>;
}

async function createItem(connectorId: number, parameters: Record<string, string>, extra: Record<string, unknown> = {}, key?: string): Promise<any> {
  const reply = await call('POST', '/items', { body: { connectorId, parameters, ...extra }, key });
  expect(reply.status, JSON.stringify(reply.body)).toBe(200);
  return reply.body;
}

/** Polls `GET /items/{id}` until `done` holds (the execution runs on timers). */
async function waitForItem(itemId: string, done: (item: any) => boolean, key?: string): Promise<any> {
  const deadline = Date.now() + 5_000;
  for (;;) {
    const reply = await call('GET', `/items/${itemId}`, { key });
    expect(reply.status).toBe(200);
    if (done(reply.body)) return reply.body;
    if (Date.now() > deadline) throw new Error(`item ${itemId} stayed ${reply.body.status}/${reply.body.executionStatus}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

const settled = (item: any): boolean => item.status !== 'UPDATING';

async function connectedItem(user = 'user-ok', extra: Record<string, unknown> = {}): Promise<any> {
  const created = await createItem(0, { user, password: 'password-ok' }, extra);
  sandbox.completeExecution(created.id);
  return (await call('GET', `/items/${created.id}`)).body;
}

async function allTransactions(accountId: string, query = ''): Promise<{ rows: any[]; pages: number; nextLinks: string[] }> {
  const rows: any[] = [];
  const nextLinks: string[] = [];
  let next: string | null = `?accountId=${accountId}${query}`;
  let pages = 0;
  for (let first = true; next !== null; first = false) {
    // The SDK's way (pluggy-node fetchAllTransactions): `after` from `next`, the filters sent again.
    const reply = await call('GET', `/v2/transactions${next}${first ? '' : query}`);
    expect(reply.status, JSON.stringify(reply.body)).toBe(200);
    rows.push(...reply.body.results);
    pages += 1;
    next = reply.body.next;
    if (next !== null) nextLinks.push(next);
  }
  return { rows, pages, nextLinks };
}

async function control(method: string, path: string, body?: unknown): Promise<Reply> {
  return call(method, `/sandbox/local${path}`, { body, key: null });
}

/** Moves the sandbox clock on; the API key (2 hours) is minted again if that outlived it. */
async function passTime(seconds: number): Promise<void> {
  expect((await control('POST', '/clock', { advance_seconds: seconds })).status).toBe(200);
  apiKey = await authenticate();
}

function webhooksFor(itemId: string, event?: string): ReceivedWebhook[] {
  return receiver.received.filter((webhook) => webhook.body.itemId === itemId && (event === undefined || webhook.body.event === event));
}

function hmac(body: string): string {
  return createHmac('sha256', SIGNING_SECRET).update(body).digest('hex');
}

// ---- authentication -----------------------------------------------------------------------------------------

describe('authentication', () => {
  it('issues an API key that is a JWT living two hours, and refuses wrong client keys with 401 CLIENT_KEYS_UNAUTHORIZED', async () => {
    const key = await authenticate();
    const claims = decodeJwtPayload(key);
    expect(Number(claims.exp) - Number(claims.iat)).toBe(7_200);

    const wrong = await call('POST', '/auth', { body: { clientId: CLIENT_ID, clientSecret: 'not-the-secret' }, key: null });
    expect(wrong.status).toBe(401);
    expect(wrong.body).toEqual({ code: 401, codeDescription: 'CLIENT_KEYS_UNAUTHORIZED', message: 'Client keys are invalid' });
  });

  it('answers 403 "Missing or invalid authorization token" without a key, with a forged one and once the key expired', async () => {
    const expected = { code: 403, message: 'Missing or invalid authorization token' };
    expect((await call('GET', '/categories', { key: null })).body).toEqual(expected);
    const forged = `${apiKey.slice(0, -4)}AAAA`;
    expect((await call('GET', '/categories', { key: forged })).status).toBe(403);

    const key = await authenticate();
    expect((await call('GET', '/categories', { key })).status).toBe(200);
    try {
      await control('POST', '/clock', { advance_seconds: 7_201 });
      const expired = await call('GET', '/categories', { key });
      expect(expired.status).toBe(403);
      expect(expired.body).toEqual(expected);
      // A fresh key is accepted again.
      expect((await call('GET', '/categories', { key: await authenticate() })).status).toBe(200);
    } finally {
      sandbox.clock.reset();
    }
  });

  it('revokes every issued key on request (the client must authenticate again)', async () => {
    const key = await authenticate();
    await control('POST', '/api-keys/revoke');
    expect((await call('GET', '/categories', { key })).status).toBe(403);
    apiKey = await authenticate();
    expect((await call('GET', '/categories')).status).toBe(200);
  });
});

// ---- connectors and connect tokens ---------------------------------------------------------------------------

describe('connectors and connect tokens', () => {
  it('lists the sandbox connectors only with sandbox=true and applies Pluggy’s filters', async () => {
    expect((await call('GET', '/connectors')).body.results).toEqual([]);
    const all = await call('GET', '/connectors?sandbox=true&countries=BR');
    expect(all.body.results.map((connector: any) => connector.id)).toEqual([0, 1, 2]);
    expect(all.body.results[0]).toMatchObject({ name: 'Pluggy Bank', type: 'PERSONAL_BANK', credentials: [{ name: 'user' }, { name: 'password' }] });

    const openFinance = await call('GET', '/connectors?sandbox=true&isOpenFinance=true');
    expect(openFinance.body.results.map((connector: any) => connector.id)).toEqual([2]);
    expect(openFinance.body.results[0]).toMatchObject({ oauth: true, isOpenFinance: true });
    expect((await call('GET', '/connectors?sandbox=true&name=mfa')).body.results.map((connector: any) => connector.id)).toEqual([1]);
    expect((await call('GET', '/connectors?sandbox=true&types=BUSINESS_BANK')).body.results).toEqual([]);

    expect((await call('GET', '/connectors/1')).body).toMatchObject({ id: 1, hasMFA: true });
    const missing = await call('GET', '/connectors/999');
    expect(missing.status).toBe(404);
    expect(missing.body.codeDescription).toBe('CONNECTOR_NOT_FOUND');
  });

  it('issues 30-minute connect tokens; an unknown itemId is 404 ITEM_NOT_FOUND; connect tokens reach only Pluggy Connect’s endpoints', async () => {
    const reply = await call('POST', '/connect_token', { body: { options: { clientUserId: 'user-hash-ct', avoidDuplicates: true } } });
    expect(reply.status).toBe(200);
    const token = reply.body.accessToken as string;
    const claims = decodeJwtPayload(token);
    expect(Number(claims.exp) - Number(claims.iat)).toBe(1_800);

    const unknown = await call('POST', '/connect_token', { body: { itemId: UNKNOWN_UUID } });
    expect(unknown.status).toBe(404);
    expect(unknown.body).toEqual({ code: 404, codeDescription: 'ITEM_NOT_FOUND', message: 'item not found' });

    expect((await call('GET', '/connectors?sandbox=true', { key: token })).status).toBe(200);
    expect((await call('GET', '/categories', { key: token })).status).toBe(403);
    expect((await call('POST', '/connect_token', { body: {}, key: token })).status).toBe(403);

    try {
      await control('POST', '/clock', { advance_seconds: 31 * 60 });
      expect((await call('GET', '/connectors?sandbox=true', { key: token })).status).toBe(403);
    } finally {
      sandbox.clock.reset();
    }
  });
});

// ---- the full Pluggy Bank flow ------------------------------------------------------------------------------

describe('Pluggy Bank: connect, sync, categorise, refresh, delete', () => {
  let itemId: string;
  let accounts: any[];
  let checking: any;
  let card: any;
  const itemHook = () => `${receiver.url}/item-hook`;

  it('creates the Item through a connect token and moves it UPDATING → UPDATED with the execution steps', async () => {
    const token = (await call('POST', '/connect_token', { body: { options: { clientUserId: 'user-hash-1', webhookUrl: itemHook() } } })).body.accessToken;
    const created = await createItem(0, { user: 'user-ok-perf-20', password: 'password-ok' }, { clientUserId: 'ignored-by-connect' }, token);
    itemId = created.id;
    expect(created).toMatchObject({ status: 'UPDATING', executionStatus: 'CREATING', clientUserId: 'user-hash-1', webhookUrl: itemHook(), error: null });

    const updated = await waitForItem(itemId, settled, token);
    expect(updated).toMatchObject({ status: 'UPDATED', executionStatus: 'SUCCESS', clientUserId: 'user-hash-1', error: null, parameter: null });
    expect(updated.lastUpdatedAt).toEqual(expect.any(String));
    const steps = sandbox.state.findItem(itemId)!.history.map((entry) => entry.executionStatus);
    expect(steps).toEqual(['CREATING', 'LOGIN_IN_PROGRESS', 'ACCOUNTS_IN_PROGRESS', 'CREDITCARDS_IN_PROGRESS', 'TRANSACTIONS_IN_PROGRESS', 'SUCCESS']);

    // The connect token may read the Item it created, and no other.
    const other = await connectedItem();
    expect((await call('GET', `/items/${other.id}`, { key: token })).status).toBe(403);

    const login = await receiver.waitFor((webhook) => webhook.body.itemId === itemId && webhook.body.event === 'item/login_succeeded');
    const createdEvent = await receiver.waitFor((webhook) => webhook.body.itemId === itemId && webhook.body.event === 'item/created');
    for (const webhook of [login, createdEvent]) {
      expect(webhook.path).toBe('/item-hook');
      expect(webhook.body).toMatchObject({ itemId, clientId: CLIENT_ID, clientUserId: 'user-hash-1', triggeredBy: 'USER' });
      expect(webhook.headers['x-pluggy-signature']).toBe(hmac(webhook.rawBody));
    }
    expect(login.body.eventId).not.toBe(createdEvent.body.eventId);
  });

  it('lists BANK (checking, savings) and CREDIT (credit card) accounts in BRL, paged, with a type filter', async () => {
    const reply = await call('GET', `/accounts?itemId=${itemId}`);
    expect(reply.body).toMatchObject({ total: 3, totalPages: 1, page: 1 });
    accounts = reply.body.results;
    expect(accounts.map((account) => [account.type, account.subtype, account.currencyCode])).toEqual([
      ['BANK', 'CHECKING_ACCOUNT', 'BRL'],
      ['BANK', 'SAVINGS_ACCOUNT', 'BRL'],
      ['CREDIT', 'CREDIT_CARD', 'BRL'],
    ]);
    checking = accounts[0];
    card = accounts[2];
    expect(checking.number).toMatch(/^0001\/\d{5}-\d$/);
    expect(card.creditData).toMatchObject({ brand: 'MASTERCARD', creditLimit: 15000 });
    expect(card.balance).toBeGreaterThanOrEqual(0);

    expect((await call('GET', `/accounts?itemId=${itemId}&type=CREDIT`)).body.results.map((account: any) => account.id)).toEqual([card.id]);
    expect((await call('GET', `/accounts/${checking.id}`)).body).toEqual(checking);
    expect((await call('GET', `/accounts/${UNKNOWN_UUID}`)).body.codeDescription).toBe('ACCOUNT_NOT_FOUND');
    expect((await call('GET', '/accounts')).status).toBe(400);
  });

  it('pages GET /v2/transactions by cursor to the end without duplicates, 500 rows a page', async () => {
    const { rows, pages, nextLinks } = await allTransactions(checking.id);
    const stored = sandbox.state.findItem(itemId)!.accounts[0]!.transactions.length;
    expect(rows).toHaveLength(stored);
    expect(new Set(rows.map((row) => row.id)).size).toBe(rows.length);
    expect(pages).toBe(Math.ceil(stored / 500));
    expect(pages).toBeGreaterThan(1);
    expect(rows.every((row) => row.accountId === checking.id && row.currencyCode === 'BRL')).toBe(true);
    // The cursor is base64 that needs %-encoding: it starts with "+++/".
    expect(nextLinks[0]).toMatch(/^\?accountId=[0-9a-f-]{36}&after=%2B%2B%2B%2F/);

    // Pluggy's sign convention: bank money out is negative DEBIT, money in positive CREDIT.
    expect(rows.filter((row) => row.type === 'DEBIT').every((row) => row.amount < 0)).toBe(true);
    expect(rows.filter((row) => row.type === 'CREDIT').every((row) => row.amount > 0)).toBe(true);
    expect(rows.every((row) => /^\d{8}$/.test(row.categoryId) && typeof row.category === 'string')).toBe(true);
    expect(new Set(rows.map((row) => row.status))).toEqual(new Set(['POSTED', 'PENDING']));

    const cardRows = (await allTransactions(card.id)).rows;
    expect(cardRows.filter((row) => row.type === 'DEBIT').every((row) => row.amount > 0 && row.creditCardMetadata !== null)).toBe(true);

    // A cursor sent without %-encoding arrives with spaces for "+" and is refused.
    const rawCursor = new URLSearchParams((nextLinks[0] as string).slice(1)).get('after') as string;
    const unencoded = await call('GET', `/v2/transactions?accountId=${checking.id}&after=${rawCursor}`);
    expect(unencoded.status).toBe(400);
    expect(unencoded.body.message).toBe('after must be a valid cursor');
  });

  it('filters /v2/transactions by date, creation time and ids, and rejects page-number parameters', async () => {
    const rows = (await allTransactions(checking.id)).rows;
    const middle = rows[Math.floor(rows.length / 2)];
    const day = saoPauloDay(middle.date as string);
    const sameDay = (await allTransactions(checking.id, `&dateFrom=${day}&dateTo=${day}`)).rows;
    expect(sameDay.length).toBeGreaterThan(0);
    // Date-only bounds are São Paulo calendar days.
    expect(sameDay.every((row) => saoPauloDay(row.date as string) === day)).toBe(true);

    const ids = rows.slice(0, 3).map((row) => row.id);
    expect((await allTransactions(checking.id, `&ids=${ids.join(',')}`)).rows.map((row) => row.id).sort()).toEqual([...ids].sort());
    expect((await allTransactions(checking.id, `&createdAtFrom=${encodeURIComponent(new Date(Date.now() + 3_600_000).toISOString())}`)).rows).toEqual([]);

    const legacy = await call('GET', `/v2/transactions?accountId=${checking.id}&from=2024-01-01&pageSize=50`);
    expect(legacy.status).toBe(400);
    expect(legacy.body).toEqual({ code: 400, message: 'property from should not exist, property pageSize should not exist' });
    const both = await call('GET', `/v2/transactions?accountId=${checking.id}&dateFrom=2024-01-01&createdAtFrom=2024-01-01T00:00:00.000Z`);
    expect(both.status).toBe(400);
    expect((await call('GET', '/v2/transactions')).body.message).toBe('accountId should not be null or undefined,accountId must be a UUID');
    // The page-numbered endpoint is retired for new accounts.
    const v1 = await call('GET', `/transactions?accountId=${checking.id}`);
    expect(v1.status).toBe(410);
    expect(v1.body.codeDescription).toBe('ENDPOINT_DEPRECATED');
  });

  it('takes category feedback with PATCH /transactions/{id} and records it', async () => {
    const transaction = (await call('GET', `/v2/transactions?accountId=${checking.id}`)).body.results[0];
    expect((await call('GET', `/transactions/${transaction.id}`)).body).toEqual(transaction);
    const newCategory = transaction.categoryId === '10000000' ? '11010000' : '10000000';

    const patched = await call('PATCH', `/transactions/${transaction.id}`, { body: { categoryId: newCategory } });
    expect(patched.status).toBe(200);
    expect(patched.body).toMatchObject({ id: transaction.id, categoryId: newCategory, category: newCategory === '10000000' ? 'Groceries' : 'Eating out' });
    expect((await call('GET', `/transactions/${transaction.id}`)).body.categoryId).toBe(newCategory);
    expect((await control('GET', `/category-updates?transaction_id=${transaction.id}`)).body.updates).toEqual([
      expect.objectContaining({ transactionId: transaction.id, itemId, categoryId: newCategory, previousCategoryId: transaction.categoryId }),
    ]);

    const unknownCategory = await call('PATCH', `/transactions/${transaction.id}`, { body: { categoryId: '12345678' } });
    expect(unknownCategory.status).toBe(400);
    expect(unknownCategory.body.codeDescription).toBe('CATEGORY_NOT_FOUND');
    expect((await call('PATCH', `/transactions/${UNKNOWN_UUID}`, { body: { categoryId: newCategory } })).body).toEqual({ code: 404, message: 'Transaction not found' });
  });

  it('announces what an auto-sync found with transactions/created (and a link to exactly those) and transactions/updated', async () => {
    const pendingBefore = (await allTransactions(checking.id)).rows.filter((row) => row.status === 'PENDING').map((row) => row.id);
    sandbox.refresh(itemId, { newTransactions: 3, postPending: true });
    const createdEvent = await receiver.waitFor((webhook) => webhook.body.itemId === itemId && webhook.body.event === 'transactions/created' && webhook.body.accountId === checking.id);
    expect(createdEvent.body).toMatchObject({ triggeredBy: 'SYNC', clientId: CLIENT_ID, transactionsCreatedAtFrom: expect.any(String) });
    await receiver.waitFor((webhook) => webhook.body.itemId === itemId && webhook.body.event === 'item/updated');

    const link = new URL(createdEvent.body.createdTransactionsLink as string);
    expect(link.pathname).toBe('/v2/transactions');
    const created = await call('GET', `${link.pathname}${link.search}`);
    expect(created.body.results).toHaveLength(3);
    expect(created.body.next).toBeNull();

    expect(pendingBefore.length).toBeGreaterThan(0);
    const updatedEvent = await receiver.waitFor((webhook) => webhook.body.itemId === itemId && webhook.body.event === 'transactions/updated' && webhook.body.accountId === checking.id);
    expect([...(updatedEvent.body.transactionIds as string[])].sort()).toEqual([...pendingBefore].sort());
    expect((await call('GET', `/transactions/${pendingBefore[0]}`)).body.status).toBe('POSTED');
  });

  it('moves lastUpdatedAt with every successful update, but not when Pluggy re-categorizes outside one (transactions/updated)', async () => {
    const before = (await call('GET', `/items/${itemId}`)).body.lastUpdatedAt as string;
    sandbox.clock.advance(60_000);
    const enriched = await control('POST', `/items/${itemId}/enrich`, { perAccount: 2 });
    expect(enriched.status).toBe(200);
    const onChecking = (enriched.body.changed as { accountId: string; ids: string[] }[]).find((entry) => entry.accountId === checking.id)!;
    expect(onChecking.ids).toHaveLength(2);
    const event = await receiver.waitFor(
      (webhook) => webhook.body.itemId === itemId && webhook.body.event === 'transactions/updated' && webhook.body.triggeredBy === 'INTERNAL' && webhook.body.accountId === checking.id,
    );
    expect(event.body.transactionIds).toEqual(onChecking.ids);
    const row = (await call('GET', `/transactions/${onChecking.ids[0]}`)).body;
    expect(['21000000', '99999999']).toContain(row.categoryId);
    expect(Date.parse(row.updatedAt)).toBeGreaterThan(Date.parse(before));
    expect((await call('GET', `/items/${itemId}`)).body.lastUpdatedAt).toBe(before);

    sandbox.refresh(itemId, { newTransactions: 1 });
    sandbox.completeExecution(itemId);
    const updated = await waitForItem(itemId, settled);
    expect(updated.status).toBe('UPDATED');
    expect(Date.parse(updated.lastUpdatedAt)).toBeGreaterThan(Date.parse(before));
  });

  it('deletes the Item: 200 {count: 1}, item/deleted, and every later Item, account and transaction call is 404', async () => {
    const transactionId = (await call('GET', `/v2/transactions?accountId=${checking.id}`)).body.results[0].id;
    const deleted = await call('DELETE', `/items/${itemId}`);
    expect(deleted.status).toBe(200);
    expect(deleted.body).toEqual({ count: 1 });

    expect((await call('GET', `/items/${itemId}`)).body).toEqual({ code: 404, codeDescription: 'ITEM_NOT_FOUND', message: 'item not found' });
    expect((await call('GET', `/accounts?itemId=${itemId}`)).status).toBe(404);
    expect((await call('GET', `/accounts/${checking.id}`)).status).toBe(404);
    expect((await call('GET', `/v2/transactions?accountId=${checking.id}`)).status).toBe(404);
    expect((await call('GET', `/transactions/${transactionId}`)).status).toBe(404);
    expect((await call('DELETE', `/items/${itemId}`)).status).toBe(404);
    const event = await receiver.waitFor((webhook) => webhook.body.itemId === itemId && webhook.body.event === 'item/deleted');
    expect(event.body.triggeredBy).toBe('CLIENT');
    expect((await control('GET', `/items/${itemId}`)).body.item).toMatchObject({ deleted: true });
  });
});

// ---- MFA, wrong credentials, error users -------------------------------------------------------------------

describe('MFA connector', () => {
  it('waits for the one-time token, refuses a wrong one with INVALID_CREDENTIALS_MFA and completes with 123456', async () => {
    const created = await createItem(1, { user: 'user-ok', password: 'password-ok' }, { webhookUrl: `${receiver.url}/item-hook`, clientUserId: 'user-hash-mfa' });
    const waiting = await waitForItem(created.id, settled);
    expect(waiting).toMatchObject({ status: 'WAITING_USER_INPUT', executionStatus: 'WAITING_USER_INPUT', parameter: { name: 'token', type: 'number', label: 'Token' } });
    expect(Date.parse(waiting.parameter.expiresAt)).toBeGreaterThan(Date.now());
    await receiver.waitFor((webhook) => webhook.body.itemId === created.id && webhook.body.event === 'item/waiting_user_input');

    const wrong = await call('POST', `/items/${created.id}/mfa`, { body: { token: '000000' } });
    expect(wrong.status).toBe(200);
    expect(wrong.body).toMatchObject({ status: 'LOGIN_ERROR', executionStatus: 'INVALID_CREDENTIALS_MFA', error: { code: 'INVALID_CREDENTIALS_MFA' } });
    const errorEvent = await receiver.waitFor((webhook) => webhook.body.itemId === created.id && webhook.body.event === 'item/error');
    expect(errorEvent.body.error).toMatchObject({ code: 'INVALID_CREDENTIALS_MFA' });
    expect((await call('POST', `/items/${created.id}/mfa`, { body: { token: '123456' } })).status).toBe(400);

    await call('PATCH', `/items/${created.id}`, { body: { parameters: { user: 'user-ok', password: 'password-ok' } } });
    await waitForItem(created.id, (item) => item.status === 'WAITING_USER_INPUT');
    const answered = await call('POST', `/items/${created.id}/mfa`, { body: { token: '123456' } });
    expect(answered.body).toMatchObject({ status: 'UPDATING', executionStatus: 'LOGIN_MFA_IN_PROGRESS' });
    expect(await waitForItem(created.id, settled)).toMatchObject({ status: 'UPDATED', executionStatus: 'SUCCESS' });
    expect((await call('GET', `/accounts?itemId=${created.id}`)).body.total).toBe(3);
  });
});

describe('credentials and execution errors', () => {
  it('ends wrong credentials in LOGIN_ERROR / INVALID_CREDENTIALS; PATCH with good ones repairs the Item', async () => {
    const created = await createItem(0, { user: 'user-ok', password: 'wrong-password' }, { webhookUrl: `${receiver.url}/item-hook` });
    const failed = await waitForItem(created.id, settled);
    expect(failed).toMatchObject({ status: 'LOGIN_ERROR', executionStatus: 'INVALID_CREDENTIALS', error: { code: 'INVALID_CREDENTIALS', message: 'Invalid credentials.' }, consecutiveFailedLoginAttempts: 1 });
    expect((await call('GET', `/accounts?itemId=${created.id}`)).body.results).toEqual([]);
    await receiver.waitFor((webhook) => webhook.body.itemId === created.id && webhook.body.event === 'item/error');

    const patched = await call('PATCH', `/items/${created.id}`, { body: { parameters: { user: 'user-ok', password: 'password-ok' } } });
    expect(patched.body).toMatchObject({ status: 'UPDATING', executionStatus: 'LOGIN_IN_PROGRESS', error: null });
    expect(await waitForItem(created.id, settled)).toMatchObject({ status: 'UPDATED', executionStatus: 'SUCCESS', consecutiveFailedLoginAttempts: 0 });
    expect((await call('GET', `/accounts?itemId=${created.id}`)).body.total).toBe(3);
    // item/created waits for the first successful connection.
    await receiver.waitFor((webhook) => webhook.body.itemId === created.id && webhook.body.event === 'item/created');
    expect(webhooksFor(created.id, 'item/updated')).toEqual([]);
  });

  it('validates parameters against the connector, honours avoidDuplicates and refuses a second update while one runs', async () => {
    const missing = await call('POST', '/items', { body: { connectorId: 0, parameters: { user: 'user-ok' } } });
    expect(missing.status).toBe(400);
    expect(missing.body).toMatchObject({ codeDescription: 'CONNECTOR_VALIDATION_ERROR', errors: [{ code: '001', parameter: 'password' }] });
    expect((await call('POST', '/items', { body: { connectorId: 77, parameters: {} } })).body.codeDescription).toBe('CONNECTOR_NOT_FOUND');

    const first = await createItem(0, { user: 'user-ok', password: 'password-ok' }, { clientUserId: 'user-hash-dup', avoidDuplicates: true });
    const duplicate = await call('POST', '/items', { body: { connectorId: 0, parameters: { user: 'user-ok', password: 'password-ok' }, clientUserId: 'user-hash-dup', avoidDuplicates: true } });
    expect(duplicate.status).toBe(400);
    expect(duplicate.body).toMatchObject({ codeDescription: 'ITEM_USER_ALREADY_EXISTS', items: [first.id] });

    const created = await createItem(0, { user: 'user-ok', password: 'password-ok' });
    const busy = await call('PATCH', `/items/${created.id}`, { body: {} });
    expect(busy.status).toBe(400);
    expect(busy.body.codeDescription).toBe('ITEM_ALREADY_UPDATING');
  });

  it('ends Pluggy Bank’s error users in their documented statuses', async () => {
    const cases: Array<[user: string, status: string, executionStatus: string]> = [
      ['user-unavailable', 'OUTDATED', 'SITE_NOT_AVAILABLE'],
      ['user-error', 'OUTDATED', 'UNEXPECTED_ERROR'],
      ['user-connection-error', 'OUTDATED', 'CONNECTION_ERROR'],
      ['user-logged', 'OUTDATED', 'ALREADY_LOGGED_IN'],
      ['user-locked', 'LOGIN_ERROR', 'ACCOUNT_LOCKED'],
      ['user-account-credentials-reset', 'LOGIN_ERROR', 'ACCOUNT_CREDENTIALS_RESET'],
    ];
    for (const [user, status, executionStatus] of cases) {
      const item = await connectedItem(user);
      expect(item, user).toMatchObject({ status, executionStatus, error: { code: executionStatus } });
    }
    const needsAction = await connectedItem('user-account-need-actions-provider-message');
    expect(needsAction.error).toMatchObject({ code: 'ACCOUNT_NEEDS_ACTION', providerMessage: expect.any(String) });

    const partial = await connectedItem('user-ok-account-error');
    expect(partial).toMatchObject({ status: 'UPDATED', executionStatus: 'PARTIAL_SUCCESS', statusDetail: { accounts: { isUpdated: false }, creditCards: { isUpdated: true } } });
    expect((await call('GET', `/accounts?itemId=${partial.id}`)).body.results.map((account: any) => account.type)).toEqual(['CREDIT']);
  });

  it('lets tests script OUTDATED runs: twice OUTDATED, then success', async () => {
    const item = await connectedItem();
    expect((await control('POST', '/outcomes', { itemId: item.id, outcomes: ['SITE_NOT_AVAILABLE', 'SITE_NOT_AVAILABLE'] })).status).toBe(201);
    const statuses: string[] = [];
    for (let run = 0; run < 3; run += 1) {
      // Client updates of one Item are at least 24 hours apart (409 otherwise): let a day pass each time.
      await passTime(25 * 3600);
      expect((await call('PATCH', `/items/${item.id}`, { body: {} })).status).toBe(200);
      statuses.push((await control('POST', `/items/${item.id}/complete`)).body.item.status);
    }
    expect(statuses).toEqual(['OUTDATED', 'OUTDATED', 'UPDATED']);
  });
});

// ---- Open Finance ----------------------------------------------------------------------------------------

describe('Open Finance connector', () => {
  it('waits in WAITING_USER_ACTION until the user authorises at the bank, then syncs with a consent', async () => {
    const created = await createItem(2, { cpf: '761.092.776-73' }, { oauthRedirectUri: 'https://app.example/pluggy/callback', webhookUrl: `${receiver.url}/item-hook` });
    const waiting = await waitForItem(created.id, settled);
    expect(waiting).toMatchObject({ status: 'WAITING_USER_ACTION', executionStatus: 'WAITING_USER_ACTION', userAction: { type: 'authorize-access', instructions: expect.any(String), attributes: { url: expect.any(String) } } });
    expect(Date.parse(waiting.userAction.expiresAt)).toBeGreaterThan(Date.now());
    await receiver.waitFor((webhook) => webhook.body.itemId === created.id && webhook.body.event === 'item/waiting_user_action');
    expect((await call('GET', `/consents?itemId=${created.id}`)).body.results).toEqual([]);

    // Opening the authorisation URL is the user approving at the bank; it redirects back to the app.
    const authorize = await fetch(waiting.userAction.attributes.url, { redirect: 'manual' });
    expect(authorize.status).toBe(302);
    expect(authorize.headers.get('location')).toBe(`https://app.example/pluggy/callback?itemId=${created.id}`);
    expect(await waitForItem(created.id, settled)).toMatchObject({ status: 'UPDATED', executionStatus: 'SUCCESS', consentExpiresAt: null });

    const consents = await call('GET', `/consents?itemId=${created.id}`);
    expect(consents.body.total).toBe(1);
    const consent = consents.body.results[0];
    expect(consent).toMatchObject({ itemId: created.id, revokedAt: null, expiresAt: null, products: expect.arrayContaining(['ACCOUNTS', 'TRANSACTIONS']) });
    expect(consent.openFinancePermissionsGranted).toEqual(expect.arrayContaining(['ACCOUNTS_ALL', 'ACCOUNTS_TRANSACTIONS']));
    expect((await call('GET', `/consents/${consent.id}`)).body).toEqual(consent);
    const accounts = (await call('GET', `/accounts?itemId=${created.id}`)).body.results;
    expect(accounts.length).toBeGreaterThan(0);
    const rows = (await call('GET', `/v2/transactions?accountId=${accounts[0].id}`)).body.results;
    expect(rows.every((row: any) => typeof row.providerId === 'string')).toBe(true);

    // An expired consent hides the data until the user authorises again.
    await control('POST', `/consents/${consent.id}/expire`);
    expect((await call('GET', `/accounts?itemId=${created.id}`)).body.results).toEqual([]);
    expect((await call('GET', `/v2/transactions?accountId=${accounts[0].id}`)).body).toEqual({ results: [], next: null });
    await passTime(25 * 3600);
    expect((await call('PATCH', `/items/${created.id}`, { body: {} })).status).toBe(200);
    expect((await control('POST', `/items/${created.id}/complete`)).body.item.status).toBe('WAITING_USER_ACTION');
    await control('POST', `/items/${created.id}/authorize`, { consentExpiresInDays: 90 });
    sandbox.completeExecution(created.id);
    const renewed = (await call('GET', `/items/${created.id}`)).body;
    expect(renewed.status).toBe('UPDATED');
    expect(Date.parse(renewed.consentExpiresAt) - Date.now()).toBeGreaterThan(89 * 86_400_000);
    expect((await call('GET', `/accounts?itemId=${created.id}`)).body.results).toHaveLength(accounts.length);

    // Deleting the Item revokes its consents (observable through the control endpoint only).
    expect((await call('DELETE', `/items/${created.id}`)).status).toBe(200);
    const afterDelete = (await control('GET', `/consents?item_id=${created.id}`)).body.consents;
    expect(afterDelete).toHaveLength(2);
    expect(afterDelete.every((entry: any) => entry.revokedAt !== null && entry.itemDeleted === true)).toBe(true);
    expect((await call('GET', `/consents?itemId=${created.id}`)).status).toBe(404);
  });

  it('ends a refused authorisation in LOGIN_ERROR / USER_AUTHORIZATION_NOT_GRANTED', async () => {
    const created = await createItem(2, { cpf: '76109277673' });
    sandbox.completeExecution(created.id);
    const refused = await control('POST', `/items/${created.id}/authorize`, { granted: false });
    expect(refused.body.item).toMatchObject({ status: 'LOGIN_ERROR', executionStatus: 'USER_AUTHORIZATION_NOT_GRANTED' });
    expect((await call('POST', '/items', { body: { connectorId: 2, parameters: { cpf: '123' } } })).body.codeDescription).toBe('CONNECTOR_VALIDATION_ERROR');
  });
});

// ---- webhooks ------------------------------------------------------------------------------------------------

describe('webhooks', () => {
  it('registers, lists, updates and deletes webhooks with Pluggy’s validation', async () => {
    const created = await call('POST', '/webhooks', { body: { url: `${receiver.url}/registered`, event: 'item/updated', headers: { 'X-Webhook-Secret': 's3cret' } } });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ url: `${receiver.url}/registered`, event: 'item/updated', disabledAt: null });
    expect(created.body).not.toHaveProperty('headers');
    const id = created.body.id as string;

    expect((await call('GET', '/webhooks')).body.results.map((webhook: any) => webhook.id)).toContain(id);
    expect((await call('GET', `/webhooks/${id}`)).body.id).toBe(id);
    // The document's PATCH body requires url and event (the SDK's UpdateWebhook makes them optional; both work).
    expect((await call('PATCH', `/webhooks/${id}`, { body: { url: `${receiver.url}/registered`, event: 'transactions/created' } })).body.event).toBe('transactions/created');

    const duplicate = await call('POST', '/webhooks', { body: { url: `${receiver.url}/registered`, event: 'transactions/created' } });
    expect(duplicate.status).toBe(400);
    expect(duplicate.body.message).toContain('already exists');
    expect((await call('POST', '/webhooks', { body: { url: `${receiver.url}/x`, event: 'item/nothing' } })).body).toEqual({ code: 400, message: "Invalid event type 'item/nothing' for webhook" });

    expect((await call('DELETE', `/webhooks/${id}`)).body).toEqual({ count: 1 });
    expect((await call('GET', `/webhooks/${id}`)).body.codeDescription).toBe('WEBHOOK_NOT_FOUND');
  });

  it('delivers events with the registered headers, an HMAC signature, a unique eventId and Pluggy’s fields; the item webhookUrl gets no custom headers', async () => {
    const registration = (await call('POST', '/webhooks', { body: { url: `${receiver.url}/registered`, event: 'all', headers: { 'X-Webhook-Secret': 's3cret' } } })).body;
    try {
      const item = await connectedItem('user-ok', { clientUserId: 'user-hash-wh', webhookUrl: `${receiver.url}/item-hook` });
      const registered = await receiver.waitFor((webhook) => webhook.path === '/registered' && webhook.body.itemId === item.id && webhook.body.event === 'item/created');
      const direct = await receiver.waitFor((webhook) => webhook.path === '/item-hook' && webhook.body.itemId === item.id && webhook.body.event === 'item/created');

      expect(registered.headers['x-webhook-secret']).toBe('s3cret');
      expect(direct.headers['x-webhook-secret']).toBeUndefined();
      for (const webhook of [registered, direct]) {
        expect(webhook.headers['x-pluggy-signature']).toBe(hmac(webhook.rawBody));
        expect(webhook.body).toEqual({ id: item.id, eventId: expect.any(String), event: 'item/created', itemId: item.id, clientId: CLIENT_ID, clientUserId: 'user-hash-wh', triggeredBy: 'CLIENT' });
      }
      // One event, two deliveries: same eventId.
      expect(registered.body.eventId).toBe(direct.body.eventId);
      const eventIds = webhooksFor(item.id).filter((webhook) => webhook.path === '/registered').map((webhook) => webhook.body.eventId);
      expect(new Set(eventIds).size).toBe(eventIds.length);

      sandbox.setConnectorStatus(0, 'UNSTABLE');
      const status = await receiver.waitFor((webhook) => webhook.body.event === 'connector/status_updated');
      expect(status.body).toMatchObject({ connectorId: 0, data: { status: 'UNSTABLE' } });
      expect((await call('GET', '/connectors/0')).body.health.status).toBe('UNSTABLE');
      sandbox.setConnectorStatus(0, 'ONLINE');
    } finally {
      await call('DELETE', `/webhooks/${registration.id}`);
      await sandbox.webhooks.idle();
    }
  });

  it('retries failed deliveries, never retries a 401, and re-sends an event on request (a duplicate for dedupe tests)', async () => {
    const hook = `${receiver.url}/retry-hook`;
    receiver.failNext(2, 503);
    const retried = await connectedItem('user-error', { webhookUrl: hook });
    await sandbox.webhooks.idle();
    const delivery = sandbox.webhooks.deliveries({ itemId: retried.id, label: 'item/error' })[0]!;
    expect(delivery).toMatchObject({ status: 'delivered', attempts: 3 });

    receiver.failNext(1, 401);
    const refused = await connectedItem('user-locked', { webhookUrl: hook });
    await sandbox.webhooks.idle();
    expect(sandbox.webhooks.deliveries({ itemId: refused.id, label: 'item/error' })[0]).toMatchObject({ status: 'failed', attempts: 1, lastStatus: 401 });

    const event = sandbox.webhooks.events({ itemId: retried.id, event: 'item/error' })[0]!;
    const resent = await control('POST', `/webhook-events/${event.eventId}/resend`);
    expect(resent.status).toBe(200);
    await sandbox.webhooks.idle();
    const copies = receiver.received.filter((webhook) => webhook.body.eventId === event.eventId);
    expect(copies).toHaveLength(2);
    expect(copies[0]!.rawBody).toBe(copies[1]!.rawBody);
  });
});

// ---- faults, rate limits, categories --------------------------------------------------------------------

describe('faults and rate limits', () => {
  it('answers an injected 429 with Pluggy’s body and RateLimit-Limit, RateLimit-Reset and Retry-After', async () => {
    await control('POST', '/faults', { endpoint: '/categories', fault: { type: 'status', status: 429 } });
    const limited = await call('GET', '/categories');
    expect(limited.status).toBe(429);
    expect(limited.body).toEqual({ code: 429, message: 'Too many requests, please try again later.' });
    expect([limited.headers.get('ratelimit-limit'), limited.headers.get('ratelimit-reset'), limited.headers.get('retry-after')]).toEqual(['360', '60', '60']);
    expect((await call('GET', '/categories')).status).toBe(200);

    await control('POST', '/faults', { endpoint: 'GET /categories', fault: { type: 'rate_limit', retry_after_seconds: 1, reset_seconds: 1 } });
    const short = await call('GET', '/categories');
    expect([short.status, short.headers.get('retry-after'), short.headers.get('ratelimit-reset')]).toEqual([429, '1', '1']);
  });

  it('enforces real per-minute limits when configured', async () => {
    const limitedSandbox = await startPluggySandbox({ port: 0, rateLimits: { 'POST /auth': 2 } });
    try {
      const body = JSON.stringify({ clientId: limitedSandbox.credentials.clientId, clientSecret: limitedSandbox.credentials.clientSecret });
      const statuses: number[] = [];
      let last: Response | undefined;
      for (let attempt = 0; attempt < 3; attempt += 1) {
        last = await fetch(`${limitedSandbox.url}/auth`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body });
        statuses.push(last.status);
      }
      expect(statuses).toEqual([200, 200, 429]);
      expect(last!.headers.get('ratelimit-limit')).toBe('2');
      expect(Number(last!.headers.get('ratelimit-reset'))).toBeGreaterThan(0);
    } finally {
      await limitedSandbox.stop();
    }
  });

  it('targets faults by method and template, by query value, and supports count, after, delay and disconnect', async () => {
    const item = await connectedItem();
    const accounts = (await call('GET', `/accounts?itemId=${item.id}`)).body.results;
    const [checking, savings] = accounts;
    const transactionId = (await call('GET', `/v2/transactions?accountId=${checking.id}`)).body.results[0].id;

    await control('POST', '/faults', { endpoint: 'PATCH /transactions/{id}', fault: { type: 'status', status: 500 }, count: 3 });
    expect((await call('GET', `/transactions/${transactionId}`)).status).toBe(200);
    const statuses: number[] = [];
    for (let attempt = 0; attempt < 4; attempt += 1) statuses.push((await call('PATCH', `/transactions/${transactionId}`, { body: { categoryId: '10000000' } })).status);
    expect(statuses).toEqual([500, 500, 500, 200]);
    expect(sandbox.categoryUpdates({ transactionId })).toHaveLength(1);

    await control('POST', '/faults', { endpoint: `GET /v2/transactions?accountId=${savings.id}`, fault: { type: 'error', error_code: 'INTERNAL_SERVER_ERROR' }, after: 1 });
    expect((await call('GET', `/v2/transactions?accountId=${savings.id}`)).status).toBe(200);
    expect((await call('GET', `/v2/transactions?accountId=${checking.id}`)).status).toBe(200);
    expect((await call('GET', `/v2/transactions?accountId=${savings.id}`)).body).toEqual({ code: 500, codeDescription: 'INTERNAL_SERVER_ERROR', message: 'Internal Server Error' });

    await control('POST', '/faults', { endpoint: '/items/{id}', fault: { type: 'delay', ms: 50 } });
    expect((await call('GET', `/items/${item.id}`)).status).toBe(200);
    expect(sandbox.recorder.list({ path: `/items/${item.id}` }).at(-1)).toMatchObject({ status: 200, fault: 'delay:50ms' });

    await control('POST', '/faults', { endpoint: `/items/${item.id}`, fault: { type: 'disconnect' } });
    await expect(call('GET', `/items/${item.id}`)).rejects.toThrow();
    expect((await control('GET', '/faults')).body.faults).toEqual([]);

    const log = (await control('GET', `/requests?path=/v2/transactions`)).body.requests;
    expect(log.at(-1)).toMatchObject({ method: 'GET', query: `accountId=${savings.id}`, status: 500, fault: 'error:INTERNAL_SERVER_ERROR' });
    expect(log.at(-1).requestHeaders['x-api-key']).toBe('[REDACTED]');
    expect(sandbox.recorder.list({ path: '/auth' }).at(-1)?.responseBody).toEqual({ apiKey: '[REDACTED]' });
  });

  it('serves the category tree with 8-digit ids and parents', async () => {
    const categories = await call('GET', '/categories');
    expect(categories.body.results.length).toBeGreaterThan(20);
    expect(categories.body.results.find((category: any) => category.id === '01010000')).toEqual({
      id: '01010000',
      description: 'Salary/pro-labore',
      descriptionTranslated: 'Salário',
      parentId: '01000000',
      parentDescription: 'Income',
    });
    expect((await call('GET', '/categories?parentId=11000000')).body.results.map((category: any) => category.id)).toEqual(['11010000', '11020000']);
    expect((await call('GET', '/categories/99999999')).body.description).toBe('Other');
    expect((await call('GET', '/categories/00000001')).body.codeDescription).toBe('CATEGORY_NOT_FOUND');
  });
});

describe('as strict as Pluggy', () => {
  it('answers GET /webhooks with an empty 204 when none is registered', async () => {
    const fresh = await startPluggySandbox({ port: 0 });
    try {
      const auth = await fetch(`${fresh.url}/auth`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(fresh.credentials) });
      const { apiKey: key } = (await auth.json()) as { apiKey: string };
      const listed = await fetch(`${fresh.url}/webhooks`, { headers: { 'X-API-KEY': key } });
      expect(listed.status).toBe(204);
      expect(await listed.text()).toBe('');
    } finally {
      await fresh.stop();
    }
  });

  it('refuses client item updates more often than every 24 hours (409) and more than 20 a minute (429)', async () => {
    const item = await connectedItem();
    const refused = await call('PATCH', `/items/${item.id}`, { body: {} });
    expect(refused.status).toBe(409);
    expect(refused.body).toMatchObject({ codeDescription: 'CLIENT_IS_UPDATING_BEFORE_ALLOWED_FREQUENCY', data: { minUpdateFrequencyAllowedInHours: 24, lastUpdatedAt: item.lastUpdatedAt } });
    // The server's Date header follows the sandbox clock, so a client can measure "not before" in Pluggy's time.
    await passTime(24 * 3600 + 60);
    const allowed = await call('PATCH', `/items/${item.id}`, { body: {} });
    expect(allowed.status).toBe(200);
    expect(Date.parse(allowed.headers.get('date')!)).toBeGreaterThan(Date.now() + 23 * 3_600_000);
    // New credentials are not limited by frequency, only by the endpoint's rate limit.
    sandbox.completeExecution(item.id);
    let limited: Reply | undefined;
    for (let attempt = 0; attempt < 25 && limited === undefined; attempt += 1) {
      const reply = await call('PATCH', `/items/${item.id}`, { body: { parameters: { user: 'user-ok', password: 'password-ok' } } });
      if (reply.status === 429) limited = reply;
      else sandbox.completeExecution(item.id);
    }
    expect(limited?.headers.get('retry-after')).toBe('60');
  });

  it('continues a cursor only with the same filters sent again', async () => {
    const small = await startPluggySandbox({ port: 0, transactionsPageSize: 20 });
    try {
      const auth = await fetch(`${small.url}/auth`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(small.credentials) });
      const headers = { 'Content-Type': 'application/json', 'X-API-KEY': ((await auth.json()) as { apiKey: string }).apiKey };
      const get = async (path: string) => fetch(`${small.url}${path}`, { headers });
      const item = (await (await fetch(`${small.url}/items`, { method: 'POST', headers, body: JSON.stringify({ connectorId: 0, parameters: { user: 'user-ok', password: 'password-ok' } }) })).json()) as { id: string; createdAt: string };
      small.completeExecution(item.id);
      const accountId = small.state.findItem(item.id)!.accounts[0]!.id;
      const createdAtFrom = encodeURIComponent(new Date(Date.parse(item.createdAt) - 60_000).toISOString());
      const first = (await (await get(`/v2/transactions?accountId=${accountId}&createdAtFrom=${createdAtFrom}`)).json()) as { next: string };
      expect(first.next).toMatch(/^\?accountId=[0-9a-f-]{36}&after=[^&]+$/);
      // `next` alone drops the filter: refused rather than silently widening the listing.
      expect((await get(`/v2/transactions${first.next}`)).status).toBe(400);
      expect((await get(`/v2/transactions${first.next}&createdAtFrom=${createdAtFrom}`)).status).toBe(200);
    } finally {
      await small.stop();
    }
  });

  it('pages consents 20 at a time and gives bank accounts an available balance with the pending rows', async () => {
    const item = await connectedItem();
    const paged = await call('GET', `/consents?itemId=${item.id}&page=1&pageSize=5`);
    expect(paged.body).toMatchObject({ page: 1, total: 0, totalPages: 0, results: [] });
    expect((await call('GET', `/consents?itemId=${item.id}&pageSize=501`)).status).toBe(400);
    const checking = (await call('GET', `/accounts?itemId=${item.id}&type=BANK`)).body.results[0];
    const rows = (await allTransactions(checking.id)).rows;
    const pending = rows.filter((row) => row.status === 'PENDING').reduce((sum, row) => sum + row.amount, 0);
    expect(pending).not.toBe(0);
    expect(checking.bankData.closingBalance).toBeCloseTo(checking.balance + pending, 2);
  });

  it('loses webhook events on request, and only those', async () => {
    const item = await connectedItem('user-ok', { webhookUrl: `${receiver.url}/dropped` });
    await control('POST', '/webhooks/drop', { events: ['item/updated'], count: 1 });
    sandbox.refresh(item.id);
    sandbox.completeExecution(item.id);
    await sandbox.webhooks.idle();
    const events = sandbox.webhooks.events({ itemId: item.id });
    expect(events.filter((event) => event.event === 'item/updated').map((event) => event.dropped)).toEqual([true]);
    expect(events.filter((event) => event.event === 'transactions/created').every((event) => !event.dropped)).toBe(true);
    expect(webhooksFor(item.id, 'item/updated')).toEqual([]);
  });
});

describe('defaults', () => {
  it('accepts the provisioned local keys and does not sign webhooks without a secret', async () => {
    const previous = process.env.PLUGGY_SANDBOX_WEBHOOK_SIGNING_SECRET;
    delete process.env.PLUGGY_SANDBOX_WEBHOOK_SIGNING_SECRET;
    const plain = await startPluggySandbox({ port: 0, itemDeleteStatus: 204 });
    try {
      expect(plain.credentials).toEqual({ clientId: localProviderCredentials.pluggy.client_id, clientSecret: 'local-pluggy-secret' });
      // Pluggy's client ids are UUIDs.
      expect(plain.credentials.clientId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
      expect(plain.webhooks.signingSecret).toBeUndefined();
      const auth = await fetch(`${plain.url}/auth`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ clientId: localProviderCredentials.pluggy.client_id, clientSecret: 'local-pluggy-secret' }) });
      const { apiKey: key } = (await auth.json()) as { apiKey: string };
      const headers = { 'Content-Type': 'application/json', 'X-API-KEY': key };
      const item = (await (await fetch(`${plain.url}/items`, { method: 'POST', headers, body: JSON.stringify({ connectorId: 0, parameters: { user: 'user-ok', password: 'password-ok' }, webhookUrl: `${receiver.url}/plain` }) })).json()) as { id: string };
      plain.completeExecution(item.id);
      const webhook = await receiver.waitFor((candidate) => candidate.path === '/plain' && candidate.body.itemId === item.id);
      expect(webhook.headers['x-pluggy-signature']).toBeUndefined();
      expect((await fetch(`${plain.url}/items/${item.id}`, { method: 'DELETE', headers })).status).toBe(204);
    } finally {
      await plain.stop();
      if (previous !== undefined) process.env.PLUGGY_SANDBOX_WEBHOOK_SIGNING_SECRET = previous;
    }
  });
});
