/**
 * Account rows.
 *
 * Key: PK `USER#<userId>`, SK `ACCT#<accountId>`.
 * GSI1: GSI1PK `CONN#<connectionId>#ACCT`, GSI1SK `ACCT#<accountId>`.
 *
 * Access patterns served:
 * - (3) account by (user, id): GetItem on the primary key.
 * - (3) accounts of a user: Query PK = `USER#<userId>`, SK begins_with `ACCT#`.
 * - (3) accounts of a connection (sync, purge): Query GSI1 on `CONN#<connectionId>#ACCT`, filtered on
 *   `user_id` as well, so a connection id of another user yields nothing.
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

export function connectionAccountsPartitionKey(connectionId: string): string {
  return `CONN#${connectionId}#ACCT`;
}

export function accountToItem(account: Account): StoredItem {
  return withoutEmptyAttributes({
    ...accountKey(account.userId, account.accountId),
    GSI1PK: connectionAccountsPartitionKey(account.connectionId),
    GSI1SK: `${ACCOUNT_SORT_KEY_PREFIX}${account.accountId}`,
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
