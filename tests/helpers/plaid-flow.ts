/**
 * Steps a frontend performs around our API, for end-to-end tests: getting a public token from the Plaid
 * sandbox (what Link would hand the frontend), exchanging it through our API, and waiting for syncs.
 */
import { expect } from 'vitest';
import type { LocalStack } from './local-stack';
import { eventually } from './eventually';

export interface SandboxItemOptions {
  readonly institutionId?: string;
  readonly username?: string;
  readonly password?: string;
  readonly products?: readonly string[];
  /** Set the webhook the way a Link token created by our API would. */
  readonly webhook?: boolean;
  /** Days of history the Item gets (`options.transactions.days_requested`); default the sandbox's 730. */
  readonly daysRequested?: number;
}

export async function sandboxPublicToken(stack: LocalStack, options: SandboxItemOptions = {}): Promise<string> {
  const response = await fetch(`${stack.plaid.url}/sandbox/public_token/create`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      client_id: stack.plaid.credentials.clientId,
      secret: stack.plaid.credentials.secret,
      institution_id: options.institutionId ?? 'ins_109508',
      initial_products: options.products ?? ['transactions', 'auth'],
      options: {
        override_username: options.username ?? 'user_good',
        override_password: options.password ?? 'pass_good',
        ...(options.webhook === false ? {} : { webhook: `${stack.gatewayUrl}/api/v1/webhooks/plaid` }),
        ...(options.daysRequested === undefined ? {} : { transactions: { days_requested: options.daysRequested } }),
      },
    }),
  });
  const body = (await response.json()) as { public_token?: string };
  expect(response.status, JSON.stringify(body)).toBe(200);
  return body.public_token!;
}

export interface LinkedConnection {
  readonly connectionId: string;
  readonly syncRunId: string;
  readonly accounts: { id: string; name: string; mask: string | null; type: string }[];
}

export async function linkPlaidItem(stack: LocalStack, userId: string, options: SandboxItemOptions = {}): Promise<LinkedConnection> {
  const publicToken = await sandboxPublicToken(stack, options);
  const response = await stack.api(userId, 'POST', '/banking/plaid/exchange', { public_token: publicToken });
  expect(response.status, JSON.stringify(response.body)).toBe(201);
  return {
    connectionId: response.body.connection.id,
    syncRunId: response.body.sync_run_id,
    accounts: response.body.accounts,
  };
}

/** Waits until the sync run has finished (any outcome) and returns it as the API shows it. */
export async function finishedSyncRun(stack: LocalStack, userId: string, connectionId: string, syncRunId: string, timeoutMs = 20_000) {
  return eventually(
    `sync run ${syncRunId} has finished`,
    async () => {
      const runs = await stack.api(userId, 'GET', `/banking/connections/${connectionId}/sync-runs?limit=50`);
      const run = runs.body.data.find((candidate: { id: string }) => candidate.id === syncRunId);
      return run && !['queued', 'running', 'retrying'].includes(run.outcome) ? run : undefined;
    },
    { timeoutMs },
  );
}

/** Every transaction the user can see, following the cursor to the end. */
export async function allTransactions(stack: LocalStack, userId: string, query = ''): Promise<any[]> {
  const all: any[] = [];
  let cursor: string | null = null;
  do {
    const separator = query ? '&' : '';
    const page: { body: { data: any[]; next_cursor: string | null } } = await stack.api(
      userId,
      'GET',
      `/banking/transactions?limit=200${separator}${query}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
    );
    all.push(...page.body.data);
    cursor = page.body.next_cursor;
  } while (cursor);
  return all;
}
