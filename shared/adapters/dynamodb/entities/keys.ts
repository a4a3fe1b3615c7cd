/**
 * Key pieces shared by several entities. A user's connections, accounts, transactions, categories and
 * guard rows all live in the user's partition `USER#<userId>` (distinguished by sort-key prefix), so one
 * Query reads any of them and a user's data never mixes with another user's in the same partition.
 */
import type { StoredItem } from '../table';

export const USER_PARTITION_PREFIX = 'USER#';

export function userPartitionKey(userId: string): string {
  return `${USER_PARTITION_PREFIX}${userId}`;
}

/**
 * Drops top-level attributes whose value is null or undefined. Entities store "no value" as a missing
 * attribute (the readers treat missing as null), which keeps rows small and lets sparse indexes work:
 * an index key attribute that is absent keeps the row out of that index.
 */
export function withoutEmptyAttributes(item: Record<string, unknown>): StoredItem {
  const stored: StoredItem = {};
  for (const [name, value] of Object.entries(item)) {
    if (value !== null && value !== undefined) stored[name] = value;
  }
  return stored;
}
