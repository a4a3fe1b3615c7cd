/**
 * A 400 names what is wrong in words in a deployed function too, not only under the test runner: request
 * validation is bundled as the stack bundles a function (minified ESM, this project's package.json, whose
 * `"sideEffects": false` lets the bundler drop top-level statements) and run by bare `node`.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
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

/** Bundles `contents` as the stack bundles a function; returns the output file. */
function bundle(contents: string): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'validation-bundle-'));
  const outfile = path.join(dir, 'entry.mjs');
  buildSync({
    stdin: { contents, resolveDir: projectRoot, sourcefile: 'entry.ts', loader: 'ts' },
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
  return outfile;
}

describe('unit: validation messages in a bundled function', () => {
  it('keeps zod’s English issue messages', () => {
    const outfile = bundle(entry);
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

  it('bundles only the zod types its schemas use (coerced numbers and ISO dates without their namespaces)', () => {
    const outfile = bundle(`
import { transactionListQuery } from './shared/api/schemas';
import { parseWithSchema } from './shared/http/validation';
try {
  parseWithSchema(transactionListQuery, { date_from: '2024-02-30', limit: '500' }, 'query');
} catch (error) {
  process.stdout.write(JSON.stringify(error.details));
}
`);
    const child = spawnSync(process.execPath, [outfile], { encoding: 'utf8', env: { PATH: process.env.PATH } });
    expect(child.status, child.stderr).toBe(0);
    expect(JSON.parse(child.stdout)).toEqual([
      { field: 'query.date_from', message: 'Must be a date in YYYY-MM-DD form' },
      { field: 'query.limit', message: 'Too big: expected number to be <=200' },
    ]);
    const code = readFileSync(outfile, 'utf8');
    const zodTypes = new Set(code.match(/"\$Zod\w+"/g)?.map((name) => name.slice(2, -1)));
    expect([...zodTypes]).toEqual(expect.arrayContaining(['ZodISODate', 'ZodNumber', 'ZodPipe', 'ZodDefault']));
    // The rest of `z.coerce` and `z.iso`: in the bundle only if a namespace object kept them.
    for (const unused of ['ZodBigInt', 'ZodBoolean', 'ZodDate', 'ZodISODateTime', 'ZodISOTime', 'ZodISODuration']) {
      expect(zodTypes.has(unused), unused).toBe(false);
    }
  });
});
