/**
 * No orphaned, billed Items. Once `/item/public_token/exchange` succeeded the Item exists at Plaid and is
 * billed until `/item/remove` (https://plaid.com/docs/api/items/#itemremove). Every failure after that point
 * must remove it before the error is answered, and the user can link the same bank again at once.
 *
 * Plaid calls fail through the sandbox's fault switch; KMS and DynamoDB fail for real against the local AWS
 * emulator (a key and a table that do not exist), with everything else wired as the handler wires it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoConnectionStore } from '../../shared/adapters/dynamodb/connection-store';
import { KmsTokenVault } from '../../shared/adapters/kms/kms-token-vault';
import { exchangePlaidPublicToken } from '../../shared/providers/plaid/plaid-linking';
import { plaidLinkingDeps } from '../../shared/providers/plaid/plaid-linking-module';
import type { PlaidFault } from '../../local/sandboxes/plaid/control-endpoints';
import { startLocalStack, type LocalStack } from '../helpers/local-stack';
import { createPublicToken, linkItem } from '../helpers/plaid-e2e';

let stack: LocalStack;

beforeAll(async () => {
  stack = await startLocalStack();
}, 60_000);

afterAll(async () => {
  await stack?.stop();
});

/** The access token the sandbox handed out for `publicToken`, from its request log. */
function exchangedToken(publicToken: string): string {
  const exchange = stack.plaid.recorder
    .list({ path: '/item/public_token/exchange', kind: 'provider' })
    .find((entry) => (entry.requestBody as { public_token?: string }).public_token === publicToken);
  const accessToken = (exchange?.responseBody as { access_token?: string } | undefined)?.access_token;
  expect(accessToken).toMatch(/^access-sandbox-/);
  return accessToken!;
}

/** The Item was removed at Plaid: `/item/remove` was called with its token, and the token no longer works. */
function expectRemovedAtPlaid(accessToken: string, afterSeq: number): void {
  const removals = stack.plaid.recorder
    .list({ path: '/item/remove', kind: 'provider', afterSeq })
    .filter((call) => (call.requestBody as { access_token?: string }).access_token === accessToken);
  expect(removals.map((call) => call.status)).toEqual([200]);
  expect(() => stack.plaid.state.itemForAccessToken(accessToken)).toThrow();
}

async function expectCanLinkAgain(userId: string): Promise<void> {
  const again = await linkItem(stack, userId, { daysRequested: 7, webhook: false });
  expect(again.connectionId).toMatch(/^conn/);
  const connections = await stack.api(userId, 'GET', '/banking/connections');
  expect(connections.body).toHaveLength(1);
}

describe('a link that fails after the exchange leaves no Item behind at Plaid', () => {
  // More failures than the in-call retry absorbs, so the call really fails.
  const failures: readonly [string, PlaidFault, number][] = [
    ['/item/get', { type: 'status', status: 500 }, 502],
    ['/accounts/get', { type: 'status', status: 503 }, 502],
    ['/auth/get', { type: 'error', error_code: 'INSTITUTION_NOT_RESPONDING' }, 502],
  ];

  it.each(failures)('%s failing: the API answers the error, the Item is removed, linking again works', async (endpoint, fault, status) => {
    const userId = `orphan-${endpoint.replace(/\W+/g, '-')}`;
    const publicToken = await createPublicToken(stack, { daysRequested: 7, webhook: false });
    stack.plaid.faults.clear();
    stack.plaid.faults.arm({ endpoint, fault, count: 10 });
    const seq = stack.plaid.recorder.lastSeq();

    const response = await stack.api(userId, 'POST', '/banking/plaid/exchange', { public_token: publicToken });
    stack.plaid.faults.clear();
    expect(response.status, JSON.stringify(response.body)).toBe(status);
    expect(JSON.stringify(response.body)).not.toMatch(/access-sandbox-/);
    expectRemovedAtPlaid(exchangedToken(publicToken), seq);
    expect((await stack.api(userId, 'GET', '/banking/connections')).body).toEqual([]);
    await expectCanLinkAgain(userId);
  }, 60_000);

  it('KMS failing (no such key): the Item is removed and the error answered', async () => {
    const publicToken = await createPublicToken(stack, { daysRequested: 7, webhook: false });
    const seq = stack.plaid.recorder.lastSeq();
    const deps = { ...plaidLinkingDeps(), vault: new KmsTokenVault('alias/no-such-key-for-this-test') };
    await expect(exchangePlaidPublicToken(deps, 'orphan-kms', { publicToken })).rejects.toThrow();
    expectRemovedAtPlaid(exchangedToken(publicToken), seq);
    await expectCanLinkAgain('orphan-kms');
  }, 60_000);

  it('DynamoDB failing (no such table): the Item is removed and the error answered', async () => {
    const publicToken = await createPublicToken(stack, { daysRequested: 7, webhook: false });
    const seq = stack.plaid.recorder.lastSeq();
    const deps = {
      ...plaidLinkingDeps(),
      connections: new DynamoConnectionStore({ tableName: `${stack.env.TABLE_NAME}-missing`, dueIndexShards: 8 }),
    };
    await expect(exchangePlaidPublicToken(deps, 'orphan-dynamodb', { publicToken })).rejects.toThrow();
    expectRemovedAtPlaid(exchangedToken(publicToken), seq);
    await expectCanLinkAgain('orphan-dynamodb');
  }, 60_000);
});
