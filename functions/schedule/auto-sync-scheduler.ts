import type { ScheduledEvent } from 'aws-lambda';
import { systemClock } from '../../shared/banking/ports';
import { logger } from '../../shared/observability/logger';
import { countMetric, flushMetrics } from '../../shared/observability/metrics';
import { enqueueDueConnections } from '../../shared/sync/auto-sync-scheduler';
import { autoSyncConfig } from '../../shared/wiring/config';
import { syncJobQueue } from '../../shared/wiring/queues';
import { connectionStore } from '../../shared/wiring/stores';

const deps = {
  connections: connectionStore(),
  syncQueue: syncJobQueue(),
  clock: systemClock,
  shardCount: autoSyncConfig().DUE_INDEX_SHARDS,
};

export const handler = async (event: ScheduledEvent): Promise<{ enqueued: number; skipped: number }> => {
  logger.appendKeys({ tick_id: event.id });
  const result = await enqueueDueConnections(deps);
  countMetric('AutoSyncEnqueued', result.enqueued);
  countMetric('AutoSyncSkipped', result.skipped);
  logger.info('auto-sync tick done', { ...result });
  flushMetrics();
  return result;
};
