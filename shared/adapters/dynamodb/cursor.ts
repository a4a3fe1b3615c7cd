/**
 * Opaque page cursors.
 *
 * A cursor is the exclusive start key of the next page, as base64url JSON. It comes back from the client,
 * so decoding treats it as untrusted input: it must be well-formed, hold exactly the key attributes of the
 * index being queried, name the same partition the request is querying (a cursor from another user's or
 * another filter's listing is refused, not followed) and lie inside the key condition's range (DynamoDB
 * answers an out-of-range start key with a ValidationException, which would otherwise surface as a 500).
 * Every failure is a `ValidationError` on `query.cursor`.
 */
import { ValidationError } from '../../errors/app-error';

export type CursorKey = Readonly<Record<string, string>>;

/** Far above any real key (PK + SK + two index keys), far below anything abusive. */
const MAX_CURSOR_LENGTH = 4096;

export interface CursorExpectation {
  /** Exactly the attributes the start key must have. */
  readonly attributes: readonly string[];
  /** Attributes whose value must match the request (the queried partition, the owner's partition). */
  readonly equals: Readonly<Record<string, string>>;
  /** The key condition's sort-key range; bounds are inclusive. */
  readonly sortKey?: { readonly attribute: string; readonly min?: string; readonly max?: string };
}

/**
 * @example
 * encodeCursor({ PK: 'CONN#c1', SK: 'RUN#2024-05-01T00:00:00.000Z#run_1' }); // 'eyJQSyI6...'
 */
export function encodeCursor(key: Readonly<Record<string, unknown>>): string {
  const plain: Record<string, string> = {};
  for (const [name, value] of Object.entries(key)) {
    if (typeof value !== 'string') throw new Error(`Cursor key attribute ${name} is not a string`);
    plain[name] = value;
  }
  return Buffer.from(JSON.stringify(plain), 'utf8').toString('base64url');
}

function invalidCursor(reason: string): ValidationError {
  return new ValidationError('Invalid cursor', [{ field: 'query.cursor', message: reason }]);
}

/**
 * @example
 * decodeCursor(cursor, { attributes: ['PK', 'SK'], equals: { PK: 'CONN#c1' } });
 */
export function decodeCursor(cursor: string, expectation: CursorExpectation): CursorKey {
  if (cursor.length === 0 || cursor.length > MAX_CURSOR_LENGTH || !/^[A-Za-z0-9_-]+$/.test(cursor)) {
    throw invalidCursor('Cursor is not a cursor returned by this listing');
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw invalidCursor('Cursor is not a cursor returned by this listing');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw invalidCursor('Cursor is not a cursor returned by this listing');
  }
  const entries = Object.entries(parsed as Record<string, unknown>);
  const expected = new Set(expectation.attributes);
  if (entries.length !== expected.size || entries.some(([name, value]) => !expected.has(name) || typeof value !== 'string')) {
    throw invalidCursor('Cursor is not a cursor returned by this listing');
  }
  const key = Object.fromEntries(entries) as Record<string, string>;
  for (const [name, value] of Object.entries(expectation.equals)) {
    if (key[name] !== value) throw invalidCursor('Cursor belongs to a different listing');
  }
  const range = expectation.sortKey;
  if (range) {
    const sortValue = key[range.attribute] as string;
    if ((range.min !== undefined && sortValue < range.min) || (range.max !== undefined && sortValue > range.max)) {
      throw invalidCursor('Cursor lies outside the requested range');
    }
  }
  return key;
}
