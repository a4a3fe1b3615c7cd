/**
 * `npm run client` writes `web/api/schema.d.ts`, the TypeScript types of the API generated from
 * docs/openapi.json by openapi-typescript; `npm run client -- --check` only compares and exits non-zero when
 * the committed file is stale (CI, and tests/infra/client-types.test.ts).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import openapiTS, { astToString } from 'openapi-typescript';

const projectRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const clientTypesPath = resolve(projectRoot, 'web', 'api', 'schema.d.ts');
const documentPath = resolve(projectRoot, 'docs', 'openapi.json');

const header = `/**
 * Types of the HTTP API, generated from docs/openapi.json by openapi-typescript (\`npm run client\`).
 * Do not edit: change the route table or shared/api/responses.ts, then run \`npm run openapi && npm run client\`.
 */

`;

/** The file's expected contents, from the committed OpenAPI document. */
export async function renderClientTypes(): Promise<string> {
  const document = JSON.parse(readFileSync(documentPath, 'utf8')) as Parameters<typeof openapiTS>[0];
  const ast = await openapiTS(document, { alphabetize: false, exportType: false });
  return header + astToString(ast);
}

async function main(): Promise<void> {
  const rendered = await renderClientTypes();
  const shownPath = relative(process.cwd(), clientTypesPath);
  if (process.argv.includes('--check')) {
    let current = '';
    try {
      current = readFileSync(clientTypesPath, 'utf8');
    } catch {
      // A missing file is simply stale.
    }
    if (current !== rendered) {
      console.error(`${shownPath} is out of date with docs/openapi.json; run \`npm run client\``);
      process.exit(1);
    }
    console.log(`${shownPath} is up to date`);
    return;
  }
  writeFileSync(clientTypesPath, rendered);
  console.log(`wrote ${shownPath}`);
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) await main();
