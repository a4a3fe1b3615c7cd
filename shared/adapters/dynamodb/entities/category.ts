/**
 * Categories: the providers' catalogs and each user's own, plus a name-uniqueness row per user category.
 *
 * Keys:
 * - provider catalog entry: PK `CATALOG#<provider>`, SK `CAT#<categoryId>`
 * - user category:          PK `USER#<userId>`,      SK `CAT#<categoryId>`
 * - user category name:     PK `USER#<userId>`,      SK `CATNAME#<name, trimmed and lower-cased>`,
 *   attribute `category_id`. Written, moved and deleted in the same transaction as its category, with
 *   `attribute_not_exists(PK)` on creation, which is what makes names unique per user without a read.
 *
 * Category ids are namespaced strings: `plaid:FOOD_AND_DRINK`, `pluggy:01010000`, `usr_…`; the prefix
 * before `:` names the provider whose catalog holds the category.
 *
 * Access patterns served:
 * - (9) provider catalog: Query PK = `CATALOG#<provider>`, SK begins_with `CAT#`; one entry: GetItem.
 * - (9) a user's categories: Query PK = `USER#<userId>`, SK begins_with `CAT#` (`CATNAME#` rows do not
 *   match: the fourth character differs); one category: GetItem.
 * - name taken?: the conditional Put of the `CATNAME#` row (ConflictError `CATEGORY_NAME_TAKEN`).
 */
import { providers, type Category, type CategorySource, type Provider } from '../../../banking/model';
import { readerFor } from '../item-reader';
import type { PrimaryKey, StoredItem } from '../table';
import { userPartitionKey, withoutEmptyAttributes } from './keys';

export const CATEGORY_ENTITY = 'category';
export const CATEGORY_NAME_ENTITY = 'category_name';
export const CATEGORY_SORT_KEY_PREFIX = 'CAT#';
const categorySources: readonly CategorySource[] = [...providers, 'user'];

export function providerCatalogPartitionKey(provider: Provider): string {
  return `CATALOG#${provider}`;
}

export function providerCategoryKey(provider: Provider, categoryId: string): PrimaryKey {
  return { PK: providerCatalogPartitionKey(provider), SK: `${CATEGORY_SORT_KEY_PREFIX}${categoryId}` };
}

export function userCategoryKey(userId: string, categoryId: string): PrimaryKey {
  return { PK: userPartitionKey(userId), SK: `${CATEGORY_SORT_KEY_PREFIX}${categoryId}` };
}

/** Names compare case-insensitively and without surrounding blanks ("Food " and "food" collide). */
export function normalizedCategoryName(name: string): string {
  return name.trim().toLowerCase();
}

export function categoryNameKey(userId: string, name: string): PrimaryKey {
  return { PK: userPartitionKey(userId), SK: `CATNAME#${normalizedCategoryName(name)}` };
}

/**
 * The provider whose catalog holds a namespaced category id, or null for ids of no provider catalog.
 *
 * @example
 * providerOfCategoryId('plaid:FOOD_AND_DRINK'); // 'plaid'
 * providerOfCategoryId('usr_01HZX');             // null
 */
export function providerOfCategoryId(categoryId: string): Provider | null {
  const separator = categoryId.indexOf(':');
  if (separator <= 0) return null;
  const prefix = categoryId.slice(0, separator);
  return (providers as readonly string[]).includes(prefix) ? (prefix as Provider) : null;
}

export function categoryKey(category: Category): PrimaryKey {
  if (category.source === 'user') {
    if (category.userId === null) throw new Error('A user category needs its user id');
    return userCategoryKey(category.userId, category.categoryId);
  }
  return providerCategoryKey(category.source, category.categoryId);
}

export function categoryToItem(category: Category): StoredItem {
  return withoutEmptyAttributes({
    ...categoryKey(category),
    entity: CATEGORY_ENTITY,
    category_id: category.categoryId,
    name: category.name,
    source: category.source,
    parent_id: category.parentId,
    user_id: category.userId,
    created_at: category.createdAt,
    updated_at: category.updatedAt,
  });
}

export function categoryFromItem(item: StoredItem): Category {
  const read = readerFor(item, CATEGORY_ENTITY);
  return {
    categoryId: read.string('category_id'),
    name: read.string('name'),
    source: read.oneOf('source', categorySources),
    parentId: read.nullableString('parent_id'),
    userId: read.nullableString('user_id'),
    createdAt: read.string('created_at'),
    updatedAt: read.string('updated_at'),
  };
}

export function categoryNameToItem(userId: string, name: string, categoryId: string): StoredItem {
  return {
    ...categoryNameKey(userId, name),
    entity: CATEGORY_NAME_ENTITY,
    user_id: userId,
    category_id: categoryId,
  };
}
