/**
 * Categories: each provider's catalog (Plaid personal-finance categories, Pluggy's category tree) plus the
 * user's own. All share one id space (`plaid:…`, `pluggy:…`, `usr_…`), so a transaction's category can point
 * at either kind and the API never has to ask which one it is.
 */
import { ConflictError, NotFoundError, ValidationError } from '../errors/app-error';
import { isUserCategoryId, requireAssignableCategory } from './category-lookup';
import { newId } from './ids';
import { providers, type Category } from './model';
import type { CategoryStore, Clock, ProviderWriteQueue, TransactionStore } from './ports';
import { applyUserEdits } from './transactions';

export async function listCategories(categories: CategoryStore, userId: string): Promise<Category[]> {
  const [own, ...catalogs] = await Promise.all([
    categories.listUserCategories(userId),
    ...providers.map((provider) => categories.listProviderCatalog(provider)),
  ]);
  const byName = (a: Category, b: Category) => a.name.localeCompare(b.name);
  return [...own.sort(byName), ...catalogs.flatMap((catalog) => catalog.sort(byName))];
}

export async function createCategory(
  deps: { categories: CategoryStore; clock: Clock },
  userId: string,
  input: { name: string; parentId: string | null },
): Promise<Category> {
  if (input.parentId) await requireAssignableCategory(deps.categories, userId, input.parentId, 'body.parent_id');
  const now = deps.clock.now().toISOString();
  const category: Category = {
    categoryId: newId('usr', deps.clock.now()),
    name: input.name,
    source: 'user',
    parentId: input.parentId,
    userId,
    createdAt: now,
    updatedAt: now,
  };
  await deps.categories.createUserCategory(category);
  return category;
}

async function requireUserCategory(categories: CategoryStore, userId: string, categoryId: string): Promise<Category> {
  // Provider categories are read-only: to the caller they are simply not one of "their" categories.
  const category = isUserCategoryId(categoryId) ? await categories.getUserCategory(userId, categoryId) : null;
  if (!category) throw new NotFoundError('category');
  return category;
}

export async function renameCategory(
  deps: { categories: CategoryStore; clock: Clock },
  userId: string,
  categoryId: string,
  name: string,
): Promise<Category> {
  const existing = await requireUserCategory(deps.categories, userId, categoryId);
  if (existing.name === name) return existing;
  const renamed: Category = { ...existing, name, updatedAt: deps.clock.now().toISOString() };
  await deps.categories.renameUserCategory(renamed, existing.name);
  return renamed;
}

export type DeleteCategoryMode =
  /** Refuse while any transaction uses the category (the default: nothing changes silently). */
  | { kind: 'refuse_if_used' }
  /** Move every override to another category first. */
  | { kind: 'reassign'; toCategoryId: string }
  /** Drop the overrides; those transactions fall back to their provider category. */
  | { kind: 'clear_overrides' };

export interface DeleteCategoryDeps {
  readonly categories: CategoryStore;
  readonly transactions: TransactionStore;
  readonly providerWrites: ProviderWriteQueue;
  readonly clock: Clock;
}

export async function deleteCategory(
  deps: DeleteCategoryDeps,
  userId: string,
  categoryId: string,
  mode: DeleteCategoryMode,
): Promise<{ reassigned: number }> {
  const category = await requireUserCategory(deps.categories, userId, categoryId);
  if (mode.kind === 'refuse_if_used') {
    if (await deps.transactions.isUserCategoryInUse(userId, categoryId)) {
      throw new ConflictError(
        'CATEGORY_IN_USE',
        'Category is used by transactions; pass reassign_to=<category_id> or clear_overrides=true',
        { category_id: categoryId },
      );
    }
    await deps.categories.deleteUserCategory(category);
    return { reassigned: 0 };
  }
  const target =
    mode.kind === 'reassign'
      ? (await requireAssignableCategory(deps.categories, userId, mode.toCategoryId, 'query.reassign_to')).categoryId
      : null;
  if (target === categoryId) {
    throw new ValidationError('Cannot reassign a category to itself', [
      { field: 'query.reassign_to', message: 'Must differ from the category being deleted' },
    ]);
  }
  let reassigned = 0;
  let cursor: string | null = null;
  do {
    const page = await deps.transactions.listByUserCategory(userId, categoryId, cursor);
    if (page.items.length > 0) {
      await applyUserEdits(deps, userId, page.items, { userCategoryId: target });
      reassigned += page.items.length;
    }
    cursor = page.nextCursor;
  } while (cursor);
  await deps.categories.deleteUserCategory(category);
  return { reassigned };
}
