/**
 * The connection the cost model prices: one the size of its profile (60 new transactions a month, so about
 * two a day of history), synced in steady state, each alone in a table of its own.
 *
 * Why a table of its own: DynamoDB reads only the partition a Query names, so what a sync's queries cost and
 * how long they take does not depend on what else the table holds
 * (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/Query.html); moto answers every Query by
 * walking all the items of the table (`Table.query` in moto/dynamodb/models/table.py). In the shared
 * benchmark table, next to the 10,000-transaction connections, each of this connection's queries would take
 * moto hundreds of milliseconds that the Lambda duration would then be billed for. The DynamoDB requests of
 * the process are redirected to the private table while this runs (the request counter sees the redirected
 * requests, so its capacity estimate reads the right items).
 *
 * Why the profile's size: Pluggy's daily item update makes one sync a day re-read every account's recent
 * window (shared/providers/pluggy/pluggy-sync-source.ts), and what that costs grows with the transactions in
 * the window; the 10,000-transaction connection of the sync section holds about 27 a day, the profile two.
 * Its figures stay in the report (section 2, and the cost of such a heavy connection in section 5).
 *
 * Steady state, per provider, the same units the cost model charges:
 * - Plaid: two new posted transactions on the checking account, whose balance moves by their amount (Plaid's
 *   Sandbox keeps balances fixed; a real account's balance moves with its transactions), then the sync their
 *   SYNC_UPDATES_AVAILABLE webhook requests.
 * - Pluggy: the item updated half a day after the previous one with one new transaction per account, then the
 *   sync its item/updated webhook requests; and a scheduled sync with the item not updated since.
 * Each is run twice: first without the reads the request counter's capacity estimate makes around every write
 * (that run's wall time is what the cost model bills as Lambda time), then counted with the estimate.
 */
import { DynamoDBClient, ScanCommand, type AttributeValue } from '@aws-sdk/client-dynamodb';
import { createBankingTable } from '../local/aws/provision';
import { storedFootprint, type StoredRows } from './aws-request-counter';
import type { PluggySandbox } from '../local/sandboxes/pluggy/pluggy-sandbox';
import type { Progress } from './bench-context';
import { uncountedClientConfig, type BenchStack } from './bench-stack';
import { profile } from './cost-model';
import {
  linkPlaidConnection,
  linkPluggyConnection,
  measureSync,
  newRunId,
  plaidAccessTokenOf,
  plaidPost,
  syncAfterActivity,
  type SyncMeasurement,
} from './sync-efficiency';

export interface ProfileConnectionResult {
  readonly provider: 'plaid' | 'pluggy';
  readonly sandboxUser: string;
  /** Transactions the first sync stored. */
  readonly storedTransactions: number;
  readonly first: SyncMeasurement;
  /** The sync with new activity the cost model charges (Pluggy: the one after the daily item update). */
  readonly incremental: SyncMeasurement & { readonly newTransactions: number; readonly note: string };
  /** A scheduled sync with nothing new (Pluggy: the item not updated since, so the account reads are skipped). */
  readonly unchanged: SyncMeasurement;
  /**
   * The rows the connection keeps for as long as it exists, read back from its table: the connection, its
   * accounts, its item pointer and duplicate guards.
   */
  readonly connectionRows: StoredRows;
}

export interface ProfileSyncResult {
  /** The private tables the profile connections were synced in, one each. */
  readonly tables: readonly string[];
  readonly plaid: ProfileConnectionResult;
  readonly pluggy: ProfileConnectionResult | null;
  readonly pluggyError: string | null;
}

/** History days Plaid is asked for at link time (shared/providers/plaid/plaid-linking.ts: the maximum, 730). */
const PLAID_HISTORY_DAYS = 730;
/** Pluggy Bank's usual activity is about 68 transactions a year (`user-ok-perf-146` has about 10,000). */
const PLUGGY_TRANSACTIONS_PER_YEAR_AT_FACTOR_ONE = 10_000 / 146;

const profileTransactionsPerDay = (profile.newTransactionsPerMonth * 12) / 365;

export async function measureProfileConnections(stack: BenchStack, progress: Progress): Promise<ProfileSyncResult> {
  const { dynamoDocumentClient } = await import('../shared/adapters/aws-clients');
  const { tableConfig } = await import('../shared/wiring/config');
  const client = dynamoDocumentClient();
  /** Runs `work` with the process's DynamoDB requests sent to a new table of its own. */
  const inOwnTable = async <T>(table: string, work: () => Promise<T>): Promise<T> => {
    await createBankingTable(client, table);
    const redirect = tableRedirect(client, tableConfig().TABLE_NAME, table);
    try {
      return await work();
    } finally {
      redirect.stop();
    }
  };
  const tables = { plaid: `${stack.prefix}-profile-plaid`, pluggy: `${stack.prefix}-profile-pluggy` };
  const plaid = await inOwnTable(tables.plaid, async () => ({ ...(await measurePlaidProfile(stack, progress)), connectionRows: await connectionRowsIn(stack, tables.plaid) }));
  let pluggy: ProfileConnectionResult | null = null;
  let pluggyError: string | null = null;
  if (stack.pluggy) {
    const sandbox = stack.pluggy;
    try {
      pluggy = await inOwnTable(tables.pluggy, async () => ({
        ...(await measurePluggyProfile(stack, sandbox, progress)),
        connectionRows: await connectionRowsIn(stack, tables.pluggy),
      }));
    } catch (error) {
      pluggyError = error instanceof Error ? error.message : String(error);
      progress(`profile Pluggy connection: measurement failed (${pluggyError}); the other figures go on`);
    }
  }
  return { tables: stack.pluggy ? [tables.plaid, tables.pluggy] : [tables.plaid], plaid, pluggy, pluggyError };
}

/** Entities of the rows a connection keeps for as long as it exists. */
const connectionEntities = new Set(['connection', 'account', 'item_pointer', 'item_guard']);

/** The connection's own rows in its private table, by entity, with what DynamoDB bills to store them. */
async function connectionRowsIn(stack: BenchStack, table: string): Promise<StoredRows> {
  const client = new DynamoDBClient(uncountedClientConfig(stack));
  const byEntity: Record<string, { rows: number; bytes: number }> = {};
  try {
    let start: Record<string, AttributeValue> | undefined;
    do {
      const page = await client.send(new ScanCommand({ TableName: table, ExclusiveStartKey: start }));
      for (const item of page.Items ?? []) {
        const entity = item.entity?.S ?? '';
        if (!connectionEntities.has(entity)) continue;
        const row = (byEntity[entity] ??= { rows: 0, bytes: 0 });
        row.rows += 1;
        row.bytes += storedFootprint(item as never).bytes;
      }
      start = page.LastEvaluatedKey;
    } while (start);
  } finally {
    client.destroy();
  }
  return byEntity;
}

type ProfileMeasurement = Omit<ProfileConnectionResult, 'connectionRows'>;

async function measurePlaidProfile(stack: BenchStack, progress: Progress): Promise<ProfileMeasurement> {
  const count = Math.round(profileTransactionsPerDay * PLAID_HISTORY_DAYS);
  const linked = await linkPlaidConnection(stack, count, 'bench-profile-plaid-user');
  const { userId, connectionId } = linked;
  const first = await measureSync(stack, stack.plaid.recorder, { userId, connectionId, syncRunId: linked.syncRunId ?? (await newRunId()), trigger: 'link' });
  if (first.outcome !== 'succeeded') throw new Error(`profile Plaid sync ended ${first.outcome}`);
  const scheduledSync = async () => measureSync(stack, stack.plaid.recorder, { userId, connectionId, syncRunId: await newRunId(), trigger: 'schedule' });
  // The first scheduled sync after the link still reports the connection's status change; the steady state starts after it.
  await scheduledSync();
  const unchanged = await timedTwice(stack, scheduledSync);

  const accessToken = await plaidAccessTokenOf(linked.connection);
  const amounts = [4.5, 12.25];
  // Plaid announces new transactions with SYNC_UPDATES_AVAILABLE: the sync is the one that webhook requests.
  const activity = async () => {
    await addPlaidPurchases(stack, accessToken, amounts);
    return measureSync(stack, stack.plaid.recorder, { userId, connectionId, syncRunId: await newRunId(), trigger: 'webhook' });
  };
  const incremental = await timedTwice(stack, activity);
  progress(`profile Plaid connection (${first.counts.added} transactions): steady-state sync ${incremental.awsRequests} AWS requests, ${incremental.writeUnits} WRU, ${incremental.timedWallSeconds} s`);
  return {
    provider: 'plaid',
    sandboxUser: `user_large_history / ${linked.password}`,
    storedTransactions: first.counts.added,
    first,
    incremental: { ...incremental, newTransactions: amounts.length, note: 'two new transactions on the checking account, whose balance moves by their amount; the sync their SYNC_UPDATES_AVAILABLE requests' },
    unchanged,
  };
}

/** New posted purchases on the Item's checking account, whose balance moves by their amount. */
async function addPlaidPurchases(stack: BenchStack, accessToken: string, amounts: readonly number[]): Promise<void> {
  const today = new Date().toISOString().slice(0, 10);
  await plaidPost(stack.plaid, '/sandbox/transactions/create', {
    access_token: accessToken,
    transactions: amounts.map((amount, index) => ({ date_transacted: today, date_posted: today, amount, description: `Profile purchase ${index + 1}`, iso_currency_code: 'USD' })),
  });
  // Plaid adds them to the Item's checking account (https://plaid.com/docs/api/sandbox/#sandboxtransactionscreate).
  const { accounts } = await plaidPost<{ accounts: { account_id: string; subtype: string | null; balances: { available: number | null; current: number | null } }[] }>(
    stack.plaid,
    '/accounts/get',
    { access_token: accessToken },
  );
  const checking = accounts.find((account) => account.subtype === 'checking') ?? accounts[0];
  if (!checking) throw new Error('the profile Plaid Item has no accounts');
  const spent = amounts.reduce((sum, amount) => sum + amount, 0);
  const moved = (value: number | null) => (value === null ? null : Math.round((value - spent) * 100) / 100);
  await plaidPost(stack.plaid, '/sandbox/local/balance', {
    access_token: accessToken,
    account_id: checking.account_id,
    current: moved(checking.balances.current),
    available: moved(checking.balances.available),
  });
}

/**
 * Runs a sync scenario twice: first without the capacity estimate's reads around each write, for the wall
 * time the cost model bills (`timedWallSeconds`), then counted with the estimate. The uncounted run goes first
 * because it may meet what only a first run meets: a provider category no sync of the deployment stored yet
 * (the catalog, `CATALOG#<provider>`, is shared by every connection, so that write is not a per-sync cost);
 * its time then errs high, never low.
 */
async function timedTwice(stack: BenchStack, scenario: () => Promise<SyncMeasurement>): Promise<SyncMeasurement> {
  const timed = await stack.counter.withoutEstimates(scenario);
  const counted = await scenario();
  const shape = (measurement: SyncMeasurement) => JSON.stringify([measurement.outcome, measurement.counts, measurement.provider.total]);
  if (shape(timed) !== shape(counted) || counted.awsRequests > timed.awsRequests) {
    throw new Error(`the repeated sync differs from the timed one: ${shape(counted)}, ${counted.awsRequests} AWS requests; timed ${shape(timed)}, ${timed.awsRequests}`);
  }
  return { ...counted, timedWallSeconds: timed.wallSeconds };
}

async function measurePluggyProfile(stack: BenchStack, sandbox: PluggySandbox, progress: Progress): Promise<ProfileMeasurement> {
  const factor = Math.max(1, Math.round((profileTransactionsPerDay * 365) / PLUGGY_TRANSACTIONS_PER_YEAR_AT_FACTOR_ONE));
  const linked = await linkPluggyConnection(sandbox, `user-ok-perf-${factor}`, 'bench-profile-pluggy-user');
  const connection = { userId: linked.userId, connectionId: linked.connectionId };
  const first = await measureSync(stack, sandbox.recorder, { ...connection, syncRunId: linked.syncRunId ?? (await newRunId()), trigger: 'link' });
  if (first.outcome !== 'succeeded') throw new Error(`profile Pluggy sync ended ${first.outcome}`);
  // A day of activity first, so the initial import is out of the creation-time window, as in steady state.
  await syncAfterActivity(stack, sandbox, linked.itemId, connection, 25);
  // The sync Pluggy's item/updated webhook requests after its daily item update.
  const incremental = await timedTwice(stack, () => syncAfterActivity(stack, sandbox, linked.itemId, connection, 12, 'webhook'));
  const unchanged = await timedTwice(stack, async () => measureSync(stack, sandbox.recorder, { ...connection, syncRunId: await newRunId(), trigger: 'schedule' }));
  progress(
    `profile Pluggy connection (${first.counts.added} transactions): after-update sync ${incremental.awsRequests} AWS requests, ${incremental.writeUnits} WRU, ${incremental.readUnits} RRU, ${incremental.timedWallSeconds} s; skipped reads ${unchanged.awsRequests} AWS requests`,
  );
  return {
    provider: 'pluggy',
    sandboxUser: `${linked.user} / password-ok`,
    storedTransactions: first.counts.added,
    first,
    incremental: { ...incremental, newTransactions: incremental.counts.added, note: 'half a day after the previous sync, after an item update with one new transaction per account; the sync its item/updated requests' },
    unchanged,
  };
}

/**
 * Sends the client's requests for table `from` to table `to` until stopped, and names `from` again in what
 * comes back: a command names its table in `TableName` (also inside `TransactItems`) or as a key of
 * `RequestItems`, and a batch answers with the table as a key of `Responses` and `Unprocessed*`.
 */
function tableRedirect(client: object, from: string, to: string): { stop: () => void } {
  const stack = (client as { middlewareStack: { add: (...args: unknown[]) => void; remove: (name: string) => boolean } }).middlewareStack;
  const name = 'benchProfileTableRedirect';
  stack.add(
    (next: (args: { input: Record<string, unknown> }) => Promise<{ output: Record<string, unknown> }>) =>
      async (args: { input: Record<string, unknown> }) => {
        const input = renameTable(args.input, ['TableName', 'RequestItems', 'TransactItems'], from, to);
        // A request that already names `to` (the request counter's own reads of the items it estimates) is
        // left alone, answer included.
        if (JSON.stringify(input) === JSON.stringify(args.input)) return next(args);
        const result = await next({ ...args, input });
        return { ...result, output: renameTable(result.output, ['Responses', 'UnprocessedItems', 'UnprocessedKeys'], to, from) };
      },
    { step: 'initialize', priority: 'high', name },
  );
  return { stop: () => void stack.remove(name) };
}

/** A copy of `shape` with table `from` renamed `to` in the given fields (a name, a map keyed by table, or transact items). */
function renameTable(shape: Record<string, unknown>, fields: readonly string[], from: string, to: string): Record<string, unknown> {
  const copy: Record<string, unknown> = { ...shape };
  for (const field of fields) {
    const value = copy[field];
    if (value === from) copy[field] = to;
    else if (Array.isArray(value)) {
      copy[field] = value.map((action: Record<string, Record<string, unknown>>) =>
        Object.fromEntries(Object.entries(action).map(([kind, body]) => [kind, body?.TableName === from ? { ...body, TableName: to } : body])),
      );
    } else if (value !== null && typeof value === 'object') {
      copy[field] = Object.fromEntries(Object.entries(value).map(([table, entry]) => [table === from ? to : table, entry]));
    }
  }
  return copy;
}
