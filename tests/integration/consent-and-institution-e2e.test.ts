/**
 * Consent warnings and institution health end to end, against the Pluggy sandbox: an Open Finance consent
 * that ends soon shows as the connection's next step and becomes one `consent.expiring` app event; a connector
 * Pluggy reports OFFLINE (its `connector/status_updated` webhook) shows on the connection and as an
 * `institution.status_changed` event, each way.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { scheduled } from '../../infra/catalog/routes';
import { invokeHandler } from '../../local/workers/lambda-runtime';
import { eventually } from '../helpers/eventually';
import { startLocalStack, type LocalStack } from '../helpers/local-stack';
import {
  connection,
  connectionReaches,
  connectPluggyBank,
  createConnection,
  createItemAsWidget,
  itemSettled,
  PLUGGY_BANK,
  PLUGGY_BANK_OPEN_FINANCE,
  registerWebhook,
  sandboxControl,
} from '../helpers/pluggy-flow';
import { startWebhookReceiver, type ReceivedWebhook, type WebhookReceiver } from '../helpers/webhook-receiver';

const secret = `whsec_${randomBytes(32).toString('base64')}`;
let receiver: WebhookReceiver;
let stack: LocalStack;

beforeAll(async () => {
  receiver = await startWebhookReceiver();
  stack = await startLocalStack({ appWebhook: { url: `${receiver.url}/app-events`, secret } });
  await registerWebhook(stack);
}, 60_000);

afterAll(async () => {
  await stack?.stop();
  await receiver?.close();
});

function dataOf(webhook: ReceivedWebhook): any {
  return webhook.body.data;
}

async function runConsentWarnings(): Promise<{ warned: number }> {
  const definition = scheduled.find((entry) => entry.id === 'consentExpiryWarnings');
  if (!definition) throw new Error('consentExpiryWarnings is not in the schedule catalog');
  const tick = { id: `tick-${randomBytes(4).toString('hex')}`, 'detail-type': 'Scheduled Event', source: 'aws.scheduler', time: new Date().toISOString(), detail: {} };
  return (await invokeHandler(definition, tick)) as { warned: number };
}

describe('consent warnings and institution health', () => {
  it('a consent ending in 3 days shows as renew_consent and is announced once as consent.expiring', async () => {
    const itemId = await createItemAsWidget(stack, 'ci-consent', { connectorId: PLUGGY_BANK_OPEN_FINANCE, parameters: { cpf: '76109277673' } });
    await itemSettled(stack, itemId, ['WAITING_USER_ACTION']);
    const created = await createConnection(stack, 'ci-consent', itemId);
    await sandboxControl(stack, 'POST', `/items/${itemId}/authorize`, { consentExpiresInDays: 3 });
    const healthy = await connectionReaches(stack, 'ci-consent', created.connection.id, 'healthy');
    expect(healthy.consent.valid).toBe(true);
    const endsAt = Date.parse(healthy.consent.expires_at);
    expect(endsAt - Date.now()).toBeGreaterThan(2 * 86_400_000);
    expect(endsAt - Date.now()).toBeLessThanOrEqual(3 * 86_400_000);
    expect(healthy.next_step).toMatchObject({ action: 'renew_consent', due_by: healthy.consent.expires_at });

    expect(await runConsentWarnings()).toMatchObject({ warned: 1 });
    const warning = await receiver.waitFor(
      (webhook) => webhook.body.type === 'consent.expiring' && dataOf(webhook).connection_id === created.connection.id,
      30_000,
    );
    expect(dataOf(warning)).toMatchObject({ connection_id: created.connection.id, expires_at: healthy.consent.expires_at });
    expect(dataOf(warning).next_step).toMatchObject({ action: 'renew_consent' });

    // Once per consent and end date: a second tick finds nothing left to announce for it.
    expect(await runConsentWarnings()).toMatchObject({ warned: 0 });
    const warnings = receiver.received.filter(
      (webhook) => webhook.body.type === 'consent.expiring' && dataOf(webhook).connection_id === created.connection.id,
    );
    expect(warnings).toHaveLength(1);
  }, 120_000);

  it('a connector Pluggy reports OFFLINE makes its connections wait for the institution, and ONLINE brings them back', async () => {
    const linked = await connectPluggyBank(stack, 'ci-health', { connectorId: PLUGGY_BANK });
    await connectionReaches(stack, 'ci-health', linked.connection.id, 'healthy');

    await sandboxControl(stack, 'POST', `/connectors/${PLUGGY_BANK}/status`, { status: 'OFFLINE' });
    const down = await receiver.waitFor(
      (webhook) => webhook.body.type === 'institution.status_changed' && dataOf(webhook).new_status === 'degraded',
      30_000,
    );
    expect(dataOf(down)).toMatchObject({ provider: 'pluggy', institution: { id: String(PLUGGY_BANK) }, old_status: 'operational' });
    const waiting = await eventually('the connection shows the institution as unavailable', async () => {
      const current = await connection(stack, 'ci-health', linked.connection.id);
      return current.status === 'institution_unavailable' ? current : undefined;
    });
    expect(waiting.institution.status).toBe('degraded');
    expect(waiting.next_step).toMatchObject({ action: 'wait_for_institution' });

    await sandboxControl(stack, 'POST', `/connectors/${PLUGGY_BANK}/status`, { status: 'ONLINE' });
    const up = await receiver.waitFor(
      (webhook) => webhook.body.type === 'institution.status_changed' && dataOf(webhook).new_status === 'operational',
      30_000,
    );
    expect(dataOf(up)).toMatchObject({ provider: 'pluggy', institution: { id: String(PLUGGY_BANK) }, old_status: 'degraded' });
    const back = await connectionReaches(stack, 'ci-health', linked.connection.id, 'healthy');
    expect(back.institution.status).toBe('operational');
    expect(back.next_step).toBeNull();
  }, 120_000);
});
