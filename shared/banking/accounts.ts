import type { Account } from './model';
import { requireAccount } from './ownership';
import type { AccountStore } from './ports';

/** The user's accounts, optionally of one connection (a user has tens of accounts, so filtering here is cheap). */
export async function listAccounts(accounts: AccountStore, userId: string, connectionId?: string): Promise<Account[]> {
  const all = await accounts.listByUser(userId);
  return all
    .filter((account) => !connectionId || account.connectionId === connectionId)
    .sort((a, b) => a.connectionId.localeCompare(b.connectionId) || a.name.localeCompare(b.name));
}

export async function getAccount(accounts: AccountStore, userId: string, accountId: string): Promise<Account> {
  return requireAccount(accounts, userId, accountId);
}
