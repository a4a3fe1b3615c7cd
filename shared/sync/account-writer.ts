/**
 * Stores the accounts and balances a provider reported, writing only the rows whose data changed. Balance
 * `updatedAt` moves only when a balance value moves, so an unchanged account is never rewritten.
 */
import { accountIdFor } from '../banking/ids';
import type { Account, Connection } from '../banking/model';
import type { AccountStore } from '../banking/ports';
import type { ProviderAccount } from '../providers/ports';

export interface StoredAccounts {
  readonly accountCount: number;
  readonly written: number;
  /** Accounts the user revoked (USER_ACCOUNT_REVOKED): sync leaves their data alone. */
  readonly revoked: readonly Account[];
  accountIdOf(providerAccountId: string): string;
}

export async function storeAccounts(
  store: AccountStore,
  connection: Connection,
  providerAccounts: readonly ProviderAccount[],
  now: string,
): Promise<StoredAccounts> {
  const existing = new Map(
    (await store.listByConnection(connection.userId, connection.connectionId)).map((account) => [account.accountId, account]),
  );
  const changed: Account[] = [];
  for (const reported of providerAccounts) {
    const accountId = accountIdFor(connection.connectionId, reported.providerAccountId);
    const prior = existing.get(accountId);
    const next = toAccount(connection, accountId, reported, prior, now);
    if (!prior || !sameAccount(prior, next)) changed.push(next);
  }
  await store.putMany(changed);
  return {
    accountCount: providerAccounts.length,
    written: changed.length,
    revoked: [...existing.values()].filter((account) => account.status === 'revoked'),
    accountIdOf: (providerAccountId) => accountIdFor(connection.connectionId, providerAccountId),
  };
}

export function toAccount(
  connection: Connection,
  accountId: string,
  reported: ProviderAccount,
  prior: Account | undefined,
  now: string,
): Account {
  const balancesMoved =
    !prior ||
    prior.balances.current !== reported.balances.current ||
    prior.balances.available !== reported.balances.available ||
    prior.balances.limit !== reported.balances.limit ||
    prior.balances.currency !== reported.balances.currency;
  const candidate: Account = {
    userId: connection.userId,
    accountId,
    connectionId: connection.connectionId,
    provider: connection.provider,
    providerAccountId: reported.providerAccountId,
    name: reported.name,
    officialName: reported.officialName,
    type: reported.type,
    subtype: reported.subtype,
    mask: reported.mask,
    balances: { ...reported.balances, updatedAt: balancesMoved ? now : (prior?.balances.updatedAt ?? now) },
    numbers: prior?.numbers ?? null,
    ...(prior?.status ? { status: prior.status } : {}),
    createdAt: prior?.createdAt ?? now,
    updatedAt: prior?.updatedAt ?? now,
  };
  return prior && sameAccount(prior, candidate) ? candidate : { ...candidate, updatedAt: now };
}

function sameAccount(a: Account, b: Account): boolean {
  return (
    a.name === b.name &&
    a.officialName === b.officialName &&
    a.type === b.type &&
    a.subtype === b.subtype &&
    a.mask === b.mask &&
    a.balances.current === b.balances.current &&
    a.balances.available === b.balances.available &&
    a.balances.limit === b.balances.limit &&
    a.balances.currency === b.balances.currency
  );
}
