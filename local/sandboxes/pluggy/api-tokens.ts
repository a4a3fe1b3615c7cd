/**
 * The two bearer credentials Pluggy hands out, as HS256 JWTs signed with a key that never leaves the process:
 *
 * - API keys from `POST /auth`: live 2 hours ("The key expires 2 hours after it is issued", docs
 *   /reference/authentication). Pluggy's SDK decodes the JWT's `exp` (without verifying it) to decide when to
 *   re-authenticate, so clients here may do the same.
 * - Connect tokens from `POST /connect_token`: live 30 minutes and can do what Pluggy Connect does with them
 *   (list connectors, create or update one Item, answer its MFA), nothing more.
 *
 * Expiry is judged by the sandbox clock, so a test can move past it without sleeping; revoking bumps a
 * generation number every earlier token carries, for "the provider stopped accepting my key" cases.
 */
import { createHmac, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import type { SandboxClock } from '../common/sandbox-clock';

export const API_KEY_TTL_SECONDS = 2 * 60 * 60;
export const CONNECT_TOKEN_TTL_SECONDS = 30 * 60;

export interface ConnectTokenOptions {
  readonly clientUserId?: string;
  readonly webhookUrl?: string;
  readonly oauthRedirectUri?: string;
  readonly avoidDuplicates?: boolean;
}

interface TokenClaims {
  readonly iss: string;
  readonly sub: string;
  readonly jti: string;
  readonly iat: number;
  readonly exp: number;
  readonly gen: number;
  readonly kind: 'api' | 'connect';
  /** Connect tokens only: the Item they were issued for (update mode). */
  readonly itemId?: string;
}

export type VerifiedToken =
  | { readonly kind: 'api'; readonly clientId: string; readonly tokenId: string }
  | {
      readonly kind: 'connect';
      readonly clientId: string;
      readonly tokenId: string;
      /** Update mode: the only Item the token may touch. */
      readonly itemId?: string;
      readonly options: ConnectTokenOptions;
    };

const ISSUER = 'pluggy-local-sandbox';

function base64url(input: Buffer | string): string {
  return Buffer.from(input).toString('base64url');
}

export class TokenIssuer {
  private readonly key = randomBytes(32);
  private generation = 0;
  /** Connect-token options stay server-side, as Pluggy keeps them: the token only names them. */
  private readonly connectOptions = new Map<string, ConnectTokenOptions>();
  /** Items created through each connect token (it may go on touching those, and only those). */
  private readonly itemsByConnectToken = new Map<string, Set<string>>();

  constructor(private readonly clock: SandboxClock) {}

  issueApiKey(clientId: string): string {
    return this.sign({ kind: 'api', sub: clientId, ttl: API_KEY_TTL_SECONDS });
  }

  issueConnectToken(clientId: string, itemId: string | undefined, options: ConnectTokenOptions): string {
    const jti = randomUUID();
    this.connectOptions.set(jti, options);
    if (itemId !== undefined) this.itemsByConnectToken.set(jti, new Set([itemId]));
    return this.sign({ kind: 'connect', sub: clientId, ttl: CONNECT_TOKEN_TTL_SECONDS, jti, itemId });
  }

  /** The verified token, or undefined when it is malformed, forged, expired or revoked. */
  verify(token: string): VerifiedToken | undefined {
    const parts = token.split('.');
    if (parts.length !== 3) return undefined;
    const [header, payload, signature] = parts as [string, string, string];
    const expected = createHmac('sha256', this.key).update(`${header}.${payload}`).digest();
    const given = Buffer.from(signature, 'base64url');
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return undefined;
    let claims: TokenClaims;
    try {
      claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as TokenClaims;
    } catch {
      return undefined;
    }
    if (claims.gen !== this.generation || claims.exp <= this.clock.nowSeconds()) return undefined;
    if (claims.kind === 'api') return { kind: 'api', clientId: claims.sub, tokenId: claims.jti };
    const options = this.connectOptions.get(claims.jti);
    if (!options) return undefined;
    return { kind: 'connect', clientId: claims.sub, tokenId: claims.jti, itemId: claims.itemId, options };
  }

  /** Records that a connect token created `itemId`, so it may read and update it afterwards. */
  bindItem(tokenId: string, itemId: string): void {
    const items = this.itemsByConnectToken.get(tokenId) ?? new Set<string>();
    items.add(itemId);
    this.itemsByConnectToken.set(tokenId, items);
  }

  connectTokenMayUse(tokenId: string, itemId: string): boolean {
    return this.itemsByConnectToken.get(tokenId)?.has(itemId) ?? false;
  }

  /** Every key and connect token issued so far stops working. */
  revokeAll(): void {
    this.generation += 1;
    this.connectOptions.clear();
    this.itemsByConnectToken.clear();
  }

  private sign(input: { kind: 'api' | 'connect'; sub: string; ttl: number; jti?: string; itemId?: string }): string {
    const issuedAt = this.clock.nowSeconds();
    const claims: TokenClaims = {
      iss: ISSUER,
      sub: input.sub,
      jti: input.jti ?? randomUUID(),
      iat: issuedAt,
      exp: issuedAt + input.ttl,
      gen: this.generation,
      kind: input.kind,
      ...(input.itemId === undefined ? {} : { itemId: input.itemId }),
    };
    const header = base64url(JSON.stringify({ alg: 'HS256', typ: 'JWT' }));
    const payload = base64url(JSON.stringify(claims));
    const signature = createHmac('sha256', this.key).update(`${header}.${payload}`).digest('base64url');
    return `${header}.${payload}.${signature}`;
  }
}
