/**
 * Request schemas that guard security-relevant input: redirect URIs the providers send the user's browser to,
 * and bodies that may be omitted but must be objects when present.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  connectionCredentialsBody,
  plaidLinkTokenBody,
  pluggyConnectTokenBody,
} from '../../shared/api/schemas';
import { redirectUriProblem } from '../../shared/api/redirect-uri';

afterEach(() => vi.unstubAllEnvs());

const redirectFields = [
  ['plaidLinkTokenBody.redirect_uri', plaidLinkTokenBody, 'redirect_uri'],
  ['pluggyConnectTokenBody.oauth_redirect_uri', pluggyConnectTokenBody, 'oauth_redirect_uri'],
  ['connectionCredentialsBody.redirect_uri', connectionCredentialsBody, 'redirect_uri'],
  ['connectionCredentialsBody.oauth_redirect_uri', connectionCredentialsBody, 'oauth_redirect_uri'],
] as const;

describe('redirect URIs', () => {
  it.each(redirectFields)('%s refuses script, data, file and plain-http URIs', (_label, schema, field) => {
    vi.stubEnv('AWS_ENDPOINT_URL', '');
    for (const uri of [
      'javascript:alert(document.cookie)',
      'data:text/html,<script>alert(1)</script>',
      'file:///etc/passwd',
      'http://app.example.com/oauth',
      'http://localhost:3000/oauth',
      'ftp://app.example.com/',
      'https://user:pass@app.example.com/oauth',
    ]) {
      expect(schema.safeParse({ [field]: uri }).success, uri).toBe(false);
    }
    expect(schema.safeParse({ [field]: 'https://app.example.com/oauth' }).success).toBe(true);
  });

  it('allows http only for a loopback host, and only when running offline', () => {
    const offline = { offline: true, allowList: [] };
    const deployed = { offline: false, allowList: [] };
    for (const uri of ['http://localhost:4000/oauth', 'http://127.0.0.1:4000/oauth', 'http://[::1]:4000/']) {
      expect(redirectUriProblem(uri, offline), uri).toBeNull();
      expect(redirectUriProblem(uri, deployed), uri).not.toBeNull();
    }
    expect(redirectUriProblem('http://localhost.attacker.example/', offline)).not.toBeNull();
    expect(redirectUriProblem('http://app.example.com/', offline)).not.toBeNull();

    vi.stubEnv('AWS_ENDPOINT_URL', 'http://127.0.0.1:4566');
    expect(plaidLinkTokenBody.safeParse({ redirect_uri: 'http://localhost:4000/oauth' }).success).toBe(true);
  });

  it('checks the allow-list when one is configured', () => {
    const policy = { offline: false, allowList: ['https://app.example.com', 'https://other.example.com/oauth/return'] };
    expect(redirectUriProblem('https://app.example.com/any/path', policy)).toBeNull();
    expect(redirectUriProblem('https://other.example.com/oauth/return', policy)).toBeNull();
    expect(redirectUriProblem('https://other.example.com/elsewhere', policy)).not.toBeNull();
    expect(redirectUriProblem('https://app.example.com.attacker.example/', policy)).not.toBeNull();

    vi.stubEnv('AWS_ENDPOINT_URL', '');
    vi.stubEnv('REDIRECT_URI_ALLOWLIST', 'https://app.example.com');
    expect(plaidLinkTokenBody.safeParse({ redirect_uri: 'https://app.example.com/oauth' }).success).toBe(true);
    expect(plaidLinkTokenBody.safeParse({ redirect_uri: 'https://evil.example.com/oauth' }).success).toBe(false);
  });
});

describe('optional bodies', () => {
  it.each([
    ['plaidLinkTokenBody', plaidLinkTokenBody],
    ['pluggyConnectTokenBody', pluggyConnectTokenBody],
    ['connectionCredentialsBody', connectionCredentialsBody],
  ] as const)('%s accepts no body but refuses JSON null and non-objects', (_label, schema) => {
    expect(schema.safeParse(undefined).success).toBe(true);
    for (const value of [null, [], 'x', 0, false]) expect(schema.safeParse(value).success, JSON.stringify(value)).toBe(false);
  });
});
