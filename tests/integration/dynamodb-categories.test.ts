/**
 * DynamoCategoryStore against the emulator: provider catalogs, and user categories whose names are unique
 * per user (case-insensitive) through a name row written in the same transaction.
 */
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, describe, expect, it } from 'vitest';
import { dynamoDocumentClient } from '../../shared/adapters/aws-clients';
import { commandsSentDuring } from '../helpers/dynamodb-commands';
import { DynamoCategoryStore } from '../../shared/adapters/dynamodb/category-store';
import { categoryNameKey } from '../../shared/adapters/dynamodb/entities/category';
import type { Category } from '../../shared/banking/model';
import { ConflictError, NotFoundError } from '../../shared/errors/app-error';
import { makeUserCategory, uniqueId } from '../helpers/dynamodb-fixtures';
import { createPrivateTable } from '../helpers/dynamodb-table';

// A private table: this file pages over whole partitions and indexes (see tests/helpers/dynamodb-table.ts).
const privateTable = await createPrivateTable('categories');
afterAll(() => privateTable.drop());
const tableName = privateTable.tableName;
const categories = new DynamoCategoryStore({ tableName });

async function nameRowOwner(userId: string, name: string): Promise<unknown> {
  const output = await dynamoDocumentClient().send(
    new GetCommand({ TableName: tableName, Key: categoryNameKey(userId, name), ConsistentRead: true }),
  );
  return output.Item?.category_id;
}

function renamed(category: Category, name: string): Category {
  return { ...category, name, updatedAt: '2024-05-02T00:00:00.000Z' };
}

describe('DynamoCategoryStore: provider catalogs', () => {
  it('stores a catalog in batches and reads it back by provider and by namespaced id', async () => {
    // Prepare: more entries than one BatchWriteItem takes.
    const catalog: Category[] = Array.from({ length: 40 }, (_, index) => ({
      categoryId: `pluggy:0${1000000 + index}`,
      name: `Category ${index}`,
      source: 'pluggy',
      parentId: index === 0 ? null : 'pluggy:01000000',
      userId: null,
      createdAt: '2024-01-01T00:00:00.000Z',
      updatedAt: '2024-01-01T00:00:00.000Z',
    }));

    // Act
    await categories.putProviderCatalog('pluggy', catalog);

    // Assess
    const listed = await categories.listProviderCatalog('pluggy');
    for (const entry of catalog) expect(listed).toContainEqual(entry);
    expect(await categories.getProviderCategory(catalog[7]!.categoryId)).toEqual(catalog[7]);
    expect(await categories.getProviderCategory('plaid:NOT_THERE')).toBeNull();
    expect(await categories.getProviderCategory('usr_not_a_catalog_id')).toBeNull();
  });

  it('adds only the entries a catalog lacks, never overwriting one already stored, and writes nothing once it has seen them', async () => {
    const entry = (code: string, name: string, parentId: string | null): Category => ({
      categoryId: `pluggy:${code}`,
      name,
      source: 'pluggy',
      parentId,
      userId: null,
      createdAt: '2024-02-01T00:00:00.000Z',
      updatedAt: '2024-02-01T00:00:00.000Z',
    });
    const full = entry('77010000', 'Groceries', 'pluggy:77000000');
    await categories.putProviderCatalog('pluggy', [full]);

    // A sync meets it again with less detail, and a category the catalog does not have.
    const sparse = entry('77010000', '77010000', null);
    const fresh = entry('77020000', 'Bakery', null);
    await categories.addToProviderCatalog('pluggy', [sparse, fresh]);

    expect(await categories.getProviderCategory(full.categoryId)).toEqual(full);
    expect(await categories.getProviderCategory(fresh.categoryId)).toEqual(fresh);
    const sent = await commandsSentDuring(() => categories.addToProviderCatalog('pluggy', [sparse, fresh]));
    expect(sent).toEqual([]);
  });

  it('refuses entries of another provider in a catalog', async () => {
    const foreign: Category = {
      categoryId: 'plaid:FOOD_AND_DRINK',
      name: 'Food',
      source: 'plaid',
      parentId: null,
      userId: null,
      createdAt: '2024-01-01T00:00:00.000Z',
      updatedAt: '2024-01-01T00:00:00.000Z',
    };

    await expect(categories.putProviderCatalog('pluggy', [foreign])).rejects.toThrow(/does not belong/);
  });
});

describe('DynamoCategoryStore: user categories', () => {
  it('creates categories and lists only the user’s own', async () => {
    const userId = uniqueId('user');
    const coffee = makeUserCategory(userId, { name: 'Coffee' });
    const rent = makeUserCategory(userId, { name: 'Rent' });

    await categories.createUserCategory(coffee);
    await categories.createUserCategory(rent);
    await categories.createUserCategory(makeUserCategory(uniqueId('user'), { name: 'Coffee' }));

    expect((await categories.listUserCategories(userId)).sort((a, b) => a.name.localeCompare(b.name))).toEqual([coffee, rent]);
    expect(await categories.getUserCategory(userId, coffee.categoryId)).toEqual(coffee);
    expect(await categories.getUserCategory(uniqueId('user'), coffee.categoryId)).toBeNull();
  });

  it('refuses a name the user already has, whatever its case and surrounding blanks, writing nothing', async () => {
    const userId = uniqueId('user');
    await categories.createUserCategory(makeUserCategory(userId, { name: 'Coffee' }));
    const duplicate = makeUserCategory(userId, { name: '  cOFFEE ' });

    const attempt = categories.createUserCategory(duplicate);

    await expect(attempt).rejects.toBeInstanceOf(ConflictError);
    await expect(attempt).rejects.toMatchObject({ code: 'CATEGORY_NAME_TAKEN' });
    expect(await categories.getUserCategory(userId, duplicate.categoryId)).toBeNull();
    expect(await categories.listUserCategories(userId)).toHaveLength(1);
  });

  it('renames: frees the old name, claims the new one, refuses a taken one', async () => {
    // Prepare
    const userId = uniqueId('user');
    const coffee = makeUserCategory(userId, { name: 'Coffee' });
    const tea = makeUserCategory(userId, { name: 'Tea' });
    await categories.createUserCategory(coffee);
    await categories.createUserCategory(tea);

    // Act
    await categories.renameUserCategory(renamed(coffee, 'Cafés'), 'Coffee');

    // Assess
    expect(await categories.getUserCategory(userId, coffee.categoryId)).toMatchObject({ name: 'Cafés', updatedAt: '2024-05-02T00:00:00.000Z' });
    expect(await nameRowOwner(userId, 'Coffee')).toBeUndefined();
    expect(await nameRowOwner(userId, 'cafés')).toBe(coffee.categoryId);
    await categories.createUserCategory(makeUserCategory(userId, { name: 'coffee' }));

    const clash = categories.renameUserCategory(renamed(tea, 'CAFÉS'), 'Tea');
    await expect(clash).rejects.toMatchObject({ code: 'CATEGORY_NAME_TAKEN' });
    expect(await categories.getUserCategory(userId, tea.categoryId)).toEqual(tea);
    expect(await nameRowOwner(userId, 'tea')).toBe(tea.categoryId);
  });

  it('renames to a different case of the same name in place', async () => {
    const userId = uniqueId('user');
    const coffee = makeUserCategory(userId, { name: 'coffee' });
    await categories.createUserCategory(coffee);

    await categories.renameUserCategory(renamed(coffee, 'Coffee'), 'coffee');

    expect(await categories.getUserCategory(userId, coffee.categoryId)).toMatchObject({ name: 'Coffee' });
    expect(await nameRowOwner(userId, 'coffee')).toBe(coffee.categoryId);
  });

  it('refuses a rename based on a stale name, and of a category that does not exist', async () => {
    const userId = uniqueId('user');
    const coffee = makeUserCategory(userId, { name: 'Coffee' });
    await categories.createUserCategory(coffee);
    await categories.renameUserCategory(renamed(coffee, 'Espresso'), 'Coffee');

    await expect(categories.renameUserCategory(renamed(coffee, 'Latte'), 'Coffee')).rejects.toMatchObject({ code: 'CONCURRENT_UPDATE' });
    await expect(categories.renameUserCategory(renamed(makeUserCategory(userId), 'Mocha'), 'Coffee')).rejects.toBeInstanceOf(NotFoundError);
    expect(await categories.getUserCategory(userId, coffee.categoryId)).toMatchObject({ name: 'Espresso' });
    expect(await nameRowOwner(userId, 'latte')).toBeUndefined();
  });

  it('deletes a category with its name row, so the name can be used again', async () => {
    const userId = uniqueId('user');
    const coffee = makeUserCategory(userId, { name: 'Coffee' });
    await categories.createUserCategory(coffee);

    await categories.deleteUserCategory(coffee);

    expect(await categories.getUserCategory(userId, coffee.categoryId)).toBeNull();
    expect(await nameRowOwner(userId, 'coffee')).toBeUndefined();
    await categories.createUserCategory(makeUserCategory(userId, { name: 'COFFEE' }));
    await expect(categories.deleteUserCategory(coffee)).rejects.toBeInstanceOf(NotFoundError);
  });

  it('refuses a delete based on a stale name, keeping category and name row', async () => {
    const userId = uniqueId('user');
    const coffee = makeUserCategory(userId, { name: 'Coffee' });
    await categories.createUserCategory(coffee);
    await categories.renameUserCategory(renamed(coffee, 'Espresso'), 'Coffee');

    await expect(categories.deleteUserCategory(coffee)).rejects.toMatchObject({ code: 'CONCURRENT_UPDATE' });

    expect(await categories.getUserCategory(userId, coffee.categoryId)).toMatchObject({ name: 'Espresso' });
    expect(await nameRowOwner(userId, 'espresso')).toBe(coffee.categoryId);
  });
});
