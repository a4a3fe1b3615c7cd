import { connectionPath, syncRequestQuery } from '../../shared/api/schemas';
import { sleepFor } from '../../shared/retry/policies';
import { systemClock } from '../../shared/adapters/system-clock';
import { isFinished, requestSync, transactionsSynced, waitForSyncRun } from '../../shared/banking/sync-requests';
import { userRoute } from '../../shared/http/api-handler';
import { syncJobQueue } from '../../shared/wiring/queues';
import { connectionStore, syncRunStore } from '../../shared/wiring/stores';

const deps = { connections: connectionStore(), syncRuns: syncRunStore(), syncQueue: syncJobQueue(), clock: systemClock, sleep: sleepFor };

/** `?wait=<seconds>` holds the request until the run finishes (200 with its count) or the wait runs out (202). */
export const handler = userRoute({ params: connectionPath, query: syncRequestQuery }, async ({ userId, params, query }) => {
  const requested = await requestSync(deps, userId, params.connectionId, 'manual');
  const run = query.wait ? await waitForSyncRun(deps, requested, query.wait * 1000) : requested;
  if (!isFinished(run)) return { status: 202, body: { sync_run_id: run.syncRunId, status: run.outcome } };
  return { status: 200, body: { sync_run_id: run.syncRunId, status: run.outcome, transactions_synced: transactionsSynced(run) } };
});
