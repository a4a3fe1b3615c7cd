import { publicRoute } from '../../shared/http/api-handler';

/** Liveness only: it touches no dependency, so it stays green while a provider or AWS service is degraded. */
export const handler = publicRoute(async () => ({ status: 200, body: { status: 'ok' } }));
