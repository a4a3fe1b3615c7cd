/**
 * Removing a Plaid Item: `/item/remove` invalidates the access token and stops subscription billing
 * (https://plaid.com/docs/api/items/#itemremove). The gateway treats an Item Plaid no longer knows as
 * removed, so a repeated DELETE after a partial purge goes through.
 */
import type { Connection } from '../../banking/model';
import type { TokenVault } from '../../banking/ports';
import { tokenContextOf } from '../../banking/token-context';
import type { ProviderConnectionRemover } from '../ports';
import type { PlaidItemGateway } from './plaid-ports';

export class PlaidConnectionRemover implements ProviderConnectionRemover {
  constructor(
    private readonly gateway: Pick<PlaidItemGateway, 'removeItem'>,
    private readonly vault: TokenVault,
  ) {}

  async remove(connection: Connection): Promise<void> {
    if (!connection.accessToken) return;
    const accessToken = await this.vault.decrypt(connection.accessToken, tokenContextOf(connection));
    await this.gateway.removeItem(accessToken);
  }
}
