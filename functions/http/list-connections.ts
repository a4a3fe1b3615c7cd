import { presentConnection } from '../../shared/api/presenters';
import { listConnections } from '../../shared/banking/connections';
import { userRoute } from '../../shared/http/api-handler';
import { degradedInstitutions, healthKeyString, keyOf } from '../../shared/institutions/institution-health';
import { consentWarningConfig, institutionHealthStore } from '../../shared/wiring/events';
import { connectionReader } from '../../shared/wiring/stores';

const connections = connectionReader();
const health = institutionHealthStore();
const consentWarningDays = consentWarningConfig().CONSENT_WARNING_DAYS;

export const handler = userRoute({}, async ({ userId }) => {
  const listed = await listConnections(connections, userId);
  const degraded = await degradedInstitutions(health, listed);
  return {
    status: 200,
    body: listed.map((connection) =>
      presentConnection(connection, { consentWarningDays, institutionDegraded: degraded.has(healthKeyString(keyOf(connection))) }),
    ),
  };
});
