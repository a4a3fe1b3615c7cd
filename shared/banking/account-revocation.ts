/**
 * One account of a connection revoked by the user at the institution (Plaid USER_ACCOUNT_REVOKED), while the
 * connection and its other accounts carry on. Plaid asks that "any Plaid-derived data you have stored that
 * is associated with the revoked account" be deleted, and says the account's tokenized numbers are no longer
 * valid (spec `UserAccountRevokedWebhook`, https://plaid.com/docs/api/items/#user_account_revoked). The
 * account row stays, marked `revoked`, so the user sees why it stopped updating; its transactions and
 * numbers go. The sync engine leaves a revoked account alone from then on.
 */
import { accountIdFor } from './ids';
import type { Account, Connection } from './model';
import type { AccountStore, Clock, TransactionStore } from './ports';

export interface AccountRevocationDeps {
  readonly accounts: AccountStore;
  readonly transactions: TransactionStore;
  readonly clock: Clock;
}

const PURGE_PAGE_SIZE = 100;

/** Marks the account revoked and deletes its data; false when the connection has no such account. */
export async function revokeAccount(deps: AccountRevocationDeps, connection: Connection, providerAccountId: string): Promise<boolean> {
  const account = await deps.accounts.get(connection.userId, accountIdFor(connection.connectionId, providerAccountId));
  if (!account || account.connectionId !== connection.connectionId) return false;
  if (account.status !== 'revoked' || account.numbers !== null) {
    const revoked: Account = { ...account, status: 'revoked', numbers: null, updatedAt: deps.clock.now().toISOString() };
    await deps.accounts.putMany([revoked]);
  }
  // Always, even when already marked: a sync that was running at the time may have stored rows since.
  await purgeAccountTransactions(deps, account);
  return true;
}

/**
 * Removes every stored transaction of one account (tombstones, so the change feed tells clients); returns how
 * many there were.
 */
export async function purgeAccountTransactions(
  deps: Pick<AccountRevocationDeps, 'transactions'>,
  account: Pick<Account, 'userId' | 'accountId'>,
): Promise<number> {
  let deleted = 0;
  let cursor: string | null = null;
  do {
    const page = await deps.transactions.list(account.userId, { accountId: account.accountId }, PURGE_PAGE_SIZE, cursor);
    await deps.transactions.removeMany(page.items);
    deleted += page.items.length;
    cursor = page.nextCursor;
  } while (cursor);
  return deleted;
}
