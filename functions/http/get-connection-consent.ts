import { presentConnectionConsent } from '../../shared/api/presenters';
import { connectionPath } from '../../shared/api/schemas';
import { userRoute } from '../../shared/http/api-handler';
import { refreshConsent } from '../../shared/providers/pluggy/pluggy-linking';
import { pluggyConsentDeps } from '../../shared/providers/pluggy/pluggy-linking-module';

const deps = pluggyConsentDeps();

/** GET /api/v1/banking/connections/{connectionId}/consent: the Open Finance consent, read live from Pluggy. */
export const handler = userRoute({ params: connectionPath }, async ({ userId, params }) => ({
  status: 200,
  body: presentConnectionConsent(await refreshConsent(deps, userId, params.connectionId)),
}));
