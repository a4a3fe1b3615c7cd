/**
 * `npm run plaid:update-webhooks -- <new-base-url>` against the offline stack: the command runs as an
 * operator would run it (its own process, configured only through the environment), reads the stored
 * Plaid connections, and re-points each Item through `/item/webhook/update`. The new address here is the
 * same gateway spelled differently (`localhost` instead of `127.0.0.1`), so the acknowledgements Plaid
 * sends to the new URL land on our receiver and must pass verification.
 */
import { spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalStack, type LocalStack } from '../helpers/local-stack';
import { deliveriesOf, finishedRun, linkItem, plaidCall, sandboxControl, type LinkedItem } from '../helpers/plaid-e2e';

let stack: LocalStack;
let live: LinkedItem[];
let removedAtPlaid: LinkedItem;
let newBaseUrl: string;

interface CommandResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs the npm script in a child process (asynchronously: the sandbox and gateway live in this process). */
function runCommand(args: readonly string[], env: NodeJS.ProcessEnv = process.env): Promise<CommandResult> {
  return new Promise((resolve, reject) => {
    const child = spawn('npm', ['run', '--silent', 'plaid:update-webhooks', '--', ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

beforeAll(async () => {
  stack = await startLocalStack();
  const linked = await Promise.all([
    linkItem(stack, 'operator-a', { daysRequested: 5 }),
    linkItem(stack, 'operator-b', { daysRequested: 5 }),
    linkItem(stack, 'operator-c', { daysRequested: 5 }),
  ]);
  for (const item of linked) {
    await finishedRun(stack, item, `${item.userId}'s first sync finished`, (run) => run.id === item.syncRunId);
  }
  // One Item was removed at Plaid behind our back (e.g. from Plaid's dashboard); its connection is still stored.
  removedAtPlaid = linked[2]!;
  const removal = await plaidCall(stack, '/item/remove', { access_token: removedAtPlaid.accessToken });
  expect(removal.status).toBe(200);
  live = linked.slice(0, 2);
  newBaseUrl = stack.gatewayUrl.replace('127.0.0.1', 'localhost');
  expect(newBaseUrl).not.toBe(stack.gatewayUrl);
}, 60_000);

afterAll(async () => {
  await stack?.stop();
});

describe('npm run plaid:update-webhooks', () => {
  it('refuses to run without exactly one base URL', async () => {
    const result = await runCommand([]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/usage: npm run plaid:update-webhooks/);
  });

  it('names missing configuration instead of failing obscurely', async () => {
    const { TABLE_NAME: _table, ...withoutTable } = process.env;
    const result = await runCommand([newBaseUrl], withoutTable);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/TABLE_NAME/);
  });

  it('--dry-run lists the connections and calls nothing at Plaid', async () => {
    const seq = stack.plaid.recorder.lastSeq();
    const result = await runCommand([newBaseUrl, '--dry-run']);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain(`dry run: 3 Plaid connection(s) would be pointed at ${newBaseUrl}/api/v1/webhooks/plaid`);
    expect(stack.plaid.recorder.list({ path: '/item/webhook/update', afterSeq: seq })).toEqual([]);
  });

  it('points every Item at the new URL; Plaid acknowledges there, and later webhooks arrive there', async () => {
    const newWebhookUrl = `${newBaseUrl}/api/v1/webhooks/plaid`;
    const seq = stack.plaid.recorder.lastSeq();
    const result = await runCommand([newBaseUrl]);
    expect(result.code, result.stdout + result.stderr).toBe(0);
    expect(result.stdout).toContain(`Plaid webhook URL set to ${newWebhookUrl}: 3 connection(s), 2 updated, 1 gone at Plaid, 0 failed`);
    expect(result.stdout).toContain(`connection ${removedAtPlaid.connectionId}: Item no longer exists at Plaid`);
    for (const item of [...live, removedAtPlaid]) {
      expect(result.stdout + result.stderr).not.toContain(item.accessToken);
    }
    expect(result.stdout + result.stderr).not.toMatch(/access-sandbox-|local-secret/);

    const calls = stack.plaid.recorder.list({ path: '/item/webhook/update', afterSeq: seq });
    expect(calls).toHaveLength(3);
    for (const item of live) {
      expect(calls).toContainEqual(expect.objectContaining({ status: 200, requestBody: { access_token: item.accessToken, webhook: newWebhookUrl } }));
      expect(stack.plaid.state.findItem(item.itemId)?.webhook).toBe(newWebhookUrl);
    }

    // Plaid confirms on the NEW address; our receiver verifies and accepts it.
    await stack.plaid.webhooks.idle();
    for (const item of live) {
      const acknowledged = deliveriesOf(stack, item, 'ITEM/WEBHOOK_UPDATE_ACKNOWLEDGED');
      expect(acknowledged).toHaveLength(1);
      expect(acknowledged[0]).toMatchObject({ url: newWebhookUrl, status: 'delivered', lastStatus: 200 });
      expect(JSON.parse(acknowledged[0]!.body)).toMatchObject({ new_webhook_url: newWebhookUrl, item_id: item.itemId });
    }

    // New transactions are announced at the new address and still lead to a sync.
    const item = live[0]!;
    const advanced = await sandboxControl(stack, 'POST', 'advance', { item_id: item.itemId });
    expect(advanced.body.webhookSent).toBe(true);
    const run = await finishedRun(stack, item, 'the webhook-triggered sync finished', (candidate) => candidate.trigger === 'webhook');
    expect(run.outcome).toBe('succeeded');
    expect(deliveriesOf(stack, item, 'TRANSACTIONS/SYNC_UPDATES_AVAILABLE').at(-1)).toMatchObject({ url: newWebhookUrl, lastStatus: 200 });
  }, 60_000);

  it('reports an Item Plaid refused and exits non-zero', async () => {
    stack.plaid.faults.arm({ endpoint: '/item/webhook/update', fault: { type: 'error', error_code: 'INVALID_FIELD' } });
    const result = await runCommand([stack.gatewayUrl]);
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/update failed \(INVALID_FIELD\)/);
    expect(result.stdout).toMatch(/3 connection\(s\), \d updated, \d gone at Plaid, 1 failed/);
    expect(stack.plaid.faults.list()).toEqual([]);
  });
});
