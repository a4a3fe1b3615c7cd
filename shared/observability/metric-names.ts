/**
 * Names of the metrics that alarms and the operations dashboard (`infra/constructs/operations-*.ts`) read.
 * Emitters use these constants (or the same literal), and `tests/infra/operations.test.ts` checks that every
 * name here is emitted somewhere, so a renamed metric cannot leave an alarm watching nothing.
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

export type MetricName = (typeof metricNames)[keyof typeof metricNames];
