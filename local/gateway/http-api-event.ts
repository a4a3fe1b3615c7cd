/**
 * Builds the event API Gateway HTTP APIs send to a Lambda integration with payload format 2.0
 * (https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-develop-integrations-lambda.html),
 * including the quirks handlers can observe in AWS:
 *
 * - header names are lowercased and repeated headers are joined with commas; the `cookie` header is taken
 *   out of `headers` and split into `cookies`; API Gateway's own `x-forwarded-for/-port/-proto` and
 *   `x-amzn-trace-id` are added;
 * - repeated query keys are joined with commas in `queryStringParameters` (decoded), while `rawQueryString`
 *   stays exactly as sent;
 * - `rawPath`, `requestContext.http.path` and `pathParameters` arrive percent-decoded (HTTP APIs decode the
 *   path, unlike REST APIs and function URLs);
 * - `queryStringParameters`, `pathParameters`, `cookies` and `body` are absent, not empty, when there are none;
 * - the body is a string: text and JSON as-is, any other content type base64-encoded with
 *   `isBase64Encoded: true` (so a form-urlencoded body arrives base64-encoded, as it does in AWS).
 */
import { randomBytes } from 'node:crypto';
import type { APIGatewayProxyEventV2WithJWTAuthorizer, APIGatewayProxyEventV2 } from 'aws-lambda';
import { LOCAL_ACCOUNT_ID } from '../workers/lambda-runtime';

/** Local stand-in for the API id that prefixes the execute-api host name in AWS. */
export const LOCAL_API_ID = 'local';

export interface IncomingRequest {
  readonly method: string;
  /** Path and query exactly as on the request line. */
  readonly target: string;
  /** Node's `rawHeaders`: alternating names and values, repeats kept. */
  readonly rawHeaders: readonly string[];
  readonly httpVersion: string;
  readonly sourceIp: string;
  /** Port the client connected to (`x-forwarded-port`). */
  readonly localPort: number;
  readonly body: Buffer;
  readonly receivedAt: Date;
}

export interface RouteContext {
  readonly routeKey: string;
  readonly pathParameters?: Readonly<Record<string, string>>;
  /** Present on routes behind the JWT authorizer. */
  readonly jwt?: { readonly claims: Record<string, string>; readonly scopes: string[] | null };
}

export type GatewayEvent = APIGatewayProxyEventV2 | APIGatewayProxyEventV2WithJWTAuthorizer;

/** API Gateway's request ids look like `JKJaXmPLvHcESHA=`: 10 random bytes, base64. */
export function newRequestId(): string {
  return randomBytes(10).toString('base64');
}

export interface SplitTarget {
  readonly rawPath: string;
  readonly rawSegments: readonly string[];
  readonly rawQueryString: string;
}

export function splitTarget(target: string): SplitTarget {
  const queryStart = target.indexOf('?');
  const pathPart = queryStart === -1 ? target : target.slice(0, queryStart);
  const rawQueryString = queryStart === -1 ? '' : target.slice(queryStart + 1);
  const rawPath = pathPart.startsWith('/') ? pathPart : `/${pathPart}`;
  return { rawPath, rawSegments: rawPath.slice(1).split('/'), rawQueryString };
}

export function buildHttpApiEvent(request: IncomingRequest, route: RouteContext, requestId: string): GatewayEvent {
  const { rawSegments, rawQueryString } = splitTarget(request.target);
  const decodedPath = `/${rawSegments.map(decodeComponent).join('/')}`;
  const { headers, cookies } = collectHeaders(request.rawHeaders);
  addForwardingHeaders(headers, request);
  const queryStringParameters = parseQuery(rawQueryString);
  const host = headers.host ?? '127.0.0.1';
  const [domainPrefix = host] = host.split('.');
  const encodeBody = request.body.length > 0 && !isTextContentType(headers['content-type']);

  const event: Record<string, unknown> = {
    version: '2.0',
    routeKey: route.routeKey,
    rawPath: decodedPath,
    rawQueryString,
  };
  if (cookies.length > 0) event.cookies = cookies;
  event.headers = headers;
  if (queryStringParameters) event.queryStringParameters = queryStringParameters;
  event.requestContext = {
    accountId: LOCAL_ACCOUNT_ID,
    apiId: LOCAL_API_ID,
    ...(route.jwt ? { authorizer: { jwt: { claims: route.jwt.claims, scopes: route.jwt.scopes } } } : {}),
    domainName: host,
    domainPrefix,
    http: {
      method: request.method,
      path: decodedPath,
      protocol: `HTTP/${request.httpVersion}`,
      sourceIp: request.sourceIp,
      userAgent: headers['user-agent'] ?? '',
    },
    requestId,
    routeKey: route.routeKey,
    stage: '$default',
    time: formatRequestTime(request.receivedAt),
    timeEpoch: request.receivedAt.getTime(),
  };
  if (route.pathParameters && Object.keys(route.pathParameters).length > 0) {
    event.pathParameters = { ...route.pathParameters };
  }
  if (request.body.length > 0) event.body = request.body.toString(encodeBody ? 'base64' : 'utf8');
  event.isBase64Encoded = encodeBody;
  return event as unknown as GatewayEvent;
}

function collectHeaders(rawHeaders: readonly string[]): { headers: Record<string, string>; cookies: string[] } {
  const headers: Record<string, string> = {};
  const cookies: string[] = [];
  for (let index = 0; index + 1 < rawHeaders.length; index += 2) {
    const name = (rawHeaders[index] ?? '').toLowerCase();
    const value = rawHeaders[index + 1] ?? '';
    if (name === 'cookie') {
      cookies.push(...value.split(';').map((cookie) => cookie.trim()).filter((cookie) => cookie.length > 0));
      continue;
    }
    headers[name] = headers[name] === undefined ? value : `${headers[name]},${value}`;
  }
  return { headers, cookies };
}

/** The headers API Gateway itself adds to what it forwards; a client-sent `x-forwarded-for` is extended. */
function addForwardingHeaders(headers: Record<string, string>, request: IncomingRequest): void {
  headers['x-forwarded-for'] = headers['x-forwarded-for'] ? `${headers['x-forwarded-for']}, ${request.sourceIp}` : request.sourceIp;
  headers['x-forwarded-port'] = String(request.localPort);
  headers['x-forwarded-proto'] = 'http';
  // X-Ray trace header format: Root=1-<epoch seconds, hex>-<96-bit random, hex>.
  const epochHex = Math.floor(request.receivedAt.getTime() / 1000).toString(16).padStart(8, '0');
  headers['x-amzn-trace-id'] ??= `Root=1-${epochHex}-${randomBytes(12).toString('hex')}`;
}

function parseQuery(rawQueryString: string): Record<string, string> | undefined {
  if (rawQueryString.length === 0) return undefined;
  const parameters: Record<string, string> = {};
  for (const pair of rawQueryString.split('&')) {
    if (pair.length === 0) continue;
    const separator = pair.indexOf('=');
    const name = decodeQueryComponent(separator === -1 ? pair : pair.slice(0, separator));
    const value = separator === -1 ? '' : decodeQueryComponent(pair.slice(separator + 1));
    parameters[name] = parameters[name] === undefined ? value : `${parameters[name]},${value}`;
  }
  return Object.keys(parameters).length > 0 ? parameters : undefined;
}

function decodeComponent(component: string): string {
  try {
    return decodeURIComponent(component);
  } catch {
    return component;
  }
}

/** Query strings use `+` for spaces (form encoding) besides `%20`. */
function decodeQueryComponent(component: string): string {
  return decodeComponent(component.replaceAll('+', ' '));
}

/**
 * Content types whose bodies API Gateway passes as text; every other body (including one without a content
 * type) is base64-encoded, because an HTTP API has no binary-media-type setting and decides by content type.
 */
export function isTextContentType(contentType: string | undefined): boolean {
  if (!contentType) return false;
  const mediaType = contentType.split(';')[0]?.trim().toLowerCase() ?? '';
  return (
    mediaType.startsWith('text/') ||
    mediaType === 'application/json' ||
    mediaType.endsWith('+json') ||
    mediaType === 'application/xml' ||
    mediaType.endsWith('+xml') ||
    mediaType === 'application/javascript'
  );
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** `requestContext.time` format: `12/Mar/2020:19:03:58 +0000` (CLF, UTC). */
export function formatRequestTime(date: Date): string {
  const pad = (value: number): string => String(value).padStart(2, '0');
  return (
    `${pad(date.getUTCDate())}/${MONTHS[date.getUTCMonth()]}/${date.getUTCFullYear()}:` +
    `${pad(date.getUTCHours())}:${pad(date.getUTCMinutes())}:${pad(date.getUTCSeconds())} +0000`
  );
}
