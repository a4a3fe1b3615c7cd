/**
 * Offline stand-in for Pluggy Connect: `GET /connect/pluggy-connect.js` defines `window.PluggyConnect` with
 * the pluggy-connect-sdk API (see `connect-stand-in.browser.js`); the widget then calls this sandbox's API
 * with the connect token, as the real widget calls api.pluggy.ai from the browser. Hence CORS: every answer
 * allows any origin, and preflights for the `x-api-key` header are answered here.
 */
import { readFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';

export const CONNECT_STAND_IN_PATH = '/connect/pluggy-connect.js';

let script: string | undefined;

/** Answers the stand-in script and CORS preflights; adds CORS headers to everything else. True when answered. */
export function serveConnectStandIn(request: IncomingMessage, response: ServerResponse, url: URL): boolean {
  response.setHeader('access-control-allow-origin', '*');
  if (request.method === 'OPTIONS') {
    response.writeHead(204, {
      'access-control-allow-methods': 'GET, POST, PATCH, DELETE',
      'access-control-allow-headers': 'content-type, x-api-key',
      'access-control-max-age': '600',
    });
    response.end();
    return true;
  }
  if (request.method === 'GET' && url.pathname === CONNECT_STAND_IN_PATH) {
    script ??= readFileSync(new URL('./connect-stand-in.browser.js', import.meta.url), 'utf8');
    response.writeHead(200, { 'content-type': 'text/javascript; charset=utf-8', 'cache-control': 'no-store' });
    response.end(script);
    return true;
  }
  return false;
}
