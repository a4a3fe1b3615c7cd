import type { LiveBalanceSource } from '../ports';
import type { Connection } from '../../banking/model';
import { ProviderError } from '../../errors/app-error';
import type { PlaidItemGateway } from './plaid-ports';

/**
 * Plaid's live balances. Calling `/accounts/balance/get` right after linking can itself trigger
 * ITEM_LOGIN_REQUIRED at some institutions (Plaid support article 14977441562647); that surfaces as a
 * login_required ProviderError like any other.
 */
export class PlaidLiveBalances implements LiveBalanceSource {
  constructor(private readonly gateway: Pick<PlaidItemGateway, 'getLiveBalances'>) {}

  async liveBalances(_connection: Connection, accessToken: string | null, providerAccountIds: readonly string[]) {
    if (!accessToken) {
      throw new ProviderError('plaid', 'permanent', { providerCode: 'MISSING_ACCESS_TOKEN', message: 'The connection has no access token' });
    }
    return this.gateway.getLiveBalances(accessToken, providerAccountIds);
  }
}
