/**
 * The local API Gateway: a `node:http` server on 127.0.0.1 that routes requests with the catalog's route
 * table, runs the JWT authorizer on `user` routes, turns each request into an HTTP API payload 2.0 event for
 * the route's handler file, and sends back what the handler returned, with API Gateway's own answers where
 * API Gateway would answer instead of the function:
 *
 * | situation                                   | answer                                             |
 * |---------------------------------------------|----------------------------------------------------|
 * | body over 10 MB (HTTP API payload quota)     | 413 `{"message":"Request Entity Too Large"}`       |
 * | `user` route, token missing or invalid       | 401 `{"message":"Unauthorized"}`                   |
 * | handler throws, times out or returns garbage | 500 `{"message":"Internal Server Error"}`          |
 * | handler still running after 30 s             | 503 `{"message":"Service Unavailable"}`            |
 * | CORS preflight (when `CORS_ORIGINS` is set)  | 204 with the configured CORS headers               |
 *
 * Offline only, with `DEV_EVENTS_QUEUE_URL` set (the provisioner's dev tap): `GET /dev/events` streams the app
 * events published on the local bus as Server-Sent Events (`dev-events.ts`).
 *
 * @example
 * const gateway = await startGateway({ port: 0 });   // random port
 * await fetch(`${gateway.url}/api/v1/health`);
 * await gateway.close();
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { notFoundRoute, routes as catalogRoutes } from '../../infra/catalog/routes';
import { createJwtAuthorizer, localJwtAuthorizerSettings, type JwtAuthorizer } from '../auth/jwt-authorizer';
import {
  consoleLog,
  describeFailure,
  invokeHandler,
  LambdaTimeoutError,
  projectRoot,
  type LocalLog,
} from '../workers/lambda-runtime';
import {
  applyCorsHeaders,
  CORS_ALLOW_HEADERS,
  CORS_EXPOSE_HEADERS,
  CORS_MAX_AGE_SECONDS,
  corsOriginsFromEnv,
  isPreflight,
  preflightHeaders,
  type CorsSettings,
} from './cors';
import { SQSClient } from '@aws-sdk/client-sqs';
import { DEV_EVENTS_PATH, DevEventStream } from './dev-events';
import { buildHttpApiEvent, newRequestId, splitTarget, type RouteContext } from './http-api-event';
import { apiGatewayMessage, internalServerError, responseFromResult, type GatewayResponse } from './http-api-result';
import type { SiteHandler } from '../web/dev-site';
import { RouteMatcher, type GatewayFallbackRoute, type GatewayRoute } from './route-matcher';

export const DEFAULT_GATEWAY_PORT = 4000;
export const GATEWAY_HOST = '127.0.0.1';

/** HTTP API payload quota: https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-quotas.html */
export const MAX_REQUEST_BYTES = 10 * 1024 * 1024;
/** HTTP API's maximum integration timeout; past it the client gets 503 whatever the function's own timeout. */
const INTEGRATION_TIMEOUT_SECONDS = 30;
/** Function timeout of routes without `timeoutSeconds`; the CDK stack applies the same default (infra/banking-stack.ts). */
export const DEFAULT_ROUTE_TIMEOUT_SECONDS = 10;

export interface GatewayOptions {
  /** Default: env `PORT`, else 4000. `0` picks a free port (tests). */
  readonly port?: number;
  /** Default: the catalog's routes. */
  readonly routes?: readonly GatewayRoute[];
  /** Default: the catalog's not-found route, API Gateway's `$default`. */
  readonly fallbackRoute?: GatewayFallbackRoute;
  /** Default: the local issuer's authorizer (`.local/jwt-key.json`). */
  readonly authorizer?: JwtAuthorizer;
  /** Default: env `CORS_ORIGINS`; undefined or empty turns CORS off. */
  readonly corsOrigins?: readonly string[];
  /** Directory handler entries are relative to. Default: the repository root. */
  readonly root?: string;
  /** Default: one access-log line per request on stdout. */
  readonly log?: LocalLog;
  /**
   * Pages served beside the API (the dev console and `/docs`, local/web/dev-site.ts); asked first for every
   * path outside `/api/`. Default: none, the gateway serves only the route table like API Gateway.
   */
  readonly site?: SiteHandler;
  /** Queue the dev tap rule fills; default env `DEV_EVENTS_QUEUE_URL`. Without it `/dev/events` is not served. */
  readonly devEventsQueueUrl?: string;
}

export interface RunningGateway {
  readonly url: string;
  readonly port: number;
  /** Stops accepting connections and waits for in-flight requests. */
  close(): Promise<void>;
}

export async function startGateway(options: GatewayOptions = {}): Promise<RunningGateway> {
  const matcher = new RouteMatcher(options.routes ?? catalogRoutes, options.fallbackRoute ?? notFoundRoute);
  const authorizer = options.authorizer ?? createJwtAuthorizer(localJwtAuthorizerSettings());
  const corsOrigins = options.corsOrigins ?? corsOriginsFromEnv(process.env.CORS_ORIGINS);
  const cors: CorsSettings | undefined =
    corsOrigins && corsOrigins.length > 0
      ? {
          allowOrigins: corsOrigins,
          allowMethods: matcher.methods(),
          allowHeaders: CORS_ALLOW_HEADERS,
          exposeHeaders: CORS_EXPOSE_HEADERS,
          maxAgeSeconds: CORS_MAX_AGE_SECONDS,
        }
      : undefined;
  const log = options.log ?? consoleLog;
  const gateway = new LocalGateway(matcher, authorizer, cors, options.root ?? projectRoot, log, options.site);
  const devEventsQueueUrl = options.devEventsQueueUrl ?? process.env.DEV_EVENTS_QUEUE_URL;
  const devEvents = devEventsQueueUrl ? new DevEventStream(devEventsQueueUrl, localSqsClient(), log) : undefined;

  const server = createServer((request, response) => {
    if (devEvents && request.method === 'GET' && splitTarget(request.url ?? '/').rawPath === DEV_EVENTS_PATH) {
      devEvents.open(request, response);
      return;
    }
    gateway.handle(request, response).catch((error: unknown) => {
      log.error(`gateway failure: ${describeFailure(error)}`);
      if (!response.headersSent) send(response, internalServerError(), newRequestId());
      else response.destroy();
    });
  });
  // Keep-alive sockets would hold close() open; API Gateway's own idle timeout is irrelevant offline.
  server.keepAliveTimeout = 1000;

  const requestedPort = options.port ?? portFromEnv();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(requestedPort, GATEWAY_HOST, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${GATEWAY_HOST}:${port}`,
    port,
    close: async () => {
      const closed = new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeIdleConnections();
      });
      // Open event streams never end on their own; ending them lets close() finish.
      await devEvents?.close();
      await closed;
    },
  };
}

function localSqsClient(): SQSClient {
  const endpoint = process.env.AWS_ENDPOINT_URL;
  return new SQSClient({ region: process.env.AWS_REGION ?? 'us-east-1', ...(endpoint ? { endpoint } : {}) });
}

function portFromEnv(): number {
  const raw = process.env.PORT;
  if (raw === undefined || raw.trim() === '') return DEFAULT_GATEWAY_PORT;
  const port = Number(raw);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`PORT must be a TCP port number, got "${raw}"`);
  return port;
}

class LocalGateway {
  constructor(
    private readonly matcher: RouteMatcher,
    private readonly authorizer: JwtAuthorizer,
    private readonly cors: CorsSettings | undefined,
    private readonly root: string,
    private readonly log: LocalLog,
    private readonly site: SiteHandler | undefined,
  ) {}

  async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const receivedAt = new Date();
    const requestId = newRequestId();
    const method = (request.method ?? 'GET').toUpperCase();
    const target = request.url ?? '/';
    const { rawPath, rawSegments } = splitTarget(target);
    const origin = singleHeader(request, 'origin');
    let routeKey = '-';

    const finish = (answer: GatewayResponse): void => {
      const headers = this.cors ? applyCorsHeaders(this.cors, origin, answer.headers) : answer.headers;
      send(response, { ...answer, headers }, requestId);
      this.log.info(`${method} ${rawPath} -> ${answer.statusCode} (${routeKey}, ${Date.now() - receivedAt.getTime()} ms)`);
    };

    const body = await readBody(request);
    if (body === 'too-large') {
      response.setHeader('connection', 'close');
      finish(apiGatewayMessage(413, 'Request Entity Too Large'));
      return;
    }

    if (this.site && !rawPath.startsWith('/api/') && (await this.site(request, response, body))) {
      this.log.info(`${method} ${rawPath} -> ${response.statusCode} (site, ${Date.now() - receivedAt.getTime()} ms)`);
      return;
    }

    const requestHeaders = lowercaseHeaders(request);
    if (this.cors && isPreflight(method, requestHeaders)) {
      routeKey = 'CORS preflight';
      const headers = preflightHeaders(this.cors, requestHeaders);
      send(response, { statusCode: 204, headers, cookies: [], body: Buffer.alloc(0) }, requestId);
      this.log.info(`${method} ${rawPath} -> 204 (${routeKey})`);
      return;
    }

    const match = this.matcher.match(method, rawSegments);
    routeKey = match.routeKey;
    const routeContext: { -readonly [K in keyof RouteContext]: RouteContext[K] } = { routeKey: match.routeKey };
    if (match.kind === 'route') {
      routeContext.pathParameters = match.pathParameters;
      if (match.route.auth === 'user') {
        const verdict = await this.authorizer(singleHeader(request, 'authorization'));
        if (!verdict.authorized) {
          this.log.info(`${method} ${rawPath}: authorizer refused the request (${verdict.reason})`);
          finish(
            apiGatewayMessage(401, 'Unauthorized', verdict.wwwAuthenticate ? { 'www-authenticate': verdict.wwwAuthenticate } : {}),
          );
          return;
        }
        routeContext.jwt = { claims: verdict.claims, scopes: verdict.scopes };
      }
    }

    const event = buildHttpApiEvent(
      {
        method,
        target,
        rawHeaders: request.rawHeaders,
        httpVersion: request.httpVersion,
        sourceIp: (request.socket.remoteAddress ?? '127.0.0.1').replace(/^::ffff:/, ''),
        localPort: request.socket.localPort ?? 0,
        body,
        receivedAt,
      },
      routeContext,
      requestId,
    );
    finish(await this.invoke(match.route, event));
  }

  private async invoke(route: GatewayRoute | GatewayFallbackRoute, event: unknown): Promise<GatewayResponse> {
    const functionTimeout = route.timeoutSeconds ?? DEFAULT_ROUTE_TIMEOUT_SECONDS;
    const effectiveTimeout = Math.min(functionTimeout, INTEGRATION_TIMEOUT_SECONDS);
    try {
      const result = await invokeHandler({ id: route.id, entry: route.entry, timeoutSeconds: effectiveTimeout }, event, {
        root: this.root,
      });
      const response = responseFromResult(result);
      if (!response) this.log.error(`${route.id}: the handler returned a result API Gateway cannot use`);
      return response ?? internalServerError();
    } catch (error) {
      this.log.error(`${route.id}: invocation failed: ${describeFailure(error)}`);
      if (error instanceof LambdaTimeoutError && functionTimeout > INTEGRATION_TIMEOUT_SECONDS) {
        return apiGatewayMessage(503, 'Service Unavailable');
      }
      return internalServerError();
    }
  }
}

function send(response: ServerResponse, answer: GatewayResponse, requestId: string): void {
  response.statusCode = answer.statusCode;
  for (const [name, value] of Object.entries(answer.headers)) response.setHeader(name, value);
  if (answer.cookies.length > 0) response.setHeader('set-cookie', [...answer.cookies]);
  // API Gateway stamps its own request id on every response, whatever the integration returned.
  response.setHeader('apigw-requestid', requestId);
  response.setHeader('content-length', answer.body.length);
  response.end(answer.body);
}

/**
 * Reads the whole body, or reports `too-large` as soon as it passes {@link MAX_REQUEST_BYTES}. The rest of an
 * oversized body is drained unbuffered so the 413 can still be written to the socket.
 */
function readBody(request: IncomingMessage): Promise<Buffer | 'too-large'> {
  return new Promise((resolve, reject) => {
    const declared = Number(request.headers['content-length']);
    if (Number.isFinite(declared) && declared > MAX_REQUEST_BYTES) {
      request.resume();
      resolve('too-large');
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    let overLimit = false;
    request.on('data', (chunk: Buffer) => {
      if (overLimit) return;
      size += chunk.length;
      if (size > MAX_REQUEST_BYTES) {
        overLimit = true;
        chunks.length = 0;
        resolve('too-large');
        return;
      }
      chunks.push(chunk);
    });
    request.on('end', () => {
      if (!overLimit) resolve(Buffer.concat(chunks));
    });
    request.on('error', reject);
  });
}

function singleHeader(request: IncomingMessage, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value.join(',') : value;
}

function lowercaseHeaders(request: IncomingMessage): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(request.headers)) {
    if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(',') : value;
  }
  return headers;
}
