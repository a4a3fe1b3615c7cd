/**
 * Removing a Pluggy connection: `DELETE /items/{id}` deletes the item and with it the Open Finance consent
 * ("Consent management: Delete an Item", https://docs.pluggy.ai/en/docs/integration-checklist/consent-management); every later
 * call for the item answers 404. An item already gone counts as removed, so a repeated DELETE goes through.
 */
import type { Connection } from '../../banking/model';
import type { ProviderConnectionRemover } from '../ports';
import type { PluggyApi } from './pluggy-api';

export class PluggyConnectionRemover implements ProviderConnectionRemover {
  constructor(private readonly api: Pick<PluggyApi, 'deleteItem'>) {}

  async remove(connection: Connection): Promise<void> {
    await this.api.deleteItem(connection.providerItemId);
  }
}
