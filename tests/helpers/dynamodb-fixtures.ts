/**
 * Domain objects for the DynamoDB adapter tests, with every field filled and overridable. Ids are unique per
 * call so tests sharing one table never touch each other's rows.
 */
import { randomBytes } from 'node:crypto';
import type {
  Account,
  Category,
  Connection,
  ItemGuard,
  SyncRun,
  Transaction,
  WebhookEvent,
} from '../../shared/banking/model';

export function uniqueId(prefix: string): string {
  return `${prefix}_${randomBytes(6).toString('hex')}`;
}

const createdAt = '2024-05-01T10:00:00.000Z';

export function makeConnection(overrides: Partial<Connection> = {}): Connection {
  return {
    userId: uniqueId('user'),
    connectionId: uniqueId('conn'),
    provider: 'plaid',
    providerItemId: uniqueId('item'),
    institution: { id: 'ins_109508', name: 'First Platypus Bank' },
    products: ['transactions', 'auth'],
    productTag: null,
    status: 'healthy',
    statusReason: null,
    accessToken: { ciphertext: 'AQICAHh0ZXN0LWNpcGhlcnRleHQ=', keyId: 'arn:aws:kms:us-east-1:000000000000:key/test', contextVersion: 1 },
    syncCursor: null,
    consent: null,
    pendingUserAction: null,
    createdAt,
    updatedAt: createdAt,
    lastSyncAt: null,
    lastSyncOutcome: null,
    nextSyncAt: '2024-05-01T22:00:00.000Z',
    ...overrides,
  };
}

export function makeAccount(connection: Pick<Connection, 'userId' | 'connectionId' | 'provider'>, overrides: Partial<Account> = {}): Account {
  return {
    userId: connection.userId,
    accountId: uniqueId('acct'),
    connectionId: connection.connectionId,
    provider: connection.provider,
    providerAccountId: uniqueId('pacct'),
    name: 'Plaid Checking',
    officialName: 'Plaid Gold Standard 0% Interest Checking',
    type: 'checking',
    subtype: 'checking',
    mask: '0000',
    balances: { current: '110.00', available: '100.00', limit: null, currency: 'USD', updatedAt: createdAt },
    numbers: null,
    createdAt,
    updatedAt: createdAt,
    ...overrides,
  };
}

export function makeGuard(connection: Pick<Connection, 'userId' | 'connectionId' | 'provider' | 'institution'>, fingerprint: string): ItemGuard {
  return {
    userId: connection.userId,
    provider: connection.provider,
    institutionId: connection.institution.id,
    fingerprint,
    connectionId: connection.connectionId,
  };
}

export function makeTransaction(
  account: Pick<Account, 'userId' | 'accountId' | 'connectionId' | 'provider'>,
  overrides: Partial<Transaction> = {},
): Transaction {
  return {
    userId: account.userId,
    transactionId: uniqueId('txn'),
    connectionId: account.connectionId,
    accountId: account.accountId,
    provider: account.provider,
    providerTransactionId: uniqueId('ptxn'),
    amount: '-12.34',
    currency: 'USD',
    date: '2024-04-15',
    authorizedDate: '2024-04-14',
    description: 'Starbucks',
    merchantName: 'Starbucks',
    pending: false,
    pendingProviderTransactionId: null,
    providerCategory: { id: 'plaid:FOOD_AND_DRINK', name: 'Food and drink' },
    userCategoryId: null,
    note: null,
    categorySync: null,
    createdAt,
    updatedAt: createdAt,
    ...overrides,
  };
}

export function makeSyncRun(connection: Pick<Connection, 'userId' | 'connectionId'>, overrides: Partial<SyncRun> = {}): SyncRun {
  return {
    userId: connection.userId,
    connectionId: connection.connectionId,
    syncRunId: uniqueId('run'),
    trigger: 'manual',
    outcome: 'succeeded',
    startedAt: createdAt,
    finishedAt: '2024-05-01T10:00:05.000Z',
    counts: { added: 3, modified: 1, removed: 0, accounts: 2 },
    error: null,
    accountErrors: [],
    ...overrides,
  };
}

export function makeWebhookEvent(overrides: Partial<WebhookEvent> = {}): WebhookEvent {
  return {
    provider: 'pluggy',
    eventId: uniqueId('evt'),
    type: 'transactions/created',
    providerItemId: uniqueId('item'),
    connectionId: null,
    userId: null,
    body: '{"event":"transactions/created"}',
    status: 'received',
    receivedAt: createdAt,
    processedAt: null,
    attempts: 0,
    ...overrides,
  };
}

export function makeUserCategory(userId: string, overrides: Partial<Category> = {}): Category {
  return {
    categoryId: uniqueId('usr'),
    name: 'Coffee',
    source: 'user',
    parentId: null,
    userId,
    createdAt,
    updatedAt: createdAt,
    ...overrides,
  };
}
