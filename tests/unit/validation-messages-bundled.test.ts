/**
 * A 400 names what is wrong in words in a deployed function too, not only under the test runner: request
 * validation is bundled as the stack bundles a function (minified ESM, this project's package.json, whose
 * `"sideEffects": false` lets the bundler drop top-level statements) and run by bare `node`.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { buildSync } from 'esbuild';
import { describe, expect, it } from 'vitest';

const projectRoot = path.resolve(__dirname, '../..');

const entry = `
import { transactionListQuery, bulkCategorizeBody } from './shared/api/schemas';
import { parseWithSchema } from './shared/http/validation';
const details = [];
for (const [schema, input, part] of [
  [transactionListQuery, { limit: 'many', colour: 'red' }, 'query'],
  [bulkCategorizeBody, { transaction_ids: 'txn_1' }, 'body'],
]) {
  try {
    parseWithSchema(schema, input, part);
  } catch (error) {
    details.push(...error.details);
  }
}
process.stdout.write(JSON.stringify(details));
`;

describe('unit: validation messages in a bundled function', () => {
  it('keeps zod’s English issue messages', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'validation-bundle-'));
    const outfile = path.join(dir, 'entry.mjs');
    buildSync({
      stdin: { contents: entry, resolveDir: projectRoot, sourcefile: 'entry.ts', loader: 'ts' },
      absWorkingDir: projectRoot,
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: 'node22',
      mainFields: ['module', 'main'],
      minify: true,
      outfile,
      logLevel: 'silent',
    });
    const child = spawnSync(process.execPath, [outfile], { encoding: 'utf8', env: { PATH: process.env.PATH } });
    expect(child.status, child.stderr).toBe(0);
    const details = JSON.parse(child.stdout) as { field: string; message: string }[];
    expect(details).toEqual([
      { field: 'query.limit', message: 'Invalid input: expected number, received NaN' },
      { field: 'query.colour', message: 'Unknown field' },
      { field: 'body.transaction_ids', message: 'Invalid input: expected array, received string' },
      { field: 'body.category_id', message: 'Invalid input: expected string, received undefined' },
    ]);
  });
});
