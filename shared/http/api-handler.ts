/**
 * The adapter between API Gateway HTTP API (payload v2) and a use-case.
 *
 * It owns everything every route does the same way: request id and log context, content type (415), body
 * size (413), JSON parsing (400 MALFORMED_JSON), zod validation of path, query and body (400
 * VALIDATION_FAILED naming each field), the caller's identity from the JWT authorizer, and turning any
 * thrown error into the one error envelope `{"error":{"code","message","details"}}` through
 * `describeError`. Handlers built with it stay a few lines long.
 */
import type {
  APIGatewayProxyEventV2,
  APIGatewayProxyEventV2WithJWTAuthorizer,
  APIGatewayProxyStructuredResultV2,
} from 'aws-lambda';
import type * as z from 'zod/v4/core';
import {
  MalformedJsonError,
  PayloadTooLargeError,
  UnauthorizedError,
  UnsupportedMediaTypeError,
} from '../errors/app-error';
import { describeError } from '../errors/error-mapper';
import { clearLogContext, logger, withLogContext } from '../observability/logger';
import { countMetric, detailMetricNames, flushMetrics } from '../observability/metrics';
import { findHeader } from './headers';
import { parseWithSchema } from './validation';

/** Bodies above this are refused before parsing; the largest legitimate body (500 ids) is ~20 KB. */
export const MAX_BODY_BYTES = 64 * 1024;

export type HttpEvent = APIGatewayProxyEventV2 | APIGatewayProxyEventV2WithJWTAuthorizer;
export type HttpResult = APIGatewayProxyStructuredResultV2;

export interface ApiResponse {
  readonly status: number;
  readonly body?: unknown;
  readonly headers?: Readonly<Record<string, string>>;
}

interface Schemas {
  params?: z.$ZodType;
  query?: z.$ZodType;
  body?: z.$ZodType;
}

type Parsed<S extends Schemas, K extends keyof Schemas> = S[K] extends z.$ZodType ? z.output<S[K]> : undefined;

export interface ApiRequest<S extends Schemas> {
  readonly requestId: string;
  readonly params: Parsed<S, 'params'>;
  readonly query: Parsed<S, 'query'>;
  readonly body: Parsed<S, 'body'>;
}

export interface UserApiRequest<S extends Schemas> extends ApiRequest<S> {
  /** The `sub` claim the JWT authorizer verified. */
  readonly userId: string;
}

/** A route behind the JWT authorizer. */
export function userRoute<S extends Schemas>(
  schemas: S,
  handle: (request: UserApiRequest<S>) => Promise<ApiResponse>,
): (event: HttpEvent) => Promise<HttpResult> {
  return (event) =>
    runRoute(event, async (requestId) => {
      const userId = userIdOf(event);
      withLogContext({ user_id: userId });
      const parsed = parseRequest(event, schemas);
      return handle({ requestId, userId, ...parsed });
    });
}

/**
 * A route without a user and without input (health, not-found): nothing to validate, so its bundle carries no
 * validation. Webhook routes use their own raw-body adapter.
 */
export function publicRoute(
  handle: (request: { readonly requestId: string }) => Promise<ApiResponse>,
): (event: HttpEvent) => Promise<HttpResult> {
  return (event) => runRoute(event, async (requestId) => handle({ requestId }));
}

/**
 * Runs one request: log context, the use-case, the error envelope, the completion log line and metrics.
 * Every HTTP adapter (user routes, public routes, webhooks) goes through here.
 */
export async function runRoute(event: HttpEvent, run: (requestId: string) => Promise<ApiResponse>): Promise<HttpResult> {
  const requestId = event.requestContext?.requestId ?? 'unknown';
  const route = event.routeKey ?? `${event.requestContext?.http?.method} ${event.rawPath}`;
  clearLogContext();
  withLogContext({ request_id: requestId });
  const started = Date.now();
  let result: HttpResult;
  try {
    const response = await run(requestId);
    result = jsonResult(response.status, response.body, requestId, response.headers);
  } catch (error) {
    const described = describeError(error);
    if (described.httpStatus >= 500) {
      logger.error('request failed', { route, code: described.code, provider_request_id: described.providerRequestId, error: error as Error });
    } else {
      logger.info('request rejected', { route, code: described.code, status: described.httpStatus, provider_request_id: described.providerRequestId });
    }
    countMetric(described.httpStatus >= 500 ? detailMetricNames.apiServerErrors : detailMetricNames.apiClientErrors);
    // An internal error carries the request id, so a caller can report it and an operator find the log line.
    const details = described.code === 'INTERNAL_ERROR' ? { request_id: requestId } : described.details;
    result = errorResult(described.httpStatus, described.code, described.message, details, requestId);
  }
  logger.info('request completed', { route, status: result.statusCode, duration_ms: Date.now() - started });
  flushMetrics();
  return result;
}

function userIdOf(event: HttpEvent): string {
  const authorizer = (event.requestContext as APIGatewayProxyEventV2WithJWTAuthorizer['requestContext']).authorizer;
  const sub = authorizer?.jwt?.claims?.sub;
  // API Gateway never invokes a JWT route without verified claims; this guards a misconfigured route.
  if (typeof sub !== 'string' || sub.length === 0) throw new UnauthorizedError('Missing or invalid token');
  return sub;
}

function parseRequest<S extends Schemas>(event: HttpEvent, schemas: S): Omit<ApiRequest<S>, 'requestId'> {
  const params = parseWithSchema(schemas.params, event.pathParameters ?? {}, 'path');
  const query = parseWithSchema(schemas.query, event.queryStringParameters ?? {}, 'query');
  const body = schemas.body ? parseWithSchema(schemas.body, readJsonBody(event), 'body') : undefined;
  return { params, query, body } as Omit<ApiRequest<S>, 'requestId'>;
}

/** Raw body bytes, base64-decoded when API Gateway flagged it (binary or non-text content types). */
export function rawBody(event: HttpEvent): Buffer {
  if (!event.body) return Buffer.alloc(0);
  return Buffer.from(event.body, event.isBase64Encoded ? 'base64' : 'utf8');
}

function readJsonBody(event: HttpEvent): unknown {
  const bytes = rawBody(event);
  if (bytes.length > MAX_BODY_BYTES) {
    throw new PayloadTooLargeError(`Request body exceeds ${MAX_BODY_BYTES} bytes`);
  }
  if (bytes.length === 0) return undefined;
  const contentType = headerValue(event, 'content-type') ?? '';
  if (!/^application\/(?:[\w.+-]+\+)?json\s*(?:;|$)/i.test(contentType)) {
    throw new UnsupportedMediaTypeError('Content-Type must be application/json');
  }
  try {
    return JSON.parse(bytes.toString('utf8')) as unknown;
  } catch {
    throw new MalformedJsonError('Request body is not valid JSON');
  }
}

export function headerValue(event: HttpEvent, name: string): string | undefined {
  return findHeader(event.headers ?? {}, name);
}

export function jsonResult(
  status: number,
  body: unknown,
  requestId: string,
  headers: Readonly<Record<string, string>> = {},
): HttpResult {
  return {
    statusCode: status,
    headers: {
      'content-type': 'application/json',
      'x-request-id': requestId,
      'cache-control': 'no-store',
      ...headers,
    },
    body: body === undefined ? '' : JSON.stringify(body),
  };
}

export function errorResult(status: number, code: string, message: string, details: unknown, requestId: string): HttpResult {
  return jsonResult(status, { error: { code, message, details: details ?? null } }, requestId);
}
