/**
 * Turns this run's measurements into the cost model's units of work (see cost-model.ts for the profile):
 * per sync, the scheduler's share for one connection and one incremental sync; per webhook that requests a
 * sync, the receipt on the webhook route and the webhook worker requesting it; per webhook the receipt
 * settles (Plaid's legacy codes), the receipt alone.
 */
import type { ColdStartResult } from './cold-start';
import type { StoredRows } from './aws-request-counter';
import { costPerConnection, profile, scaleTally, type CostResult, type WorkUnit } from './cost-model';
import type { SchedulerResult } from './scheduler';
import type { ProviderSyncResult, SyncEfficiencyResult } from './sync-efficiency';
import type { SequentialFigures, WebhookIngressResult, WorkerFigures } from './webhook-ingress';

export interface CostInputs {
  readonly coldStart: ColdStartResult;
  readonly sync: SyncEfficiencyResult;
  readonly webhook: WebhookIngressResult;
  readonly scheduler: SchedulerResult;
}

function coldSeconds(coldStart: ColdStartResult, functionId: string): number {
  const row = coldStart.functions.find((candidate) => candidate.id === functionId);
  return row ? row.medianMs / 1000 : 0;
}

/** What the cost model needs of a provider's measured syncs. */
type MeasuredSyncs = Pick<ProviderSyncResult, 'provider' | 'incremental' | 'unchanged'>;

function unitsFor(inputs: CostInputs, providerSync: MeasuredSyncs): WorkUnit[] {
  const { coldStart, webhook, scheduler } = inputs;
  const syncsPerMonth = profile.syncsPerDay * profile.daysPerMonth;
  const mix = profile.webhooksPerDayBy[providerSync.provider];
  const perMonth = (perDay: number) => perDay * profile.daysPerMonth;
  const receipt = (name: string, perMonthCount: number, figures: SequentialFigures, queued: boolean): WorkUnit => ({
    name,
    perMonth: perMonthCount,
    aws: scaleTally(figures.aws, 1 / Math.max(1, figures.deliveries)),
    lambdaInvocations: 1,
    // One warm invocation, measured one delivery at a time: the loaded p50 includes queueing on moto
    // behind the other deliveries in flight, which an invocation does not pay for (section 3 shows both).
    lambdaSeconds: figures.p50Ms / 1000,
    coldStartSeconds: coldSeconds(coldStart, 'plaidWebhook'),
    apiGatewayRequests: 1,
    eventSourceSqs: { fifo: 0, standard: 0 },
    sendsTo: queued ? 'standard' : 'none',
    // A settled event's row is stored as it stays; a queued one's is priced as the worker leaves it.
    ...(queued ? {} : { storedRows: scaleRows(figures.storedRows, 1 / Math.max(1, figures.deliveries)) }),
  });
  const worker = (name: string, perMonthCount: number, figures: WorkerFigures): WorkUnit => ({
    name,
    perMonth: perMonthCount,
    aws: scaleTally(figures.aws, 1 / Math.max(1, figures.events)),
    // At a few webhooks a day per connection, batches hold one event: the worst case.
    lambdaInvocations: 1,
    lambdaSeconds: figures.secondsPerEvent,
    coldStartSeconds: coldSeconds(coldStart, 'applyWebhookEvent'),
    apiGatewayRequests: 0,
    eventSourceSqs: { fifo: 0, standard: 2 },
    sendsTo: 'fifo',
    // The event row as handled; the receipt wrote the same row first.
    storedRows: scaleRows(figures.storedRows, 1 / Math.max(1, figures.events)),
  });
  const largest = scheduler.measured.at(-1)!;
  const units: WorkUnit[] = [
    {
      // Charged for every sync, also one a webhook requested (the scheduler then finds the connection not due):
      // an upper bound.
      name: 'auto-sync: scheduler share (claim, query, SendMessageBatch)',
      perMonth: syncsPerMonth,
      aws: scaleTally(largest.aws, 1 / largest.connections),
      // The ticks themselves are a fixed cost of the deployment; their duration is shared out here.
      lambdaInvocations: 0,
      lambdaSeconds: largest.seconds / largest.connections,
      coldStartSeconds: 0,
      apiGatewayRequests: 0,
      eventSourceSqs: { fifo: 0, standard: 0 },
      sendsTo: 'fifo',
    },
    ...syncUnits(providerSync, syncsPerMonth).map(({ name, perMonth: count, measured }): WorkUnit => ({
      name,
      perMonth: count,
      aws: measured.aws,
      lambdaInvocations: 1,
      // The repeat without the capacity estimate's reads where there is one (the profile connection's syncs).
      lambdaSeconds: measured.timedWallSeconds ?? measured.wallSeconds,
      coldStartSeconds: coldSeconds(coldStart, 'syncConnection'),
      apiGatewayRequests: 0,
      // The event source's ReceiveMessage and DeleteMessage for the job (batch size 1).
      eventSourceSqs: { fifo: 2, standard: 0 },
      sendsTo: 'none',
      storedRows: measured.storedRows,
    })),
    receipt('webhook requesting a sync: receipt (stored, tied to its connection, queued)', perMonth(mix.requestingSync), webhook.sequential, true),
    worker('webhook requesting a sync: worker (finds none pending, queues one)', perMonth(mix.requestingSync), webhook.worker),
    receipt('webhook joining a pending sync: receipt', perMonth(mix.joiningSync), webhook.sequential, true),
    worker('webhook joining a pending sync: worker', perMonth(mix.joiningSync), webhook.workerJoining),
    receipt('webhook settled at receipt (Plaid DEFAULT_UPDATE, Pluggy item/login_succeeded): stored as ignored, not queued', perMonth(mix.settledAtReceipt), webhook.ignoredSequential, false),
  ];
  return units.filter((unit) => unit.perMonth > 0);
}

/**
 * Which measured sync each auto-sync of the month is. Plaid: every one is the incremental sync (the sync
 * cursor returns only what changed). Pluggy refreshes every item once a day on its own ("Pluggy will sync
 * (Update) your data daily automatically", https://docs.pluggy.ai/en/docs/integration-checklist/data-sync):
 * one auto-sync a day follows that update and reads the accounts (the measured incremental sync); the others
 * find the item's `lastUpdatedAt` unchanged and skip the reads (the measured sync with nothing new).
 */
function syncUnits(providerSync: MeasuredSyncs, syncsPerMonth: number): { name: string; perMonth: number; measured: ProviderSyncResult['unchanged'] }[] {
  const incremental = {
    name:
      providerSync.provider === 'plaid'
        ? `sync requested by SYNC_UPDATES_AVAILABLE: incremental plaid sync (${providerSync.incremental.newTransactions} new transactions)`
        : `sync requested by item/updated: incremental pluggy sync (${providerSync.incremental.newTransactions} new transactions)`,
    measured: providerSync.incremental,
  };
  if (providerSync.provider !== 'pluggy') return [{ ...incremental, perMonth: syncsPerMonth }];
  const afterUpdate = Math.min(syncsPerMonth, profile.daysPerMonth);
  return [
    { ...incremental, name: `${incremental.name}, after Pluggy's daily item update`, perMonth: afterUpdate },
    { name: 'auto-sync: pluggy sync with the item not updated since (account reads skipped)', perMonth: syncsPerMonth - afterUpdate, measured: providerSync.unchanged },
  ].filter((unit) => unit.perMonth > 0);
}

function scaleRows(rows: StoredRows, factor: number): StoredRows {
  return Object.fromEntries(Object.entries(rows).map(([entity, row]) => [entity, { rows: row.rows * factor, bytes: row.bytes * factor }]));
}

export interface ConnectionCost extends CostResult {
  /** The same profile for a Pluggy connection (its incremental sync instead of Plaid's), when measured. */
  readonly pluggy: CostResult | null;
  /**
   * The same profile priced with the syncs of the sync section's 10,000-transaction connections instead
   * (measured in the shared table): what a connection far busier than the profile costs.
   */
  readonly heavy: { readonly plaid: CostResult; readonly pluggy: CostResult | null };
}

/**
 * The profile's syncs are the ones of the profile-sized connections (bench/profile-connection.ts): a
 * connection with the profile's activity, in a table of its own.
 */
export function connectionCost(inputs: CostInputs): ConnectionCost {
  const storage = {
    bytesPerTransaction: inputs.sync.naive.storedBytesPerTransaction,
    averageItemBytes: inputs.sync.naive.averageItemBytes,
    indexEntriesPerTransaction: inputs.sync.naive.indexEntriesPerTransaction,
  };
  const priced = (syncs: MeasuredSyncs, connectionRows: StoredRows) => costPerConnection(unitsFor(inputs, syncs), { ...storage, connectionRows });
  const { profile: profileSyncs, plaid: heavyPlaid, pluggy: heavyPluggy } = inputs.sync;
  const pluggy = profileSyncs.pluggy ? priced(profileSyncs.pluggy, profileSyncs.pluggy.connectionRows) : null;
  return {
    ...priced(profileSyncs.plaid, profileSyncs.plaid.connectionRows),
    pluggy,
    // A busier connection's own rows are the profile connection's (the same accounts, guards and pointer).
    heavy: {
      plaid: priced(heavyPlaid, profileSyncs.plaid.connectionRows),
      pluggy: heavyPluggy ? priced(heavyPluggy, (profileSyncs.pluggy ?? profileSyncs.plaid).connectionRows) : null,
    },
  };
}
