/**
 * The local gateway's copy of API Gateway's HTTP API JWT authorizer, following the validation steps AWS
 * documents (https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-jwt-authorizer.html):
 *
 * 1. read the identity source, `$request.header.Authorization`; the token may carry a `Bearer ` prefix;
 * 2. decode it and check algorithm and signature with the key named by `kid`;
 * 3. `iss` must equal the configured issuer;
 * 4. `aud` must match a configured audience; only when `aud` is absent is `client_id` used instead;
 * 5. `exp` must be in the future, `nbf` and `iat` (when present) in the past.
 *
 * Any failure yields 401 `{"message":"Unauthorized"}` before the handler runs. On success the claims reach
 * the handler as `requestContext.authorizer.jwt.claims` with every value turned into a string, which is what
 * API Gateway does (numbers become "1700000000", arrays become "[a b]").
 *
 * The algorithm differs on purpose: API Gateway's authorizer accepts RSA keys from a JWKS endpoint, while
 * the local issuer signs with ES256 from a key file; the checks that decide who gets in are the same.
 */
import { compactVerify, decodeProtectedHeader, errors as joseErrors, type CryptoKey } from 'jose';
import { LOCAL_AUDIENCE, LOCAL_ISSUER, LOCAL_JWT_ALGORITHM, localSigningKey } from './local-jwt';

export interface VerificationKey {
  readonly kid: string;
  readonly publicKey: CryptoKey;
}

export interface JwtAuthorizerSettings {
  readonly issuer: string;
  readonly audiences: readonly string[];
  /** Resolves the verification keys (the local issuer has one). */
  readonly keys: () => Promise<readonly VerificationKey[]>;
}

export interface AuthorizedRequest {
  readonly authorized: true;
  readonly claims: Record<string, string>;
  readonly scopes: string[] | null;
}

export interface RejectedRequest {
  readonly authorized: false;
  /** Why, for the gateway's own log line; never sent to the caller beyond API Gateway's header. */
  readonly reason: string;
  /** `www-authenticate` value API Gateway adds when a token was present but invalid. */
  readonly wwwAuthenticate?: string;
}

export type AuthorizationResult = AuthorizedRequest | RejectedRequest;

export type JwtAuthorizer = (authorizationHeader: string | undefined) => Promise<AuthorizationResult>;

/** The authorizer the local gateway uses by default: the local issuer, audience and key file. */
export function localJwtAuthorizerSettings(keyFile?: string): JwtAuthorizerSettings {
  return {
    issuer: LOCAL_ISSUER,
    audiences: [LOCAL_AUDIENCE],
    keys: async () => {
      const key = await localSigningKey(keyFile);
      return [{ kid: key.kid, publicKey: key.publicKey }];
    },
  };
}

export function createJwtAuthorizer(settings: JwtAuthorizerSettings): JwtAuthorizer {
  return async (authorizationHeader) => {
    const token = tokenFromHeader(authorizationHeader);
    if (!token) return { authorized: false, reason: 'no token in the Authorization header' };
    const invalid = (description: string): RejectedRequest => ({
      authorized: false,
      reason: description,
      wwwAuthenticate: `Bearer scope="" error="invalid_token" error_description="${description}"`,
    });

    let kid: string | undefined;
    try {
      const header = decodeProtectedHeader(token);
      if (header.alg !== LOCAL_JWT_ALGORITHM) return invalid(`signing method ${String(header.alg)} is invalid`);
      kid = header.kid;
    } catch {
      return invalid('the token is malformed');
    }
    const key = (await settings.keys()).find((candidate) => candidate.kid === kid);
    if (!key) return invalid('no key matches the token kid');

    let payload: Record<string, unknown>;
    try {
      const verified = await compactVerify(token, key.publicKey, { algorithms: [LOCAL_JWT_ALGORITHM] });
      payload = JSON.parse(new TextDecoder().decode(verified.payload)) as Record<string, unknown>;
      if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) return invalid('the token is malformed');
    } catch (error) {
      if (error instanceof joseErrors.JWSSignatureVerificationFailed) return invalid('the token signature is invalid');
      return invalid('the token is malformed');
    }

    const problem = claimProblem(payload, settings, Math.floor(Date.now() / 1000));
    if (problem) return invalid(problem);
    return { authorized: true, claims: stringifyClaims(payload), scopes: scopesOf(payload) };
  };
}

/** API Gateway accepts the bare token or `Bearer <token>` in the identity source. */
function tokenFromHeader(header: string | undefined): string | undefined {
  if (!header) return undefined;
  const trimmed = header.trim();
  const match = /^Bearer\s+(\S+)$/i.exec(trimmed);
  if (match) return match[1];
  return /^\S+$/.test(trimmed) ? trimmed : undefined;
}

function claimProblem(payload: Record<string, unknown>, settings: JwtAuthorizerSettings, now: number): string | undefined {
  if (payload.iss !== settings.issuer) return 'the token has an invalid issuer';

  // `aud` wins when both are present; `client_id` (Cognito access tokens) is only consulted without `aud`.
  const audiences = payload.aud !== undefined ? payload.aud : payload.client_id;
  const presented = Array.isArray(audiences) ? audiences : [audiences];
  if (!presented.some((audience) => typeof audience === 'string' && settings.audiences.includes(audience))) {
    return 'the token has an invalid audience';
  }

  if (typeof payload.exp !== 'number') return 'the token has no expiry';
  if (payload.exp <= now) return 'the token has expired';
  if (payload.nbf !== undefined && (typeof payload.nbf !== 'number' || payload.nbf > now)) return 'the token is not valid yet';
  if (payload.iat !== undefined && (typeof payload.iat !== 'number' || payload.iat > now)) return 'the token was issued in the future';
  return undefined;
}

function stringifyClaims(payload: Record<string, unknown>): Record<string, string> {
  const claims: Record<string, string> = {};
  for (const [name, value] of Object.entries(payload)) claims[name] = claimString(value);
  return claims;
}

function claimString(value: unknown): string {
  if (typeof value === 'string') return value;
  if (Array.isArray(value)) return `[${value.map(claimString).join(' ')}]`;
  if (value !== null && typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

/** OAuth scopes from `scope` (space-separated) or `scp`; null when the token has none, as API Gateway sends. */
function scopesOf(payload: Record<string, unknown>): string[] | null {
  const raw = payload.scope ?? payload.scp;
  if (typeof raw === 'string') return raw.split(' ').filter((scope) => scope.length > 0);
  if (Array.isArray(raw)) return raw.filter((scope): scope is string => typeof scope === 'string');
  return null;
}
