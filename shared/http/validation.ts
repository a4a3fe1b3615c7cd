import type * as z from 'zod/v4/core';
import { safeParse } from '../validation/zod';
import { ValidationError, type FieldIssue } from '../errors/app-error';

/**
 * Validates one part of a request. Every issue names its field as `<part>.<path>` (e.g. `body.category_id`,
 * `query.limit`) so the caller can tell exactly what to fix.
 */
export function parseWithSchema<T extends z.$ZodType | undefined>(
  schema: T,
  input: unknown,
  part: 'path' | 'query' | 'body',
): T extends z.$ZodType ? z.output<T> : undefined {
  if (!schema) return undefined as T extends z.$ZodType ? z.output<T> : undefined;
  const result = safeParse(schema, input);
  if (result.success) return result.data as T extends z.$ZodType ? z.output<T> : undefined;
  const issues: FieldIssue[] = result.error.issues.flatMap((issue): FieldIssue[] => {
    const path = [part, ...issue.path.map(String)];
    // zod reports every unexpected key of a strict object as ONE issue on the object itself; split it so
    // each unexpected field is named (`query.colour`), not just the part that holds it (`query`).
    if (issue.code === 'unrecognized_keys') {
      return issue.keys.map((key) => ({ field: [...path, key].join('.'), message: 'Unknown field' }));
    }
    return [{ field: path.join('.'), message: issue.message }];
  });
  const first = issues[0];
  throw new ValidationError(first ? `Invalid ${first.field}: ${first.message}` : `Invalid ${part}`, issues);
}
