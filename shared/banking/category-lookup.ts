/**
 * Resolving category ids. Kept apart from the category use-cases because transaction edits need it too.
 */
import { ValidationError } from '../errors/app-error';
import type { Category } from './model';
import type { CategoryStore } from './ports';

export const USER_CATEGORY_PREFIX = 'usr_';

export function isUserCategoryId(categoryId: string): boolean {
  return categoryId.startsWith(USER_CATEGORY_PREFIX);
}

/**
 * Resolves a category id the caller wants to assign. Unknown ids (including another user's categories)
 * are a validation error on the named field: the request, not the URL, is what is wrong.
 */
export async function requireAssignableCategory(
  categories: CategoryStore,
  userId: string,
  categoryId: string,
  field: string,
): Promise<Category> {
  const category = isUserCategoryId(categoryId)
    ? await categories.getUserCategory(userId, categoryId)
    : await categories.getProviderCategory(categoryId);
  if (!category) {
    throw new ValidationError(`Unknown category: ${categoryId}`, [{ field, message: 'Unknown category' }]);
  }
  return category;
}
