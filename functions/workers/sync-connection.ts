import { syncJobMessage } from '../../shared/queue/messages';
import { sqsWorker } from '../../shared/queue/sqs-worker';
import { runSync } from '../../shared/sync/sync-engine';
import { syncRedeliveryDelay } from '../../shared/wiring/queues';
import { syncEngineDeps } from '../../shared/wiring/sync';

const deps = syncEngineDeps();
const redelivery = syncRedeliveryDelay();

export const handler = sqsWorker({
  name: 'SyncWorker',
  schema: syncJobMessage,
  logContext: (job) => ({ user_id: job.userId, connection_id: job.connectionId, sync_run_id: job.syncRunId }),
  handle: async (job) => {
    await runSync(deps, job);
  },
  // A retryable failure comes back after an exponential, jittered delay instead of the 16-minute timeout.
  beforeRetry: async (record, error) => {
    await redelivery.delay(record, error);
  },
});
