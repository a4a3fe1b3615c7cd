/**
 * `npm run openapi` writes docs/openapi.json from the route table; `npm run openapi -- --check` only compares
 * and exits non-zero when the committed file is stale (for CI).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { routes } from '../catalog/routes';
import { buildOpenApiDocument } from './openapi-document';

const projectRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const outputPath = resolve(projectRoot, 'docs', 'openapi.json');

const { version } = JSON.parse(readFileSync(resolve(projectRoot, 'package.json'), 'utf8')) as { version: string };
const rendered = `${JSON.stringify(buildOpenApiDocument(routes, { version }), null, 2)}\n`;
const shownPath = relative(process.cwd(), outputPath);

if (process.argv.includes('--check')) {
  let current = '';
  try {
    current = readFileSync(outputPath, 'utf8');
  } catch {
    // A missing file is simply stale.
  }
  if (current !== rendered) {
    console.error(`${shownPath} is out of date with infra/catalog/routes.ts; run \`npm run openapi\``);
    process.exit(1);
  }
  console.log(`${shownPath} is up to date`);
} else {
  writeFileSync(outputPath, rendered);
  console.log(`wrote ${shownPath} (${routes.length} operations)`);
}
