import type { z } from 'zod';
import { ValidationError, type FieldIssue } from '../errors/app-error';

/**
 * Validates one part of a request. Every issue names its field as `<part>.<path>` (e.g. `body.category_id`,
 * `query.limit`) so the caller can tell exactly what to fix.
 */
export function parseWithSchema<T extends z.ZodType | undefined>(
  schema: T,
  input: unknown,
  part: 'path' | 'query' | 'body',
): T extends z.ZodType ? z.output<T> : undefined {
  if (!schema) return undefined as T extends z.ZodType ? z.output<T> : undefined;
  const result = schema.safeParse(input);
  if (result.success) return result.data as T extends z.ZodType ? z.output<T> : undefined;
  const issues: FieldIssue[] = result.error.issues.map((issue) => ({
    field: [part, ...issue.path.map(String)].join('.'),
    message: issue.message,
  }));
  const first = issues[0];
  throw new ValidationError(first ? `Invalid ${first.field}: ${first.message}` : `Invalid ${part}`, issues);
}
