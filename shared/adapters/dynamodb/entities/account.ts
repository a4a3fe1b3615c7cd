/**
 * Account rows.
 *
 * Key: PK `USER#<userId>`, SK `ACCT#<accountId>`. In no index.
 *
 * Access patterns served:
 * - (3) account by (user, id): GetItem on the primary key.
 * - (3) accounts of a user: Query PK = `USER#<userId>`, SK begins_with `ACCT#`.
 * - (3) accounts of a connection (sync, purge, revocation): the same Query, filtered on `connection_id`. A
 *   user has a handful of accounts, so reading them all costs what a dedicated index partition would, and
 *   every account write is one write unit on the table alone instead of a second one for an index copy.
 *   Account rows written before this carry GSI1 keys (`CONN#<connectionId>#ACCT` / `ACCT#<accountId>`)
 *   until their next write drops them; nothing reads those index entries any more.
 *
 * Balances are exact decimal strings, stored as strings (a DynamoDB number would be exact too, but the
 * document client hands numbers back as JS doubles).
 */
import { accountStatuses, accountTypes, providers, type Account } from '../../../banking/model';
import { readerFor } from '../item-reader';
import type { PrimaryKey, StoredItem } from '../table';
import { encryptedSecretFromAttribute, encryptedSecretToAttribute } from './encrypted-secret';
import { userPartitionKey, withoutEmptyAttributes } from './keys';

export const ACCOUNT_ENTITY = 'account';
export const ACCOUNT_SORT_KEY_PREFIX = 'ACCT#';

export function accountKey(userId: string, accountId: string): PrimaryKey {
  return { PK: userPartitionKey(userId), SK: `${ACCOUNT_SORT_KEY_PREFIX}${accountId}` };
}

export function accountToItem(account: Account): StoredItem {
  return withoutEmptyAttributes({
    ...accountKey(account.userId, account.accountId),
    entity: ACCOUNT_ENTITY,
    user_id: account.userId,
    account_id: account.accountId,
    connection_id: account.connectionId,
    provider: account.provider,
    provider_account_id: account.providerAccountId,
    name: account.name,
    official_name: account.officialName,
    type: account.type,
    subtype: account.subtype,
    mask: account.mask,
    balances: {
      current: account.balances.current,
      available: account.balances.available,
      limit: account.balances.limit,
      currency: account.balances.currency,
      updated_at: account.balances.updatedAt,
    },
    numbers: encryptedSecretToAttribute(account.numbers),
    status: account.status === 'revoked' ? account.status : undefined,
    created_at: account.createdAt,
    updated_at: account.updatedAt,
  });
}

export function accountFromItem(item: StoredItem): Account {
  const read = readerFor(item, ACCOUNT_ENTITY);
  const balances = read.map('balances');
  return {
    userId: read.string('user_id'),
    accountId: read.string('account_id'),
    connectionId: read.string('connection_id'),
    provider: read.oneOf('provider', providers),
    providerAccountId: read.string('provider_account_id'),
    name: read.string('name'),
    officialName: read.nullableString('official_name'),
    type: read.oneOf('type', accountTypes),
    subtype: read.nullableString('subtype'),
    mask: read.nullableString('mask'),
    balances: {
      current: balances.nullableString('current'),
      available: balances.nullableString('available'),
      limit: balances.nullableString('limit'),
      currency: balances.string('currency'),
      updatedAt: balances.nullableString('updated_at'),
    },
    numbers: encryptedSecretFromAttribute(read.nullableMap('numbers')),
    ...(read.nullableString('status') === null ? {} : { status: read.oneOf('status', accountStatuses) }),
    createdAt: read.string('created_at'),
    updatedAt: read.string('updated_at'),
  };
}
