/**
 * Plaid end-to-end helpers on top of `plaid-flow.ts`: linking an Item with a chosen history size (so a test
 * that does not need two years of data does not wait for it), learning the Item's access token from the
 * sandbox's request log (our API never reveals it), calling the sandbox like Plaid's dashboard or a test
 * harness would, and following sync runs.
 */
import { expect } from 'vitest';
import { transactionIdFor } from '../../shared/banking/ids';
import { eventually } from './eventually';
import type { ApiResponse, LocalStack } from './local-stack';

export interface SandboxItemSpec {
  readonly username?: string;
  readonly password?: string;
  readonly products?: readonly string[];
  /** Days of history the Item holds (default 730, the sandbox's and our link token's default). */
  readonly daysRequested?: number;
  /** Point the Item's webhook at the gateway (default true). */
  readonly webhook?: boolean;
}

export interface LinkedItem {
  readonly userId: string;
  readonly connectionId: string;
  readonly syncRunId: string;
  readonly accounts: { id: string; name: string; mask: string | null; type: string; provider_account_id: string }[];
  readonly accessToken: string;
  readonly itemId: string;
}

/** POST to a Plaid endpoint of the sandbox with the sandbox's credentials in the body. */
export async function plaidCall<T = any>(stack: LocalStack, path: string, body: Record<string, unknown>): Promise<ApiResponse<T>> {
  const response = await fetch(`${stack.plaid.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ client_id: stack.plaid.credentials.clientId, secret: stack.plaid.credentials.secret, ...body }),
  });
  return { status: response.status, headers: response.headers, body: (await response.json()) as T };
}

/** Calls one of the sandbox's own control endpoints (`/sandbox/local/...`). */
export async function sandboxControl<T = any>(stack: LocalStack, method: string, path: string, body?: unknown): Promise<ApiResponse<T>> {
  const response = await fetch(`${stack.plaid.url}/sandbox/local/${path}`, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: response.status, headers: response.headers, body: (await response.json()) as T };
}

export async function createPublicToken(stack: LocalStack, spec: SandboxItemSpec = {}): Promise<string> {
  const response = await plaidCall(stack, '/sandbox/public_token/create', {
    institution_id: 'ins_109508',
    initial_products: spec.products ?? ['transactions', 'auth'],
    options: {
      override_username: spec.username ?? 'user_good',
      override_password: spec.password ?? 'pass_good',
      ...(spec.webhook === false ? {} : { webhook: `${stack.gatewayUrl}/api/v1/webhooks/plaid` }),
      ...(spec.daysRequested ? { transactions: { days_requested: spec.daysRequested } } : {}),
    },
  });
  expect(response.status, JSON.stringify(response.body)).toBe(200);
  return response.body.public_token;
}

/** Links an Item through our API (`POST /banking/plaid/exchange`) and finds its access token in the sandbox log. */
export async function linkItem(stack: LocalStack, userId: string, spec: SandboxItemSpec = {}): Promise<LinkedItem> {
  const publicToken = await createPublicToken(stack, spec);
  const response = await stack.api(userId, 'POST', '/banking/plaid/exchange', { public_token: publicToken });
  expect(response.status, JSON.stringify(response.body)).toBe(201);
  const exchange = stack.plaid.recorder
    .list({ path: '/item/public_token/exchange', kind: 'provider' })
    .find((entry) => (entry.requestBody as { public_token?: string }).public_token === publicToken);
  const exchanged = exchange?.responseBody as { access_token: string; item_id: string } | undefined;
  expect(exchanged?.access_token).toMatch(/^access-sandbox-/);
  return {
    userId,
    connectionId: response.body.connection.id,
    syncRunId: response.body.sync_run_id,
    accounts: response.body.accounts,
    accessToken: exchanged!.access_token,
    itemId: exchanged!.item_id,
  };
}

export async function syncRuns(stack: LocalStack, userId: string, connectionId: string): Promise<any[]> {
  const response = await stack.api(userId, 'GET', `/banking/connections/${connectionId}/sync-runs?limit=100`);
  expect(response.status).toBe(200);
  return response.body.data;
}

const UNFINISHED = new Set(['queued', 'running', 'retrying']);

/**
 * One poll of a GET while waiting for something: a 5xx counts as "not yet" (the shared local emulator can
 * be slow enough under parallel test files for the gateway to time a handler out), anything else must be 200.
 */
async function polled(stack: LocalStack, userId: string, path: string): Promise<any | undefined> {
  const response = await stack.api(userId, 'GET', path);
  if (response.status >= 500) return undefined;
  expect(response.status, JSON.stringify(response.body)).toBe(200);
  return response.body;
}

/** The connection's sync runs, or undefined when this poll hit a 5xx (for use inside `eventually`). */
export async function pollSyncRuns(stack: LocalStack, item: Pick<LinkedItem, 'userId' | 'connectionId'>): Promise<any[] | undefined> {
  return (await polled(stack, item.userId, `/banking/connections/${item.connectionId}/sync-runs?limit=100`))?.data;
}

/** Waits for a finished sync run matching `predicate` and returns it. */
export function finishedRun(
  stack: LocalStack,
  item: Pick<LinkedItem, 'userId' | 'connectionId'>,
  description: string,
  predicate: (run: any) => boolean,
  timeoutMs = 30_000,
): Promise<any> {
  return eventually(
    description,
    async () => (await pollSyncRuns(stack, item))?.find((run) => predicate(run) && !UNFINISHED.has(run.outcome)),
    { timeoutMs, intervalMs: 200 },
  );
}

export async function connectionOf(stack: LocalStack, item: Pick<LinkedItem, 'userId' | 'connectionId'>): Promise<any> {
  const response = await stack.api(item.userId, 'GET', `/banking/connections/${item.connectionId}`);
  expect(response.status).toBe(200);
  return response.body;
}

/** Waits until the connection satisfies `predicate` (status changes arrive through the webhook queue). */
export function connectionWhen(
  stack: LocalStack,
  item: Pick<LinkedItem, 'userId' | 'connectionId'>,
  description: string,
  predicate: (connection: any) => boolean,
): Promise<any> {
  return eventually(description, async () => {
    const connection = await polled(stack, item.userId, `/banking/connections/${item.connectionId}`);
    return connection && predicate(connection) ? connection : undefined;
  }, { timeoutMs: 20_000, intervalMs: 150 });
}

/** Our transaction id for each provider transaction id of the Item (ids are derived, see shared/banking/ids). */
export function ourTransactionId(item: Pick<LinkedItem, 'connectionId'>, providerTransactionId: string): string {
  return transactionIdFor(item.connectionId, providerTransactionId);
}

/** The transactions the sandbox currently holds for the Item (its ledger: what Plaid would report). */
export function sandboxLedger(stack: LocalStack, item: Pick<LinkedItem, 'itemId'>) {
  const sandboxItem = stack.plaid.state.findItem(item.itemId);
  if (!sandboxItem) throw new Error(`the sandbox has no item ${item.itemId}`);
  return stack.plaid.state.ledger(sandboxItem).live();
}

/** Webhook deliveries the sandbox made for the Item, optionally of one type (`TRANSACTIONS/SYNC_UPDATES_AVAILABLE`). */
export function deliveriesOf(stack: LocalStack, item: Pick<LinkedItem, 'itemId'>, label?: string) {
  return stack.plaid.webhooks.deliveries({ itemId: item.itemId, ...(label ? { label } : {}) });
}

/** Posts a webhook to the gateway exactly as Plaid would (raw bytes, `Plaid-Verification` header). */
export async function postWebhook(stack: LocalStack, body: string, verification?: string): Promise<ApiResponse<any>> {
  const response = await fetch(`${stack.gatewayUrl}/api/v1/webhooks/plaid`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(verification === undefined ? {} : { 'plaid-verification': verification }) },
    body,
  });
  const text = await response.text();
  return { status: response.status, headers: response.headers, body: text ? JSON.parse(text) : null };
}
