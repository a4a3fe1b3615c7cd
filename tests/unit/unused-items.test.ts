/**
 * Billing hygiene's unknown Items: a webhook event stored without a connection is only a candidate; the Item is
 * unknown when no connection names it now. No emulator.
 */
import { describe, expect, it } from 'vitest';
import { itemsNoConnectionNames } from '../../shared/billing/unused-items';
import { InMemoryConnectionStore } from '../helpers/fakes/banking-stores';
import { testConnection } from './plaid-webhook-support';

describe('itemsNoConnectionNames', () => {
  it('does not take the Item of a live connection for unknown because one of its webhooks was stored without it', async () => {
    // Webhooks the receipt settles by their code alone (a Plaid DEFAULT_UPDATE) are stored without a connection.
    const live = testConnection({ providerItemId: 'item_live', status: 'healthy' });
    const candidates = [
      { provider: 'plaid' as const, providerItemId: 'item_live', lastWebhookAt: '2025-04-01T00:00:00.000Z', webhooks: 40 },
      { provider: 'pluggy' as const, providerItemId: 'orphan', lastWebhookAt: '2025-04-01T00:00:00.000Z', webhooks: 3 },
    ];
    const unknown = await itemsNoConnectionNames(new InMemoryConnectionStore(live), candidates);
    expect(unknown.map((item) => item.providerItemId)).toEqual(['orphan']);
  });
});
