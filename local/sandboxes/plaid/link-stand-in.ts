/**
 * Offline stand-in for Plaid Link, served by the sandbox under `/link-local/`:
 *
 * - `GET /link-local/link-initialize.js`: the script a page loads instead of
 *   https://cdn.plaid.com/link/v2/stable/link-initialize.js. It defines `window.Plaid.create({ token,
 *   onSuccess, onExit, onEvent, onLoad })` returning a handler with `open()`, `exit()` and `destroy()`, the
 *   API documented at https://plaid.com/docs/link/web/.
 * - `GET /link-local/session?token=`: what the Link UI needs to draw a session (create or update mode, the
 *   institutions to pick from, the Item's institution in update mode).
 * - `POST /link-local/complete`: the user finished Link; the same work as the control endpoint
 *   `/sandbox/local/link/complete` (a public token and onSuccess metadata, or a repaired Item in update mode,
 *   or Plaid's error for an `error_<CODE>` password).
 *
 * The script is a browser page's cross-origin dependency, so these answers carry `access-control-allow-origin: *`;
 * the UI posts `text/plain` bodies (a CORS "simple request", no preflight).
 */
import { readFileSync } from 'node:fs';
import { PlaidSandboxError } from './errors';
import { SANDBOX_INSTITUTIONS } from './institutions';
import type { PlaidSandboxState } from './sandbox-state';

/** Beside Plaid's own `/link/...` API paths (`/link/token/create`), never under them. */
export const LINK_STAND_IN_PREFIX = '/link-local/';

export interface StandInReply {
  readonly status: number;
  readonly contentType: string;
  readonly body: string;
}

const json = (status: number, body: unknown): StandInReply => ({ status, contentType: 'application/json', body: JSON.stringify(body) });

let script: string | undefined;

export function handleLinkStandIn(
  state: PlaidSandboxState,
  completeLink: (body: unknown) => { status: number; body: unknown },
  method: string,
  url: URL,
  raw: Buffer,
): StandInReply {
  const route = `${method} ${url.pathname}`;
  if (route === 'GET /link-local/link-initialize.js') {
    script ??= readFileSync(new URL('./link-stand-in.browser.js', import.meta.url), 'utf8');
    return { status: 200, contentType: 'text/javascript; charset=utf-8', body: script };
  }
  if (route === 'GET /link-local/session') {
    try {
      const token = state.linkToken(url.searchParams.get('token') ?? '');
      const item = token.accessToken === undefined ? undefined : state.itemForAccessToken(token.accessToken);
      return json(200, {
        mode: item ? 'update' : 'create',
        institution: item ? { institution_id: item.institution.institutionId, name: item.institution.name } : null,
        institutions: SANDBOX_INSTITUTIONS.map((institution) => ({ institution_id: institution.institutionId, name: institution.name })),
      });
    } catch (error) {
      if (error instanceof PlaidSandboxError) return json(400, error.toEmbeddedError());
      throw error;
    }
  }
  if (route === 'POST /link-local/complete') {
    let body: unknown;
    try {
      body = JSON.parse(raw.toString('utf8'));
    } catch {
      return json(400, { error_code: 'INVALID_BODY', error_message: 'body could not be parsed as JSON' });
    }
    const reply = completeLink(body);
    // Control replies carry Plaid's error as `plaid_error`; Link's onExit receives exactly that shape.
    const plaidError = (reply.body as { plaid_error?: unknown }).plaid_error;
    return json(reply.status, plaidError ?? reply.body);
  }
  return json(404, { error_code: 'NOT_FOUND', error_message: `no Link stand-in route ${route}` });
}
