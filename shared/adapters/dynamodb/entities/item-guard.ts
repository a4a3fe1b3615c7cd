/**
 * Duplicate-item guard rows: one per (user, provider, institution, account fingerprint) of a linked
 * connection. Creating a connection puts its guard rows with `attribute_not_exists(PK)` in the same
 * transaction as the connection, so a second link of the same bank login fails as a whole
 * (`ItemAlreadyExistsError`), even when two links race.
 *
 * Key: PK `USER#<userId>`, SK `GUARD#<provider>#<institutionId>#<fingerprint>`; attribute `connection_id`
 * names the owning connection.
 *
 * Access patterns served:
 * - (10) guard by (user, provider, institution, fingerprint): GetItem / BatchGetItem on the primary key,
 *   used by the pre-exchange duplicate check, and the conditional Put that enforces uniqueness.
 * - guards of one connection (to delete them with it): Query PK = `USER#<userId>`,
 *   SK begins_with `GUARD#`, filtered on `connection_id` (a user has a handful of guard rows).
 */
import type { ItemGuard } from '../../../banking/model';
import { providers } from '../../../banking/model';
import { readerFor } from '../item-reader';
import type { PrimaryKey, StoredItem } from '../table';
import { userPartitionKey } from './keys';

export const ITEM_GUARD_ENTITY = 'item_guard';
export const GUARD_SORT_KEY_PREFIX = 'GUARD#';

export function itemGuardKey(
  guard: Pick<ItemGuard, 'userId' | 'provider' | 'institutionId' | 'fingerprint'>,
): PrimaryKey {
  return {
    PK: userPartitionKey(guard.userId),
    SK: `${GUARD_SORT_KEY_PREFIX}${guard.provider}#${guard.institutionId}#${guard.fingerprint}`,
  };
}

export function itemGuardToItem(guard: ItemGuard): StoredItem {
  return {
    ...itemGuardKey(guard),
    entity: ITEM_GUARD_ENTITY,
    user_id: guard.userId,
    provider: guard.provider,
    institution_id: guard.institutionId,
    fingerprint: guard.fingerprint,
    connection_id: guard.connectionId,
  };
}

export function itemGuardFromItem(item: StoredItem): ItemGuard {
  const read = readerFor(item, ITEM_GUARD_ENTITY);
  return {
    userId: read.string('user_id'),
    provider: read.oneOf('provider', providers),
    institutionId: read.string('institution_id'),
    fingerprint: read.string('fingerprint'),
    connectionId: read.string('connection_id'),
  };
}
