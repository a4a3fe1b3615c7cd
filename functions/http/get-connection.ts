import { presentConnection } from '../../shared/api/presenters';
import { connectionPath } from '../../shared/api/schemas';
import { getConnection } from '../../shared/banking/connections';
import { userRoute } from '../../shared/http/api-handler';
import { degradedInstitutions } from '../../shared/institutions/institution-health';
import { consentWarningConfig, institutionHealthStore } from '../../shared/wiring/events';
import { connectionReader } from '../../shared/wiring/stores';

const connections = connectionReader();
const health = institutionHealthStore();
const consentWarningDays = consentWarningConfig().CONSENT_WARNING_DAYS;

export const handler = userRoute({ params: connectionPath }, async ({ userId, params }) => {
  const connection = await getConnection(connections, userId, params.connectionId);
  const degraded = await degradedInstitutions(health, [connection]);
  return { status: 200, body: presentConnection(connection, { consentWarningDays, institutionDegraded: degraded.size > 0 }) };
});
