/**
 * Balances of a Pluggy connection, as Pluggy holds them now (`GET /accounts?itemId=`). Pluggy has no
 * per-account live balance call: fresher figures need a whole item update (`PATCH /items/{id}`, limited to
 * 20 per minute and meant for user-triggered refreshes, https://docs.pluggy.ai/docs/rate-limits), which a sync requests when
 * the item is outdated. A forced balance refresh therefore reads what Pluggy collected last.
 */
import type { LiveBalanceSource } from '../ports';
import type { Connection } from '../../banking/model';
import type { ProviderAccount } from '../ports';
import type { PluggyApi } from './pluggy-api';
import { toProviderAccount } from './pluggy-mapping';

export class PluggyLiveBalances implements LiveBalanceSource {
  constructor(private readonly api: Pick<PluggyApi, 'listAccounts'>) {}

  async liveBalances(connection: Connection, _accessToken: string | null, providerAccountIds: readonly string[]): Promise<ProviderAccount[]> {
    const wanted = new Set(providerAccountIds);
    return (await this.api.listAccounts(connection.providerItemId)).map(toProviderAccount).filter((account) => wanted.has(account.providerAccountId));
  }
}
