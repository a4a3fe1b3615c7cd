import type { ScheduledEvent } from 'aws-lambda';
import { systemClock } from '../../shared/adapters/system-clock';
import { logger } from '../../shared/observability/logger';
import { countMetric, flushMetrics, metricNames } from '../../shared/observability/metrics';
import { enqueueDueConnections, type SchedulerDeps, type SchedulerResult } from '../../shared/sync/auto-sync-scheduler';
import { autoSyncConfig } from '../../shared/wiring/config';
import { syncJobQueue } from '../../shared/wiring/queues';
import { institutionHealthStore } from '../../shared/wiring/events';
import { connectionStore } from '../../shared/wiring/stores';

const deps: SchedulerDeps = {
  dueIndex: connectionStore(),
  syncQueue: syncJobQueue(),
  clock: systemClock,
  shardCount: autoSyncConfig().DUE_INDEX_SHARDS,
  institutionHealth: institutionHealthStore(),
};

export const handler = async (event: ScheduledEvent): Promise<SchedulerResult> => {
  logger.appendKeys({ tick_id: event.id });
  try {
    const result = await enqueueDueConnections(deps);
    countMetric(metricNames.autoSyncDue, result.due);
    countMetric(metricNames.autoSyncEnqueued, result.enqueued);
    countMetric(metricNames.autoSyncSkipped, result.skippedNeedingUser);
    countMetric(metricNames.autoSyncLeaseConflicts, result.leaseConflicts);
    countMetric(metricNames.autoSyncLeaseFailures, result.leaseFailures);
    logger.info('auto-sync tick done', { ...result });
    return result;
  } finally {
    flushMetrics();
  }
};
