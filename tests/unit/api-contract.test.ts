import { describe, expect, it } from 'vitest';
import { assertMatchesContract } from '../helpers/api-contract';

const category = { id: 'cat_1', name: 'Groceries', source: 'user', parent_id: null, editable: true };

describe('assertMatchesContract (docs/openapi.json)', () => {
  it('accepts a documented status with a body of its schema', () => {
    expect(() => assertMatchesContract('POST', '/api/v1/banking/categories', 201, category)).not.toThrow();
    expect(() => assertMatchesContract('DELETE', '/api/v1/banking/connections/con_1', 204, null)).not.toThrow();
    expect(() =>
      assertMatchesContract('GET', '/api/v1/banking/accounts/acc_1', 401, { message: 'Unauthorized' }),
    ).not.toThrow();
  });

  it('fails a body that drifted from the schema: a missing field, an extra field, a wrong type', () => {
    const { editable: _editable, ...missing } = category;
    expect(() => assertMatchesContract('POST', '/api/v1/banking/categories', 201, missing)).toThrow(/editable/);
    expect(() => assertMatchesContract('POST', '/api/v1/banking/categories', 201, { ...category, colour: 'red' })).toThrow(/additional/);
    expect(() => assertMatchesContract('POST', '/api/v1/banking/categories', 201, { ...category, source: 'bank' })).toThrow(/source/);
  });

  it('fails a status the operation does not document, and an error body outside the envelope', () => {
    expect(() => assertMatchesContract('POST', '/api/v1/banking/categories', 200, category)).toThrow(/200 is not a documented response/);
    expect(() => assertMatchesContract('GET', '/api/v1/banking/accounts/acc_1', 404, { message: 'nope' })).toThrow(/404/);
    expect(() => assertMatchesContract('DELETE', '/api/v1/banking/connections/con_1', 204, { deleted: true })).toThrow();
  });

  it('checks the sync answer by status: 200 carries transactions_synced, 202 does not', () => {
    const path = '/api/v1/banking/connections/con_1/sync?wait=20';
    expect(() => assertMatchesContract('POST', path, 200, { sync_run_id: 'run_1', status: 'succeeded', transactions_synced: 3 })).not.toThrow();
    expect(() => assertMatchesContract('POST', path, 200, { sync_run_id: 'run_1', status: 'succeeded' })).toThrow(/transactions_synced/);
    expect(() => assertMatchesContract('POST', path, 202, { sync_run_id: 'run_1', status: 'queued' })).not.toThrow();
  });

  it('expects the envelope 404 for paths no operation matches', () => {
    const notFound = { error: { code: 'NOT_FOUND', message: 'route not found', details: null } };
    expect(() => assertMatchesContract('GET', '/api/v1/nowhere', 404, notFound)).not.toThrow();
    expect(() => assertMatchesContract('GET', '/api/v1/nowhere', 200, {})).toThrow(/no documented operation/);
  });
});
