import type { ScheduledEvent } from 'aws-lambda';
import { systemClock } from '../../shared/adapters/system-clock';
import { sendConsentWarnings, type ConsentWarningDeps, type ConsentWarningResult } from '../../shared/events/consent-warnings';
import { logger } from '../../shared/observability/logger';
import { flushMetrics } from '../../shared/observability/metrics';
import { autoSyncConfig } from '../../shared/wiring/config';
import { consentWarningConfig, eventPublisher } from '../../shared/wiring/events';
import { connectionStore } from '../../shared/wiring/stores';

const deps: ConsentWarningDeps = {
  index: connectionStore(),
  connections: connectionStore(),
  publisher: eventPublisher(),
  clock: systemClock,
  // The expiry index is sharded like the due index, with the same shard count.
  shardCount: autoSyncConfig().DUE_INDEX_SHARDS,
  warningDays: consentWarningConfig().CONSENT_WARNING_DAYS,
};

export const handler = async (event: ScheduledEvent): Promise<ConsentWarningResult> => {
  logger.appendKeys({ tick_id: event.id });
  try {
    return await sendConsentWarnings(deps);
  } finally {
    flushMetrics();
  }
};
