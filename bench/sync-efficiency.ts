/**
 * Sync efficiency: a connection with about 10,000 transactions, linked through the real linking use-cases
 * and synced by the real sync engine (`runSync` with the composition root's adapters), counted request by
 * request on the AWS side (SDK middleware) and on the provider side (the sandboxes' request recorders).
 *
 * Baselines measured in the same run:
 * - the floor: provider pages of 500, BatchWriteItem of 25, BatchGetItem of 100 for the existence checks,
 *   one KMS Decrypt per run;
 * - naive: the very items the sync wrote, written again one PutItem each into a private table.
 * Then a second sync at once with nothing new (requests and writes), and a steady-state incremental sync with
 * a few new transactions (the per-sync cost the cost model uses). Both run with the trigger the auto-sync
 * scheduler uses (`schedule`, shared/sync/auto-sync-scheduler.ts), since the cost model prices auto-syncs;
 * a user-forced sync (`manual`) is shown on a line of its own where the provider treats it differently
 * (Pluggy asks for an item update; Plaid's source ignores the trigger, so its figures are the same). For
 * Pluggy, new activity is simulated twice (the sandbox clock moved a day, then half a day, each with an item
 * update) and both syncs are shown; the second is the steady state. Last, the Pluggy clock moves on FULL_READ_EVERY_HOURS without an item update: the scheduled sync
 * then re-reads every account's creation-time and recent-date windows, the cost of that safety net.
 */
import { DynamoDBClient, PutItemCommand } from '@aws-sdk/client-dynamodb';
import type { Connection } from '../shared/banking/model';
import type { PlaidSandbox } from '../local/sandboxes/plaid/plaid-sandbox';
import type { PluggySandbox } from '../local/sandboxes/pluggy/pluggy-sandbox';
import { createBankingTable } from '../local/aws/provision';
import { DYNAMO_WRITE_OPERATIONS, storedFootprint, total, type StoredRows, type Tally } from './aws-request-counter';
import { uncountedClientConfig, type BenchStack } from './bench-stack';
import type { Progress } from './bench-context';
import type { ProfileSyncResult } from './profile-connection';
import { ratio, round } from './stats';

export const PROVIDER_PAGE_SIZE = 500;
export const BATCH_WRITE_SIZE = 25;
export const BATCH_GET_SIZE = 100;

export interface ProviderRequests {
  readonly total: number;
  readonly byPath: Record<string, number>;
  /** Time the sandbox spent answering them (its own recorder's durations). */
  readonly seconds: number;
  /** Recorder sequence numbers of the first and last exchange (0 when none). */
  readonly firstSeq: number;
  readonly lastSeq: number;
}

export interface SyncMeasurement {
  /** Wall time of the sync, including the request counter's reads for its capacity estimate (errs high). */
  readonly wallSeconds: number;
  /** Time during which those reads were in flight (an upper bound of what they added). */
  readonly estimatorSeconds: number;
  /**
   * Wall time of the same kind of sync run again right after, without the capacity estimate's reads (the
   * profile connection's syncs, which the cost model bills for their duration).
   */
  readonly timedWallSeconds?: number;
  readonly counts: { added: number; modified: number; removed: number; accounts: number };
  readonly outcome: string;
  readonly aws: Tally;
  readonly awsRequests: number;
  /** Summed time of the AWS requests (the batch writer keeps 4 in flight, so this can exceed the wall time). */
  readonly awsRequestSeconds: number;
  readonly dynamoItemsWritten: number;
  readonly dynamoWriteRequests: number;
  readonly writeUnits: number;
  readonly readUnits: number;
  /** The rows the sync left stored, by entity (what the cost model keeps for their retention). */
  readonly storedRows: StoredRows;
  readonly provider: ProviderRequests;
}

export interface FloorRow {
  readonly what: string;
  readonly floor: number;
  readonly actual: number;
  readonly ratio: number;
}

export interface ProviderSyncResult {
  readonly provider: 'plaid' | 'pluggy';
  readonly sandboxUser: string;
  readonly transactions: number;
  readonly first: SyncMeasurement;
  /** The first sync's requests per 1,000 transactions, by AWS operation and provider path. */
  readonly perThousand: { readonly aws: Record<string, number>; readonly awsTotal: number; readonly provider: Record<string, number>; readonly providerTotal: number };
  readonly floor: readonly FloorRow[];
  readonly floorTotal: { readonly floor: number; readonly actual: number; readonly ratio: number };
  readonly unchanged: SyncMeasurement;
  /** Steady state: a sync some hours after the previous one, with a few new transactions (the cost model's sync). */
  readonly incremental: SyncMeasurement & { readonly newTransactions: number; readonly note: string };
  /** Further syncs worth showing (Pluggy: the first one after new activity, while the import is inside the overlap window). */
  readonly additional: readonly (SyncMeasurement & { readonly label: string })[];
  /**
   * Pluggy: what the recent-window re-read costs. A scheduled sync with nothing new reads no transactions
   * (`unchanged`); every account is read in full again once the item's `lastUpdatedAt` moves, or
   * `fullReadEveryHours` after the last full read — measured here without an update.
   */
  readonly recentWindow?: {
    readonly days: number;
    readonly fullReadEveryHours: number;
    readonly fullRead: { readonly providerRequests: number; readonly awsRequests: number; readonly wallSeconds: number };
    readonly unchanged: { readonly providerRequests: number; readonly awsRequests: number };
  };
}

export interface NaiveBaseline {
  readonly items: number;
  readonly putItemRequests: number;
  readonly wallSeconds: number;
  /** The Plaid sync's wall time and DynamoDB requests against the naive writes. */
  readonly syncVsNaive: { readonly wallTime: number; readonly dynamoRequests: number; readonly writeRequests: number };
  /** Average stored transaction item size (bytes) and its WRU cost per write (table + GSI copies). */
  readonly averageItemBytes: number;
  readonly writeUnitsPerItem: number;
  /**
   * Storage DynamoDB bills per transaction: the item plus 100 bytes of overhead, and for each index the item is
   * in, its index entry (keys and projected attributes) plus 100 bytes
   * (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/CapacityUnitCalculations.html,
   * https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/GSI.html#GSI.StorageConsiderations).
   */
  readonly storedBytesPerTransaction: number;
  /** Index entries per transaction (average over the items the first sync wrote). */
  readonly indexEntriesPerTransaction: number;
}

export interface SyncEfficiencyResult {
  /** The connection the cost model prices, one per provider (bench/profile-connection.ts). */
  readonly profile: ProfileSyncResult;
  readonly plaid: ProviderSyncResult;
  readonly pluggy: ProviderSyncResult | null;
  /** Why the Pluggy figures are missing, when the sandbox exists but its measurement failed. */
  readonly pluggyError: string | null;
  readonly naive: NaiveBaseline;
}

function providerRequestsSince(recorder: PlaidSandbox['recorder'], afterSeq: number): ProviderRequests {
  const byPath: Record<string, number> = {};
  const exchanges = recorder.list({ afterSeq, kind: 'provider' });
  let milliseconds = 0;
  for (const exchange of exchanges) {
    milliseconds += exchange.durationMs;
    // Pluggy's account-scoped paths carry ids; group them by their template for the report.
    const path = exchange.path.replace(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/gi, '{id}');
    const key = `${exchange.method} ${path}`;
    byPath[key] = (byPath[key] ?? 0) + 1;
  }
  return {
    total: exchanges.length,
    byPath,
    seconds: round(milliseconds / 1000, 2),
    firstSeq: exchanges[0]?.seq ?? 0,
    lastSeq: exchanges.at(-1)?.seq ?? 0,
  };
}

export async function measureSync(
  stack: BenchStack,
  recorder: PlaidSandbox['recorder'],
  job: { userId: string; connectionId: string; syncRunId: string; trigger: 'link' | 'manual' | 'schedule' | 'webhook' },
): Promise<SyncMeasurement> {
  const { runSync } = await import('../shared/sync/sync-engine');
  const { syncEngineDeps } = await import('../shared/wiring/sync');
  const deps = syncEngineDeps();
  stack.counter.reset();
  const afterSeq = recorder.lastSeq();
  const started = performance.now();
  const run = await runSync(deps, job);
  const wallSeconds = (performance.now() - started) / 1000;
  // Included above: the sync's writes run concurrently, so what these reads delayed cannot be told apart.
  const estimatorSeconds = stack.counter.estimatorMilliseconds() / 1000;
  const aws = stack.counter.snapshot();
  if (!run) throw new Error(`sync of ${job.connectionId} found no connection`);
  return {
    wallSeconds: round(wallSeconds, 2),
    estimatorSeconds: round(estimatorSeconds, 2),
    counts: { added: run.counts.added, modified: run.counts.modified, removed: run.counts.removed, accounts: run.counts.accounts },
    outcome: run.outcome,
    aws,
    awsRequests: total(aws, 'requests'),
    awsRequestSeconds: round(total(aws, 'milliseconds') / 1000, 2),
    dynamoItemsWritten: total(aws, 'itemsWritten', 'DynamoDB'),
    dynamoWriteRequests: DYNAMO_WRITE_OPERATIONS.reduce((sum, operation) => sum + (aws[`DynamoDB.${operation}`]?.requests ?? 0), 0),
    writeUnits: round(total(aws, 'writeUnits'), 1),
    readUnits: round(total(aws, 'readUnits'), 1),
    storedRows: stack.counter.storedRows(),
    provider: providerRequestsSince(recorder, afterSeq),
  };
}

export async function newRunId(): Promise<string> {
  const { newId } = await import('../shared/banking/ids');
  return newId('run');
}

function perThousand(measurement: SyncMeasurement, transactions: number): ProviderSyncResult['perThousand'] {
  const scale = 1000 / transactions;
  const aws = Object.fromEntries(Object.entries(measurement.aws).map(([key, value]) => [key, round(value.requests * scale, 2)]));
  const provider = Object.fromEntries(Object.entries(measurement.provider.byPath).map(([key, value]) => [key, round(value * scale, 2)]));
  return { aws, awsTotal: round(measurement.awsRequests * scale, 2), provider, providerTotal: round(measurement.provider.total * scale, 2) };
}

interface PageFloor {
  readonly label: string;
  readonly floor: number;
  readonly actual: number;
}

function floorRows(provider: 'plaid' | 'pluggy', measurement: SyncMeasurement, transactions: number, pages: PageFloor): FloorRow[] {
  const row = (what: string, floor: number, actual: number): FloorRow => ({ what, floor, actual, ratio: ratio(actual, floor) });
  return [
    row(pages.label, pages.floor, pages.actual),
    row(`DynamoDB BatchWriteItem (${BATCH_WRITE_SIZE} per request)`, Math.ceil(transactions / BATCH_WRITE_SIZE), measurement.aws['DynamoDB.BatchWriteItem']?.requests ?? 0),
    row(`DynamoDB BatchGetItem existence checks (${BATCH_GET_SIZE} keys per request)`, Math.ceil(transactions / BATCH_GET_SIZE), measurement.aws['DynamoDB.BatchGetItem']?.requests ?? 0),
    provider === 'plaid'
      ? row('KMS Decrypt of the access token (one per run)', 1, measurement.aws['KMS.Decrypt']?.requests ?? 0)
      : // Pluggy items have no access token; the API key is cached (KMS-encrypted in the table) across runs.
        row('KMS Decrypt (no access token; the API key is cached)', 0, measurement.aws['KMS.Decrypt']?.requests ?? 0),
  ];
}

function summarise(
  provider: 'plaid' | 'pluggy',
  sandboxUser: string,
  first: SyncMeasurement,
  unchanged: SyncMeasurement,
  incremental: ProviderSyncResult['incremental'],
  additional: ProviderSyncResult['additional'],
  pages: PageFloor,
  recentWindow?: ProviderSyncResult['recentWindow'],
): ProviderSyncResult {
  const transactions = first.counts.added;
  const floor = floorRows(provider, first, transactions, pages);
  const floorSum = floor.reduce((sum, row) => sum + row.floor, 0);
  const actualSum = floor.reduce((sum, row) => sum + row.actual, 0);
  return {
    provider,
    sandboxUser,
    transactions,
    first,
    perThousand: perThousand(first, transactions),
    floor,
    floorTotal: { floor: floorSum, actual: actualSum, ratio: ratio(actualSum, floorSum) },
    unchanged,
    incremental,
    additional,
    ...(recentWindow ? { recentWindow } : {}),
  };
}

export async function plaidPost<T>(sandbox: PlaidSandbox, path: string, body: Record<string, unknown>): Promise<T> {
  const response = await fetch(`${sandbox.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ client_id: sandbox.credentials.clientId, secret: sandbox.credentials.secret, ...body }),
  });
  const parsed = (await response.json()) as T & { error_code?: string };
  if (!response.ok) throw new Error(`Plaid sandbox ${path} answered ${response.status} ${parsed.error_code ?? ''}`);
  return parsed;
}

export interface LinkedPlaidConnection {
  readonly userId: string;
  readonly connectionId: string;
  readonly itemId: string;
  /** The run the link queued (the first sync is measured under it, as the worker would run it). */
  readonly syncRunId: string | null;
  readonly password: string;
  readonly connection: Connection;
}

/**
 * Links a `user_large_history` Item through the real exchange use-case, without syncing it yet. Done before
 * the webhook benchmark, which sends its deliveries for this Item while the table is still small.
 */
export async function linkPlaidConnection(stack: BenchStack, transactions: number, userId = 'bench-plaid-user'): Promise<LinkedPlaidConnection> {
  const { exchangePlaidPublicToken } = await import('../shared/providers/plaid/plaid-linking');
  const { plaidLinkingDeps } = await import('../shared/providers/plaid/plaid-linking-module');
  const password = `txn_count_${transactions}`;
  const { public_token: publicToken } = await plaidPost<{ public_token: string }>(stack.plaid, '/sandbox/public_token/create', {
    institution_id: 'ins_109508',
    initial_products: ['transactions'],
    options: { override_username: 'user_large_history', override_password: password },
  });
  const linked = await exchangePlaidPublicToken(plaidLinkingDeps(), userId, { publicToken });
  return {
    userId,
    connectionId: linked.connection.connectionId,
    itemId: linked.connection.providerItemId,
    syncRunId: linked.syncRunId,
    password,
    connection: linked.connection,
  };
}

async function measurePlaid(stack: BenchStack, linked: LinkedPlaidConnection, progress: Progress) {
  const sandbox = stack.plaid;
  const { userId, connectionId, password } = linked;
  progress(`Plaid: linked user_large_history/${password}; first sync`);

  stack.counter.startCapture('TXN#');
  const first = await measureSync(stack, sandbox.recorder, { userId, connectionId, syncRunId: linked.syncRunId ?? (await newRunId()), trigger: 'link' });
  const written = stack.counter.stopCapture();
  progress(`Plaid: ${first.counts.added} transactions in ${first.wallSeconds} s, ${first.awsRequests} AWS requests, ${first.provider.total} Plaid requests`);
  if (first.outcome !== 'succeeded') throw new Error(`Plaid sync ended ${first.outcome}`);

  // The scheduler's trigger; Plaid's sync source does not look at it, so a user-forced sync costs the same.
  const unchanged = await measureSync(stack, sandbox.recorder, { userId, connectionId, syncRunId: await newRunId(), trigger: 'schedule' });
  progress(`Plaid: unchanged sync ${unchanged.awsRequests} AWS requests, ${unchanged.dynamoItemsWritten} items written`);

  // Two new posted transactions (the sandbox's /sandbox/transactions/create, allowed for user_large_history).
  const today = new Date().toISOString().slice(0, 10);
  const accessToken = await plaidAccessTokenOf(linked.connection);
  await plaidPost(sandbox, '/sandbox/transactions/create', {
    access_token: accessToken,
    transactions: [
      { date_transacted: today, date_posted: today, amount: 4.5, description: 'Bench coffee', iso_currency_code: 'USD' },
      { date_transacted: today, date_posted: today, amount: 12.25, description: 'Bench lunch', iso_currency_code: 'USD' },
    ],
  });
  const incremental = await measureSync(stack, sandbox.recorder, { userId, connectionId, syncRunId: await newRunId(), trigger: 'schedule' });
  progress(`Plaid: incremental sync (+${incremental.counts.added}) ${incremental.awsRequests} AWS requests`);

  const pages: PageFloor = {
    label: `Plaid /transactions/sync pages (${PROVIDER_PAGE_SIZE} per page)`,
    floor: Math.max(1, Math.ceil(first.counts.added / PROVIDER_PAGE_SIZE)),
    actual: first.provider.byPath['POST /transactions/sync'] ?? 0,
  };
  const note = 'right after the unchanged sync; the sync cursor makes Plaid return only what changed';
  return {
    result: summarise('plaid', `user_large_history / ${password}`, first, unchanged, { ...incremental, newTransactions: 2, note }, [], pages),
    written,
  };
}

/** The Item's access token, for the sandbox's own endpoints (the bench plays Plaid's dashboard here). */
export async function plaidAccessTokenOf(connection: Connection): Promise<string> {
  const { tokenVault } = await import('../shared/wiring/vault');
  if (!connection.accessToken) throw new Error('the linked Plaid connection has no access token');
  return tokenVault().decrypt(connection.accessToken, {
    userId: connection.userId,
    connectionId: connection.connectionId,
    provider: 'plaid',
  });
}

/** Runs the item's current execution to its end (the sandbox otherwise steps through it on a timer). */
export function settleItem(sandbox: PluggySandbox, itemId: string): void {
  for (let step = 0; step < 20; step++) {
    const state = sandbox.completeExecution(itemId);
    if (state.execution === null) {
      if (state.status !== 'UPDATED') throw new Error(`Pluggy sandbox item ended ${state.status} / ${state.executionStatus}`);
      return;
    }
  }
  throw new Error('Pluggy sandbox item did not finish its execution');
}

/** `user-ok-perf-<x>` has x times Pluggy Bank's usual activity; 146 gives about 10,000 transactions a year. */
export function pluggyPerfMultiplier(transactions: number): number {
  return Math.max(1, Math.min(5000, Math.round((transactions / 10_000) * 146)));
}

export interface LinkedPluggyConnection {
  readonly userId: string;
  readonly connectionId: string;
  readonly itemId: string;
  readonly syncRunId: string | null;
  /** The sandbox user (`user-ok-perf-<x>`). */
  readonly user: string;
}

/** Links a `user-ok-perf-<x>` item the way Pluggy Connect and our connect route do, without syncing it yet. */
export async function linkPluggyConnection(sandbox: PluggySandbox, user: string, userId: string): Promise<LinkedPluggyConnection> {
  const { createPluggyConnectToken, createPluggyConnection } = await import('../shared/providers/pluggy/pluggy-linking');
  const { pluggyLinkingDeps } = await import('../shared/providers/pluggy/pluggy-linking-module');
  const deps = pluggyLinkingDeps();
  const token = await createPluggyConnectToken(deps, userId, {});
  // What Pluggy Connect does in the browser: create the item with the connect token as API key.
  const created = await fetch(`${sandbox.url}/items`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-api-key': token.connectToken },
    body: JSON.stringify({ connectorId: 0, parameters: { user, password: 'password-ok' } }),
  });
  const item = (await created.json()) as { id?: string; message?: string };
  if (!created.ok || !item.id) throw new Error(`Pluggy sandbox POST /items answered ${created.status} ${item.message ?? ''}`);
  settleItem(sandbox, item.id);
  const connection = await createPluggyConnection(deps, userId, { itemId: item.id });
  return { userId, connectionId: connection.connection.connectionId, itemId: item.id, syncRunId: connection.syncRunId, user };
}

async function measurePluggy(stack: BenchStack, sandbox: PluggySandbox, transactions: number, progress: Progress) {
  const user = `user-ok-perf-${pluggyPerfMultiplier(transactions)}`;
  const linked = await linkPluggyConnection(sandbox, user, 'bench-pluggy-user');
  const { userId, connectionId } = linked;
  const item = { id: linked.itemId };
  progress(`Pluggy: linked ${user}; first sync`);

  const first = await measureSync(stack, sandbox.recorder, { userId, connectionId, syncRunId: linked.syncRunId ?? (await newRunId()), trigger: 'link' });
  progress(`Pluggy: ${first.counts.added} transactions in ${first.wallSeconds} s, ${first.awsRequests} AWS requests, ${first.provider.total} Pluggy requests`);
  if (first.outcome !== 'succeeded') throw new Error(`Pluggy sync ended ${first.outcome}`);
  const unchanged = await measureSync(stack, sandbox.recorder, { userId, connectionId, syncRunId: await newRunId(), trigger: 'schedule' });
  progress(`Pluggy: unchanged scheduled sync ${unchanged.provider.total} Pluggy requests, ${unchanged.awsRequests} AWS requests, ${unchanged.dynamoItemsWritten} items written`);
  // The user forces a sync: Pluggy is asked for an update (refused within its minimum frequency) and every
  // account is read in full.
  const userForced = await measureSync(stack, sandbox.recorder, { userId, connectionId, syncRunId: await newRunId(), trigger: 'manual' });
  progress(`Pluggy: user-forced sync with nothing new ${userForced.provider.total} Pluggy requests, ${userForced.awsRequests} AWS requests`);
  // New activity a day later (the sandbox clock moves and the item updates), then the steady state half a day
  // after that: one new transaction per account.
  const afterImport = await syncAfterActivity(stack, sandbox, item.id, { userId, connectionId }, 25);
  progress(`Pluggy: first sync after new activity (+${afterImport.counts.added}) ${afterImport.awsRequests} AWS requests`);
  const steady = await syncAfterActivity(stack, sandbox, item.id, { userId, connectionId }, 12);
  progress(`Pluggy: steady-state incremental sync (+${steady.counts.added}) ${steady.awsRequests} AWS requests`);
  // No update for FULL_READ_EVERY_HOURS: the scheduled sync re-reads every account anyway (the safety net).
  const { FULL_READ_EVERY_HOURS, RECENT_WINDOW_DAYS } = await import('../shared/providers/pluggy/pluggy-sync-source');
  sandbox.clock.advance(FULL_READ_EVERY_HOURS * 3_600_000);
  await renewPluggyApiKey(item.id);
  const fullRead = await measureSync(stack, sandbox.recorder, { userId, connectionId, syncRunId: await newRunId(), trigger: 'schedule' });
  progress(`Pluggy: safety-net full read (no update for ${FULL_READ_EVERY_HOURS} h) ${fullRead.provider.total} Pluggy requests, ${fullRead.awsRequests} AWS requests`);
  return summarise(
    'pluggy',
    `${user} / password-ok`,
    first,
    unchanged,
    { ...steady, newTransactions: steady.counts.added, note: 'half a day after the previous sync, one new transaction per account' },
    [
      { ...userForced, label: 'user-forced (trigger manual: asks Pluggy for an update, reads in full), nothing new' },
      { ...afterImport, label: `a day later, ${afterImport.counts.added} new (first sync after an item update)` },
      { ...fullRead, label: `no item update for ${FULL_READ_EVERY_HOURS} h: full read of every account (${RECENT_WINDOW_DAYS}-day window), nothing new` },
    ],
    pluggyPageFloor(sandbox, first),
    {
      days: RECENT_WINDOW_DAYS,
      fullReadEveryHours: FULL_READ_EVERY_HOURS,
      fullRead: { providerRequests: fullRead.provider.total, awsRequests: fullRead.awsRequests, wallSeconds: fullRead.wallSeconds },
      unchanged: { providerRequests: unchanged.provider.total, awsRequests: unchanged.awsRequests },
    },
  );
}

/**
 * Moving the clock expired the cached Pluggy API key (2 hours). A deployment renews it once per lifetime
 * for all its syncs (POST /auth, KMS Encrypt, one cache write), not once per sync: renew it before counting.
 */
async function renewPluggyApiKey(itemId: string): Promise<void> {
  const { pluggyApi } = await import('../shared/providers/pluggy/pluggy-module');
  await pluggyApi().getItem(itemId);
}

/**
 * Moves the sandbox clock, lets Pluggy's auto-sync find one new transaction per account, then syncs (a
 * scheduled run, or the one its item/updated webhook requests).
 */
export async function syncAfterActivity(
  stack: BenchStack,
  sandbox: PluggySandbox,
  itemId: string,
  connection: { userId: string; connectionId: string },
  hoursLater: number,
  trigger: 'schedule' | 'webhook' = 'schedule',
): Promise<SyncMeasurement> {
  sandbox.clock.advance(hoursLater * 3_600_000);
  sandbox.refresh(itemId, { newTransactions: 1 });
  settleItem(sandbox, itemId);
  await renewPluggyApiKey(itemId);
  return measureSync(stack, sandbox.recorder, { ...connection, syncRunId: await newRunId(), trigger });
}

/**
 * Pluggy pages per account: the floor is one page per started 500 rows of each account (and one for an empty
 * account), from the rows the first sync's `/v2/transactions` answers carried, per `accountId`.
 */
function pluggyPageFloor(sandbox: PluggySandbox, first: SyncMeasurement): PageFloor {
  const rowsByAccount = new Map<string, number>();
  let actual = 0;
  for (const exchange of sandbox.recorder.list({ path: '/v2/transactions', kind: 'provider', afterSeq: first.provider.firstSeq - 1 })) {
    if (exchange.seq > first.provider.lastSeq) break;
    actual += 1;
    const accountId = new URLSearchParams(exchange.query ?? '').get('accountId') ?? 'unknown';
    const rows = (exchange.responseBody as { results?: unknown[] } | undefined)?.results?.length ?? 0;
    rowsByAccount.set(accountId, (rowsByAccount.get(accountId) ?? 0) + rows);
  }
  const floor = [...rowsByAccount.values()].reduce((sum, rows) => sum + Math.max(1, Math.ceil(rows / PROVIDER_PAGE_SIZE)), 0);
  return { label: `Pluggy GET /v2/transactions pages (${PROVIDER_PAGE_SIZE} per page, per account)`, floor, actual };
}

/**
 * The naive baseline: the items the Plaid sync wrote, one PutItem each, into a private table, with the same
 * number of requests in flight as the sync's batch writer (4), through a client of its own (not counted).
 */
async function measureNaive(stack: BenchStack, items: readonly Record<string, unknown>[], progress: Progress) {
  const client = new DynamoDBClient(uncountedClientConfig(stack));
  try {
    const tableName = `${stack.prefix}-naive`;
    await createBankingTable(client, tableName);
    progress(`naive baseline: ${items.length} PutItem into ${tableName}`);
    let next = 0;
    const started = performance.now();
    await Promise.all(
      Array.from({ length: 4 }, async () => {
        while (next < items.length) {
          const item = items[next++]!;
          await client.send(new PutItemCommand({ TableName: tableName, Item: item as never }));
        }
      }),
    );
    return { wallSeconds: round((performance.now() - started) / 1000, 2), putItemRequests: items.length };
  } finally {
    client.destroy();
  }
}

export interface SyncEfficiencyOptions {
  readonly transactions: number;
  /** The Plaid connection to sync ({@link linkPlaidConnection}). */
  readonly plaid: LinkedPlaidConnection;
  readonly progress: Progress;
}

export async function measureSyncEfficiency(stack: BenchStack, options: SyncEfficiencyOptions): Promise<SyncEfficiencyResult> {
  const { progress } = options;
  const { measureProfileConnections } = await import('./profile-connection');
  const profile = await measureProfileConnections(stack, progress);
  const plaid = await measurePlaid(stack, options.plaid, progress);
  let pluggy: ProviderSyncResult | null = null;
  let pluggyError: string | null = null;
  if (stack.pluggy) {
    try {
      pluggy = await measurePluggy(stack, stack.pluggy, options.transactions, progress);
    } catch (error) {
      pluggyError = error instanceof Error ? error.message : String(error);
      progress(`Pluggy: measurement failed (${pluggyError}); the other figures go on`);
    }
  }
  const naiveRun = await measureNaive(stack, plaid.written, progress);
  const footprints = plaid.written.map((item) => storedFootprint(item as never));
  const average = (values: number[]) => values.reduce((sum, value) => sum + value, 0) / Math.max(1, values.length);
  const averageItemBytes = average(footprints.map((footprint) => footprint.itemBytes));
  const first = plaid.result.first;
  const dynamoRequests = total(first.aws, 'requests', 'DynamoDB');
  return {
    profile,
    plaid: plaid.result,
    pluggy,
    pluggyError,
    naive: {
      items: plaid.written.length,
      putItemRequests: naiveRun.putItemRequests,
      wallSeconds: naiveRun.wallSeconds,
      syncVsNaive: {
        wallTime: ratio(first.wallSeconds, naiveRun.wallSeconds),
        dynamoRequests: ratio(dynamoRequests, naiveRun.putItemRequests),
        writeRequests: ratio(first.dynamoWriteRequests, naiveRun.putItemRequests),
      },
      averageItemBytes: Math.round(averageItemBytes),
      writeUnitsPerItem: round(first.aws['DynamoDB.BatchWriteItem'] ? first.aws['DynamoDB.BatchWriteItem'].writeUnits / first.aws['DynamoDB.BatchWriteItem'].itemsWritten : 0, 2),
      storedBytesPerTransaction: Math.round(average(footprints.map((footprint) => footprint.bytes))),
      indexEntriesPerTransaction: round(average(footprints.map((footprint) => footprint.indexEntries)), 2),
    },
  };
}
