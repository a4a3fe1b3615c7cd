import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { clientTypesPath, renderClientTypes } from '../../infra/openapi/write-client-types';

describe('generated client types (web/api/schema.d.ts)', () => {
  it('match what openapi-typescript makes of the committed docs/openapi.json (regenerate with `npm run client`)', async () => {
    const expected = await renderClientTypes();
    expect(readFileSync(clientTypesPath, 'utf8')).toBe(expected);
    expect(expected).toContain('transactions_synced: number');
    expect(expected).toContain('Connection: {');
  });
});
