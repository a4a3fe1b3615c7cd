import { connectionPath } from '../../shared/api/schemas';
import { systemClock } from '../../shared/adapters/system-clock';
import { requestSync } from '../../shared/banking/sync-requests';
import { userRoute } from '../../shared/http/api-handler';
import { syncJobQueue } from '../../shared/wiring/queues';
import { connectionStore, syncRunStore } from '../../shared/wiring/stores';

const deps = { connections: connectionStore(), syncRuns: syncRunStore(), syncQueue: syncJobQueue(), clock: systemClock };

export const handler = userRoute({ params: connectionPath }, async ({ userId, params }) => {
  const run = await requestSync(deps, userId, params.connectionId, 'manual');
  return { status: 202, body: { sync_run_id: run.syncRunId, status: run.outcome } };
});
