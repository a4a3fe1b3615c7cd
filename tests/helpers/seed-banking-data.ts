/**
 * Support for the banking API end-to-end tests (tests/integration/api-*.test.ts):
 *
 * - seeding rows straight through the DynamoDB stores of a {@link LocalStack}, for cases the Plaid sandbox
 *   cannot produce on demand (a Pluggy connection, transactions on chosen dates with chosen categories,
 *   another user's data to probe ownership with);
 * - reading the provider-write queue the way its worker would;
 * - capturing what the in-process handlers write to stdout/stderr while one request runs.
 *
 * Rows are built with the same fixtures the DynamoDB adapter tests use (`dynamodb-fixtures.ts`), so every
 * field is filled and ids are unique per call.
 *
 * @example
 * const stores = bankingStores(stack);
 * const seeded = await seedConnection(stores, 'bob', { provider: 'pluggy' });
 * const [transaction] = await seedTransactions(stores, seeded.accounts[0], [{ date: '2024-03-01' }]);
 */
import { DeleteMessageBatchCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { DynamoAccountStore } from '../../shared/adapters/dynamodb/account-store';
import { DynamoCategoryStore } from '../../shared/adapters/dynamodb/category-store';
import { DynamoConnectionStore } from '../../shared/adapters/dynamodb/connection-store';
import { DynamoSyncRunStore } from '../../shared/adapters/dynamodb/sync-run-store';
import { DynamoTransactionStore } from '../../shared/adapters/dynamodb/transaction-store';
import { newId } from '../../shared/banking/ids';
import type { Account, Category, Connection, Provider, SyncRun, Transaction } from '../../shared/banking/model';
import { captureLines } from '../../shared/observability/output';
import { providerWriteMessage } from '../../shared/queue/messages';
import { localAwsClientConfig } from '../setup/local-aws-context';
import {
  makeAccount,
  makeConnection,
  makeGuard,
  makeSyncRun,
  makeTransaction,
  makeUserCategory,
  uniqueId,
} from './dynamodb-fixtures';
import type { LocalStack } from './local-stack';

export interface BankingStores {
  readonly connections: DynamoConnectionStore;
  readonly accounts: DynamoAccountStore;
  readonly transactions: DynamoTransactionStore;
  readonly syncRuns: DynamoSyncRunStore;
  readonly categories: DynamoCategoryStore;
}

/** The stores the handlers use, on the stack's own table. */
export function bankingStores(stack: LocalStack): BankingStores {
  const tableName = stack.env.TABLE_NAME;
  if (!tableName) throw new Error('The local stack has no TABLE_NAME');
  return {
    connections: new DynamoConnectionStore({ tableName, dueIndexShards: Number(stack.env.DUE_INDEX_SHARDS ?? 8) }),
    accounts: new DynamoAccountStore({ tableName }),
    transactions: new DynamoTransactionStore({ tableName }),
    syncRuns: new DynamoSyncRunStore({ tableName }),
    categories: new DynamoCategoryStore({ tableName }),
  };
}

export interface SeededConnection {
  readonly connection: Connection;
  readonly accounts: readonly Account[];
}

export interface SeedConnectionOptions {
  readonly provider?: Provider;
  readonly institution?: Connection['institution'];
  /** Names of the accounts to create (one row each); default one checking account. */
  readonly accountNames?: readonly string[];
  readonly connection?: Partial<Connection>;
}

/**
 * A connection with its accounts and guard rows, written the way linking writes them. A Pluggy connection
 * carries no access token (Pluggy items need none).
 */
export async function seedConnection(
  stores: BankingStores,
  userId: string,
  options: SeedConnectionOptions = {},
): Promise<SeededConnection> {
  const provider = options.provider ?? 'plaid';
  const connection = makeConnection({
    userId,
    provider,
    ...(provider === 'pluggy'
      ? { institution: { id: '201', name: 'Pluggy Bank' }, products: ['ACCOUNTS', 'TRANSACTIONS'], accessToken: null }
      : {}),
    ...(options.institution ? { institution: options.institution } : {}),
    ...options.connection,
  });
  const accounts = (options.accountNames ?? ['Checking']).map((name, index) =>
    makeAccount(connection, {
      name,
      mask: String(1000 + index),
      balances: { current: '100.00', available: '90.00', limit: null, currency: provider === 'pluggy' ? 'BRL' : 'USD', updatedAt: connection.createdAt },
    }),
  );
  const guards = accounts.map((account) => makeGuard(connection, `${account.name}|${account.mask}`));
  await stores.connections.createWithAccounts(connection, accounts, guards);
  return { connection, accounts };
}

export type TransactionSeed = Partial<Pick<
  Transaction,
  'date' | 'amount' | 'pending' | 'providerCategory' | 'userCategoryId' | 'note' | 'description' | 'merchantName'
>>;

/** Transactions on one account; each seed overrides the fixture's defaults. Returned in seed order. */
export async function seedTransactions(
  stores: BankingStores,
  account: Account,
  seeds: readonly TransactionSeed[],
): Promise<Transaction[]> {
  const currency = account.balances.currency;
  const transactions = seeds.map((seed) =>
    makeTransaction(account, {
      currency,
      providerCategory: account.provider === 'pluggy' ? { id: 'pluggy:01010000', name: 'Salary' } : { id: 'plaid:FOOD_AND_DRINK_COFFEE', name: 'Food and drink: Coffee' },
      ...seed,
    }),
  );
  await stores.transactions.putMany(transactions);
  return transactions;
}

/**
 * Sync runs of a connection, e.g. for paging the history without running real syncs. Ids are minted the
 * way the API mints them, from `startedAt`, because the history is ordered by run id.
 */
export async function seedSyncRuns(stores: BankingStores, connection: Connection, runs: readonly Partial<SyncRun>[]): Promise<SyncRun[]> {
  const stored = runs.map((run) => {
    const startedAt = run.startedAt ?? new Date().toISOString();
    return makeSyncRun(connection, { syncRunId: newId('run', new Date(startedAt)), ...run, startedAt });
  });
  for (const run of stored) await stores.syncRuns.put(run);
  return stored;
}

/** A category of the user's own, written through the store (so its name is claimed as the API would). */
export async function seedUserCategory(stores: BankingStores, userId: string, name = uniqueId('Category')): Promise<Category> {
  const category = makeUserCategory(userId, { categoryId: uniqueId('usr'), name });
  await stores.categories.createUserCategory(category);
  return category;
}

/** Provider catalog entries, as a sync registers them the first time a transaction uses them. */
export async function seedProviderCategories(stores: BankingStores, provider: Provider, entries: readonly { id: string; name: string }[]): Promise<void> {
  const now = new Date().toISOString();
  await stores.categories.putProviderCatalog(
    provider,
    entries.map((entry) => ({ categoryId: entry.id, name: entry.name, source: provider, parentId: null, userId: null, createdAt: now, updatedAt: now })),
  );
}

export type ProviderWriteMessage = ReturnType<typeof providerWriteMessage.parse>;

/**
 * Receives (and deletes) everything on the stack's provider-write queue, parsed with the worker's schema:
 * waits (long polls) until `expected` messages arrived, then takes whatever else is there without waiting,
 * so an unexpected extra message shows up in the result. The local emulator's short poll sees every
 * visible message, unlike SQS's sampled short poll.
 */
export async function drainProviderWriteQueue(stack: LocalStack, expected = 0): Promise<ProviderWriteMessage[]> {
  const queueUrl = stack.env.PROVIDER_WRITE_QUEUE_URL;
  if (!queueUrl) throw new Error('The local stack has no PROVIDER_WRITE_QUEUE_URL');
  const sqs = new SQSClient(localAwsClientConfig());
  const received: ProviderWriteMessage[] = [];
  try {
    for (;;) {
      const waiting = received.length < expected;
      const output = await sqs.send(
        new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: waiting ? 2 : 0, VisibilityTimeout: 30 }),
      );
      const messages = output.Messages ?? [];
      if (messages.length === 0 && !waiting) return received;
      if (messages.length === 0) throw new Error(`Expected ${expected} provider-write messages, received ${received.length}`);
      received.push(...messages.map((message) => providerWriteMessage.parse(JSON.parse(message.Body ?? ''))));
      await sqs.send(
        new DeleteMessageBatchCommand({
          QueueUrl: queueUrl,
          Entries: messages.map((message, index) => ({ Id: String(index), ReceiptHandle: message.ReceiptHandle! })),
        }),
      );
    }
  } finally {
    sqs.destroy();
  }
}

/**
 * Runs `action` with the shared logger at `level` and returns everything written to stdout and stderr
 * meanwhile. The handlers run in this process (the gateway imports them), so their log lines land here.
 */
export async function captureOutput<T>(
  action: () => Promise<T>,
  level: 'DEBUG' | 'INFO' = 'INFO',
): Promise<{ result: T; output: string }> {
  const chunks: string[] = [];
  const streams = [process.stdout, process.stderr] as const;
  const originals = streams.map((stream) => stream.write);
  // Imported here, not at the top: the logger reads POWERTOOLS_LOG_LEVEL when its module first loads, which
  // must happen after startLocalStack() has set it, or every test file importing this helper gets INFO logs.
  const { logger } = await import('../../shared/observability/logger');
  const previousLevel = logger.getLevelName();
  // Swallowed rather than passed on: the lines are asserted on, and would only clutter the test report. The
  // logger and metrics emitter write to the file descriptors, so their lines come through the output module's
  // capture hook; anything written to the streams directly is collected too.
  const stopCapturing = captureLines((_stream, line) => chunks.push(line));
  for (const stream of streams) {
    stream.write = ((chunk: unknown, ...rest: unknown[]) => {
      chunks.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk as Uint8Array).toString('utf8'));
      const callback = rest.find((argument) => typeof argument === 'function') as (() => void) | undefined;
      callback?.();
      return true;
    }) as typeof stream.write;
  }
  logger.setLogLevel(level);
  try {
    const result = await action();
    return { result, output: chunks.join('') };
  } finally {
    logger.setLogLevel(previousLevel);
    stopCapturing();
    streams.forEach((stream, index) => {
      stream.write = originals[index]!;
    });
  }
}

/** The JSON log lines in captured output (other text, such as vitest's own, is skipped). */
export function jsonLogLines(output: string): Record<string, unknown>[] {
  return output
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .flatMap((line) => {
      try {
        return [JSON.parse(line) as Record<string, unknown>];
      } catch {
        return [];
      }
    });
}
