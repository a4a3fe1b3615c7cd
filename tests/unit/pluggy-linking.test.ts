/**
 * Pluggy linking (connect token, connection from an item, re-authentication, MFA) against in-memory ports and
 * a fake Pluggy gateway: no emulator, no network. The emulator tests (pluggy-connect-e2e, pluggy-reauth-e2e)
 * cover the same flows through DynamoDB and the Pluggy sandbox.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import type { Connection } from '../../shared/banking/model';
import { ItemAlreadyExistsError, NotFoundError, ValidationError } from '../../shared/errors/app-error';
import {
  createPluggyConnection,
  createPluggyConnectToken,
  submitPluggyMfa,
  updatePluggyCredentials,
  type PluggyLinkingDeps,
} from '../../shared/providers/pluggy/pluggy-linking';
import { InMemoryCategoryStore, InMemoryConnectionStore, InMemorySyncRunStore, RecordingSyncQueue, TestClock } from '../helpers/fakes/banking-stores';
import { FakePluggyConnectGateway, pluggyItemSummary } from '../helpers/fakes/linking-gateways';
import { providerAccount } from '../helpers/fakes/providers';

const USER = 'user_1';
const hashOf = (userId: string) => `hashed-${userId}`;

let gateway: FakePluggyConnectGateway;
let connections: InMemoryConnectionStore;
let syncRuns: InMemorySyncRunStore;
let syncQueue: RecordingSyncQueue;
let deps: PluggyLinkingDeps;
let categories: InMemoryCategoryStore;

beforeEach(() => {
  gateway = new FakePluggyConnectGateway();
  connections = new InMemoryConnectionStore();
  syncRuns = new InMemorySyncRunStore();
  syncQueue = new RecordingSyncQueue();
  categories = new InMemoryCategoryStore();
  deps = {
    gateway,
    connections,
    syncRuns,
    syncQueue,
    clock: new TestClock(new Date('2025-03-01T12:00:00.000Z')),
    providerUserIdOf: async (userId) => hashOf(userId),
    webhookUrl: 'https://api.example.com/api/v1/webhooks/pluggy',
    autoSyncIntervalHours: 12,
    widget: { includeSandbox: true, connectBaseUrl: 'https://connect.pluggy.ai' },
    categories,
  };
});

const stored = (): Connection[] => [...connections.rows.values()];

describe('createPluggyConnection', () => {
  it("adopts an item carrying this user's clientUserId: connection, accounts and guards, then a first sync", async () => {
    gateway.addItem({ summary: pluggyItemSummary('item-a', hashOf(USER)) });
    const result = await createPluggyConnection(deps, USER, { itemId: 'item-a', productTag: 'onboarding' });

    expect(result.connection).toMatchObject({
      userId: USER,
      provider: 'pluggy',
      providerItemId: 'item-a',
      institution: { id: '201', name: 'Pluggy Bank' },
      products: ['ACCOUNTS', 'TRANSACTIONS'],
      productTag: 'onboarding',
      status: 'healthy',
      accessToken: null,
      consent: null,
    });
    // Stored as returned, plus the pending sync that later requests join.
    expect(stored()).toEqual([{ ...result.connection, pendingSync: { syncRunId: result.syncRunId, requestedAt: '2025-03-01T12:00:00.000Z' } }]);
    expect(result.accounts.map((account) => account.providerAccountId)).toEqual(['item-a-acc']);
    // One guard per account plus one on the item itself.
    expect(connections.guards.size).toBe(2);
    expect(syncQueue.sent).toEqual([expect.objectContaining({ connectionId: result.connection.connectionId, trigger: 'link' })]);
    expect(result.syncRunId).toBe(syncQueue.sent[0]!.syncRunId);
    expect(result.connection.nextSyncAt).not.toBeNull();
  });

  describe("Pluggy's category catalog", () => {
    const salary = {
      categoryId: 'pluggy:01010000',
      name: 'Salary',
      source: 'pluggy' as const,
      parentId: 'pluggy:01000000',
      userId: null,
      createdAt: '2025-03-01T12:00:00.000Z',
      updatedAt: '2025-03-01T12:00:00.000Z',
    };

    it('is stored whole when a bank is connected, so any Pluggy category can be picked before a transaction uses it', async () => {
      gateway.catalog = [salary];
      gateway.addItem({ summary: pluggyItemSummary('item-c', hashOf(USER)) });
      await createPluggyConnection(deps, USER, { itemId: 'item-c' });

      expect(await categories.listProviderCatalog('pluggy')).toEqual([salary]);
    });

    it('does not fail the connection when Pluggy cannot list its categories', async () => {
      gateway.catalogFails = true;
      gateway.addItem({ summary: pluggyItemSummary('item-d', hashOf(USER)) });
      const result = await createPluggyConnection(deps, USER, { itemId: 'item-d' });

      expect(stored().map((connection) => connection.connectionId)).toEqual([result.connection.connectionId]);
      expect(await categories.listProviderCatalog('pluggy')).toEqual([]);
    });
  });

  describe('ownership', () => {
    it("answers 404 for another user's item and stores nothing", async () => {
      gateway.addItem({ summary: pluggyItemSummary('item-b', hashOf('user_2')) });

      await expect(createPluggyConnection(deps, USER, { itemId: 'item-b' })).rejects.toBeInstanceOf(NotFoundError);
      expect(gateway.calls).toEqual(['getItem']);
      expect(stored()).toEqual([]);
    });

    it('answers the same 404 for an item without a clientUserId and for one Pluggy does not know', async () => {
      gateway.addItem({ summary: pluggyItemSummary('item-c', null) });

      const unstamped = await createPluggyConnection(deps, USER, { itemId: 'item-c' }).catch((error: unknown) => error);
      const unknown = await createPluggyConnection(deps, USER, { itemId: 'item-missing' }).catch((error: unknown) => error);
      expect(unstamped).toBeInstanceOf(NotFoundError);
      expect(unknown).toBeInstanceOf(NotFoundError);
      expect((unknown as NotFoundError).message).toBe((unstamped as NotFoundError).message);
    });
  });

  describe('duplicates', () => {
    it('refuses an item this user already connected', async () => {
      gateway.addItem({ summary: pluggyItemSummary('item-a', hashOf(USER)) });
      await createPluggyConnection(deps, USER, { itemId: 'item-a' });

      await expect(createPluggyConnection(deps, USER, { itemId: 'item-a' })).rejects.toBeInstanceOf(ItemAlreadyExistsError);
      expect(stored()).toHaveLength(1);
    });

    it('refuses a second item of the same bank login (same connector, same accounts)', async () => {
      const account = providerAccount({ providerAccountId: 'acc-1', name: 'Conta Corrente', mask: '1234' });
      gateway.addItem({ summary: pluggyItemSummary('item-a', hashOf(USER)), accounts: [account] });
      gateway.addItem({ summary: pluggyItemSummary('item-a2', hashOf(USER)), accounts: [{ ...account, providerAccountId: 'acc-2' }] });
      await createPluggyConnection(deps, USER, { itemId: 'item-a' });

      await expect(createPluggyConnection(deps, USER, { itemId: 'item-a2' })).rejects.toBeInstanceOf(ItemAlreadyExistsError);
      expect(stored().map((connection) => connection.providerItemId)).toEqual(['item-a']);
    });

    it('lets two requests for one item race into a refused write, not two connections', async () => {
      gateway.addItem({ summary: pluggyItemSummary('item-a', hashOf(USER)), accounts: [] });

      const outcomes = await Promise.allSettled([
        createPluggyConnection(deps, USER, { itemId: 'item-a' }),
        createPluggyConnection(deps, USER, { itemId: 'item-a' }),
      ]);

      expect(outcomes.map((outcome) => outcome.status).sort()).toEqual(['fulfilled', 'rejected']);
      expect(outcomes.find((outcome) => outcome.status === 'rejected')).toMatchObject({ reason: expect.any(ItemAlreadyExistsError) });
      expect(stored()).toHaveLength(1);
    });

    it('accepts the same bank for another account set', async () => {
      gateway.addItem({ summary: pluggyItemSummary('item-a', hashOf(USER)) });
      gateway.addItem({ summary: pluggyItemSummary('item-d', hashOf(USER)), accounts: [providerAccount({ providerAccountId: 'acc-9', name: 'Poupança', mask: '9999' })] });
      await createPluggyConnection(deps, USER, { itemId: 'item-a' });
      await createPluggyConnection(deps, USER, { itemId: 'item-d' });

      expect(stored()).toHaveLength(2);
    });
  });

  it('queues no sync for an item that waits for its user, and hands the MFA prompt back', async () => {
    const prompt = {
      name: 'token',
      label: 'Token',
      type: 'number',
      placeholder: null,
      assistiveText: null,
      validation: null,
      expiresAt: '2025-03-01T12:05:00.000Z',
      data: null,
      options: [],
    };
    gateway.addItem({
      summary: pluggyItemSummary('item-m', hashOf(USER), {
        status: 'mfa_required',
        statusReason: { code: 'WAITING_USER_INPUT', message: 'The bank asks for an extra verification step' },
        mfaPrompt: prompt,
      }),
    });

    const result = await createPluggyConnection(deps, USER, { itemId: 'item-m' });

    expect(result).toMatchObject({ syncRunId: null, mfaPrompt: prompt, connection: { status: 'mfa_required', nextSyncAt: null } });
    expect(syncQueue.sent).toEqual([]);
  });

  it('stores the consent of an Open Finance item, and reads none for a direct connector', async () => {
    const consent = { products: ['ACCOUNTS'], createdAt: '2025-03-01T11:59:00.000Z', expiresAt: '2026-03-01T11:59:00.000Z', revokedAt: null };
    gateway.addItem({
      summary: pluggyItemSummary('item-of', hashOf(USER), { connector: { id: '601', name: 'Banco OF', isOpenFinance: true } }),
      consent,
    });
    gateway.addItem({ summary: pluggyItemSummary('item-direct', hashOf(USER), { connector: { id: '202', name: 'Direto', isOpenFinance: false } }) });

    expect((await createPluggyConnection(deps, USER, { itemId: 'item-of' })).connection.consent).toEqual(consent);
    gateway.calls.length = 0;
    await createPluggyConnection(deps, USER, { itemId: 'item-direct' });
    expect(gateway.calls).not.toContain('getConsent');
  });
});

describe('connect tokens', () => {
  it('stamp the hashed user id and the webhook, and return widget options with only the filters given', async () => {
    const result = await createPluggyConnectToken(deps, USER, { connectorTypes: ['PERSONAL_BANK'], countryCodes: [] });

    expect(gateway.connectTokenRequests).toEqual([
      { itemId: null, clientUserId: 'hashed-user_1', webhookUrl: 'https://api.example.com/api/v1/webhooks/pluggy', oauthRedirectUri: null, avoidDuplicates: null },
    ]);
    expect(result).toMatchObject({ mode: 'create', connectToken: 'connect-token-1' });
    expect(result.widgetOptions).toEqual({ connectToken: 'connect-token-1', includeSandbox: true, connectorTypes: ['PERSONAL_BANK'] });
    expect(new URL(result.connectUrl).searchParams.get('connect_token')).toBe('connect-token-1');
  });

  it('open update mode on a connection of this user, and refuse a connection that is not Pluggy’s', async () => {
    gateway.addItem({ summary: pluggyItemSummary('item-a', hashOf(USER)) });
    const { connection } = await createPluggyConnection(deps, USER, { itemId: 'item-a' });
    connections.rows.set('conn_plaid', { ...connection, connectionId: 'conn_plaid', provider: 'plaid' });

    const update = await createPluggyConnectToken(deps, USER, { connectionId: connection.connectionId });
    expect(update).toMatchObject({ mode: 'update', widgetOptions: { updateItem: 'item-a' } });
    await expect(createPluggyConnectToken(deps, 'user_2', { connectionId: connection.connectionId })).rejects.toBeInstanceOf(NotFoundError);
    await expect(createPluggyConnectToken(deps, USER, { connectionId: 'conn_plaid' })).rejects.toBeInstanceOf(ValidationError);
  });
});

describe('after user input', () => {
  let connection: Connection;
  beforeEach(async () => {
    gateway.addItem({ summary: pluggyItemSummary('item-a', hashOf(USER), { status: 'login_required' }) });
    connection = (await createPluggyConnection(deps, USER, { itemId: 'item-a' })).connection;
    syncQueue.sent.length = 0;
  });

  it('new credentials: the connection shows syncing and a sync is queued to record how the update ends', async () => {
    const result = await updatePluggyCredentials(deps, USER, connection.connectionId, { parameters: { user: 'u', password: 'p' } });

    expect(result).toMatchObject({ kind: 'credentials_sent', connection: { status: 'syncing', statusReason: null } });
    expect(gateway.userInputs).toEqual([{ itemId: 'item-a', kind: 'credentials', parameters: { user: 'u', password: 'p' } }]);
    // A link sync: sending the credentials already asked Pluggy for the update, so the sync only reads it.
    expect(syncQueue.sent).toEqual([expect.objectContaining({ connectionId: connection.connectionId, trigger: 'link' })]);
    // Auto-sync is back on once the user has acted.
    expect(connections.rows.get(connection.connectionId)!.nextSyncAt).not.toBeNull();
  });

  it('without credentials: an update-mode connect token instead, nothing sent to the item', async () => {
    const result = await updatePluggyCredentials(deps, USER, connection.connectionId, {});
    expect(result).toMatchObject({ kind: 'connect_token', token: { mode: 'update' } });
    expect(gateway.userInputs).toEqual([]);
  });

  it('an MFA answer that leads to another prompt is stored at once, with no sync queued', async () => {
    gateway.afterUserInput = { status: 'mfa_required', statusReason: { code: 'WAITING_USER_INPUT', message: 'second step' } };
    const result = await submitPluggyMfa(deps, USER, connection.connectionId, { token: '123456' });

    expect(result).toMatchObject({ syncRunId: null, connection: { status: 'mfa_required', nextSyncAt: null } });
    expect(syncQueue.sent).toEqual([]);
  });

  it("refuses another user's connection", async () => {
    await expect(submitPluggyMfa(deps, 'user_2', connection.connectionId, { token: '1' })).rejects.toBeInstanceOf(NotFoundError);
    expect(gateway.userInputs).toEqual([]);
  });
});
