/**
 * Plaid as a sync source: `/accounts/get` for accounts and (cached) balances, `/transactions/sync` for
 * transaction changes. The pagination rules come from https://plaid.com/docs/api/products/transactions/
 * #transactionssync: page with `count` 500 until `has_more` is false; if Plaid answers
 * TRANSACTIONS_SYNC_MUTATION_DURING_PAGINATION, restart the whole loop from the cursor the loop started
 * with (pages already stored are replayed, which the engine's idempotent writes absorb); the cursor is
 * only worth keeping once `has_more` is false.
 */
import type { PlaidApi } from 'plaid';
import { ProviderError } from '../../errors/app-error';
import type { ProviderSyncSource, PullResult, SyncSession } from '../ports';
import { withProviderRetry } from '../provider-retry';
import { callPlaid } from './plaid-errors';
import { toProviderAccount, toProviderTransaction } from './plaid-mapping';

export const TRANSACTIONS_SYNC_PAGE_SIZE = 500;
/** Restarts per run before giving up for now (the job is retried later); Plaid rarely needs more than one. */
const MAX_PAGINATION_RESTARTS = 3;

export class PlaidSyncSource implements ProviderSyncSource {
  constructor(private readonly plaid: () => Promise<PlaidApi>) {}

  async checkConnection(): Promise<Record<string, never>> {
    // Plaid reports item problems as errors on the data calls themselves (ITEM_LOGIN_REQUIRED, ...).
    return {};
  }

  async listAccounts(session: SyncSession) {
    const api = await this.plaid();
    const accessToken = requireToken(session);
    const response = await withProviderRetry(() => callPlaid(() => api.accountsGet({ access_token: accessToken })));
    return response.accounts.map(toProviderAccount);
  }

  async pullTransactions(
    session: SyncSession,
    cursor: string | null,
    sink: Parameters<ProviderSyncSource['pullTransactions']>[2],
    onRestart: () => void,
  ): Promise<PullResult> {
    const api = await this.plaid();
    const accessToken = requireToken(session);
    for (let restarts = 0; ; restarts += 1) {
      try {
        let pageCursor = cursor;
        let hasMore = true;
        while (hasMore) {
          const page = await withProviderRetry(() =>
            callPlaid(() =>
              api.transactionsSync({
                access_token: accessToken,
                count: TRANSACTIONS_SYNC_PAGE_SIZE,
                ...(pageCursor ? { cursor: pageCursor } : {}),
                options: { include_original_description: true },
              }),
            ),
          );
          await sink({
            added: page.added.map(toProviderTransaction),
            modified: page.modified.map(toProviderTransaction),
            removed: page.removed.map((removed) => removed.transaction_id),
          });
          // An empty next_cursor means Plaid has no data for the Item yet; keep starting from the beginning.
          pageCursor = page.next_cursor || pageCursor;
          hasMore = page.has_more;
        }
        return { nextCursor: pageCursor, accountFailures: [] };
      } catch (error) {
        const restartable = error instanceof ProviderError && error.kind === 'mutation_during_pagination';
        if (!restartable || restarts >= MAX_PAGINATION_RESTARTS) throw error;
        onRestart();
      }
    }
  }
}

function requireToken(session: SyncSession): string {
  if (!session.accessToken) {
    throw new ProviderError('plaid', 'permanent', {
      providerCode: 'MISSING_ACCESS_TOKEN',
      message: 'The connection has no access token',
    });
  }
  return session.accessToken;
}
