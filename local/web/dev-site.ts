/**
 * What the local gateway serves besides the API (dev only; never part of the route table or the CDK stack):
 *
 * | path                      | what                                                                        |
 * |---------------------------|-----------------------------------------------------------------------------|
 * | `/`                       | the demo console (web/console, bundled with esbuild when first asked for)   |
 * | `/console/app.js`, `.css` | its script and styles                                                      |
 * | `POST /dev/sign-in`       | `{user_id}` → a local JWT for that user (what `npm run token` prints)        |
 * | `GET /dev/config`         | which Plaid Link / Pluggy Connect script the console loads, and whether the |
 * |                           | gateway streams app events at `/dev/events` (and which event types)         |
 * | `/docs`                   | the API reference (see docs-site.ts)                                        |
 */
import { readFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { resolve } from 'node:path';
import { build } from 'esbuild';
import { appEventTypes } from '../../shared/events/model';
import { mintLocalToken } from '../auth/local-jwt';
import { DEV_EVENTS_PATH } from '../gateway/dev-events';
import { projectRoot } from '../workers/lambda-runtime';
import { docsFiles } from './docs-site';

/** Plaid's hosted Link script (https://plaid.com/docs/link/web/#installation). */
export const PLAID_LINK_SCRIPT_URL = 'https://cdn.plaid.com/link/v2/stable/link-initialize.js';
/** pluggy-connect-sdk's browser build (https://www.npmjs.com/package/pluggy-connect-sdk, "Importing directly as an HTML <script>"). */
export const PLUGGY_CONNECT_SCRIPT_URL = 'https://cdn.pluggy.ai/pluggy-connect/v2.7.0/pluggy-connect.js';

const consoleDirectory = resolve(projectRoot, 'web', 'console');
const USER_ID = /^[A-Za-z0-9_.@-]{1,64}$/;
const SIGN_IN_TTL_MINUTES = 12 * 60;

export interface ConsoleConfig {
  readonly plaid: { readonly script_url: string; readonly environment: string };
  readonly pluggy: { readonly script_url: string; readonly include_sandbox: boolean };
  /**
   * The gateway's Server-Sent Events stream of app events (null when it has no dev tap queue to read), and
   * the event types it names in `event:` lines: an EventSource only delivers named events to listeners
   * registered for those names.
   */
  readonly events: { readonly url: string | null; readonly types: readonly string[] };
}

/** Local sandboxes when the stack runs against them, the providers' real scripts with real keys. */
export function consoleConfig(env: NodeJS.ProcessEnv = process.env): ConsoleConfig {
  const plaidLocal = env.PLAID_ENV === 'local' && env.PLAID_LOCAL_BASE_URL;
  const pluggyBase = env.PLUGGY_BASE_URL ?? 'https://api.pluggy.ai';
  const pluggyLocal = ['127.0.0.1', 'localhost'].includes(new URL(pluggyBase).hostname);
  return {
    plaid: {
      script_url: plaidLocal ? `${env.PLAID_LOCAL_BASE_URL}/link-local/link-initialize.js` : PLAID_LINK_SCRIPT_URL,
      environment: env.PLAID_ENV ?? 'local',
    },
    pluggy: {
      script_url: pluggyLocal ? `${pluggyBase}/connect/pluggy-connect.js` : PLUGGY_CONNECT_SCRIPT_URL,
      // Pluggy's sandbox connectors ("Pluggy Bank") are what a development stack links against.
      include_sandbox: pluggyLocal || env.PLUGGY_INCLUDE_SANDBOX !== 'false',
    },
    // The gateway serves the stream exactly when this variable is set (local/gateway/server.ts).
    events: { url: env.DEV_EVENTS_QUEUE_URL ? DEV_EVENTS_PATH : null, types: appEventTypes },
  };
}

export type SiteHandler = (request: IncomingMessage, response: ServerResponse, body: Buffer) => Promise<boolean>;

/** The site handler for the gateway; answers what it knows and leaves everything else (the API) alone. */
export function createDevSite(): SiteHandler {
  let bundle: Promise<string> | undefined;
  const docs = new Map(docsFiles('/docs/').map((file) => [`/docs/${file.name}`, file]));

  return async (request, response, body) => {
    const url = new URL(request.url ?? '/', 'http://gateway.invalid');
    const route = `${request.method} ${url.pathname}`;
    if (route === 'GET /' || route === 'GET /index.html') return send(response, 200, 'text/html; charset=utf-8', consolePage());
    if (route === 'GET /console/app.js') {
      bundle ??= bundleConsole();
      return send(response, 200, 'text/javascript; charset=utf-8', await bundle);
    }
    if (route === 'GET /console/app.css') return send(response, 200, 'text/css; charset=utf-8', readFileSync(resolve(consoleDirectory, 'styles.css')));
    if (route === 'GET /favicon.ico') return send(response, 204, 'image/x-icon', '');
    if (route === 'GET /dev/config') return sendJson(response, 200, consoleConfig());
    if (route === 'POST /dev/sign-in') return signIn(response, body);
    if (route === 'GET /docs') return send(response, 200, 'text/html; charset=utf-8', docs.get('/docs/index.html')!.read());
    const file = request.method === 'GET' ? docs.get(url.pathname) : undefined;
    if (file) return send(response, 200, file.contentType, file.read());
    return false;
  };
}

async function signIn(response: ServerResponse, body: Buffer): Promise<boolean> {
  let userId: unknown;
  try {
    userId = (JSON.parse(body.toString('utf8')) as { user_id?: unknown }).user_id;
  } catch {
    return sendJson(response, 400, { error: { code: 'MALFORMED_JSON', message: 'Request body is not valid JSON', details: null } });
  }
  if (typeof userId !== 'string' || !USER_ID.test(userId)) {
    return sendJson(response, 400, {
      error: { code: 'VALIDATION_FAILED', message: 'Invalid body.user_id', details: [{ field: 'body.user_id', message: 'Must be 1-64 letters, digits, _ . @ -' }] },
    });
  }
  const token = await mintLocalToken(userId, { ttlMinutes: SIGN_IN_TTL_MINUTES });
  return sendJson(response, 200, { user_id: userId, token, expires_at: new Date(Date.now() + SIGN_IN_TTL_MINUTES * 60_000).toISOString() });
}

async function bundleConsole(): Promise<string> {
  const result = await build({
    entryPoints: [resolve(consoleDirectory, 'main.ts')],
    bundle: true,
    format: 'iife',
    platform: 'browser',
    target: 'es2022',
    write: false,
    minify: false,
    sourcemap: 'inline',
    logLevel: 'silent',
  });
  return result.outputFiles[0]!.text;
}

function consolePage(): string {
  return `<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8" />
    <meta name="viewport" content="width=device-width, initial-scale=1" />
    <title>Open-banking console</title>
    <link rel="icon" href="data:," />
    <link rel="stylesheet" href="/console/app.css" />
  </head>
  <body>
    <div id="app"></div>
    <script src="/console/app.js"></script>
  </body>
</html>
`;
}

function send(response: ServerResponse, status: number, contentType: string, body: string | Buffer): true {
  response.writeHead(status, { 'content-type': contentType, 'cache-control': 'no-store' });
  response.end(body);
  return true;
}

function sendJson(response: ServerResponse, status: number, body: unknown): true {
  return send(response, status, 'application/json', JSON.stringify(body));
}
