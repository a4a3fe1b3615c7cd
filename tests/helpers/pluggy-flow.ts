/**
 * Steps a frontend (with Pluggy Connect) performs around our API, for end-to-end tests: getting a connect
 * token from our API, creating the item at the Pluggy sandbox with it (what the widget does), creating the
 * connection, waiting for items and syncs.
 */
import { expect } from 'vitest';
import { localProviderCredentials } from '../../local/aws/provision';
import { eventually } from './eventually';
import { finishedSyncRun } from './plaid-flow';
import type { LocalStack } from './local-stack';
import { webhookWorkDone } from './queues';

export const PLUGGY_BANK = 0;
export const PLUGGY_BANK_MFA = 1;
export const PLUGGY_BANK_OPEN_FINANCE = 2;

/** Registers our webhook route at the sandbox with the secret header, as `npm run pluggy:register-webhook` does. */
export async function registerWebhook(stack: LocalStack): Promise<void> {
  // Imported late: the command loads the shared logger, which must read the stack's log level first.
  const { registerPluggyWebhook } = await import('../../ops/register-pluggy-webhook');
  const local = localProviderCredentials.pluggy;
  await registerPluggyWebhook({
    pluggyBaseUrl: stack.pluggy.url,
    clientId: local.client_id,
    clientSecret: local.client_secret,
    webhookSecret: localProviderCredentials.pluggyWebhook.webhook_secret,
    secretHeader: 'X-Webhook-Secret',
    apiBaseUrl: stack.gatewayUrl,
  });
}

export interface WidgetItemOptions {
  readonly connectorId?: number;
  readonly parameters?: Record<string, string>;
}

/** Gets a connect token from our API and creates an item with it at the sandbox, as Pluggy Connect would. */
export async function createItemAsWidget(stack: LocalStack, userId: string, options: WidgetItemOptions = {}): Promise<string> {
  const token = await stack.api(userId, 'POST', '/banking/pluggy/connect-token', {});
  expect(token.status, JSON.stringify(token.body)).toBe(200);
  const response = await fetch(`${stack.pluggy.url}/items`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-api-key': token.body.connect_token },
    body: JSON.stringify({
      connectorId: options.connectorId ?? PLUGGY_BANK,
      parameters: options.parameters ?? { user: 'user-ok', password: 'password-ok' },
    }),
  });
  const item = (await response.json()) as { id?: string };
  expect(response.status, JSON.stringify(item)).toBeLessThan(300);
  return item.id!;
}

/** The sandbox's internal view of an item (status, history, consents, accounts). */
export async function sandboxItem(stack: LocalStack, itemId: string): Promise<any> {
  const response = await fetch(`${stack.pluggy.url}/sandbox/local/items/${itemId}`);
  return ((await response.json()) as { item: unknown }).item;
}

export async function itemSettled(stack: LocalStack, itemId: string, statuses: readonly string[]): Promise<any> {
  return eventually(`item ${itemId} reaches ${statuses.join('/')}`, async () => {
    const item = await sandboxItem(stack, itemId);
    // An execution paused for the user (MFA, authorization) is still "in progress" at the sandbox.
    const settled = !item.executionInProgress || item.waitingFor !== null;
    return statuses.includes(item.status) && settled ? item : undefined;
  });
}

export async function createConnection(stack: LocalStack, userId: string, itemId: string) {
  const response = await stack.api(userId, 'POST', '/banking/connections', { item_id: itemId });
  expect(response.status, JSON.stringify(response.body)).toBe(201);
  return response.body as { connection: any; accounts: any[]; sync_run_id: string | null; mfa: any };
}

/** Connect token → item (user-ok) → connection; waits until the item has collected its data first. */
export async function connectPluggyBank(stack: LocalStack, userId: string, options: WidgetItemOptions = {}) {
  const itemId = await createItemAsWidget(stack, userId, options);
  await itemSettled(stack, itemId, ['UPDATED']);
  return { itemId, ...(await createConnection(stack, userId, itemId)) };
}

export async function connection(stack: LocalStack, userId: string, connectionId: string): Promise<any> {
  const response = await stack.api(userId, 'GET', `/banking/connections/${connectionId}`);
  expect(response.status).toBe(200);
  return response.body;
}

export async function connectionReaches(stack: LocalStack, userId: string, connectionId: string, status: string): Promise<any> {
  return eventually(`connection ${connectionId} is ${status}`, async () => {
    const current = await connection(stack, userId, connectionId);
    return current.status === status ? current : undefined;
  });
}

export async function sandboxControl(stack: LocalStack, method: string, path: string, body?: unknown): Promise<any> {
  const response = await fetch(`${stack.pluggy.url}/sandbox/local${path}`, {
    method,
    ...(body !== undefined ? { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) } : {}),
  });
  const text = await response.text();
  expect(response.status, text).toBeLessThan(300);
  return text ? JSON.parse(text) : null;
}

/** The user forces a sync of a connection; resolves with the finished run. */
export async function forcedSync(stack: LocalStack, userId: string, connectionId: string, timeoutMs = 60_000): Promise<any> {
  const requested = await stack.api(userId, 'POST', `/banking/connections/${connectionId}/sync`);
  expect(requested.status).toBe(202);
  return finishedSyncRun(stack, userId, connectionId, requested.body.sync_run_id, timeoutMs);
}

/** What the auto-sync scheduler sends for a due connection (trigger `schedule`), through the real queue; resolves with the finished run. */
export async function scheduledSync(stack: LocalStack, userId: string, connectionId: string, timeoutMs = 60_000): Promise<any> {
  // Imported late: the queue adapter reads the stack's queue URL from the environment on first use.
  const { syncJobQueue } = await import('../../shared/wiring/queues');
  const { newId } = await import('../../shared/banking/ids');
  const syncRunId = newId('run');
  await syncJobQueue().enqueue([{ userId, connectionId, syncRunId, trigger: 'schedule', deduplicationId: `${connectionId}@${syncRunId}` }]);
  return finishedSyncRun(stack, userId, connectionId, syncRunId, timeoutMs);
}

/**
 * Waits until no sync run of the connection is queued, running or retrying, webhook-requested ones included:
 * those are quiet (recorded only when they end), so the queues that carry them must be drained first.
 */
export async function syncsSettled(stack: LocalStack, userId: string, connectionId: string): Promise<any[]> {
  await stack.pluggy.webhooks.idle();
  await webhookWorkDone(stack);
  return eventually(`syncs of ${connectionId} done`, async () => {
    const runs = (await stack.api(userId, 'GET', `/banking/connections/${connectionId}/sync-runs?limit=50`)).body.data;
    return runs.every((run: any) => !['queued', 'running', 'retrying'].includes(run.outcome)) ? runs : undefined;
  }, { timeoutMs: 60_000 });
}

