import { presentConnection } from '../../shared/api/presenters';
import { connectionPath } from '../../shared/api/schemas';
import { getConnection } from '../../shared/banking/connections';
import { userRoute } from '../../shared/http/api-handler';
import { connectionStore } from '../../shared/wiring/stores';

const connections = connectionStore();

export const handler = userRoute({ params: connectionPath }, async ({ userId, params }) => ({
  status: 200,
  body: presentConnection(await getConnection(connections, userId, params.connectionId)),
}));
