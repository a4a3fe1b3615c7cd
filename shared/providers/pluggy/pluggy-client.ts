/**
 * A small Pluggy HTTP client on undici. Why not the official `pluggy-sdk`: it pulls `got` and
 * `jsonwebtoken` into every bundle, rejects some 2xx answers (DELETE /items answers 204, POST /webhooks
 * 201), does not URL-encode query values (a `+` in a base64 cursor arrives as a space) and logs error bodies
 * itself (pluggy-node source, https://github.com/pluggyai/pluggy-node). What this client does instead:
 *
 * - `X-API-KEY` from {@link PluggyApiKeys}: memory, then the shared table cache, then `POST /auth`;
 * - a 401 or 403 on a data call → the key is re-minted once and the call repeated once (Pluggy answers 403
 *   "Missing or invalid authorization token" for an expired key, 401 in other cases; https://docs.pluggy.ai/docs/authentication);
 * - 429 → `rate_limited` with `RateLimit-Reset`/`Retry-After`, 5xx and network errors → `transient`, both
 *   retried a few times with backoff by `withProviderRetry` (calls that must not repeat after an ambiguous
 *   failure — MFA answers, new credentials — are retried on 429 only, which Pluggy guarantees it refused);
 * - query values encoded with URLSearchParams, JSON bodies, every 2xx body parsed with the caller's zod
 *   schema (an unexpected shape is a `permanent` failure, logged with the offending field paths only);
 * - nothing secret is logged: not the key, not the client secret, not request bodies.
 */
import { request, type Dispatcher } from 'undici';
import type * as z from 'zod/v4/core';
import { safeParse } from '../../validation/zod';
import { ProviderError } from '../../errors/app-error';
import { logger } from '../../observability/logger';
import { measuredProviderCall } from '../provider-call-metrics';
import { withProviderRetry } from '../provider-retry';
import { providerCallRetry, sleepFor, type RetryPolicy } from '../../retry/policies';
import { apiKeyFrom, isFresh, type ApiKey, type ApiKeyCache } from './pluggy-api-key';
import { pluggyErrorFrom, pluggyNetworkError } from './pluggy-errors';
import { authResponse } from './pluggy-schemas';

export const DEFAULT_PLUGGY_BASE_URL = 'https://api.pluggy.ai';
/** Per request; Pluggy's data endpoints answer in well under a second, so a stuck call fails and retries. */
export const PLUGGY_TIMEOUT_MS = 20_000;

export interface PluggyCredentials {
  readonly clientId: string;
  readonly clientSecret: string;
}

export interface PluggyClientOptions {
  readonly baseUrl: string;
  /** Reads the client id and secret (Secrets Manager, cached there). */
  readonly credentials: () => Promise<PluggyCredentials>;
  /** Called when `/auth` refuses the credentials, so a rotated secret is re-read on the next call. */
  readonly onCredentialsRejected?: () => void;
  readonly keyCache?: ApiKeyCache;
  /** An undici dispatcher (tests pass a MockAgent; production uses undici's global agent). */
  readonly dispatcher?: Dispatcher;
  readonly timeoutMs?: number;
  readonly now?: () => number;
  readonly retry?: RetryPolicy;
  readonly sleep?: (ms: number) => Promise<void>;
}

type QueryValue = string | number | boolean | undefined | null;

export interface PluggyRequest<Schema extends z.$ZodType> {
  readonly method: 'GET' | 'POST' | 'PATCH' | 'DELETE';
  /** Absolute path, e.g. `/items/8f1…`; path segments from outside must already be encoded. */
  readonly path: string;
  readonly query?: Readonly<Record<string, QueryValue>>;
  readonly body?: unknown;
  readonly schema: Schema;
  /** False for calls that must not be sent twice after an ambiguous failure; they are retried on 429 only. */
  readonly idempotent?: boolean;
  /**
   * Receives Pluggy's own time from the answer's `Date` header: times Pluggy states (an item's
   * `lastUpdatedAt`, when an update is allowed again) are compared with it, not with our clock.
   */
  readonly onServerTime?: (serverTime: Date) => void;
}

interface RawResponse {
  readonly status: number;
  readonly headers: Record<string, string | undefined>;
  readonly text: string;
}

/** Encodes one path segment taken from outside (an item or transaction id). */
export function pathSegment(value: string): string {
  return encodeURIComponent(value);
}

/**
 * Keys in memory, with one `/auth` in flight at a time per container. The table cache is consulted only
 * when memory has nothing fresh, and written after every mint.
 */
export class PluggyApiKeys {
  private current: (ApiKey & { readonly clientId: string }) | undefined;
  private minting: Promise<string> | undefined;

  constructor(
    private readonly options: Pick<PluggyClientOptions, 'credentials' | 'onCredentialsRejected' | 'keyCache'> & {
      readonly now: () => number;
      readonly send: (
        method: 'POST',
        path: string,
        body: unknown,
        apiKey: string | null,
      ) => Promise<RawResponse>;
    },
  ) {}

  async get(): Promise<string> {
    const credentials = await this.options.credentials();
    const current = this.current;
    if (current && current.clientId === credentials.clientId && isFresh(current, this.options.now())) return current.apiKey;
    return (this.minting ??= this.obtain(credentials, true).finally(() => {
      this.minting = undefined;
    }));
  }

  /** After Pluggy refused `rejected`: mints a new key (bypassing the shared cache, which may hold the same one). */
  async renew(rejected: string): Promise<string> {
    if (this.current && this.current.apiKey !== rejected && isFresh(this.current, this.options.now())) {
      // Another call already renewed it.
      return this.current.apiKey;
    }
    this.current = undefined;
    const credentials = await this.options.credentials();
    return (this.minting ??= this.obtain(credentials, false).finally(() => {
      this.minting = undefined;
    }));
  }

  private async obtain(credentials: PluggyCredentials, useSharedCache: boolean): Promise<string> {
    const cache = this.options.keyCache;
    if (useSharedCache && cache) {
      const shared = await cache.read(credentials.clientId);
      if (shared && isFresh(shared, this.options.now())) {
        this.current = { ...shared, clientId: credentials.clientId };
        return shared.apiKey;
      }
    }
    const minted = await this.mint(credentials);
    this.current = { ...minted, clientId: credentials.clientId };
    await cache?.write(credentials.clientId, minted);
    return minted.apiKey;
  }

  private async mint(credentials: PluggyCredentials): Promise<ApiKey> {
    const mintedAt = this.options.now();
    // Not retried here: every caller runs inside `PluggyClient.call`, whose retry covers this request too.
    const response = await this.options.send(
      'POST',
      '/auth',
      { clientId: credentials.clientId, clientSecret: credentials.clientSecret },
      null,
    );
    if (response.status < 200 || response.status >= 300) {
      const error = pluggyErrorFrom({ ...response, body: response.text, path: '/auth' });
      if (response.status === 401 || response.status === 403) {
        // CLIENT_KEYS_UNAUTHORIZED / CLIENT_DISABLED: the stored secret is wrong or was rotated.
        this.options.onCredentialsRejected?.();
        throw new ProviderError('pluggy', 'permanent', {
          providerCode: error.code.startsWith('HTTP_') ? 'CLIENT_KEYS_UNAUTHORIZED' : error.code,
          message: 'The bank data provider refused this service’s credentials',
        });
      }
      throw error;
    }
    const parsed = parseBody(authResponse, response.text, 'POST /auth');
    logger.info('Pluggy API key minted');
    return apiKeyFrom(parsed.apiKey, mintedAt);
  }
}

export class PluggyClient {
  readonly baseUrl: string;
  private readonly keys: PluggyApiKeys;
  private readonly timeoutMs: number;
  private readonly retry: RetryPolicy;
  private readonly sleep: (ms: number) => Promise<void>;

  /**
   * @example
   * const pluggy = new PluggyClient({ baseUrl: 'https://api.pluggy.ai', credentials: async () => ({ clientId, clientSecret }) });
   * const item = await pluggy.call({ method: 'GET', path: `/items/${pathSegment(itemId)}`, schema: item });
   */
  constructor(private readonly options: PluggyClientOptions) {
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
    this.timeoutMs = options.timeoutMs ?? PLUGGY_TIMEOUT_MS;
    this.retry = options.retry ?? providerCallRetry;
    this.sleep = options.sleep ?? sleepFor;
    this.keys = new PluggyApiKeys({
      credentials: options.credentials,
      ...(options.onCredentialsRejected ? { onCredentialsRejected: options.onCredentialsRejected } : {}),
      ...(options.keyCache ? { keyCache: options.keyCache } : {}),
      now: options.now ?? Date.now,
      send: (method, path, body, apiKey) => this.send(method, path, undefined, body, apiKey),
    });
  }

  /** One API call, authenticated, retried as the module comment describes, its 2xx body parsed. */
  async call<Schema extends z.$ZodType>(operation: PluggyRequest<Schema>): Promise<z.output<Schema>> {
    const attempt = () => this.authenticatedCall(operation);
    if (operation.idempotent !== false) return withProviderRetry(attempt, this.retry, this.sleep);
    // Only a 429 proves Pluggy did not act on the request; anything else might have been applied.
    try {
      return await withProviderRetry(
        () =>
          attempt().catch((error: unknown) => {
            throw error instanceof ProviderError && error.kind === 'transient' ? new SentOnce(error) : error;
          }),
        this.retry,
        this.sleep,
      );
    } catch (error) {
      throw error instanceof SentOnce ? error.original : error;
    }
  }

  /** One API request (re-authenticated once on 401/403), measured as one provider call. */
  private authenticatedCall<Schema extends z.$ZodType>(operation: PluggyRequest<Schema>): Promise<z.output<Schema>> {
    return measuredProviderCall('pluggy', () => this.callWithApiKey(operation));
  }

  private async callWithApiKey<Schema extends z.$ZodType>(operation: PluggyRequest<Schema>): Promise<z.output<Schema>> {
    let apiKey = await this.keys.get();
    let response = await this.send(operation.method, operation.path, operation.query, operation.body, apiKey);
    if (response.status === 401 || response.status === 403) {
      logger.info('Pluggy refused the API key; minting a new one', { status: response.status });
      apiKey = await this.keys.renew(apiKey);
      response = await this.send(operation.method, operation.path, operation.query, operation.body, apiKey);
    }
    const serverTime = Date.parse(response.headers.date ?? '');
    if (operation.onServerTime && Number.isFinite(serverTime)) operation.onServerTime(new Date(serverTime));
    if (response.status < 200 || response.status >= 300) {
      const error = pluggyErrorFrom({ ...response, body: response.text, path: operation.path });
      if (response.status === 401 || response.status === 403) {
        throw new ProviderError('pluggy', 'permanent', {
          providerCode: error.code.startsWith('HTTP_') ? 'PLUGGY_UNAUTHORIZED' : error.code,
          message: 'The bank data provider refused this service’s access',
        });
      }
      if (error.kind !== 'item_not_found' && error.kind !== 'invalid_input') {
        logger.warn('Pluggy call failed', { method: operation.method, path: routeOf(operation.path), status: response.status, code: error.code });
      }
      throw error;
    }
    return parseBody(operation.schema, response.text, `${operation.method} ${routeOf(operation.path)}`);
  }

  private async send(
    method: string,
    path: string,
    query: Readonly<Record<string, QueryValue>> | undefined,
    body: unknown,
    apiKey: string | null,
  ): Promise<RawResponse> {
    const url = `${this.baseUrl}${path}${queryString(query)}`;
    const headers: Record<string, string> = { accept: 'application/json' };
    if (apiKey) headers['x-api-key'] = apiKey;
    if (body !== undefined) headers['content-type'] = 'application/json';
    try {
      const response = await request(url, {
        method: method as Dispatcher.HttpMethod,
        headers,
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
        headersTimeout: this.timeoutMs,
        bodyTimeout: this.timeoutMs,
        ...(this.options.dispatcher ? { dispatcher: this.options.dispatcher } : {}),
      });
      const text = await response.body.text();
      return { status: response.statusCode, headers: flattenHeaders(response.headers), text };
    } catch (error) {
      // undici errors can carry the request options (with the API key header): keep only the code.
      throw pluggyNetworkError(error);
    }
  }
}

/** A transient failure of a call that must not be repeated; unwrapped once retries are over. */
class SentOnce extends Error {
  constructor(readonly original: ProviderError) {
    super(original.message);
  }
}

function queryString(query: Readonly<Record<string, QueryValue>> | undefined): string {
  if (!query) return '';
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(query)) {
    if (value !== undefined && value !== null) params.append(name, String(value));
  }
  const encoded = params.toString();
  return encoded ? `?${encoded}` : '';
}

function flattenHeaders(headers: Record<string, string | string[] | undefined>): Record<string, string | undefined> {
  const flat: Record<string, string | undefined> = {};
  for (const [name, value] of Object.entries(headers)) flat[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : value;
  return flat;
}

/** A path with its ids replaced, for logs and errors: ids are not secret, but they make metrics unbounded. */
function routeOf(path: string): string {
  return path.replace(/\/[0-9a-f]{8}-[0-9a-f-]{27,}/gi, '/{id}').replace(/\/\d+(?=\/|$)/g, '/{id}');
}

function parseBody<Schema extends z.$ZodType>(schema: Schema, text: string, operation: string): z.output<Schema> {
  let json: unknown;
  try {
    json = text === '' ? undefined : JSON.parse(text);
  } catch {
    throw unexpectedResponse(operation, ['(body is not JSON)']);
  }
  const parsed = safeParse(schema, json);
  if (!parsed.success) {
    throw unexpectedResponse(
      operation,
      parsed.error.issues.map((issue) => issue.path.join('.') || '(root)'),
    );
  }
  return parsed.data;
}

function unexpectedResponse(operation: string, fields: readonly string[]): ProviderError {
  // Field paths only: values can be account data.
  logger.error('Pluggy answered with an unexpected shape', { operation, fields: [...new Set(fields)].slice(0, 20) });
  return new ProviderError('pluggy', 'permanent', {
    providerCode: 'UNEXPECTED_RESPONSE',
    message: 'The bank data provider answered in an unexpected way',
  });
}
