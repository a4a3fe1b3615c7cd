/**
 * The banking API's edges, end to end through the local gateway: authentication, the error envelope,
 * content type / size / JSON checks, validation messages that name the field, request ids in responses
 * and logs, and ownership (another user's resource is a plain 404 that reveals nothing).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalStack, type LocalStack } from '../helpers/local-stack';
import { userToken } from '../helpers/local-gateway';
import { uniqueId } from '../helpers/dynamodb-fixtures';
import {
  bankingStores,
  captureOutput,
  jsonLogLines,
  seedConnection,
  seedSyncRuns,
  seedTransactions,
  seedUserCategory,
  type BankingStores,
  type SeededConnection,
} from '../helpers/seed-banking-data';
import type { Category, Transaction } from '../../shared/banking/model';

let stack: LocalStack;
let stores: BankingStores;

/** Alice owns the seeded data; Mallory probes it. */
const alice = uniqueId('alice');
const mallory = uniqueId('mallory');
let aliceData: SeededConnection;
let aliceTransaction: Transaction;
let aliceCategory: Category;

beforeAll(async () => {
  stack = await startLocalStack();
  stores = bankingStores(stack);
  aliceData = await seedConnection(stores, alice, { accountNames: ['Checking', 'Savings'] });
  aliceTransaction = (await seedTransactions(stores, aliceData.accounts[0]!, [{ date: '2024-04-02', note: 'rent share' }]))[0]!;
  aliceCategory = await seedUserCategory(stores, alice, 'Household');
  await seedSyncRuns(stores, aliceData.connection, [{ startedAt: '2024-04-01T00:00:00.000Z' }]);
}, 60_000);

afterAll(async () => {
  await stack?.stop();
});

/** A request with full control over headers and body (stack.api always sends JSON). */
async function rawRequest(
  userId: string | null,
  method: string,
  path: string,
  init: { body?: string; contentType?: string } = {},
): Promise<{ status: number; headers: Headers; body: any }> {
  const headers: Record<string, string> = {};
  if (userId !== null) headers.authorization = `Bearer ${await userToken(userId)}`;
  if (init.contentType !== undefined) headers['content-type'] = init.contentType;
  const response = await fetch(`${stack.gatewayUrl}${path}`, {
    method,
    headers,
    ...(init.body !== undefined ? { body: init.body } : {}),
  });
  const text = await response.text();
  return { status: response.status, headers: response.headers, body: text ? JSON.parse(text) : null };
}

function expectErrorEnvelope(body: any, code: string): void {
  expect(Object.keys(body)).toEqual(['error']);
  expect(Object.keys(body.error).sort()).toEqual(['code', 'details', 'message']);
  expect(body.error.code).toBe(code);
  expect(typeof body.error.message).toBe('string');
  expect(body.error.message).not.toMatch(/\n\s+at /); // never a stack trace
}

describe('API basics: health, auth, errors', () => {
  it('GET /api/v1/health answers 200 without a token', async () => {
    const health = await stack.api(null, 'GET', '/health');
    expect(health.status).toBe(200);
    expect(health.body).toEqual({ status: 'ok' });
  });

  it('GET /banking/connections is 401 without a token or with a garbage one, and [] for a new user', async () => {
    const anonymous = await stack.api(null, 'GET', '/banking/connections');
    expect(anonymous.status).toBe(401);
    expect(anonymous.body).toEqual({ message: 'Unauthorized' });

    const garbage = await fetch(`${stack.gatewayUrl}/api/v1/banking/connections`, {
      headers: { authorization: 'Bearer not.a.token' },
    });
    expect(garbage.status).toBe(401);

    const fresh = await stack.api(uniqueId('newcomer'), 'GET', '/banking/connections');
    expect(fresh.status).toBe(200);
    expect(fresh.body).toEqual([]);
  });

  it('malformed JSON is 400 MALFORMED_JSON and changes nothing', async () => {
    const response = await stack.api(alice, 'POST', '/banking/categories', '{"name": "Broken",');
    expect(response.status).toBe(400);
    expectErrorEnvelope(response.body, 'MALFORMED_JSON');

    const patch = await stack.api(alice, 'PATCH', `/banking/transactions/${aliceTransaction.transactionId}`, '{note: unquoted}');
    expect(patch.status).toBe(400);
    expect(patch.body.error.code).toBe('MALFORMED_JSON');

    const categories = await stack.api(alice, 'GET', '/banking/categories');
    expect(categories.body.map((category: { name: string }) => category.name)).not.toContain('Broken');
  });

  it("another user's transaction is 404, exactly like an id that never existed", async () => {
    const foreign = await stack.api(mallory, 'GET', `/banking/transactions/${aliceTransaction.transactionId}`);
    const missing = await stack.api(mallory, 'GET', `/banking/transactions/${uniqueId('txn')}`);
    expect(foreign.status).toBe(404);
    expect(foreign.body).toEqual(missing.body);
    expect(foreign.body).toEqual({ error: { code: 'NOT_FOUND', message: 'transaction not found', details: null } });
  });
});

describe('request shape checks', () => {
  it('a body that is not JSON by content type is 415, whatever it contains', async () => {
    for (const contentType of ['text/plain', 'application/x-www-form-urlencoded', 'application/xml']) {
      const response = await rawRequest(alice, 'POST', '/api/v1/banking/categories', {
        contentType,
        body: JSON.stringify({ name: `Typed ${contentType}` }),
      });
      expect(response.status, contentType).toBe(415);
      expectErrorEnvelope(response.body, 'UNSUPPORTED_MEDIA_TYPE');
    }
    const categories = await stack.api(alice, 'GET', '/banking/categories');
    expect(categories.body.some((category: { name: string }) => category.name.startsWith('Typed'))).toBe(false);
  });

  it('JSON with parameters or a +json suffix is accepted', async () => {
    const withCharset = await rawRequest(alice, 'POST', '/api/v1/banking/categories', {
      contentType: 'application/json; charset=utf-8',
      body: JSON.stringify({ name: 'Charset' }),
    });
    expect(withCharset.status).toBe(201);
    const suffixed = await rawRequest(alice, 'PATCH', `/api/v1/banking/transactions/${aliceTransaction.transactionId}`, {
      contentType: 'application/merge-patch+json',
      body: JSON.stringify({ note: 'rent share' }),
    });
    expect(suffixed.status).toBe(200);
  });

  it('a body over the limit is 413 before it is parsed', async () => {
    const response = await stack.api(alice, 'POST', '/banking/transactions/bulk-categorize', {
      transaction_ids: Array.from({ length: 3000 }, (_, index) => `txn_${String(index).padStart(26, '0')}`),
      category_id: null,
    });
    expect(response.status).toBe(413);
    expectErrorEnvelope(response.body, 'PAYLOAD_TOO_LARGE');
    // Over the limit even when the bytes are not JSON at all: size is checked first.
    const junk = await stack.api(alice, 'POST', '/banking/categories', `{${'x'.repeat(70 * 1024)}`);
    expect(junk.status).toBe(413);
  });

  it('an unknown route or method is a 404 in the standard envelope, with or without a token', async () => {
    for (const [userId, method, path] of [
      [null, 'GET', '/api/v1/nothing-here'],
      [alice, 'GET', '/api/v1/banking/nothing-here'],
      [alice, 'PUT', '/api/v1/banking/connections'],
      [null, 'GET', '/'],
    ] as const) {
      const response = await rawRequest(userId, method, path);
      expect(response.status, `${method} ${path}`).toBe(404);
      expectErrorEnvelope(response.body, 'NOT_FOUND');
      expect(response.headers.get('x-request-id')).toBeTruthy();
    }
  });
});

describe('validation errors name the field', () => {
  const rows: [string, string, string, unknown, string][] = [
    ['limit below 1', 'GET', '/banking/transactions?limit=0', undefined, 'query.limit'],
    ['limit above 200', 'GET', '/banking/transactions?limit=201', undefined, 'query.limit'],
    ['limit not a number', 'GET', '/banking/transactions?limit=ten', undefined, 'query.limit'],
    ['impossible date', 'GET', '/banking/transactions?date_from=2024-13-01', undefined, 'query.date_from'],
    ['date range reversed', 'GET', '/banking/transactions?date_from=2024-05-02&date_to=2024-05-01', undefined, 'query.date_from'],
    ['date not ISO', 'GET', '/banking/transactions?date_to=yesterday', undefined, 'query.date_to'],
    ['pending not boolean', 'GET', '/banking/transactions?pending=yes', undefined, 'query.pending'],
    ['cursor not ours', 'GET', '/banking/transactions?cursor=not-a-cursor', undefined, 'query.cursor'],
    ['unknown query parameter', 'GET', '/banking/transactions?colour=red', undefined, 'query.colour'],
    ['account filter not an id', 'GET', '/banking/accounts?connection_id=a%20b', undefined, 'query.connection_id'],
    ['sync-runs limit above 100', 'GET', '/banking/connections/conn_x/sync-runs?limit=101', undefined, 'query.limit'],
    ['path id not an id', 'GET', '/banking/transactions/bad%20id', undefined, 'path.transactionId'],
    ['category id not an id', 'PATCH', '/banking/transactions/{own}', { category_id: 'not an id!' }, 'body.category_id'],
    ['note too long', 'PATCH', '/banking/transactions/{own}', { note: 'n'.repeat(501) }, 'body.note'],
    ['unknown body field', 'PATCH', '/banking/transactions/{own}', { category: 'usr_x' }, 'body.category'],
    ['empty id list', 'POST', '/banking/transactions/bulk-categorize', { transaction_ids: [], category_id: null }, 'body.transaction_ids'],
    ['category_id missing', 'POST', '/banking/transactions/bulk-categorize', { transaction_ids: ['txn_1'] }, 'body.category_id'],
    ['blank category name', 'POST', '/banking/categories', { name: '   ' }, 'body.name'],
    ['both delete modes', 'DELETE', '/banking/categories/usr_x?reassign_to=usr_y&clear_overrides=true', undefined, 'query.reassign_to'],
  ];

  const cases = rows.map(([label, method, path, body, field]) => ({ label, method, path, body, field }));

  it.each(cases)('$label → 400 naming $field', async ({ method, path: rawPath, body, field }) => {
    const path = rawPath.replace('{own}', aliceTransaction.transactionId);
    const response = await stack.api(alice, method, path, body);
    expect(response.status).toBe(400);
    expectErrorEnvelope(response.body, 'VALIDATION_FAILED');
    expect(response.body.error.details.map((issue: { field: string }) => issue.field)).toContain(field);
  });

  it('an unknown category on PATCH is 400 on body.category_id and leaves the transaction as it was', async () => {
    const response = await stack.api(alice, 'PATCH', `/banking/transactions/${aliceTransaction.transactionId}`, {
      category_id: 'usr_doesnotexist',
      note: 'should not land',
    });
    expect(response.status).toBe(400);
    expect(response.body.error.details).toEqual([{ field: 'body.category_id', message: 'Unknown category' }]);
    const after = await stack.api(alice, 'GET', `/banking/transactions/${aliceTransaction.transactionId}`);
    expect(after.body.note).toBe('rent share');
    expect(after.body.user_category_id).toBeNull();
  });
});

describe('request ids', () => {
  it('every handler response carries x-request-id, unique per request and equal to the gateway request id', async () => {
    const responses = [
      await stack.api(null, 'GET', '/health'),
      await stack.api(alice, 'GET', '/banking/connections'),
      await stack.api(alice, 'POST', '/banking/categories', { name: uniqueId('Fresh') }),
      await stack.api(alice, 'GET', '/banking/transactions?limit=0'),
      await stack.api(alice, 'GET', `/banking/accounts/${uniqueId('acct')}`),
      await stack.api(alice, 'POST', '/banking/categories', { name: 'household' }),
      await stack.api(alice, 'POST', '/banking/categories', '{'),
      await stack.api(null, 'GET', '/nowhere'),
    ];
    expect(responses.map((response) => response.status)).toEqual([200, 200, 201, 400, 404, 409, 400, 404]);
    const ids = responses.map((response) => response.headers.get('x-request-id'));
    for (const [index, response] of responses.entries()) {
      expect(ids[index], `response ${index}`).toMatch(/\S{8,}/);
      expect(response.headers.get('apigw-requestid')).toBe(ids[index]);
    }
    expect(new Set(ids).size).toBe(ids.length);
  });

  it("the gateway's own 401 carries API Gateway's request id header", async () => {
    const response = await stack.api(null, 'GET', '/banking/accounts');
    expect(response.status).toBe(401);
    expect(response.headers.get('apigw-requestid')).toMatch(/\S{8,}/);
  });

  it("the response's request id is the one in the handler's log lines, success and failure alike", async () => {
    const { result: ok, output: okOutput } = await captureOutput(() => stack.api(alice, 'GET', '/banking/connections'));
    const okId = ok.headers.get('x-request-id');
    const okLines = jsonLogLines(okOutput).filter((line) => line.request_id === okId);
    expect(okLines).toContainEqual(
      expect.objectContaining({ message: 'request completed', user_id: alice, status: 200, route: 'GET /api/v1/banking/connections' }),
    );

    const { result: failed, output: failedOutput } = await captureOutput(() =>
      stack.api(mallory, 'GET', `/banking/connections/${aliceData.connection.connectionId}`),
    );
    const failedId = failed.headers.get('x-request-id');
    const failedLines = jsonLogLines(failedOutput).filter((line) => line.request_id === failedId);
    expect(failedLines).toContainEqual(expect.objectContaining({ message: 'request rejected', code: 'NOT_FOUND', status: 404 }));
    expect(failedLines).toContainEqual(expect.objectContaining({ message: 'request completed', status: 404, user_id: mallory }));
  });
});

describe("another user's resources are 404, never 403 and never their data", () => {
  const probes = (): [string, string, string, unknown][] => {
    const connectionId = aliceData.connection.connectionId;
    const accountId = aliceData.accounts[0]!.accountId;
    const transactionId = aliceTransaction.transactionId;
    const categoryId = aliceCategory.categoryId;
    return [
      ['connection', 'GET', `/banking/connections/${connectionId}`, undefined],
      ['connection', 'DELETE', `/banking/connections/${connectionId}`, undefined],
      ['connection', 'POST', `/banking/connections/${connectionId}/sync`, undefined],
      ['connection', 'GET', `/banking/connections/${connectionId}/sync-runs`, undefined],
      ['connection', 'GET', `/banking/transactions?connection_id=${connectionId}`, undefined],
      ['account', 'GET', `/banking/accounts/${accountId}`, undefined],
      ['account', 'GET', `/banking/accounts/${accountId}/numbers`, undefined],
      ['account', 'POST', `/banking/accounts/${accountId}/sync`, undefined],
      ['account', 'GET', `/banking/transactions?account_id=${accountId}`, undefined],
      ['transaction', 'GET', `/banking/transactions/${transactionId}`, undefined],
      ['transaction', 'PATCH', `/banking/transactions/${transactionId}`, { note: 'mine now' }],
      ['category', 'PATCH', `/banking/categories/${categoryId}`, { name: 'Hijacked' }],
      ['category', 'DELETE', `/banking/categories/${categoryId}`, undefined],
      ['category', 'DELETE', `/banking/categories/${categoryId}?clear_overrides=true`, undefined],
    ];
  };

  it('every probe is the plain NOT_FOUND envelope', async () => {
    for (const [resource, method, path, body] of probes()) {
      const response = await stack.api(mallory, method, path, body);
      expect(response.status, `${method} ${path}`).toBe(404);
      expect(response.body, `${method} ${path}`).toEqual({ error: { code: 'NOT_FOUND', message: `${resource} not found`, details: null } });
    }
  });

  it("mallory's own listings show none of alice's data", async () => {
    for (const path of ['/banking/connections', '/banking/accounts']) {
      const response = await stack.api(mallory, 'GET', path);
      expect(response.body, path).toEqual([]);
    }
    const transactions = await stack.api(mallory, 'GET', '/banking/transactions');
    expect(transactions.body).toEqual({ data: [], next_cursor: null });
    const categories = await stack.api(mallory, 'GET', '/banking/categories');
    expect(categories.body.filter((category: { source: string }) => category.source === 'user')).toEqual([]);
    // An account filter on someone else's connection reads as a connection without accounts.
    const filtered = await stack.api(mallory, 'GET', `/banking/accounts?connection_id=${aliceData.connection.connectionId}`);
    expect(filtered.body).toEqual([]);
  });

  it("after the probes alice's data is exactly as it was", async () => {
    const connection = await stack.api(alice, 'GET', `/banking/connections/${aliceData.connection.connectionId}`);
    expect(connection.status).toBe(200);
    const runs = await stack.api(alice, 'GET', `/banking/connections/${aliceData.connection.connectionId}/sync-runs`);
    expect(runs.body.data).toHaveLength(1);
    const transaction = await stack.api(alice, 'GET', `/banking/transactions/${aliceTransaction.transactionId}`);
    expect(transaction.body.note).toBe('rent share');
    const categories = await stack.api(alice, 'GET', '/banking/categories');
    expect(categories.body).toContainEqual(expect.objectContaining({ id: aliceCategory.categoryId, name: 'Household' }));
    const accounts = await stack.api(alice, 'GET', '/banking/accounts');
    expect(accounts.body).toHaveLength(2);
  });
});
