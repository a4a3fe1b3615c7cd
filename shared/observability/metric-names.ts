/**
 * The one list of metric names. Emitters use these constants, never a literal (tests/unit/single-tables.test.ts
 * checks the call sites). `metricNames` are the ones alarms and the operations dashboard
 * (`infra/constructs/operations-*.ts`) read, and `tests/infra/operations.test.ts` checks each is charted, so a
 * renamed metric cannot leave an alarm watching nothing.
 */
export const metricNames = {
  syncRunsStarted: 'SyncRunsStarted',
  syncRunsSucceeded: 'SyncRunsSucceeded',
  syncRunsFailed: 'SyncRunsFailed',
  syncRunsFailedByReason: 'SyncRunsFailedByReason',
  syncDuration: 'SyncDuration',
  transactionsAdded: 'TransactionsAdded',
  transactionsModified: 'TransactionsModified',
  transactionsRemoved: 'TransactionsRemoved',
  webhooksReceived: 'WebhooksReceived',
  webhooksRejected: 'WebhooksRejected',
  webhooksRejectedByReason: 'WebhooksRejectedByReason',
  webhookEventsFailed: 'WebhookEventsFailed',
  providerCalls: 'ProviderCalls',
  providerCallLatency: 'ProviderCallLatency',
  providerCallErrors: 'ProviderCallErrors',
  providerRateLimited: 'ProviderRateLimited',
  categoryWritesSynced: 'CategoryWritesSynced',
  categoryWritesFailed: 'CategoryWritesFailed',
  autoSyncDue: 'AutoSyncDue',
  autoSyncEnqueued: 'AutoSyncEnqueued',
  autoSyncSkipped: 'AutoSyncSkipped',
  autoSyncLeaseConflicts: 'AutoSyncLeaseConflicts',
  autoSyncLeaseFailures: 'AutoSyncLeaseFailures',
  redeliveryDelay: 'RedeliveryDelay',
} as const;

/** A metric that an alarm or the operations dashboard reads. */
export type MetricName = (typeof metricNames)[keyof typeof metricNames];

/**
 * Emitted too, but read by no alarm or dashboard widget: counts for looking into an incident (CloudWatch
 * metric search, an ad hoc graph).
 */
export const detailMetricNames = {
  apiClientErrors: 'ApiClientErrors',
  apiServerErrors: 'ApiServerErrors',
  webhookEventsProcessed: 'WebhookEventsProcessed',
  webhookEventsIgnored: 'WebhookEventsIgnored',
  webhooksUnknownItem: 'WebhooksUnknownItem',
  webhooksRepeated: 'WebhooksRepeated',
  webhooksDuplicate: 'WebhooksDuplicate',
  pluggyItemErrors: 'PluggyItemErrors',
  pluggyConsentsLapsed: 'PluggyConsentsLapsed',
  pluggyAccountSyncFailures: 'PluggyAccountSyncFailures',
  pluggyUpdatesTooSoon: 'PluggyUpdatesTooSoon',
  appWebhooksDelivered: 'AppWebhooksDelivered',
  appWebhooksFailed: 'AppWebhooksFailed',
} as const;

/** What every queue worker counts, under its own name: `SyncWorkerRetries`, `WebhookWorkerPoisonMessages`, ... */
const workerEvents = {
  /** A message whose body could not be read; it goes to the dead-letter queue. */
  poisonMessages: 'PoisonMessages',
  /** A message handed back for redelivery after a retryable failure. */
  retries: 'Retries',
} as const;

export type WorkerMetricName = `${string}${(typeof workerEvents)[keyof typeof workerEvents]}`;

export function workerMetricName(worker: string, event: keyof typeof workerEvents): WorkerMetricName {
  return `${worker}${workerEvents[event]}`;
}

/** Every name the service emits; the emitters take only these. */
export type EmittedMetricName = MetricName | (typeof detailMetricNames)[keyof typeof detailMetricNames] | WorkerMetricName;
