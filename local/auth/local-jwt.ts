/**
 * The offline stack's stand-in for the identity provider: one ES256 key pair kept in `.local/jwt-key.json`
 * (git-ignored, mode 600), generated on first use, that signs user tokens and verifies them in the local
 * gateway. In AWS the HTTP API's JWT authorizer trusts Cognito (or the issuer given by CDK context) instead.
 *
 * @example
 * const token = await mintLocalToken('alice');            // 60-minute token for user `alice`
 * const token30 = await mintLocalToken('bob', { ttlMinutes: 30 });
 */
import { randomUUID } from 'node:crypto';
import { mkdir, readFile, rm, writeFile, link, chmod } from 'node:fs/promises';
import path from 'node:path';
import { SignJWT, exportJWK, generateKeyPair, importJWK, type CryptoKey, type JWK } from 'jose';
import { projectRoot } from '../workers/lambda-runtime';

/**
 * Constant whatever `PORT` the gateway listens on: a token must not become invalid because the gateway moved.
 * The URL shape only mirrors real issuers; nothing is served there.
 */
export const LOCAL_ISSUER = 'http://127.0.0.1:4000/local-issuer';
export const LOCAL_AUDIENCE = 'open-banking-local';
export const LOCAL_JWT_ALGORITHM = 'ES256';
export const DEFAULT_TOKEN_TTL_MINUTES = 60;

export const defaultKeyFile = path.join(projectRoot, '.local', 'jwt-key.json');

export interface LocalSigningKey {
  /** Key id, written to each token's header and matched on verification like a JWKS `kid`. */
  readonly kid: string;
  readonly privateKey: CryptoKey;
  readonly publicKey: CryptoKey;
}

interface StoredKeyFile {
  readonly kid: string;
  readonly alg: typeof LOCAL_JWT_ALGORITHM;
  readonly privateJwk: JWK;
  readonly publicJwk: JWK;
}

const loadedKeys = new Map<string, Promise<LocalSigningKey>>();

/** The local signing key, created (once, even with concurrent callers in several processes) if missing. */
export function localSigningKey(keyFile: string = defaultKeyFile): Promise<LocalSigningKey> {
  let loading = loadedKeys.get(keyFile);
  if (!loading) {
    loading = readOrCreateKeyFile(keyFile).then(importStoredKey);
    loadedKeys.set(keyFile, loading);
    loading.catch(() => loadedKeys.delete(keyFile));
  }
  return loading;
}

async function readOrCreateKeyFile(keyFile: string): Promise<StoredKeyFile> {
  const existing = await readKeyFile(keyFile);
  if (existing) return existing;
  await mkdir(path.dirname(keyFile), { recursive: true, mode: 0o700 });
  const { privateKey, publicKey } = await generateKeyPair(LOCAL_JWT_ALGORITHM, { extractable: true });
  const stored: StoredKeyFile = {
    kid: randomUUID(),
    alg: LOCAL_JWT_ALGORITHM,
    privateJwk: await exportJWK(privateKey),
    publicJwk: await exportJWK(publicKey),
  };
  // Write a private temp file, then hard-link it into place: link() fails if the key file already exists,
  // so when two processes (parallel test workers, dev + `npm run token`) race, exactly one key wins and
  // both end up using it.
  const temporary = `${keyFile}.${process.pid}.${randomUUID()}.tmp`;
  await writeFile(temporary, `${JSON.stringify(stored, null, 2)}\n`, { mode: 0o600 });
  try {
    await link(temporary, keyFile);
    await chmod(keyFile, 0o600);
    return stored;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    const winner = await readKeyFile(keyFile);
    if (!winner) throw new Error(`Local JWT key file ${keyFile} exists but cannot be read`);
    return winner;
  } finally {
    await rm(temporary, { force: true });
  }
}

async function readKeyFile(keyFile: string): Promise<StoredKeyFile | undefined> {
  let text: string;
  try {
    text = await readFile(keyFile, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  const parsed = JSON.parse(text) as Partial<StoredKeyFile>;
  if (typeof parsed.kid !== 'string' || parsed.alg !== LOCAL_JWT_ALGORITHM || !parsed.privateJwk || !parsed.publicJwk) {
    throw new Error(`Local JWT key file ${keyFile} is not a key this stack wrote; delete it to get a new one`);
  }
  return parsed as StoredKeyFile;
}

async function importStoredKey(stored: StoredKeyFile): Promise<LocalSigningKey> {
  const privateKey = (await importJWK(stored.privateJwk, LOCAL_JWT_ALGORITHM)) as CryptoKey;
  const publicKey = (await importJWK(stored.publicJwk, LOCAL_JWT_ALGORITHM)) as CryptoKey;
  return { kid: stored.kid, privateKey, publicKey };
}

export interface MintOptions {
  readonly ttlMinutes?: number;
  readonly keyFile?: string;
}

/** A user token the local gateway accepts: `sub` = `userId`, local issuer and audience, `exp` = now + ttl. */
export async function mintLocalToken(userId: string, options: MintOptions = {}): Promise<string> {
  if (userId.trim().length === 0) throw new Error('A user id is required');
  const ttlMinutes = options.ttlMinutes ?? DEFAULT_TOKEN_TTL_MINUTES;
  if (!Number.isFinite(ttlMinutes) || ttlMinutes <= 0) throw new Error('The token lifetime must be a positive number of minutes');
  const key = await localSigningKey(options.keyFile);
  const issuedAt = Math.floor(Date.now() / 1000);
  return new SignJWT({ token_use: 'access' })
    .setProtectedHeader({ alg: LOCAL_JWT_ALGORITHM, kid: key.kid, typ: 'JWT' })
    .setSubject(userId)
    .setIssuer(LOCAL_ISSUER)
    .setAudience(LOCAL_AUDIENCE)
    .setIssuedAt(issuedAt)
    .setExpirationTime(issuedAt + Math.round(ttlMinutes * 60))
    .setJti(randomUUID())
    .sign(key.privateKey);
}
