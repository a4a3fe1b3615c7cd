/**
 * `npm run docs [-- <directory>]`: writes the API reference as a static site (index.html, openapi.json,
 * scalar.js) to `.local/docs-site/` or the given directory, ready to host anywhere.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { relative, resolve } from 'node:path';
import { projectRoot } from '../workers/lambda-runtime';
import { docsFiles } from './docs-site';

const target = resolve(process.argv[2] ?? resolve(projectRoot, '.local', 'docs-site'));
mkdirSync(target, { recursive: true });
for (const file of docsFiles('./')) writeFileSync(resolve(target, file.name), file.read());
console.log(`wrote the API reference to ${relative(process.cwd(), target) || '.'}/ (open index.html through any static file server)`);
