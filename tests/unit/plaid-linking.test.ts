/**
 * Plaid linking (link token, public-token exchange) against in-memory ports and a fake Plaid gateway: no
 * emulator, no network. The emulator tests (plaid-link-e2e) cover the same flows through DynamoDB, KMS and
 * the Plaid sandbox.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import type { Connection } from '../../shared/banking/model';
import { tokenContextOf } from '../../shared/banking/token-context';
import { ItemAlreadyExistsError, NotFoundError, ValidationError } from '../../shared/errors/app-error';
import { accountFingerprint, itemGuards } from '../../shared/providers/item-guards';
import {
  createPlaidLinkToken,
  DEFAULT_PLAID_PRODUCTS,
  DEFAULT_PLAID_PRODUCTS_IF_SUPPORTED,
  exchangePlaidPublicToken,
  PLAID_HISTORY_DAYS,
  type PlaidLinkingDeps,
} from '../../shared/providers/plaid/plaid-linking';
import { FakeTokenVault, InMemoryConnectionStore, InMemorySyncRunStore, RecordingSyncQueue, TestClock } from '../helpers/fakes/banking-stores';
import { FakePlaidItemGateway } from '../helpers/fakes/linking-gateways';
import { providerAccount } from '../helpers/fakes/providers';
import { testConnection } from './plaid-webhook-support';

const USER = 'user_1';
const checking = providerAccount({ providerAccountId: 'acc-checking', name: 'Plaid Checking', mask: '0000' });
const savings = providerAccount({ providerAccountId: 'acc-savings', name: 'Plaid Saving', mask: '1111', type: 'savings' });

let gateway: FakePlaidItemGateway;
let vault: FakeTokenVault;
let connections: InMemoryConnectionStore;
let syncRuns: InMemorySyncRunStore;
let syncQueue: RecordingSyncQueue;
let clock: TestClock;
let deps: PlaidLinkingDeps;

beforeEach(() => {
  gateway = new FakePlaidItemGateway();
  vault = new FakeTokenVault();
  connections = new InMemoryConnectionStore();
  syncRuns = new InMemorySyncRunStore();
  syncQueue = new RecordingSyncQueue();
  clock = new TestClock(new Date('2025-03-01T12:00:00.000Z'));
  deps = {
    gateway,
    vault,
    connections,
    syncRuns,
    syncQueue,
    clock,
    providerUserIdOf: async (userId) => `hashed-${userId}`,
    webhookUrl: 'https://api.example.com/api/v1/webhooks/plaid',
    autoSyncIntervalHours: 12,
  };
});

const stored = (): Connection[] => [...connections.rows.values()];

describe('exchangePlaidPublicToken', () => {
  it('stores the connection with its token encrypted for it, its accounts and guards, and queues the first sync', async () => {
    const publicToken = gateway.link({
      accounts: [checking, savings],
      numbers: new Map([['acc-checking', { account: '1111222233330000', routing: '011401533', wireRouting: null }]]),
    });
    const result = await exchangePlaidPublicToken(deps, USER, { publicToken, productTag: 'budgeting' });

    const [connection] = stored();
    expect(connection).toMatchObject({
      userId: USER,
      provider: 'plaid',
      providerItemId: 'item-1',
      institution: { id: 'ins_1', name: 'First Platypus Bank' },
      products: ['transactions', 'auth'],
      productTag: 'budgeting',
      status: 'healthy',
      syncCursor: null,
      lastSyncAt: null,
    });
    // The token decrypts only under this connection's own context.
    expect(await vault.decrypt(connection!.accessToken!, tokenContextOf(connection!))).toBe('access-sandbox-1');
    await expect(vault.decrypt(connection!.accessToken!, { ...tokenContextOf(connection!), userId: 'user_2' })).rejects.toThrow();
    // The fallback if the first sync job is lost: auto-sync picks the connection up within a cycle.
    expect(connection!.nextSyncAt! > '2025-03-01T12:00:00.000Z').toBe(true);

    const accounts = connections.createdAccounts;
    expect(accounts.map((account) => account.providerAccountId)).toEqual(['acc-checking', 'acc-savings']);
    const numbers = accounts.find((account) => account.providerAccountId === 'acc-checking')!.numbers!;
    expect(JSON.parse(await vault.decrypt(numbers, tokenContextOf(accounts[0]!)))).toMatchObject({ account: '1111222233330000' });
    expect(accounts.find((account) => account.providerAccountId === 'acc-savings')!.numbers).toBeNull();
    expect([...connections.guards.values()]).toEqual(itemGuards(USER, 'plaid', 'ins_1', connection!.connectionId, [checking, savings]));

    expect(syncQueue.sent).toEqual([expect.objectContaining({ userId: USER, connectionId: connection!.connectionId, trigger: 'link' })]);
    expect(result.syncRunId).toBe(syncQueue.sent[0]!.syncRunId);
    expect(syncRuns.runs).toEqual([expect.objectContaining({ syncRunId: result.syncRunId, outcome: 'queued', trigger: 'link' })]);
    // The access token never leaves the use-case in plaintext.
    expect(JSON.stringify(result)).not.toContain('access-sandbox-1');
  });

  it('reads no account numbers for an Item without the auth product', async () => {
    const publicToken = gateway.link({ products: ['transactions'] });
    await exchangePlaidPublicToken(deps, USER, { publicToken });

    expect(gateway.calls).not.toContain('getAccountNumbers');
    expect(connections.createdAccounts.map((account) => account.numbers)).toEqual([null]);
  });

  it('refuses a duplicate named by Link metadata before exchanging the public token', async () => {
    await exchangePlaidPublicToken(deps, USER, { publicToken: gateway.link({ accounts: [checking, savings] }) });
    gateway.calls.length = 0;

    const again = gateway.link({ accounts: [checking, savings] });
    await expect(
      exchangePlaidPublicToken(deps, USER, {
        publicToken: again,
        institution: { id: 'ins_1', name: 'First Platypus Bank' },
        // Link reports names and masks; case and spacing do not make another account.
        accounts: [{ name: ' plaid checking ', mask: '0000' }],
      }),
    ).rejects.toBeInstanceOf(ItemAlreadyExistsError);

    expect(gateway.calls).toEqual([]);
    expect(stored()).toHaveLength(1);
  });

  it('lets another user link the same bank accounts', async () => {
    await exchangePlaidPublicToken(deps, USER, { publicToken: gateway.link({ accounts: [checking] }) });
    await exchangePlaidPublicToken(deps, 'user_2', {
      publicToken: gateway.link({ accounts: [checking] }),
      institution: { id: 'ins_1', name: 'First Platypus Bank' },
      accounts: [{ name: 'Plaid Checking', mask: '0000' }],
    });

    expect(stored().map((connection) => connection.userId).sort()).toEqual([USER, 'user_2']);
  });

  it('removes the new Item again when the duplicate shows only after the exchange (no metadata)', async () => {
    await exchangePlaidPublicToken(deps, USER, { publicToken: gateway.link({ accounts: [checking] }) });

    await expect(exchangePlaidPublicToken(deps, USER, { publicToken: gateway.link({ accounts: [checking] }) })).rejects.toBeInstanceOf(
      ItemAlreadyExistsError,
    );

    expect(gateway.removedAccessTokens).toEqual(['access-sandbox-2']);
    expect(stored()).toHaveLength(1);
    expect(syncQueue.sent).toHaveLength(1);
  });

  it('removes the new Item when storing fails for another reason, so it is not billed unused', async () => {
    const failing = new InMemoryConnectionStore();
    failing.createWithAccounts = async () => {
      throw new Error('DynamoDB unavailable');
    };
    await expect(
      exchangePlaidPublicToken({ ...deps, connections: failing }, USER, { publicToken: gateway.link() }),
    ).rejects.toThrow('DynamoDB unavailable');
    expect(gateway.removedAccessTokens).toEqual(['access-sandbox-1']);
  });

  it('keeps the connection when the first sync cannot be queued, leaving it to auto-sync', async () => {
    syncQueue.failuresToInject = 1;
    const result = await exchangePlaidPublicToken(deps, USER, { publicToken: gateway.link() });

    expect(result.syncRunId).toBeNull();
    expect(stored()).toHaveLength(1);
    expect(stored()[0]!.nextSyncAt).not.toBeNull();
    // The run that could not be queued is recorded as such, so the next request queues its own.
    expect(syncRuns.runs.at(-1)).toMatchObject({ outcome: 'failed', error: { code: 'SYNC_NOT_QUEUED' } });
    expect(stored()[0]!.pendingSync ?? null).toBeNull();
  });

  it('passes on an invalid public token as the provider error, storing nothing', async () => {
    await expect(exchangePlaidPublicToken(deps, USER, { publicToken: 'public-sandbox-unknown' })).rejects.toMatchObject({
      kind: 'invalid_input',
    });
    expect(stored()).toEqual([]);
  });

  it('falls back to the Link metadata when Plaid names no institution', async () => {
    const publicToken = gateway.link({ institutionId: null, institutionName: null });
    await exchangePlaidPublicToken(deps, USER, { publicToken, institution: { id: 'ins_9', name: 'Ninth Bank' } });
    expect(stored()[0]!.institution).toEqual({ id: 'ins_9', name: 'Ninth Bank' });
  });
});

describe('createPlaidLinkToken', () => {
  it('asks for a new Item with the default products, the hashed user id, the webhook and the full history', async () => {
    const token = await createPlaidLinkToken(deps, USER, {});

    expect(token).toMatchObject({ linkToken: 'link-sandbox-1', mode: 'create' });
    expect(gateway.linkTokenRequests).toEqual([
      {
        clientUserId: 'hashed-user_1',
        products: [...DEFAULT_PLAID_PRODUCTS],
        requiredIfSupportedProducts: [...DEFAULT_PLAID_PRODUCTS_IF_SUPPORTED],
        accessToken: null,
        accountSelection: false,
        webhookUrl: 'https://api.example.com/api/v1/webhooks/plaid',
        redirectUri: null,
        daysRequested: PLAID_HISTORY_DAYS,
      },
    ]);
  });

  it('opens update mode on an existing connection with its decrypted token, selecting accounts when new ones wait', async () => {
    const base = testConnection({ status: 'new_accounts_available' });
    const connection = { ...base, accessToken: await vault.encrypt('access-sandbox-7', tokenContextOf(base)) };
    connections.rows.set(connection.connectionId, connection);

    const token = await createPlaidLinkToken(deps, USER, { connectionId: connection.connectionId });

    expect(token.mode).toBe('update');
    expect(gateway.linkTokenRequests[0]).toMatchObject({ accessToken: 'access-sandbox-7', accountSelection: true });
  });

  it("refuses another user's connection (404) and a connection that is not Plaid's (400)", async () => {
    connections.rows.set('conn_other', testConnection({ connectionId: 'conn_other', userId: 'user_2' }));
    connections.rows.set('conn_pluggy', testConnection({ connectionId: 'conn_pluggy', provider: 'pluggy', accessToken: null }));

    await expect(createPlaidLinkToken(deps, USER, { connectionId: 'conn_other' })).rejects.toBeInstanceOf(NotFoundError);
    await expect(createPlaidLinkToken(deps, USER, { connectionId: 'conn_pluggy' })).rejects.toBeInstanceOf(ValidationError);
    expect(gateway.linkTokenRequests).toEqual([]);
  });
});

describe('item guards', () => {
  it('fingerprint an account by its name and mask, ignoring case and surrounding spaces', () => {
    expect(accountFingerprint({ name: ' Plaid Checking', mask: '0000' })).toBe(accountFingerprint({ name: 'plaid checking', mask: '0000' }));
    expect(accountFingerprint({ name: 'Plaid Checking', mask: '0000' })).not.toBe(accountFingerprint({ name: 'Plaid Checking', mask: '0001' }));
  });

  it('are one per distinct account, so two accounts with the same name and mask make one guard', () => {
    const guards = itemGuards(USER, 'plaid', 'ins_1', 'conn_1', [checking, { ...checking, providerAccountId: 'acc-other' }, savings]);
    expect(guards).toHaveLength(2);
  });
});
