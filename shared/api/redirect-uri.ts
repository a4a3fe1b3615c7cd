/**
 * Redirect URIs the providers send the user's browser back to (Plaid `redirect_uri`, Pluggy
 * `oauthRedirectUri`). Whatever we pass on is where an end user lands after authenticating at their bank,
 * so only web URLs we would serve ourselves are accepted:
 * - `https:` with no user info in the URL;
 * - `http:` only for a loopback host (localhost, 127.0.0.1, ::1), and only offline: Plaid accepts plain
 *   http for localhost in Sandbox alone (https://plaid.com/docs/link/oauth/#configure-your-redirect-uri);
 * - when `REDIRECT_URI_ALLOWLIST` is set (comma-separated), also one of its entries: an origin
 *   (`https://app.example.com`, any path under it) or an exact URL with a path.
 *
 * "Offline" means the functions talk to a local AWS emulator (`AWS_ENDPOINT_URL` is set; it never is in a
 * deployment, see shared/config/env.ts).
 */
import * as z from '../validation/zod';
import { lazySchema } from '../validation/lazy-schema';

export interface RedirectPolicy {
  readonly offline: boolean;
  readonly allowList: readonly string[];
}

export function redirectPolicyFromEnv(env: NodeJS.ProcessEnv = process.env): RedirectPolicy {
  const allowList = (env.REDIRECT_URI_ALLOWLIST ?? '')
    .split(',')
    .map((entry) => entry.trim())
    .filter((entry) => entry.length > 0);
  return { offline: Boolean(env.AWS_ENDPOINT_URL?.trim()), allowList };
}

const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);

/** Why `uri` is refused under `policy`, or null when it is acceptable. */
export function redirectUriProblem(uri: string, policy: RedirectPolicy): string | null {
  let url: URL;
  try {
    url = new URL(uri);
  } catch {
    return 'Must be a URL';
  }
  if (url.username || url.password) return 'Must not carry user name or password';
  const loopback = LOOPBACK_HOSTS.has(url.hostname);
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && loopback && policy.offline)) {
    return policy.offline ? 'Must be an https URL (http only for localhost)' : 'Must be an https URL';
  }
  if (policy.allowList.length > 0 && !policy.allowList.some((entry) => allowedBy(entry, url))) {
    return 'Must be one of the configured redirect URIs';
  }
  return null;
}

function allowedBy(entry: string, url: URL): boolean {
  let allowed: URL;
  try {
    allowed = new URL(entry);
  } catch {
    return false;
  }
  if (allowed.origin !== url.origin) return false;
  // An origin entry admits any path; an entry with a path admits exactly that URL (query aside).
  return allowed.pathname === '/' ? true : allowed.pathname === url.pathname;
}

/** A redirect URI field: a URL, then the policy of the running process. */
export const redirectUri = /* @__PURE__ */ lazySchema(() =>
  z.url().check(
    z.maxLength(2048),
    z.superRefine((value, context) => {
      const problem = redirectUriProblem(value, redirectPolicyFromEnv());
      if (problem) context.issues.push({ code: 'custom', message: problem, input: value });
    }),
  ),
);
