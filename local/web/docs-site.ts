/**
 * The API reference: docs/openapi.json rendered by Scalar's standalone browser bundle from npm
 * (`@scalar/api-reference`, no CDN). The local gateway serves it at `/docs`; `npm run docs` writes the same
 * three files as a static site a team can host anywhere.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, resolve } from 'node:path';
import { projectRoot } from '../workers/lambda-runtime';

const require = createRequire(import.meta.url);

export const openApiDocumentPath = resolve(projectRoot, 'docs', 'openapi.json');

/**
 * Scalar's self-contained browser build (UMD, defines `window.Scalar`): `dist/browser/standalone.js` beside
 * the package's main entry (`dist/index.js`); the package's exports map does not list the file itself.
 */
export function scalarBundlePath(): string {
  return resolve(dirname(require.resolve('@scalar/api-reference')), 'browser', 'standalone.js');
}

/**
 * The reference page; `base` is where `openapi.json` and `scalar.js` sit relative to the page (`/docs/` on
 * the gateway, `./` for the static copy).
 *
 * Scalar options (https://scalar.com/products/api-references/configuration): no default fonts (they come
 * from Scalar's CDN), no hosted API client or proxy, so the page makes no request outside the origin.
 */
export function docsPage(base: string): string {
  const configuration = {
    url: `${base}openapi.json`,
    withDefaultFonts: false,
    hideClientButton: true,
    showDeveloperTools: 'never',
    agent: { disabled: true },
    telemetry: false,
    metaData: { title: 'Open-banking API reference' },
  };
  return `<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8" />
    <meta name="viewport" content="width=device-width, initial-scale=1" />
    <title>Open-banking API reference</title>
    <link rel="icon" href="data:," />
  </head>
  <body>
    <div id="app"></div>
    <script src="${base}scalar.js"></script>
    <script>Scalar.createApiReference('#app', ${JSON.stringify(configuration)});</script>
  </body>
</html>
`;
}

export interface DocsFile {
  readonly name: 'index.html' | 'openapi.json' | 'scalar.js';
  readonly contentType: string;
  read(): Buffer;
}

export function docsFiles(base: string): readonly DocsFile[] {
  return [
    { name: 'index.html', contentType: 'text/html; charset=utf-8', read: () => Buffer.from(docsPage(base)) },
    { name: 'openapi.json', contentType: 'application/json', read: () => readFileSync(openApiDocumentPath) },
    { name: 'scalar.js', contentType: 'text/javascript; charset=utf-8', read: () => readFileSync(scalarBundlePath()) },
  ];
}
