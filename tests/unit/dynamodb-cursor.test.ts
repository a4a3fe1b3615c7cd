import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeCursor, encodeCursor, type CursorExpectation } from '../../shared/adapters/dynamodb/cursor';
import { ValidationError } from '../../shared/errors/app-error';
import { describeError } from '../../shared/errors/error-mapper';

const gsi1Listing: CursorExpectation = {
  attributes: ['PK', 'SK', 'GSI1PK', 'GSI1SK'],
  equals: { GSI1PK: 'USER#u1#TXN', PK: 'USER#u1' },
  sortKey: { attribute: 'GSI1SK', min: '2024-01-01', max: '2024-01-31#\uffff' },
};

const validKey = { PK: 'USER#u1', SK: 'TXN#t1', GSI1PK: 'USER#u1#TXN', GSI1SK: '2024-01-15#t1' };

function encodeJson(value: unknown): string {
  return Buffer.from(JSON.stringify(value), 'utf8').toString('base64url');
}

function cursorFailure(cursor: string, expectation: CursorExpectation = gsi1Listing): ValidationError {
  try {
    decodeCursor(cursor, expectation);
  } catch (error) {
    expect(error).toBeInstanceOf(ValidationError);
    return error as ValidationError;
  }
  throw new Error('expected the cursor to be refused');
}

describe('unit: opaque cursors', () => {
  it('decodes what it encoded', () => {
    // Prepare
    const cursor = encodeCursor(validKey);

    // Act
    const decoded = decodeCursor(cursor, gsi1Listing);

    // Assess
    expect(decoded).toEqual(validKey);
    expect(cursor).toMatch(/^[A-Za-z0-9_-]+$/);
  });

  it('round-trips any string key, including non-ASCII and the range sentinel', () => {
    fc.assert(
      fc.property(fc.string(), fc.string(), (pk, sk) => {
        const expectation: CursorExpectation = { attributes: ['PK', 'SK'], equals: { PK: pk } };
        expect(decodeCursor(encodeCursor({ PK: pk, SK: sk }), expectation)).toEqual({ PK: pk, SK: sk });
      }),
    );
  });

  it.each([
    ['not base64url', 'this is not a cursor!'],
    ['empty', ''],
    ['not JSON', Buffer.from('{"PK":', 'utf8').toString('base64url')],
    ['a JSON array', encodeJson(['USER#u1'])],
    ['a JSON string', encodeJson('USER#u1')],
    ['JSON null', encodeJson(null)],
    ['a missing key attribute', encodeJson({ PK: 'USER#u1', SK: 'TXN#t1', GSI1PK: 'USER#u1#TXN' })],
    ['an extra attribute', encodeJson({ ...validKey, role: 'admin' })],
    ['a non-string value', encodeJson({ ...validKey, SK: 5 })],
    ['a DynamoDB-typed value', encodeJson({ ...validKey, SK: { S: 'TXN#t1' } })],
    ['another partition', encodeJson({ ...validKey, GSI1PK: 'USER#u2#TXN' })],
    ['another owner', encodeJson({ ...validKey, PK: 'USER#u2' })],
    ['a sort key before the range', encodeJson({ ...validKey, GSI1SK: '2023-12-31#t1' })],
    ['a sort key after the range', encodeJson({ ...validKey, GSI1SK: '2024-02-01#t1' })],
    ['an oversized value', 'A'.repeat(5000)],
  ])('refuses a cursor that is %s, as a 400 on query.cursor', (_case, cursor) => {
    const error = cursorFailure(cursor);

    expect(error.issues).toEqual([{ field: 'query.cursor', message: expect.any(String) }]);
    expect(describeError(error)).toMatchObject({ httpStatus: 400, code: 'VALIDATION_FAILED' });
  });

  it('does not echo the offending cursor back in the error', () => {
    const foreign = encodeJson({ ...validKey, PK: 'USER#someone-else' });

    const error = cursorFailure(foreign);

    expect(JSON.stringify({ message: error.message, details: error.details })).not.toContain('someone-else');
  });
});
