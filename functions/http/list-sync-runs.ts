import { presentPage, presentSyncRun } from '../../shared/api/presenters';
import { connectionPath, pageQuery } from '../../shared/api/schemas';
import { listSyncRuns } from '../../shared/banking/connections';
import { userRoute } from '../../shared/http/api-handler';
import { connectionReader, syncRunStore } from '../../shared/wiring/stores';

const deps = { connections: connectionReader(), syncRuns: syncRunStore() };

export const handler = userRoute({ params: connectionPath, query: pageQuery }, async ({ userId, params, query }) => {
  const page = await listSyncRuns(deps, userId, params.connectionId, query.limit, query.cursor ?? null);
  return { status: 200, body: presentPage(page, presentSyncRun) };
});
