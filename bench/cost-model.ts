/**
 * Cost per connection per month on AWS list prices, computed from the request counts this run measured.
 *
 * Profile: 2 syncs a day, 4 webhooks a day, 60 new transactions a month, over a 30-day month. Each sync
 * is charged the scheduler's share for one connection (due-index read, SendMessageBatch), the FIFO job's
 * receive and delete by the Lambda event source, and the sync worker running one incremental sync. A webhook
 * that requests a sync is one API Gateway request, one webhook-route invocation and one webhook-worker
 * invocation (batches of one at this traffic, the worst case); one the receipt settles (Plaid's legacy codes)
 * is the request and the route invocation. Each with the requests it was measured to make. Storage: the
 * transactions, the connection's own rows, and what its syncs and webhooks leave for their retention.
 *
 * Lambda durations are the ones measured on the offline stack (warm), which talks to moto instead of
 * DynamoDB; AWS bills INIT too since 2025-08-01, charged here for the assumed share of cold invocations.
 * Free tiers are ignored (they are per account, not per connection).
 */
import type { StoredRows, Tally } from './aws-request-counter';
import { FEED_RETENTION_DAYS, SYNC_RUN_RETENTION_DAYS } from '../shared/banking/model';
import { APP_EVENT_RETENTION_DAYS } from '../shared/events/event-publisher';
import { WEBHOOK_EVENT_RETENTION_DAYS } from '../shared/webhooks/receive-webhook';
import { round } from './stats';

/** us-east-1 list prices. Every figure names where it comes from. */
export const prices = {
  checked: '2026-11-21',
  lambdaArmPerGbSecond: { usd: 0.0000133334, source: 'aws.amazon.com/lambda/pricing — Arm, first 7.5 billion GB-s/month' },
  lambdaPerMillionRequests: { usd: 0.2, source: 'aws.amazon.com/lambda/pricing — requests, x86 and Arm' },
  httpApiPerMillion: { usd: 1.0, source: 'aws.amazon.com/api-gateway/pricing — HTTP APIs, first 300 million/month (512 KB increments)' },
  dynamoPerMillionWru: { usd: 0.625, source: 'aws.amazon.com/dynamodb/pricing/on-demand — standard table class, after the 2024-11-01 on-demand price reduction' },
  dynamoPerMillionRru: { usd: 0.125, source: 'aws.amazon.com/dynamodb/pricing/on-demand — standard table class, after the 2024-11-01 on-demand price reduction' },
  dynamoStoragePerGbMonth: { usd: 0.25, source: 'aws.amazon.com/dynamodb/pricing/on-demand — standard table class storage beyond the first 25 GB' },
  sqsStandardPerMillion: { usd: 0.4, source: 'aws.amazon.com/sqs/pricing — standard queues, first 100 billion requests/month (64 KB chunks)' },
  sqsFifoPerMillion: { usd: 0.5, source: 'aws.amazon.com/sqs/pricing — FIFO queues' },
  kmsPer10kRequests: { usd: 0.03, source: 'aws.amazon.com/kms/pricing — symmetric requests' },
  eventBridgePerMillionEvents: { usd: 1.0, source: 'aws.amazon.com/eventbridge/pricing — custom events published to an event bus (each 64 KB chunk one event; same-account delivery to targets free)' },
  kmsKeyPerMonth: { usd: 1.0, source: 'aws.amazon.com/kms/pricing — customer managed key' },
  secretPerMonth: { usd: 0.4, source: 'aws.amazon.com/secrets-manager/pricing — per secret' },
  secretsPer10kCalls: { usd: 0.05, source: 'aws.amazon.com/secrets-manager/pricing — API calls' },
} as const;

export const profile = {
  daysPerMonth: 30,
  syncsPerDay: 2,
  webhooksPerDay: 4,
  /**
   * What those webhooks do: each of the day's syncs is requested by one of them; the others either join the
   * sync an earlier one requested (still pending) or are settled at receipt (stored as ignored, never queued).
   * Plaid: each change of an Item's transactions sends SYNC_UPDATES_AVAILABLE, which requests the sync, and the
   * legacy DEFAULT_UPDATE alongside it, which the service ignores
   * (https://plaid.com/docs/api/products/transactions/#sync_updates_available: the older webhooks "will also
   * continue to be sent"). Pluggy: its daily item update sends item/login_succeeded as it starts collecting
   * (settled at receipt), item/updated when it ends, which requests the day's after-update sync, and
   * transactions/created for the new transactions, which joins that sync (https://docs.pluggy.ai/docs/webhooks);
   * the fourth is priced as one more joining it.
   */
  webhooksPerDayBy: {
    plaid: { requestingSync: 2, joiningSync: 0, settledAtReceipt: 2 },
    pluggy: { requestingSync: 1, joiningSync: 2, settledAtReceipt: 1 },
  },
  newTransactionsPerMonth: 60,
  /** Lambda memory of every function (infra/constructs/banking-function.ts). */
  memoryGb: 0.5,
  /** Share of invocations that start a new execution environment (AWS: "under 1% of invocations" in production). */
  coldStartShare: 0.01,
  /** Transactions a connection holds: two years of history at the profile's rate. */
  storedTransactions: 1440,
  /** DynamoDB's per-item storage overhead, added for the table item and for each index entry. */
  itemOverheadBytes: 100,
} as const;

/** One unit of work the profile repeats, with everything it was measured to cost. */
export interface WorkUnit {
  readonly name: string;
  readonly perMonth: number;
  readonly aws: Tally;
  readonly lambdaInvocations: number;
  readonly lambdaSeconds: number;
  /** INIT duration of the function (cold start median), billed for the cold share of invocations. */
  readonly coldStartSeconds: number;
  readonly apiGatewayRequests: number;
  /** SQS requests Lambda's event source makes for this unit (receive + delete), by queue type. */
  readonly eventSourceSqs: { readonly fifo: number; readonly standard: number };
  /** The queue type the unit's own SQS sends go to. */
  readonly sendsTo: 'fifo' | 'standard' | 'none';
  /** Rows the unit leaves stored, as its last write left them (a row two units write is given to the last). */
  readonly storedRows?: StoredRows;
}

/**
 * How long the rows a unit of work leaves are kept (their TTL), by entity: the product's own settings. A
 * connection keeps each kind's rows of that many days at any time. Transactions are priced by their own line;
 * the connection's and its accounts' rows are rewritten in place and priced once ({@link StorageInput}).
 */
export const retainedEntities: Record<string, { readonly label: string; readonly days: number }> = {
  sync_run: { label: 'sync runs', days: SYNC_RUN_RETENTION_DAYS },
  app_event: { label: 'app events (outbox)', days: APP_EVENT_RETENTION_DAYS },
  webhook_event: { label: 'webhook events', days: WEBHOOK_EVENT_RETENTION_DAYS },
  transaction_change: { label: 'change-feed entries', days: FEED_RETENTION_DAYS },
  transaction_removed: { label: 'removed-transaction tombstones', days: FEED_RETENTION_DAYS },
};

/** Entities a unit rewrites in place or that have a line of their own: not retained per unit. */
const pricedElsewhere = new Set(['transaction', 'connection', 'account', 'item_guard', 'item_pointer', 'category', 'category_name']);

export interface CostLine {
  readonly service: string;
  readonly usdPerConnectionMonth: number;
  readonly detail: string;
}

export interface CostResult {
  readonly profile: typeof profile;
  readonly prices: typeof prices;
  readonly units: readonly { name: string; perMonth: number; awsRequests: number; lambdaSeconds: number }[];
  readonly lines: readonly CostLine[];
  readonly totalUsdPerConnectionMonth: number;
  readonly perThousandConnectionsUsd: number;
  /** What one stored transaction costs in storage: bytes and USD per month. */
  readonly storagePerTransaction: { readonly bytes: number; readonly indexEntries: number; readonly usdPerMonth: number };
  readonly fixedMonthly: readonly CostLine[];
  readonly fixedMonthlyUsd: number;
}

function sum(tally: Tally, filter: (key: string) => boolean, field: 'requests' | 'writeUnits' | 'readUnits' | 'messagesSent'): number {
  return Object.entries(tally)
    .filter(([key]) => filter(key))
    .reduce((total, [, value]) => total + value[field], 0);
}

export interface StorageInput {
  /** Bytes DynamoDB bills for one stored transaction: item, index entries, 100 B overhead each. */
  readonly bytesPerTransaction: number;
  readonly averageItemBytes: number;
  readonly indexEntriesPerTransaction: number;
  /**
   * The connection's own rows, read from the table the profile connection was synced in: the connection, its
   * accounts, its item pointer and duplicate guards (kept as long as the connection).
   */
  readonly connectionRows: StoredRows;
}

/** Rows of each retained entity a connection holds at any time, with their footprint. */
function retainedRows(units: readonly WorkUnit[]): { entity: string; label: string; days: number; rows: number; bytes: number }[] {
  const byEntity = new Map<string, { rows: number; bytes: number }>();
  for (const unit of units) {
    for (const [entity, stored] of Object.entries(unit.storedRows ?? {})) {
      if (pricedElsewhere.has(entity)) continue;
      const retention = retainedEntities[entity];
      if (!retention) throw new Error(`the cost model does not know how long ${entity} rows are kept: add it to retainedEntities`);
      const kept = unit.perMonth * stored.rows * (retention.days / profile.daysPerMonth);
      const current = byEntity.get(entity) ?? { rows: 0, bytes: 0 };
      byEntity.set(entity, { rows: current.rows + kept, bytes: current.bytes + kept * (stored.bytes / stored.rows) });
    }
  }
  return [...byEntity].map(([entity, kept]) => ({ entity, ...retainedEntities[entity]!, ...kept }));
}

export function costPerConnection(units: readonly WorkUnit[], storage: StorageInput): CostResult {
  let lambdaRequests = 0;
  let gbSeconds = 0;
  let apiRequests = 0;
  let wru = 0;
  let rru = 0;
  let sqsFifo = 0;
  let sqsStandard = 0;
  let kms = 0;
  let busEvents = 0;
  let secretsCalls = 0;
  for (const unit of units) {
    const n = unit.perMonth;
    lambdaRequests += n * unit.lambdaInvocations;
    gbSeconds += n * profile.memoryGb * (unit.lambdaSeconds + unit.lambdaInvocations * profile.coldStartShare * unit.coldStartSeconds);
    apiRequests += n * unit.apiGatewayRequests;
    wru += n * sum(unit.aws, (key) => key.startsWith('DynamoDB.'), 'writeUnits');
    rru += n * sum(unit.aws, (key) => key.startsWith('DynamoDB.'), 'readUnits');
    const sends = sum(unit.aws, (key) => key.startsWith('SQS.'), 'requests');
    if (unit.sendsTo === 'fifo') sqsFifo += n * sends;
    if (unit.sendsTo === 'standard') sqsStandard += n * sends;
    sqsFifo += n * unit.eventSourceSqs.fifo;
    sqsStandard += n * unit.eventSourceSqs.standard;
    kms += n * sum(unit.aws, (key) => key.startsWith('KMS.'), 'requests');
    busEvents += n * sum(unit.aws, (key) => key === 'EventBridge.PutEvents', 'messagesSent');
    secretsCalls += n * sum(unit.aws, (key) => key.startsWith('SecretsManager.'), 'requests');
  }
  // Storage: each transaction's item plus its entry in every index it is in (keys and projected attributes
  // only), each with DynamoDB's 100-byte overhead, as measured on the items the first sync wrote.
  const storedGb = (profile.storedTransactions * storage.bytesPerTransaction) / 1024 ** 3;
  // Everything else a connection keeps: the rows its syncs and webhooks leave for their retention, and its own.
  const retained = retainedRows(units);
  const ownRows = Object.values(storage.connectionRows);
  const otherBytes = retained.reduce((total, kind) => total + kind.bytes, 0) + ownRows.reduce((total, row) => total + row.bytes, 0);
  const otherGb = otherBytes / 1024 ** 3;

  const lines: CostLine[] = [
    {
      service: 'Lambda (arm64, 512 MB)',
      usdPerConnectionMonth:
        (lambdaRequests / 1e6) * prices.lambdaPerMillionRequests.usd + gbSeconds * prices.lambdaArmPerGbSecond.usd,
      detail: `${round(lambdaRequests, 1)} invocations, ${round(gbSeconds, 3)} GB-s (incl. INIT for ${profile.coldStartShare * 100}% cold starts)`,
    },
    { service: 'API Gateway HTTP API', usdPerConnectionMonth: (apiRequests / 1e6) * prices.httpApiPerMillion.usd, detail: `${apiRequests} requests` },
    {
      service: 'DynamoDB on-demand (requests)',
      usdPerConnectionMonth: (wru / 1e6) * prices.dynamoPerMillionWru.usd + (rru / 1e6) * prices.dynamoPerMillionRru.usd,
      detail: `${round(wru, 1)} WRU, ${round(rru, 1)} RRU`,
    },
    {
      service: 'DynamoDB storage (transactions)',
      usdPerConnectionMonth: storedGb * prices.dynamoStoragePerGbMonth.usd,
      detail:
        `${profile.storedTransactions} transactions × ${storage.bytesPerTransaction} B per transaction (item ${storage.averageItemBytes} B + ` +
        `${round(storage.indexEntriesPerTransaction, 2)} index entries, ${profile.itemOverheadBytes} B overhead each) = ${round(storedGb * 1024, 3)} MB`,
    },
    {
      service: 'DynamoDB storage (rows besides transactions)',
      usdPerConnectionMonth: otherGb * prices.dynamoStoragePerGbMonth.usd,
      detail:
        [
          ...retained.map((kind) => `${kind.label} ${round(kind.rows, 1)} × ${Math.round(kind.bytes / kind.rows)} B (kept ${kind.days} days)`),
          `the connection's own ${ownRows.reduce((total, row) => total + row.rows, 0)} rows (connection, accounts, item pointer, duplicate guards) ${ownRows.reduce((total, row) => total + row.bytes, 0)} B`,
        ].join('; ') + ` = ${round(otherBytes / 1024, 1)} KB`,
    },
    {
      service: 'SQS',
      usdPerConnectionMonth: (sqsFifo / 1e6) * prices.sqsFifoPerMillion.usd + (sqsStandard / 1e6) * prices.sqsStandardPerMillion.usd,
      detail: `${round(sqsFifo, 1)} FIFO + ${round(sqsStandard, 1)} standard requests`,
    },
    { service: 'KMS', usdPerConnectionMonth: (kms / 1e4) * prices.kmsPer10kRequests.usd, detail: `${round(kms, 1)} requests` },
    {
      service: 'EventBridge',
      usdPerConnectionMonth: (busEvents / 1e6) * prices.eventBridgePerMillionEvents.usd,
      detail: `${round(busEvents, 1)} app events put on the bus (each under 64 KB)`,
    },
    {
      service: 'Secrets Manager (API calls)',
      usdPerConnectionMonth: (secretsCalls / 1e4) * prices.secretsPer10kCalls.usd,
      detail: `${round(secretsCalls, 1)} calls (values are cached per container)`,
    },
  ];
  const totalUsd = lines.reduce((total, line) => total + line.usdPerConnectionMonth, 0);

  // Per deployment, whatever the number of connections.
  const schedulerTicks = (profile.daysPerMonth * 24 * 60) / 15;
  const fixedMonthly: CostLine[] = [
    { service: 'KMS key', usdPerConnectionMonth: prices.kmsKeyPerMonth.usd, detail: '1 customer managed key' },
    { service: 'Secrets Manager secrets', usdPerConnectionMonth: 3 * prices.secretPerMonth.usd, detail: '3 secrets (plaid, pluggy, user-hash key)' },
    {
      service: 'Scheduler invocations',
      usdPerConnectionMonth: (schedulerTicks / 1e6) * prices.lambdaPerMillionRequests.usd,
      detail: `${schedulerTicks} ticks (every 15 min; duration charged per connection above)`,
    },
  ];
  return {
    profile,
    prices,
    units: units.map((unit) => ({
      name: unit.name,
      perMonth: unit.perMonth,
      awsRequests: round(sum(unit.aws, () => true, 'requests'), 3),
      lambdaSeconds: round(unit.lambdaSeconds, 4),
    })),
    lines: lines.map((line) => ({ ...line, usdPerConnectionMonth: round(line.usdPerConnectionMonth, 8) })),
    totalUsdPerConnectionMonth: round(totalUsd, 8),
    storagePerTransaction: {
      bytes: storage.bytesPerTransaction,
      indexEntries: storage.indexEntriesPerTransaction,
      usdPerMonth: round((storage.bytesPerTransaction / 1024 ** 3) * prices.dynamoStoragePerGbMonth.usd, 12),
    },
    perThousandConnectionsUsd: round(totalUsd * 1000, 2),
    fixedMonthly,
    fixedMonthlyUsd: round(fixedMonthly.reduce((total, line) => total + line.usdPerConnectionMonth, 0), 4),
  };
}

/** Scales every count of a tally (a per-N measurement to a per-unit one). */
export function scaleTally(tally: Tally, factor: number): Tally {
  return Object.fromEntries(
    Object.entries(tally).map(([key, value]) => [
      key,
      {
        requests: value.requests * factor,
        errors: value.errors * factor,
        itemsWritten: value.itemsWritten * factor,
        itemsRead: value.itemsRead * factor,
        writeUnits: value.writeUnits * factor,
        readUnits: value.readUnits * factor,
        messagesSent: value.messagesSent * factor,
        milliseconds: value.milliseconds * factor,
      },
    ]),
  );
}
