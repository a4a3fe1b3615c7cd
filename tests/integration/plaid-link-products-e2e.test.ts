/**
 * Link is not narrowed by Auth. Our default link token asks for `products: ["transactions"]` with auth in
 * `required_if_supported_products`, so a bank without Auth and a login with only a credit card can be linked
 * (Plaid refuses both when auth is in `products`), while seed 000's bank still gets transactions + auth.
 * Account numbers then answer a clear 409 when the connection has no Auth.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOpenApiValidator, loadOpenApiDocument, providerSpecPath, specExists } from '../helpers/openapi-validator';
import { startLocalStack, type LocalStack } from '../helpers/local-stack';
import { finishedRun, sandboxControl } from '../helpers/plaid-e2e';

const SPEC_PATH = providerSpecPath('plaid-openapi-2020-09-14.yml');

let stack: LocalStack;

beforeAll(async () => {
  stack = await startLocalStack();
}, 60_000);

afterAll(async () => {
  await stack?.stop();
});

/** Our link token, a Link session finished at the sandbox, and our exchange: what a frontend does. */
async function linkThroughLink(userId: string, session: { institution_id?: string; username?: string; password?: string }) {
  const token = await stack.api(userId, 'POST', '/banking/link-token');
  expect(token.status, JSON.stringify(token.body)).toBe(200);
  const completed = await sandboxControl(stack, 'POST', 'link/complete', { link_token: token.body.link_token, ...session });
  expect(completed.status, JSON.stringify(completed.body)).toBe(200);
  const exchanged = await stack.api(userId, 'POST', '/banking/plaid/exchange', {
    public_token: completed.body.public_token,
    institution: completed.body.metadata.institution,
    accounts: completed.body.metadata.accounts,
  });
  expect(exchanged.status, JSON.stringify(exchanged.body)).toBe(201);
  return { linkToken: token.body.link_token as string, exchanged: exchanged.body };
}

function recordedLinkTokenRequest(linkToken: string): Record<string, unknown> {
  const call = stack.plaid.recorder
    .list({ path: '/link/token/create', kind: 'provider' })
    .find((entry) => (entry.responseBody as { link_token?: string }).link_token === linkToken);
  expect(call?.status).toBe(200);
  return call!.requestBody as Record<string, unknown>;
}

describe('default link token products', () => {
  it('asks for transactions, with auth only where supported, in a request valid against Plaid’s spec', async () => {
    const token = await stack.api('products-spec', 'POST', '/banking/link-token');
    expect(token.status).toBe(200);
    const request = recordedLinkTokenRequest(token.body.link_token);
    expect(request.products).toEqual(['transactions']);
    expect(request.required_if_supported_products).toEqual(['auth']);
    if (specExists(SPEC_PATH)) {
      const outcome = createOpenApiValidator(loadOpenApiDocument(SPEC_PATH)).validateRequest('/link/token/create', request);
      expect(outcome.errors).toEqual([]);
      expect(outcome.valid).toBe(true);
    }
  }, 60_000);

  it('seed 000’s bank still gets transactions + auth, and the numbers are there', async () => {
    const { exchanged } = await linkThroughLink('products-default', {});
    expect([...exchanged.connection.products].sort()).toEqual(['auth', 'transactions']);
    const checking = exchanged.accounts.find((account: { type: string }) => account.type === 'checking');
    const numbers = await stack.api('products-default', 'GET', `/banking/accounts/${checking.id}/numbers`);
    expect(numbers.status).toBe(200);
    expect(numbers.body.routing_number).toMatch(/^\d{9}$/);
  }, 60_000);

  it('a bank without Auth links with transactions only; numbers answer 409 AUTH_NOT_AVAILABLE; sync works', async () => {
    const { exchanged } = await linkThroughLink('products-no-auth', { institution_id: 'ins_local_no_auth' });
    expect(exchanged.connection.products).toEqual(['transactions']);
    const checking = exchanged.accounts.find((account: { type: string }) => account.type === 'checking');
    const numbers = await stack.api('products-no-auth', 'GET', `/banking/accounts/${checking.id}/numbers`);
    expect(numbers.status).toBe(409);
    expect(numbers.body.error).toMatchObject({ code: 'AUTH_NOT_AVAILABLE' });
    expect(numbers.body.error.message).toMatch(/Auth/);
    // The exchange never asked Plaid for numbers it does not have.
    const authCalls = stack.plaid.recorder.list({ path: '/auth/get', kind: 'provider' }).filter((call) => call.status !== 200);
    expect(authCalls).toEqual([]);
    const item = { userId: 'products-no-auth', connectionId: exchanged.connection.id };
    const run = await finishedRun(stack, item, 'the first sync finished', (candidate) => candidate.id === exchanged.sync_run_id, 90_000);
    expect(run.outcome).toBe('succeeded');
    expect(run.counts.added).toBeGreaterThan(0);
  }, 120_000);

  it('a credit-card-only login links without auth; its card has no numbers (409)', async () => {
    const { exchanged } = await linkThroughLink('products-credit-only', { username: 'user_credit_only', password: 'pass_good' });
    expect(exchanged.connection.products).toEqual(['transactions']);
    expect(exchanged.accounts.map((account: { type: string }) => account.type)).toEqual(['credit_card']);
    const numbers = await stack.api('products-credit-only', 'GET', `/banking/accounts/${exchanged.accounts[0].id}/numbers`);
    expect(numbers.status).toBe(409);
    expect(numbers.body.error.code).toBe('AUTH_NOT_AVAILABLE');
  }, 60_000);
});
