/**
 * Provider category catalogs and users' own categories. Key design: `entities/category.ts`,
 * docs/data-model.md.
 */
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import type { Category, Provider } from '../../banking/model';
import type { CategoryStore } from '../../banking/ports';
import { ConflictError, NotFoundError } from '../../errors/app-error';
import { batchGetAll, batchWriteAll, putRequest } from './batch';
import {
  CATEGORY_SORT_KEY_PREFIX,
  categoryFromItem,
  categoryNameKey,
  categoryNameToItem,
  categoryToItem,
  normalizedCategoryName,
  providerCatalogPartitionKey,
  providerCategoryKey,
  providerOfCategoryId,
  userCategoryKey,
} from './entities/category';
import { userPartitionKey } from './entities/keys';
import { queryAll } from './query';
import { tableRef, type PrimaryKey, type StoreOptions, type TableRef } from './table';
import { concurrentUpdateError, transactWrite, type TransactAction } from './transact';

/** Catalog entries this container has seen stored, by table (the entries are never deleted). */
const knownCatalogEntries: Record<string, Set<string>> = {};

function nameTakenError(name: string): ConflictError {
  return new ConflictError('CATEGORY_NAME_TAKEN', 'A category with this name already exists', { name: name.trim() });
}

export class DynamoCategoryStore implements CategoryStore {
  private readonly table: TableRef;

  constructor(options: StoreOptions) {
    this.table = tableRef(options);
  }

  async listProviderCatalog(provider: Provider): Promise<Category[]> {
    const items = await queryAll(this.table, null, {
      KeyConditionExpression: 'PK = :pk AND begins_with(SK, :prefix)',
      ExpressionAttributeValues: { ':pk': providerCatalogPartitionKey(provider), ':prefix': CATEGORY_SORT_KEY_PREFIX },
    });
    return items.map(categoryFromItem);
  }

  /** Upserts the catalog entries (batched); entries no longer in the provider's list are left in place. */
  async putProviderCatalog(provider: Provider, categories: readonly Category[]): Promise<void> {
    for (const category of categories) {
      if (category.source !== provider || providerOfCategoryId(category.categoryId) !== provider) {
        throw new Error(`Catalog entry ${category.categoryId} does not belong to the ${provider} catalog`);
      }
    }
    await batchWriteAll(this.table, categories.map((category) => putRequest(categoryToItem(category))));
  }

  /**
   * Adds what the catalog lacks: the entries this container has not already seen stored are looked up in one
   * BatchGetItem (keys only), and only the missing ones are written. Catalog entries are never deleted, so
   * what was seen stored stays stored; a sync that meets the same categories run after run writes nothing.
   * Reads cost a fifth of writes on demand (https://aws.amazon.com/dynamodb/pricing/on-demand/), and an
   * existing entry (with the full catalog's names and parents) is never overwritten by a sync's sparse one.
   */
  async addToProviderCatalog(provider: Provider, categories: readonly Category[]): Promise<void> {
    const seen = (knownCatalogEntries[this.table.tableName] ??= new Set<string>());
    const unknown = categories.filter((category) => !seen.has(category.categoryId));
    if (unknown.length === 0) return;
    const stored = await batchGetAll(
      this.table,
      unknown.map((category) => providerCategoryKey(provider, category.categoryId)),
      { projection: 'PK, SK' },
    );
    const present = new Set(stored.map((item) => String(item.SK)));
    const missing = unknown.filter((category) => !present.has(providerCategoryKey(provider, category.categoryId).SK));
    await this.putProviderCatalog(provider, missing);
    for (const category of unknown) seen.add(category.categoryId);
  }

  async listUserCategories(userId: string): Promise<Category[]> {
    const items = await queryAll(this.table, null, {
      KeyConditionExpression: 'PK = :pk AND begins_with(SK, :prefix)',
      ExpressionAttributeValues: { ':pk': userPartitionKey(userId), ':prefix': CATEGORY_SORT_KEY_PREFIX },
    });
    return items.map(categoryFromItem);
  }

  async getUserCategory(userId: string, categoryId: string): Promise<Category | null> {
    return this.getByKey(userCategoryKey(userId, categoryId));
  }

  /** The provider is read from the id's namespace (`plaid:…`, `pluggy:…`); other ids are in no catalog. */
  async getProviderCategory(categoryId: string): Promise<Category | null> {
    const provider = providerOfCategoryId(categoryId);
    return provider === null ? null : this.getByKey(providerCategoryKey(provider, categoryId));
  }

  private async getByKey(key: PrimaryKey): Promise<Category | null> {
    const output = await this.table.client.send(new GetCommand({ TableName: this.table.tableName, Key: key }));
    return output.Item ? categoryFromItem(output.Item) : null;
  }

  /** The category and its name row in one transaction; the name row's condition enforces uniqueness. */
  async createUserCategory(category: Category): Promise<void> {
    const userId = requireUserCategory(category);
    await transactWrite(this.table, [
      {
        item: {
          Put: { TableName: this.table.tableName, Item: categoryToItem(category), ConditionExpression: 'attribute_not_exists(PK)' },
        },
        onConditionFailed: () => new ConflictError('ALREADY_EXISTS', 'A category with this id already exists'),
      },
      this.claimName(userId, category),
    ]);
  }

  /**
   * Renames in one transaction: the category (conditional on still having `previousName`, so a concurrent
   * rename is not silently overwritten), the old name row released, the new one claimed. A change of case
   * or surrounding blanks keeps the same name row.
   */
  async renameUserCategory(category: Category, previousName: string): Promise<void> {
    const userId = requireUserCategory(category);
    const key = userCategoryKey(userId, category.categoryId);
    const renameCategory: TransactAction = {
      item: {
        Update: {
          TableName: this.table.tableName,
          Key: key,
          UpdateExpression: 'SET #name = :name, updated_at = :updatedAt',
          ConditionExpression: 'attribute_exists(PK) AND #name = :previousName',
          ExpressionAttributeNames: { '#name': 'name' },
          ExpressionAttributeValues: { ':name': category.name, ':updatedAt': category.updatedAt, ':previousName': previousName },
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        },
      },
      onConditionFailed: ({ rowExists }) => (rowExists ? concurrentUpdateError('category') : new NotFoundError('category')),
    };
    if (normalizedCategoryName(category.name) === normalizedCategoryName(previousName)) {
      await transactWrite(this.table, [renameCategory]);
      return;
    }
    await transactWrite(this.table, [renameCategory, this.releaseName(userId, previousName, category.categoryId), this.claimName(userId, category)]);
  }

  /**
   * Deletes the category and its name row together. Conditional on the category still having the name the
   * caller read, so the name row released is the one it really holds.
   */
  async deleteUserCategory(category: Category): Promise<void> {
    const userId = requireUserCategory(category);
    await transactWrite(this.table, [
      {
        item: {
          Delete: {
            TableName: this.table.tableName,
            Key: userCategoryKey(userId, category.categoryId),
            ConditionExpression: 'attribute_exists(PK) AND #name = :name',
            ExpressionAttributeNames: { '#name': 'name' },
            ExpressionAttributeValues: { ':name': category.name },
            ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
          },
        },
        onConditionFailed: ({ rowExists }) => (rowExists ? concurrentUpdateError('category') : new NotFoundError('category')),
      },
      this.releaseName(userId, category.name, category.categoryId),
    ]);
  }

  private claimName(userId: string, category: Category): TransactAction {
    return {
      item: {
        Put: {
          TableName: this.table.tableName,
          Item: categoryNameToItem(userId, category.name, category.categoryId),
          ConditionExpression: 'attribute_not_exists(PK)',
        },
      },
      onConditionFailed: () => nameTakenError(category.name),
    };
  }

  /** Deletes the name row only if it is this category's (never another category's claim on the name). */
  private releaseName(userId: string, name: string, categoryId: string): TransactAction {
    return {
      item: {
        Delete: {
          TableName: this.table.tableName,
          Key: categoryNameKey(userId, name),
          ConditionExpression: 'attribute_not_exists(PK) OR category_id = :categoryId',
          ExpressionAttributeValues: { ':categoryId': categoryId },
        },
      },
      onConditionFailed: () => concurrentUpdateError('category'),
    };
  }
}

function requireUserCategory(category: Category): string {
  if (category.source !== 'user' || category.userId === null) {
    throw new Error('Only user categories can be created, renamed or deleted');
  }
  return category.userId;
}
