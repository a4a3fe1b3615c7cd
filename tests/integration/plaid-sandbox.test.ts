/**
 * The local Plaid sandbox, driven with the real `plaid` SDK, checked for Plaid's behaviour and — when the
 * Plaid OpenAPI document is available — for conformance of every request it received and every response it
 * sent (afterEach validates the whole request log).
 */
import { createHash, createPublicKey, verify as verifySignature } from 'node:crypto';
import {
  Configuration,
  CountryCode,
  PlaidApi,
  Products,
  SandboxItemFireWebhookRequestWebhookCodeEnum as WebhookCode,
  WebhookType,
  type Transaction,
  type TransactionsSyncResponse,
} from 'plaid';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { generateHistory } from '../../local/sandboxes/plaid/history-generator';
import { startPlaidSandbox, type PlaidSandbox } from '../../local/sandboxes/plaid/plaid-sandbox';
import { createOpenApiValidator, loadOpenApiDocument, providerSpecPath, specExists, type OpenApiValidator } from '../helpers/openapi-validator';
import { startWebhookReceiver, type ReceivedWebhook, type WebhookReceiver } from '../helpers/webhook-receiver';

const SPEC_PATH = providerSpecPath('plaid-openapi-2020-09-14.yml');
const SPEC_AVAILABLE = specExists(SPEC_PATH);
if (!SPEC_AVAILABLE) {
  console.warn(`[plaid-sandbox tests] Plaid OpenAPI document not found at ${SPEC_PATH}: spec-conformance checks are SKIPPED (set PROVIDER_SPECS_DIR).`);
}

/** Which spec schema describes each webhook code the sandbox sends. */
const WEBHOOK_SCHEMAS: Readonly<Record<string, string>> = {
  'TRANSACTIONS/SYNC_UPDATES_AVAILABLE': 'SyncUpdatesAvailableWebhook',
  'TRANSACTIONS/DEFAULT_UPDATE': 'DefaultUpdateWebhook',
  'ITEM/ERROR': 'ItemErrorWebhook',
  'ITEM/WEBHOOK_UPDATE_ACKNOWLEDGED': 'WebhookUpdateAcknowledgedWebhook',
  'ITEM/LOGIN_REPAIRED': 'ItemLoginRepairedWebhook',
  'ITEM/PENDING_DISCONNECT': 'PendingDisconnectWebhook',
  'ITEM/USER_PERMISSION_REVOKED': 'UserPermissionRevokedWebhook',
  'ITEM/USER_ACCOUNT_REVOKED': 'UserAccountRevokedWebhook',
  'ITEM/NEW_ACCOUNTS_AVAILABLE': 'NewAccountsAvailableWebhook',
};

let sandbox: PlaidSandbox;
let plaid: PlaidApi;
let receiver: WebhookReceiver;
let validator: OpenApiValidator | undefined;
let checkedSeq = 0;

beforeAll(async () => {
  sandbox = await startPlaidSandbox({ port: 0, webhookRetryDelaysMs: [50, 100], delayedHistoryMs: 100 });
  plaid = new PlaidApi(
    new Configuration({
      basePath: sandbox.url,
      baseOptions: { headers: { 'PLAID-CLIENT-ID': sandbox.credentials.clientId, 'PLAID-SECRET': sandbox.credentials.secret } },
    }),
  );
  receiver = await startWebhookReceiver();
  if (SPEC_AVAILABLE) validator = createOpenApiValidator(loadOpenApiDocument(SPEC_PATH));
}, 30_000);

afterAll(async () => {
  await sandbox?.stop();
  await receiver?.close();
});

/** Every exchange recorded since the last check, validated against the spec; returns the problems found. */
function specProblems(): { checked: number; problems: string[] } {
  const problems: string[] = [];
  let checked = 0;
  if (!validator) return { checked, problems };
  for (const exchange of sandbox.recorder.list({ kind: 'provider', afterSeq: checkedSeq })) {
    checkedSeq = exchange.seq;
    if (exchange.status === 0) continue; // connection dropped on purpose: no response to check
    if (!validator.hasOperation(exchange.path)) {
      problems.push(`${exchange.path}: not an operation of the spec`);
      continue;
    }
    const request = validator.validateRequest(exchange.path, exchange.requestBody);
    const response = validator.validateResponse(exchange.path, exchange.status, exchange.responseBody);
    checked += 1;
    if (!request.valid) problems.push(`${exchange.path} request: ${request.errors.join('; ')}`);
    if (!response.valid) problems.push(`${exchange.path} ${exchange.status} response: ${response.errors.join('; ')}`);
  }
  return { checked, problems };
}

afterEach(() => {
  expect(specProblems().problems).toEqual([]);
});

// ---- helpers ------------------------------------------------------------------------------------------------

/** The SDK rejects with an AxiosError; checked structurally so the test needs no direct axios import. */
function isAxiosError(error: unknown): error is { isAxiosError: true; response?: { status: number; data: unknown } } {
  return typeof error === 'object' && error !== null && (error as { isAxiosError?: unknown }).isAxiosError === true;
}

interface PlaidFailure {
  status: number;
  body: { error_type: string; error_code: string; error_message: string; display_message: string | null; request_id: string };
}

async function plaidFailure(call: Promise<unknown>): Promise<PlaidFailure> {
  try {
    await call;
  } catch (error) {
    if (isAxiosError(error) && error.response) return { status: error.response.status, body: error.response.data as PlaidFailure['body'] };
    throw error;
  }
  throw new Error('expected the Plaid call to fail');
}

async function control(method: string, path: string, body?: unknown): Promise<{ status: number; body: any }> {
  const response = await fetch(`${sandbox.url}${path}`, {
    method,
    headers: { 'Content-Type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: response.status, body: await response.json() };
}

async function linkItem(options: { username?: string; password?: string; webhook?: string | null; products?: Products[] } = {}) {
  const created = await plaid.sandboxPublicTokenCreate({
    institution_id: 'ins_109508',
    initial_products: options.products ?? [Products.Transactions, Products.Auth],
    options: {
      ...(options.webhook === null ? {} : { webhook: options.webhook ?? `${receiver.url}/plaid` }),
      override_username: options.username ?? 'user_good',
      override_password: options.password ?? 'pass_good',
    },
  });
  const exchanged = await plaid.itemPublicTokenExchange({ public_token: created.data.public_token });
  return { accessToken: exchanged.data.access_token, itemId: exchanged.data.item_id };
}

interface SyncResult {
  added: Transaction[];
  modified: Transaction[];
  removed: TransactionsSyncResponse['removed'];
  cursor: string;
  pages: number;
  restarts: number;
}

/**
 * Plaid's documented loop: page until has_more is false; on TRANSACTIONS_SYNC_MUTATION_DURING_PAGINATION
 * restart the whole loop from the cursor the loop started with (https://plaid.com/docs/transactions/ "sync" algorithm).
 */
async function syncAll(accessToken: string, startCursor?: string, count = 500): Promise<SyncResult> {
  let restarts = 0;
  for (;;) {
    const result: SyncResult = { added: [], modified: [], removed: [], cursor: startCursor ?? '', pages: 0, restarts };
    let cursor = startCursor;
    try {
      for (;;) {
        const page = await plaid.transactionsSync({ access_token: accessToken, cursor, count });
        result.added.push(...page.data.added);
        result.modified.push(...page.data.modified);
        result.removed.push(...page.data.removed);
        result.pages += 1;
        cursor = page.data.next_cursor;
        if (!page.data.has_more) return { ...result, cursor };
      }
    } catch (error) {
      if (isAxiosError(error) && (error.response?.data as { error_code?: string })?.error_code === 'TRANSACTIONS_SYNC_MUTATION_DURING_PAGINATION') {
        restarts += 1;
        continue;
      }
      throw error;
    }
  }
}

/**
 * Checks a webhook the way Plaid's docs prescribe: ES256 JWT in Plaid-Verification, key fetched by `kid`,
 * signature valid, iat at most 5 minutes old, SHA-256 of the raw body equal to the claim.
 */
async function verifyWebhook(webhook: ReceivedWebhook): Promise<{ kid: string; expiredAt: number | null }> {
  const token = webhook.headers['plaid-verification'];
  if (typeof token !== 'string') throw new Error('Plaid-Verification header missing');
  const [encodedHeader, encodedPayload, encodedSignature] = token.split('.') as [string, string, string];
  const header = JSON.parse(Buffer.from(encodedHeader, 'base64url').toString('utf8')) as { alg: string; kid: string; typ: string };
  expect(header).toMatchObject({ alg: 'ES256', typ: 'JWT' });
  const { data } = await plaid.webhookVerificationKeyGet({ key_id: header.kid });
  const publicKey = createPublicKey({ key: data.key as unknown as import('node:crypto').JsonWebKey, format: 'jwk' });
  const signatureValid = verifySignature(
    'sha256',
    Buffer.from(`${encodedHeader}.${encodedPayload}`),
    { key: publicKey, dsaEncoding: 'ieee-p1363' },
    Buffer.from(encodedSignature, 'base64url'),
  );
  expect(signatureValid).toBe(true);
  const payload = JSON.parse(Buffer.from(encodedPayload, 'base64url').toString('utf8')) as { iat: number; request_body_sha256: string };
  expect(Math.floor(Date.now() / 1000) - payload.iat).toBeLessThanOrEqual(300);
  expect(payload.request_body_sha256).toBe(createHash('sha256').update(webhook.rawBody, 'utf8').digest('hex'));
  const schema = WEBHOOK_SCHEMAS[`${String(webhook.body.webhook_type)}/${String(webhook.body.webhook_code)}`];
  if (validator && schema) expect(validator.validateSchema(schema, webhook.body).errors).toEqual([]);
  return { kid: header.kid, expiredAt: data.key.expired_at };
}

const isWebhook = (itemId: string, code: string) => (webhook: ReceivedWebhook) => webhook.body.item_id === itemId && webhook.body.webhook_code === code;

// ---- tests --------------------------------------------------------------------------------------------------

describe('Plaid sandbox: full flow through the plaid SDK', () => {
  it('links, reads, syncs, fires webhooks, resets login, updates the webhook and removes the Item', async () => {
    const link = await plaid.linkTokenCreate({
      client_name: 'Open Banking Tests',
      language: 'en',
      country_codes: [CountryCode.Us],
      user: { client_user_id: 'user-hash-1' },
      products: [Products.Transactions, Products.Auth],
      webhook: `${receiver.url}/plaid`,
      transactions: { days_requested: 730 },
    });
    expect(link.data.link_token).toMatch(/^link-sandbox-/);
    const linkLifetime = Date.parse(link.data.expiration) - Date.now();
    expect(linkLifetime).toBeGreaterThan(3.9 * 3_600_000);
    expect(linkLifetime).toBeLessThanOrEqual(4 * 3_600_000);

    const { accessToken, itemId } = await linkItem();
    expect(accessToken).toMatch(/^access-sandbox-[0-9a-f-]{36}$/);

    const accounts = await plaid.accountsGet({ access_token: accessToken });
    expect(accounts.data.accounts.map((account) => [account.name, account.mask, account.type, account.subtype])).toEqual([
      ['Plaid Checking', '0000', 'depository', 'checking'],
      ['Plaid Saving', '1111', 'depository', 'savings'],
      ['Plaid Credit Card', '3333', 'credit', 'credit card'],
    ]);
    expect(accounts.data.item).toMatchObject({ item_id: itemId, institution_id: 'ins_109508', error: null, webhook: `${receiver.url}/plaid` });

    const balances = await plaid.accountsBalanceGet({ access_token: accessToken });
    expect(balances.data.accounts[2]?.balances).toMatchObject({ current: 410, limit: 2000, iso_currency_code: 'USD' });

    const auth = await plaid.authGet({ access_token: accessToken });
    expect(auth.data.numbers.ach).toHaveLength(2);
    expect(auth.data.numbers.ach[0]).toMatchObject({ account: '1111222233330000', routing: '011401533', account_id: accounts.data.accounts[0]?.account_id });

    const item = await plaid.itemGet({ access_token: accessToken });
    expect(item.data.item.billed_products).toEqual([Products.Transactions, Products.Auth]);

    const synced = await syncAll(accessToken);
    const ids = new Set(synced.added.map((transaction) => transaction.transaction_id));
    expect(ids.size).toBe(synced.added.length);
    expect(synced.added.length).toBeGreaterThan(1_500);
    expect(synced.pages).toBe(Math.ceil(synced.added.length / 500));
    expect(synced.added.some((transaction) => transaction.pending)).toBe(true);
    expect(synced.added.some((transaction) => transaction.amount < 0 && transaction.personal_finance_category?.primary === 'INCOME')).toBe(true);
    const oldest = synced.added[0]?.date ?? '';
    expect(Date.now() - Date.parse(oldest)).toBeGreaterThan(720 * 86_400_000);

    await plaid.sandboxItemFireWebhook({ access_token: accessToken, webhook_type: WebhookType.Transactions, webhook_code: WebhookCode.SyncUpdatesAvailable });
    const fired = await receiver.waitFor(isWebhook(itemId, 'SYNC_UPDATES_AVAILABLE'));
    await verifyWebhook(fired);
    // Plaid's body format: keys sorted, 2-space indentation (the signature covers these exact bytes).
    expect(fired.rawBody).toBe(JSON.stringify(Object.fromEntries(Object.entries(fired.body).sort(([a], [b]) => a.localeCompare(b))), null, 2));

    const updateLink = await plaid.linkTokenCreate({
      client_name: 'Open Banking Tests',
      language: 'en',
      country_codes: [CountryCode.Us],
      user: { client_user_id: 'user-hash-1' },
      access_token: accessToken,
    });
    expect(Date.parse(updateLink.data.expiration) - Date.now()).toBeLessThanOrEqual(30 * 60_000);

    const reset = await plaid.sandboxItemResetLogin({ access_token: accessToken });
    expect(reset.data.reset_login).toBe(true);
    const errorWebhook = await receiver.waitFor(isWebhook(itemId, 'ERROR'));
    await verifyWebhook(errorWebhook);
    expect(errorWebhook.body.error).toMatchObject({ error_code: 'ITEM_LOGIN_REQUIRED', error_type: 'ITEM_ERROR', status: 400 });
    const loginRequired = await plaidFailure(plaid.accountsGet({ access_token: accessToken }));
    expect(loginRequired).toMatchObject({ status: 400, body: { error_type: 'ITEM_ERROR', error_code: 'ITEM_LOGIN_REQUIRED' } });
    expect((await plaid.itemGet({ access_token: accessToken })).data.item.error?.error_code).toBe('ITEM_LOGIN_REQUIRED');

    const updated = await plaid.itemWebhookUpdate({ access_token: accessToken, webhook: `${receiver.url}/plaid-v2` });
    expect(updated.data.item.webhook).toBe(`${receiver.url}/plaid-v2`);
    const acknowledged = await receiver.waitFor(isWebhook(itemId, 'WEBHOOK_UPDATE_ACKNOWLEDGED'));
    expect(acknowledged.path).toBe('/plaid-v2');
    expect(acknowledged.body.new_webhook_url).toBe(`${receiver.url}/plaid-v2`);
    await verifyWebhook(acknowledged);

    await plaid.itemRemove({ access_token: accessToken });
    const removed = await plaidFailure(plaid.accountsGet({ access_token: accessToken }));
    expect(removed).toMatchObject({ status: 400, body: { error_type: 'INVALID_INPUT', error_code: 'INVALID_ACCESS_TOKEN' } });
  });

  it.skipIf(!SPEC_AVAILABLE)('every request and response of the flow conforms to the Plaid OpenAPI document', async () => {
    // The afterEach of the previous test validated its log already; re-check the whole log from the start.
    checkedSeq = 0;
    await plaid.sandboxTransactionsCreate({
      access_token: (await linkItem({ username: 'user_transactions_dynamic' })).accessToken,
      transactions: [{ date_transacted: new Date().toISOString().slice(0, 10), date_posted: new Date().toISOString().slice(0, 10), amount: 12.5, description: 'Starbucks' }],
    });
    const paths = new Set(sandbox.recorder.list({ kind: 'provider' }).map((exchange) => exchange.path));
    const { checked, problems } = specProblems();
    expect(problems).toEqual([]);
    expect(checked).toBeGreaterThan(20);
    expect([...paths].sort()).toEqual(
      [
        '/accounts/balance/get',
        '/accounts/get',
        '/auth/get',
        '/item/get',
        '/item/public_token/exchange',
        '/item/remove',
        '/item/webhook/update',
        '/link/token/create',
        '/sandbox/item/fire_webhook',
        '/sandbox/item/reset_login',
        '/sandbox/public_token/create',
        '/sandbox/transactions/create',
        '/transactions/sync',
        '/webhook_verification_key/get',
      ].sort(),
    );
  });
});

describe('Plaid sandbox: credentials, tokens and test users', () => {
  it('rejects wrong API keys with INVALID_API_KEYS and accepts credentials in the body', async () => {
    const wrong = new PlaidApi(new Configuration({ basePath: sandbox.url, baseOptions: { headers: { 'PLAID-CLIENT-ID': 'local-client', 'PLAID-SECRET': 'nope' } } }));
    const failure = await plaidFailure(wrong.itemGet({ access_token: 'access-sandbox-00000000-0000-0000-0000-000000000000' }));
    expect(failure).toMatchObject({ status: 400, body: { error_type: 'INVALID_INPUT', error_code: 'INVALID_API_KEYS', display_message: null } });
    expect(failure.body.request_id).toMatch(/^[A-Za-z0-9]{15}$/);

    const response = await fetch(`${sandbox.url}/sandbox/public_token/create`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ client_id: 'local-client', secret: 'local-secret', institution_id: 'ins_109511', initial_products: ['transactions'] }),
    });
    expect(response.status).toBe(200);
    expect(((await response.json()) as { public_token: string }).public_token).toMatch(/^public-sandbox-/);
    const logged = sandbox.recorder.list({ path: '/sandbox/public_token/create' }).at(-1);
    expect((logged?.requestBody as { secret: string }).secret).toBe('[REDACTED]');
  });

  it.each([
    ['error_ITEM_LOCKED', 400, 'ITEM_ERROR', 'ITEM_LOCKED'],
    ['error_INVALID_CREDENTIALS', 400, 'ITEM_ERROR', 'INVALID_CREDENTIALS'],
    ['error_INSTITUTION_DOWN', 400, 'INSTITUTION_ERROR', 'INSTITUTION_DOWN'],
    ['error_INSTITUTION_NOT_RESPONDING', 400, 'INSTITUTION_ERROR', 'INSTITUTION_NOT_RESPONDING'],
    ['error_INTERNAL_SERVER_ERROR', 500, 'API_ERROR', 'INTERNAL_SERVER_ERROR'],
    ['wrong_password', 400, 'ITEM_ERROR', 'INVALID_CREDENTIALS'],
  ])('password %s raises %s %s %s at public token creation', async (password, status, errorType, errorCode) => {
    const failure = await plaidFailure(
      plaid.sandboxPublicTokenCreate({ institution_id: 'ins_109508', initial_products: [Products.Transactions], options: { override_username: 'user_good', override_password: password } }),
    );
    expect(failure).toMatchObject({ status, body: { error_type: errorType, error_code: errorCode } });
  });

  it('the "Unhealthy Platypus - Down" institution cannot be linked and unknown institutions are rejected', async () => {
    const down = await plaidFailure(plaid.sandboxPublicTokenCreate({ institution_id: 'ins_132361', initial_products: [Products.Transactions] }));
    expect(down.body.error_code).toBe('INSTITUTION_DOWN');
    const unknown = await plaidFailure(plaid.sandboxPublicTokenCreate({ institution_id: 'ins_999999', initial_products: [Products.Transactions] }));
    expect(unknown.body).toMatchObject({ error_type: 'INVALID_INPUT', error_code: 'INVALID_INSTITUTION' });
  });

  it('answers a fake, a re-used and an expired public token with INVALID_PUBLIC_TOKEN', async () => {
    const fake = await plaidFailure(plaid.itemPublicTokenExchange({ public_token: 'public-sandbox-11111111-2222-3333-4444-555555555555' }));
    expect(fake).toMatchObject({ status: 400, body: { error_type: 'INVALID_INPUT', error_code: 'INVALID_PUBLIC_TOKEN' } });

    const created = await plaid.sandboxPublicTokenCreate({ institution_id: 'ins_109508', initial_products: [Products.Transactions] });
    await plaid.itemPublicTokenExchange({ public_token: created.data.public_token });
    const reused = await plaidFailure(plaid.itemPublicTokenExchange({ public_token: created.data.public_token }));
    expect(reused.body.error_code).toBe('INVALID_PUBLIC_TOKEN');

    const stale = await plaid.sandboxPublicTokenCreate({ institution_id: 'ins_109508', initial_products: [Products.Transactions] });
    await control('POST', '/sandbox/local/clock', { advance_seconds: 31 * 60 });
    const expired = await plaidFailure(plaid.itemPublicTokenExchange({ public_token: stale.data.public_token }));
    expect(expired.body).toMatchObject({ error_code: 'INVALID_PUBLIC_TOKEN' });
    expect(expired.body.error_message).toContain('expired');
  });

  it('validates link token requests the way Plaid does', async () => {
    const noUser = await plaidFailure(
      plaid.linkTokenCreate({ client_name: 'Tests', language: 'en', country_codes: [CountryCode.Us], products: [Products.Transactions] }),
    );
    expect(noUser.body).toMatchObject({ error_type: 'INVALID_REQUEST', error_code: 'MISSING_FIELDS' });
    expect(noUser.body.error_message).toContain('user');
    const noProducts = await plaidFailure(
      plaid.linkTokenCreate({ client_name: 'Tests', language: 'en', country_codes: [CountryCode.Us], user: { client_user_id: 'u' } }),
    );
    expect(noProducts.body.error_message).toContain('products');
    const badUpdate = await plaidFailure(
      plaid.linkTokenCreate({ client_name: 'Tests', language: 'en', country_codes: [CountryCode.Us], user: { client_user_id: 'u' }, access_token: 'access-sandbox-00000000-0000-0000-0000-000000000000' }),
    );
    expect(badUpdate.body.error_code).toBe('INVALID_ACCESS_TOKEN');
  });

  it('completes a Link session locally and repairs an Item through an update-mode link token', async () => {
    const link = await plaid.linkTokenCreate({
      client_name: 'Tests',
      language: 'en',
      country_codes: [CountryCode.Us],
      user: { client_user_id: 'u' },
      products: [Products.Transactions],
      webhook: `${receiver.url}/plaid`,
    });
    const completed = await control('POST', '/sandbox/local/link/complete', { link_token: link.data.link_token });
    expect(completed.status).toBe(200);
    expect(completed.body.metadata.institution).toEqual({ institution_id: 'ins_109508', name: 'First Platypus Bank' });
    expect(completed.body.metadata.accounts.map((account: { mask: string }) => account.mask)).toEqual(['0000', '1111', '3333']);
    const exchanged = await plaid.itemPublicTokenExchange({ public_token: completed.body.public_token });

    await plaid.sandboxItemResetLogin({ access_token: exchanged.data.access_token });
    const update = await plaid.linkTokenCreate({ client_name: 'Tests', language: 'en', country_codes: [CountryCode.Us], user: { client_user_id: 'u' }, access_token: exchanged.data.access_token });
    const repaired = await control('POST', '/sandbox/local/link/complete', { link_token: update.data.link_token });
    expect(repaired.body).toMatchObject({ repaired: true, public_token: null });
    expect((await plaid.accountsGet({ access_token: exchanged.data.access_token })).data.item.error).toBeNull();
  });
});

describe('Plaid sandbox: products an Item must have and products it gets where supported', () => {
  const base = { client_name: 'Tests', language: 'en', country_codes: [CountryCode.Us], user: { client_user_id: 'u' } };

  it('refuses a link token without `products` or with a product listed twice, as the spec says', async () => {
    const onlyIfSupported = await plaidFailure(plaid.linkTokenCreate({ ...base, required_if_supported_products: [Products.Auth] }));
    expect(onlyIfSupported.body).toMatchObject({ error_code: 'MISSING_FIELDS' });
    expect(onlyIfSupported.body.error_message).toContain('products');
    const overlap = await plaidFailure(
      plaid.linkTokenCreate({ ...base, products: [Products.Transactions, Products.Auth], required_if_supported_products: [Products.Auth] }),
    );
    expect(overlap.body).toMatchObject({ error_type: 'INVALID_REQUEST', error_code: 'INVALID_FIELD' });
    expect(overlap.body.error_message).toContain('auth');
  });

  it('an institution without Auth cannot be linked with auth in `products`, and is linked without it when auth is only required if supported', async () => {
    const strict = await plaid.linkTokenCreate({ ...base, products: [Products.Transactions, Products.Auth] });
    const refused = await control('POST', '/sandbox/local/link/complete', { link_token: strict.data.link_token, institution_id: 'ins_local_no_auth' });
    expect(refused.status).toBe(400);
    expect(refused.body.plaid_error).toMatchObject({ error_code: 'PRODUCTS_NOT_SUPPORTED' });
    const direct = await plaidFailure(
      plaid.sandboxPublicTokenCreate({ institution_id: 'ins_local_no_auth', initial_products: [Products.Transactions, Products.Auth] }),
    );
    expect(direct.body.error_code).toBe('PRODUCTS_NOT_SUPPORTED');

    const lenient = await plaid.linkTokenCreate({ ...base, products: [Products.Transactions], required_if_supported_products: [Products.Auth] });
    const linked = await control('POST', '/sandbox/local/link/complete', { link_token: lenient.data.link_token, institution_id: 'ins_local_no_auth' });
    expect(linked.status).toBe(200);
    const accessToken = (await plaid.itemPublicTokenExchange({ public_token: linked.body.public_token })).data.access_token;
    const item = (await plaid.itemGet({ access_token: accessToken })).data.item;
    expect(item.products).toEqual([Products.Transactions]);
    expect(item.available_products).not.toContain(Products.Auth);
    const auth = await plaidFailure(plaid.authGet({ access_token: accessToken }));
    expect(auth.body.error_code).toBe('PRODUCTS_NOT_SUPPORTED');

    // Where the institution has Auth, the same link token yields an Item with both.
    const both = await control('POST', '/sandbox/local/link/complete', { link_token: lenient.data.link_token, institution_id: 'ins_109508' });
    const bothToken = (await plaid.itemPublicTokenExchange({ public_token: both.body.public_token })).data.access_token;
    expect((await plaid.itemGet({ access_token: bothToken })).data.item.products).toEqual([Products.Transactions, Products.Auth]);
  });

  it('a credit-card-only login has no account Auth covers: NO_AUTH_ACCOUNTS when auth is required, no auth when only required if supported', async () => {
    const strict = await plaid.linkTokenCreate({ ...base, products: [Products.Transactions, Products.Auth] });
    const refused = await control('POST', '/sandbox/local/link/complete', { link_token: strict.data.link_token, username: 'user_credit_only', password: 'pass_good' });
    expect(refused.body.plaid_error).toMatchObject({ error_type: 'ITEM_ERROR', error_code: 'NO_AUTH_ACCOUNTS' });

    const lenient = await plaid.linkTokenCreate({ ...base, products: [Products.Transactions], required_if_supported_products: [Products.Auth] });
    const linked = await control('POST', '/sandbox/local/link/complete', { link_token: lenient.data.link_token, username: 'user_credit_only', password: 'pass_good' });
    expect(linked.body.metadata.accounts.map((account: { subtype: string }) => account.subtype)).toEqual(['credit card']);
    const accessToken = (await plaid.itemPublicTokenExchange({ public_token: linked.body.public_token })).data.access_token;
    expect((await plaid.itemGet({ access_token: accessToken })).data.item.products).toEqual([Products.Transactions]);
    const auth = await plaidFailure(plaid.authGet({ access_token: accessToken }));
    expect(auth.body.error_code).toBe('NO_AUTH_ACCOUNTS');
    expect((await plaid.itemGet({ access_token: accessToken })).data.item.products).toEqual([Products.Transactions]);
  });
});

describe('Plaid sandbox: /transactions/sync semantics', () => {
  it('pages a 2,000-transaction history with count 500 completely and without duplicates', async () => {
    const { accessToken } = await linkItem({ username: 'user_large_history', password: 'txn_count_2000' });
    const first = await plaid.transactionsSync({ access_token: accessToken, count: 500 });
    expect(first.data).toMatchObject({ has_more: true, transactions_update_status: 'HISTORICAL_UPDATE_COMPLETE' });
    expect(first.data.added).toHaveLength(500);
    const rest = await syncAll(accessToken, first.data.next_cursor);
    const all = [...first.data.added, ...rest.added];
    expect(all).toHaveLength(2_000);
    expect(new Set(all.map((transaction) => transaction.transaction_id)).size).toBe(2_000);
    expect(rest.pages).toBe(3);
    // The cursor from the last page stays valid and reports nothing new.
    const again = await plaid.transactionsSync({ access_token: accessToken, cursor: rest.cursor });
    expect(again.data).toMatchObject({ added: [], modified: [], removed: [], has_more: false, next_cursor: rest.cursor });
  });

  it('restarts cleanly after an injected TRANSACTIONS_SYNC_MUTATION_DURING_PAGINATION and after a real mutation', async () => {
    const { accessToken } = await linkItem({ username: 'user_large_history', password: 'txn_count_2000' });
    const armed = await control('POST', '/sandbox/local/faults', { endpoint: '/transactions/sync', fault: { type: 'mutation_during_pagination' }, after: 1 });
    expect(armed.status).toBe(201);
    const injected = await syncAll(accessToken);
    expect(injected.restarts).toBe(1);
    expect(injected.added).toHaveLength(2_000);
    expect(new Set(injected.added.map((transaction) => transaction.transaction_id)).size).toBe(2_000);
    expect(sandbox.recorder.list({ path: '/transactions/sync' }).filter((exchange) => exchange.fault === 'mutation_during_pagination')).toHaveLength(1);

    // A real change between two pages of one loop invalidates the loop's cursors, as at Plaid.
    const { accessToken: otherToken } = await linkItem({ username: 'user_large_history', password: 'txn_count_1200' });
    const page = await plaid.transactionsSync({ access_token: otherToken, count: 500 });
    sandbox.advance(otherToken);
    const mutated = await plaidFailure(plaid.transactionsSync({ access_token: otherToken, cursor: page.data.next_cursor, count: 500 }));
    expect(mutated.body).toMatchObject({ error_type: 'TRANSACTIONS_ERROR', error_code: 'TRANSACTIONS_SYNC_MUTATION_DURING_PAGINATION' });
    const restarted = await syncAll(otherToken);
    expect(restarted.added.filter((transaction) => !transaction.pending).length).toBeGreaterThan(1_000);
    expect(new Set(restarted.added.map((transaction) => transaction.transaction_id)).size).toBe(restarted.added.length);
  });

  it('advance_during_pagination: the data really changes between pages; a pending row served before the change and posted since is never reported removed', async () => {
    // Two days of a 1,200-transaction history: most everyday purchases are still pending, on every page.
    const created = await plaid.sandboxPublicTokenCreate({
      institution_id: 'ins_109508',
      initial_products: [Products.Transactions],
      options: { override_username: 'user_large_history', override_password: 'txn_count_1200', transactions: { days_requested: 2 } },
    });
    const accessToken = (await plaid.itemPublicTokenExchange({ public_token: created.data.public_token })).data.access_token;
    const armed = await control('POST', '/sandbox/local/faults', { endpoint: '/transactions/sync', fault: { type: 'advance_during_pagination' } });
    expect(armed.status).toBe(201);

    const first = await plaid.transactionsSync({ access_token: accessToken, count: 500 });
    expect(first.data.has_more).toBe(true);
    const servedPending = new Set(first.data.added.filter((transaction) => transaction.pending).map((transaction) => transaction.transaction_id));
    expect(servedPending.size).toBeGreaterThan(0);
    const mutated = await plaidFailure(plaid.transactionsSync({ access_token: accessToken, cursor: first.data.next_cursor, count: 500 }));
    expect(mutated.body.error_code).toBe('TRANSACTIONS_SYNC_MUTATION_DURING_PAGINATION');
    expect(sandbox.recorder.list({ path: '/transactions/sync' }).at(-1)?.fault).toBe('advance_during_pagination');

    // The restarted loop (from the loop's first cursor) shows the posted rows, naming the pending ones...
    const replay = await syncAll(accessToken);
    expect(replay.restarts).toBe(0);
    const postedFor = new Set(replay.added.map((transaction) => transaction.pending_transaction_id).filter((id): id is string => id !== null));
    for (const pendingId of servedPending) expect(postedFor.has(pendingId)).toBe(true);
    // ...but neither the pending rows themselves nor their removal: they appeared and vanished inside the window.
    const replayIds = new Set([...replay.added, ...replay.modified].map((transaction) => transaction.transaction_id));
    for (const pendingId of servedPending) expect(replayIds.has(pendingId)).toBe(false);
    expect(replay.removed).toEqual([]);
  });

  it('reports pending→posted as removed pending + added posted after the Item clock advances, then fires SYNC_UPDATES_AVAILABLE', async () => {
    const { accessToken, itemId } = await linkItem();
    const initial = await syncAll(accessToken);
    const pendingIds = new Set(initial.added.filter((transaction) => transaction.pending).map((transaction) => transaction.transaction_id));
    expect(pendingIds.size).toBeGreaterThan(0);

    const advanced = await control('POST', '/sandbox/local/advance', { access_token: accessToken, modify: 2 });
    expect(advanced.body).toMatchObject({ posted: pendingIds.size, modified: 2, webhookSent: true });
    await verifyWebhook(await receiver.waitFor(isWebhook(itemId, 'SYNC_UPDATES_AVAILABLE')));

    const changes = await syncAll(accessToken, initial.cursor);
    expect(new Set(changes.removed.map((entry) => entry.transaction_id))).toEqual(pendingIds);
    const posted = changes.added.filter((transaction) => transaction.pending_transaction_id !== null);
    expect(posted).toHaveLength(pendingIds.size);
    for (const transaction of posted) {
      expect(transaction.pending).toBe(false);
      expect(pendingIds.has(transaction.pending_transaction_id ?? '')).toBe(true);
    }
    expect(changes.added.some((transaction) => transaction.pending)).toBe(true);
    expect(changes.modified).toHaveLength(2);
    expect(changes.modified.every((transaction) => transaction.name === transaction.merchant_name)).toBe(true);
  });

  it('sends SYNC_UPDATES_AVAILABLE only once the Item has been synced', async () => {
    const { accessToken, itemId } = await linkItem();
    expect(sandbox.advance(accessToken).webhookSent).toBe(false);
    await sandbox.webhooks.idle();
    expect(receiver.received.filter(isWebhook(itemId, 'SYNC_UPDATES_AVAILABLE'))).toHaveLength(0);
    await plaid.transactionsSync({ access_token: accessToken, count: 1 });
    expect(sandbox.advance(accessToken).webhookSent).toBe(true);
    await receiver.waitFor(isWebhook(itemId, 'SYNC_UPDATES_AVAILABLE'));
  });

  it('delivers /sandbox/transactions/create rows in the next sync (user_transactions_dynamic only)', async () => {
    const { accessToken, itemId } = await linkItem({ username: 'user_transactions_dynamic', password: 'anything' });
    const initial = await syncAll(accessToken);
    const today = new Date().toISOString().slice(0, 10);
    await plaid.sandboxTransactionsCreate({
      access_token: accessToken,
      transactions: [
        { date_transacted: today, date_posted: today, amount: 42.5, description: 'Blue Bottle Coffee Oakland', iso_currency_code: 'USD' },
        { date_transacted: today, date_posted: today, amount: -1_000, description: 'Refund from landlord' },
      ],
    });
    await receiver.waitFor(isWebhook(itemId, 'SYNC_UPDATES_AVAILABLE'));
    const next = await syncAll(accessToken, initial.cursor);
    expect(next.added.map((transaction) => [transaction.name, transaction.amount, transaction.pending])).toEqual([
      ['Blue Bottle Coffee Oakland', 42.5, false],
      ['Refund from landlord', -1_000, false],
    ]);
    expect(next.added[0]?.merchant_name).toBe('Blue Bottle Coffee');

    const { accessToken: goodToken } = await linkItem();
    const refused = await plaidFailure(
      plaid.sandboxTransactionsCreate({ access_token: goodToken, transactions: [{ date_transacted: today, date_posted: today, amount: 1, description: 'x' }] }),
    );
    expect(refused.body).toMatchObject({ error_type: 'INVALID_REQUEST', error_code: 'INVALID_FIELD' });
  });

  it('answers NOT_READY with an empty cursor until a delayed history is ready', async () => {
    const { accessToken, itemId } = await linkItem({ username: 'user_delayed_history' });
    const first = await plaid.transactionsSync({ access_token: accessToken });
    expect(first.data).toMatchObject({ next_cursor: '', has_more: false, added: [], transactions_update_status: 'NOT_READY' });
    const ready = await receiver.waitFor(isWebhook(itemId, 'SYNC_UPDATES_AVAILABLE'));
    expect(ready.body).toMatchObject({ initial_update_complete: true, historical_update_complete: true });
    const synced = await syncAll(accessToken);
    expect(synced.added.length).toBeGreaterThan(1_000);
  });

  it('generates 30,000 transactions for the large-history user deterministically', () => {
    const accounts = [
      { accountId: 'checking-1', role: 'checking' as const, mask: '0000', currency: 'USD' },
      { accountId: 'savings-1', role: 'savings' as const, mask: '1111', currency: 'USD' },
      { accountId: 'credit-1', role: 'credit' as const, mask: '3333', currency: 'USD' },
    ];
    const request = {
      itemId: 'item-benchmark',
      accounts,
      firstDay: 20_000 - 729,
      today: 20_000,
      profile: { kind: 'large', transactionCount: 30_000, acceptsCustomTransactions: true, delayedHistory: false } as const,
    };
    const fingerprint = (rows: readonly Transaction[]) =>
      createHash('sha256')
        .update(rows.map((transaction) => `${transaction.transaction_id}:${transaction.amount}:${transaction.date}`).join('|'))
        .digest('hex');
    const history = generateHistory(request);
    expect(history).toHaveLength(30_000);
    expect(new Set(history.map((transaction) => transaction.transaction_id)).size).toBe(30_000);
    expect(fingerprint(generateHistory(request))).toBe(fingerprint(history));
    expect(fingerprint(generateHistory({ ...request, itemId: 'another-item' }))).not.toBe(fingerprint(history));
    expect(history.every((transaction, index) => index === 0 || (history[index - 1]?.date ?? '') <= transaction.date)).toBe(true);
  });
});

describe('Plaid sandbox: fault switch', () => {
  it('answers 429 for the armed count, then succeeds; `after` skips calls; DELETE clears', async () => {
    const { accessToken } = await linkItem();
    await control('POST', '/sandbox/local/faults', { endpoint: '/transactions/sync', count: 2, fault: { type: 'status', status: 429, error_code: 'RATE_LIMIT_EXCEEDED' } });
    for (let attempt = 0; attempt < 2; attempt += 1) {
      const limited = await plaidFailure(plaid.transactionsSync({ access_token: accessToken }));
      expect(limited).toMatchObject({ status: 429, body: { error_type: 'RATE_LIMIT_EXCEEDED', error_code: 'RATE_LIMIT_EXCEEDED' } });
    }
    expect((await plaid.transactionsSync({ access_token: accessToken, count: 1 })).data.added).toHaveLength(1);

    sandbox.faults.arm({ endpoint: '/accounts/get', after: 1, fault: { type: 'status', status: 500 } });
    await plaid.accountsGet({ access_token: accessToken });
    const serverError = await plaidFailure(plaid.accountsGet({ access_token: accessToken }));
    expect(serverError).toMatchObject({ status: 500, body: { error_type: 'API_ERROR', error_code: 'INTERNAL_SERVER_ERROR' } });
    await plaid.accountsGet({ access_token: accessToken });

    await control('POST', '/sandbox/local/faults', { endpoint: '/accounts/balance/get', count: 5, fault: { type: 'status', status: 429 } });
    const defaultCode = await plaidFailure(plaid.accountsBalanceGet({ access_token: accessToken }));
    expect(defaultCode.body.error_code).toBe('BALANCE_LIMIT');
    expect((await control('GET', '/sandbox/local/faults')).body.faults).toHaveLength(1);
    expect((await control('DELETE', '/sandbox/local/faults')).body).toEqual({ cleared: 1 });
    await plaid.accountsBalanceGet({ access_token: accessToken });
  });

  it('injects a chosen error code, a delay and a dropped connection', async () => {
    const { accessToken } = await linkItem();
    sandbox.faults.arm({ endpoint: '/transactions/sync', fault: { type: 'error', error_code: 'ITEM_LOGIN_REQUIRED' } });
    const login = await plaidFailure(plaid.transactionsSync({ access_token: accessToken }));
    expect(login).toMatchObject({ status: 400, body: { error_type: 'ITEM_ERROR', error_code: 'ITEM_LOGIN_REQUIRED' } });

    sandbox.faults.arm({ endpoint: '/item/get', fault: { type: 'delay', ms: 20 } });
    expect((await plaid.itemGet({ access_token: accessToken })).status).toBe(200);
    expect(sandbox.recorder.list({ path: '/item/get' }).at(-1)?.fault).toBe('delay:20ms');

    sandbox.faults.arm({ endpoint: '/item/get', fault: { type: 'disconnect' } });
    const dropped = await plaid.itemGet({ access_token: accessToken }).catch((error: unknown) => error);
    expect(isAxiosError(dropped) && dropped.response === undefined).toBe(true);
    expect((await plaid.itemGet({ access_token: accessToken })).status).toBe(200);

    const invalid = await control('POST', '/sandbox/local/faults', { endpoint: '/transactions/sync', fault: { type: 'status', status: 200 } });
    expect(invalid.status).toBe(400);
  });
});

describe('Plaid sandbox: webhooks and balances', () => {
  it('signs with a new kid after rotation and serves the old key with expired_at set', async () => {
    const { accessToken, itemId } = await linkItem();
    await plaid.sandboxItemFireWebhook({ access_token: accessToken, webhook_code: WebhookCode.NewAccountsAvailable });
    const before = await verifyWebhook(await receiver.waitFor(isWebhook(itemId, 'NEW_ACCOUNTS_AVAILABLE')));
    expect(before.expiredAt).toBeNull();

    const rotation = await control('POST', '/sandbox/local/webhook_keys/rotate');
    expect(rotation.body.expired_key_id).toBe(before.kid);
    const oldKey = await plaid.webhookVerificationKeyGet({ key_id: before.kid });
    expect(oldKey.data.key.expired_at).not.toBeNull();

    await plaid.sandboxItemFireWebhook({ access_token: accessToken, webhook_code: WebhookCode.PendingDisconnect });
    const after = await verifyWebhook(await receiver.waitFor(isWebhook(itemId, 'PENDING_DISCONNECT')));
    expect(after.kid).toBe(rotation.body.current_key_id);
    expect(after.kid).not.toBe(before.kid);

    const unknown = await plaidFailure(plaid.webhookVerificationKeyGet({ key_id: 'not-a-key' }));
    expect(unknown.body.error_code).toBe('INVALID_WEBHOOK_VERIFICATION_KEY_ID');
  });

  it('retries a rejected delivery and clears login errors on LOGIN_REPAIRED', async () => {
    const { accessToken, itemId } = await linkItem();
    await plaid.sandboxItemResetLogin({ access_token: accessToken });
    await receiver.waitFor(isWebhook(itemId, 'ERROR'));
    await sandbox.webhooks.idle();
    receiver.failNext(1);
    await plaid.sandboxItemFireWebhook({ access_token: accessToken, webhook_type: WebhookType.Item, webhook_code: WebhookCode.LoginRepaired });
    await verifyWebhook(await receiver.waitFor(isWebhook(itemId, 'LOGIN_REPAIRED')));
    const [delivery] = sandbox.webhooks.deliveries({ itemId, label: 'ITEM/LOGIN_REPAIRED' });
    expect(delivery).toMatchObject({ status: 'delivered', attempts: 2 });
    expect((await plaid.accountsGet({ access_token: accessToken })).data.item.error).toBeNull();

    const mismatched = await plaidFailure(plaid.sandboxItemFireWebhook({ access_token: accessToken, webhook_type: WebhookType.Item, webhook_code: WebhookCode.SyncUpdatesAvailable }));
    expect(mismatched.body.error_code).toBe('INVALID_FIELD');
    const { accessToken: silentToken } = await linkItem({ webhook: null });
    const noWebhook = await plaidFailure(plaid.sandboxItemFireWebhook({ access_token: silentToken, webhook_code: WebhookCode.NewAccountsAvailable }));
    expect(noWebhook.body.error_code).toBe('SANDBOX_WEBHOOK_INVALID');
  });

  it('USER_ACCOUNT_REVOKED names one account, whose numbers /auth/get no longer returns; the other accounts are untouched', async () => {
    const { accessToken, itemId } = await linkItem();
    const before = (await plaid.authGet({ access_token: accessToken })).data.numbers.ach.map((numbers) => numbers.account_id);
    expect(before).toHaveLength(2);
    const fired = await plaid.sandboxItemFireWebhook({ access_token: accessToken, webhook_code: WebhookCode.UserAccountRevoked });
    expect(fired.data.webhook_fired).toBe(true);
    const webhook = await receiver.waitFor(isWebhook(itemId, 'USER_ACCOUNT_REVOKED'));
    await verifyWebhook(webhook);
    const revokedId = webhook.body.account_id as string;
    expect(before).toContain(revokedId);
    const after = (await plaid.authGet({ access_token: accessToken })).data.numbers.ach.map((numbers) => numbers.account_id);
    expect(after).toEqual(before.filter((id) => id !== revokedId));
    // The Item itself stays healthy.
    expect((await plaid.accountsGet({ access_token: accessToken })).data.item.error).toBeNull();
  });

  it('changes a balance through the control endpoint and reports it from /accounts/get', async () => {
    const { accessToken } = await linkItem();
    const [checking] = (await plaid.accountsGet({ access_token: accessToken })).data.accounts;
    const changed = await control('POST', '/sandbox/local/balance', { access_token: accessToken, account_id: checking?.account_id, current: 1234.56, available: 1200 });
    expect(changed.body.account.balances).toMatchObject({ current: 1234.56, available: 1200 });
    const after = await plaid.accountsGet({ access_token: accessToken, options: { account_ids: [checking?.account_id ?? ''] } });
    expect(after.data.accounts).toHaveLength(1);
    expect(after.data.accounts[0]?.balances).toMatchObject({ current: 1234.56, available: 1200 });
  });

  it('exposes the request log through the control endpoint with secrets masked', async () => {
    const { accessToken } = await linkItem();
    await plaid.itemGet({ access_token: accessToken });
    const log = await control('GET', '/sandbox/local/requests?path=/item/get');
    const last = log.body.requests.at(-1);
    expect(last).toMatchObject({ method: 'POST', path: '/item/get', status: 200, kind: 'provider' });
    expect(last.requestHeaders['plaid-secret']).toBe('[REDACTED]');
    expect(last.requestHeaders['plaid-version']).toBe('2020-09-14');
    expect(last.responseBody.item.item_id).toBeTypeOf('string');
  });
});
