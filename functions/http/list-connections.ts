import { presentConnection } from '../../shared/api/presenters';
import { listConnections } from '../../shared/banking/connections';
import { userRoute } from '../../shared/http/api-handler';
import { connectionStore } from '../../shared/wiring/stores';

const connections = connectionStore();

export const handler = userRoute({}, async ({ userId }) => ({
  status: 200,
  body: (await listConnections(connections, userId)).map(presentConnection),
}));
