/**
 * Test helpers for the local gateway: start it on a free port with the real route table (or an injected
 * one), mint tokens it accepts, and forge the tokens the JWT authorizer must refuse.
 *
 * @example
 * const gateway = await startTestGateway();
 * const response = await fetch(`${gateway.url}/api/v1/banking/connections`, {
 *   headers: { authorization: `Bearer ${await userToken('alice')}` },
 * });
 * await gateway.close();
 */
import { randomUUID } from 'node:crypto';
import { SignJWT, generateKeyPair } from 'jose';
import { LOCAL_AUDIENCE, LOCAL_ISSUER, LOCAL_JWT_ALGORITHM, localSigningKey, mintLocalToken } from '../../local/auth/local-jwt';
import { startGateway, type GatewayOptions, type RunningGateway } from '../../local/gateway/server';
import { silentLog } from '../../local/workers/lambda-runtime';

/** The gateway on 127.0.0.1 and a random free port; quiet unless `log` is given. */
export function startTestGateway(options: Omit<GatewayOptions, 'port'> = {}): Promise<RunningGateway> {
  return startGateway({ log: silentLog, ...options, port: 0 });
}

/** A valid user token, exactly what `npm run token -- <userId>` prints. */
export function userToken(userId: string, ttlMinutes = 10): Promise<string> {
  return mintLocalToken(userId, { ttlMinutes });
}

export interface ForgedTokenOptions {
  readonly issuer?: string;
  /** `null` leaves `aud` out. */
  readonly audience?: string | string[] | null;
  readonly clientId?: string;
  /** Seconds from now; negative for an expired token. `null` leaves `exp` out. */
  readonly expiresIn?: number | null;
  readonly notBeforeIn?: number;
  /** Sign with a freshly generated key that carries the local key's `kid`: a bad signature. */
  readonly foreignKey?: boolean;
  readonly scope?: string;
}

/** A token built like the local issuer's but with the given deviations, for authorizer tests. */
export async function forgeToken(userId: string, options: ForgedTokenOptions = {}): Promise<string> {
  const localKey = await localSigningKey();
  const signingKey = options.foreignKey ? (await generateKeyPair(LOCAL_JWT_ALGORITHM)).privateKey : localKey.privateKey;
  const now = Math.floor(Date.now() / 1000);
  const claims: Record<string, unknown> = { sub: userId, iss: options.issuer ?? LOCAL_ISSUER, iat: now - 60, jti: randomUUID() };
  const audience = options.audience === undefined ? LOCAL_AUDIENCE : options.audience;
  if (audience !== null) claims.aud = audience;
  if (options.clientId !== undefined) claims.client_id = options.clientId;
  const expiresIn = options.expiresIn === undefined ? 600 : options.expiresIn;
  if (expiresIn !== null) claims.exp = now + expiresIn;
  if (options.notBeforeIn !== undefined) claims.nbf = now + options.notBeforeIn;
  if (options.scope !== undefined) claims.scope = options.scope;
  return new SignJWT(claims).setProtectedHeader({ alg: LOCAL_JWT_ALGORITHM, kid: localKey.kid, typ: 'JWT' }).sign(signingKey);
}
