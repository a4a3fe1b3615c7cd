/**
 * The local gateway against injected routes whose handlers (tests/fixtures/local-runtime) echo the event or
 * script their result, plus the real not-found handler as `$default`; and `npm run token` end to end.
 */
import { execFile } from 'node:child_process';
import { request as httpRequest } from 'node:http';
import { promisify } from 'node:util';
import type { APIGatewayProxyEventV2WithJWTAuthorizer } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { notFoundRoute } from '../../infra/catalog/routes';
import type { RunningGateway } from '../../local/gateway/server';
import type { GatewayRoute } from '../../local/gateway/route-matcher';
import { projectRoot } from '../../local/workers/lambda-runtime';
import { PNG_SIGNATURE } from '../fixtures/local-runtime/scripted-http-handler';
import { forgeToken, startTestGateway, userToken } from '../helpers/local-gateway';

const echo = 'tests/fixtures/local-runtime/echo-event-handler.ts';
const scripted = 'tests/fixtures/local-runtime/scripted-http-handler.ts';

const testRoutes: GatewayRoute[] = [
  { id: 'echoThing', method: 'GET', path: '/api/v1/echo/{itemId}/things/{thingId}', entry: echo, auth: 'user' },
  { id: 'echoPost', method: 'POST', path: '/api/v1/echo', entry: echo, auth: 'user' },
  { id: 'echoItem', method: 'GET', path: '/api/v1/items/{itemId}', entry: echo, auth: 'none' },
  { id: 'echoSpecialItem', method: 'GET', path: '/api/v1/items/special', entry: echo, auth: 'none' },
  { id: 'echoWebhook', method: 'POST', path: '/webhooks/echo', entry: echo, auth: 'none' },
  { id: 'scripted', method: 'GET', path: '/api/v1/scripted', entry: scripted, auth: 'none' },
  { id: 'scriptedShortTimeout', method: 'GET', path: '/api/v1/scripted-short', entry: scripted, auth: 'none', timeoutSeconds: 1 },
];

interface RawResponse {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly body: Buffer;
}

/** node:http instead of fetch: repeated header lines must reach the gateway as separate lines. */
function rawRequest(
  url: string,
  options: { method?: string; headers?: Record<string, string | string[]>; body?: Buffer | string } = {},
): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const request = httpRequest(url, { method: options.method ?? 'GET' }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, headers: response.headers, body: Buffer.concat(chunks) }));
      response.on('error', reject);
    });
    for (const [name, value] of Object.entries(options.headers ?? {})) request.setHeader(name, value);
    request.on('error', reject);
    request.end(options.body);
  });
}

function eventOf(response: RawResponse): APIGatewayProxyEventV2WithJWTAuthorizer {
  expect(response.status).toBe(200);
  return JSON.parse(response.body.toString('utf8')) as APIGatewayProxyEventV2WithJWTAuthorizer;
}

describe('local gateway', () => {
  let gateway: RunningGateway;

  beforeAll(async () => {
    gateway = await startTestGateway({ routes: testRoutes, fallbackRoute: notFoundRoute, corsOrigins: ['https://app.example'] });
  });
  afterAll(async () => {
    await gateway.close();
  });

  describe('HTTP API payload 2.0 event', () => {
    it('carries route key, decoded path parameters, joined query values and headers, cookies and JWT claims', async () => {
      // Prepare
      const token = await userToken('alice');
      const target = '/api/v1/echo/caf%C3%A9%20bar/things/a%2Fb?tag=a&tag=b&q=hello%20world&empty';

      // Act
      const response = await rawRequest(`${gateway.url}${target}`, {
        headers: {
          Authorization: `Bearer ${token}`,
          'X-Repeated': ['one', 'two'],
          'User-Agent': 'gateway-test/1.0',
          Cookie: 'session=abc; theme=dark',
        },
      });
      const event = eventOf(response);

      // Assess
      expect(event.version).toBe('2.0');
      expect(event.routeKey).toBe('GET /api/v1/echo/{itemId}/things/{thingId}');
      expect(event.rawPath).toBe('/api/v1/echo/café bar/things/a/b');
      expect(event.rawQueryString).toBe('tag=a&tag=b&q=hello%20world&empty');
      expect(event.queryStringParameters).toEqual({ tag: 'a,b', q: 'hello world', empty: '' });
      expect(event.pathParameters).toEqual({ itemId: 'café bar', thingId: 'a/b' });
      expect(event.headers['x-repeated']).toBe('one,two');
      expect(event.headers['user-agent']).toBe('gateway-test/1.0');
      expect(event.headers.authorization).toBe(`Bearer ${token}`);
      expect(event.headers.cookie).toBeUndefined();
      expect(event.headers['x-forwarded-for']).toBe('127.0.0.1');
      expect(event.headers['x-forwarded-port']).toBe(String(new URL(gateway.url).port));
      expect(event.headers['x-amzn-trace-id']).toMatch(/^Root=1-[0-9a-f]{8}-[0-9a-f]{24}$/);
      expect(event.cookies).toEqual(['session=abc', 'theme=dark']);
      expect(Object.keys(event.headers).every((name) => name === name.toLowerCase())).toBe(true);
      expect(event.isBase64Encoded).toBe(false);
      expect(event.body).toBeUndefined();

      const context = event.requestContext;
      expect(context.routeKey).toBe(event.routeKey);
      expect(context.stage).toBe('$default');
      expect(context.accountId).toMatch(/^\d{12}$/);
      expect(context.apiId).toBeTruthy();
      expect(context.domainName).toBe(new URL(gateway.url).host);
      expect(context.http).toEqual({
        method: 'GET',
        path: '/api/v1/echo/café bar/things/a/b',
        protocol: 'HTTP/1.1',
        sourceIp: '127.0.0.1',
        userAgent: 'gateway-test/1.0',
      });
      expect(context.time).toMatch(/^\d{2}\/[A-Z][a-z]{2}\/\d{4}:\d{2}:\d{2}:\d{2} \+0000$/);
      expect(typeof context.timeEpoch).toBe('number');
      expect(context.requestId).toBe(response.headers['apigw-requestid']);
      expect(context.requestId).toBe(response.headers['x-request-id']);
      expect(context.authorizer.jwt.claims.sub).toBe('alice');
      expect(context.authorizer.jwt.claims.aud).toBe('open-banking-local');
      // API Gateway hands every claim over as a string.
      expect(context.authorizer.jwt.claims.exp).toMatch(/^\d+$/);
      expect(context.authorizer.jwt.scopes).toBeNull();
    });

    it('gives every request its own request id', async () => {
      // Act
      const first = eventOf(await rawRequest(`${gateway.url}/api/v1/items/1`));
      const second = eventOf(await rawRequest(`${gateway.url}/api/v1/items/1`));

      // Assess
      expect(first.requestContext.requestId).not.toBe(second.requestContext.requestId);
    });

    it('passes JSON bodies as text and other content types base64-encoded', async () => {
      // Prepare
      const token = await userToken('alice');
      const json = JSON.stringify({ amount: '12.34', note: 'café' });

      // Act
      const jsonEvent = eventOf(
        await rawRequest(`${gateway.url}/api/v1/echo`, {
          method: 'POST',
          headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json; charset=utf-8' },
          body: json,
        }),
      );
      const binaryEvent = eventOf(
        await rawRequest(`${gateway.url}/api/v1/echo`, {
          method: 'POST',
          headers: { authorization: `Bearer ${token}`, 'content-type': 'application/octet-stream' },
          body: PNG_SIGNATURE,
        }),
      );
      const formEvent = eventOf(
        await rawRequest(`${gateway.url}/api/v1/echo`, {
          method: 'POST',
          headers: { authorization: `Bearer ${token}`, 'content-type': 'application/x-www-form-urlencoded' },
          body: 'a=1&b=2',
        }),
      );

      // Assess
      expect(jsonEvent.isBase64Encoded).toBe(false);
      expect(jsonEvent.body).toBe(json);
      expect(binaryEvent.isBase64Encoded).toBe(true);
      expect(Buffer.from(binaryEvent.body ?? '', 'base64').equals(PNG_SIGNATURE)).toBe(true);
      expect(formEvent.isBase64Encoded).toBe(true);
      expect(Buffer.from(formEvent.body ?? '', 'base64').toString()).toBe('a=1&b=2');
    });

    it('prefers a literal path segment over a path parameter', async () => {
      // Act
      const special = eventOf(await rawRequest(`${gateway.url}/api/v1/items/special`));
      const other = eventOf(await rawRequest(`${gateway.url}/api/v1/items/other`));

      // Assess
      expect(special.routeKey).toBe('GET /api/v1/items/special');
      expect(special.pathParameters).toBeUndefined();
      expect(other.routeKey).toBe('GET /api/v1/items/{itemId}');
      expect(other.pathParameters).toEqual({ itemId: 'other' });
    });
  });

  describe('JWT authorizer', () => {
    const protectedUrl = (): string => `${gateway.url}/api/v1/echo/1/things/2`;

    it('answers 200 with a valid token', async () => {
      // Act
      const response = await rawRequest(protectedUrl(), { headers: { authorization: `Bearer ${await userToken('bob')}` } });

      // Assess
      expect(eventOf(response).requestContext.authorizer.jwt.claims.sub).toBe('bob');
    });

    it.each([
      ['no Authorization header', async () => undefined],
      ['an expired token', async () => `Bearer ${await forgeToken('bob', { expiresIn: -30 })}`],
      ['a token for another audience', async () => `Bearer ${await forgeToken('bob', { audience: 'someone-else' })}`],
      ['a token from another issuer', async () => `Bearer ${await forgeToken('bob', { issuer: 'https://issuer.example' })}`],
      ['a token with a bad signature', async () => `Bearer ${await forgeToken('bob', { foreignKey: true })}`],
      ['a token that is not valid yet', async () => `Bearer ${await forgeToken('bob', { notBeforeIn: 300 })}`],
      ['a token without expiry', async () => `Bearer ${await forgeToken('bob', { expiresIn: null })}`],
      ['a malformed token', async () => 'Bearer not.a.jwt'],
      ['another scheme', async () => `Basic ${Buffer.from('bob:pw').toString('base64')}`],
    ])('answers 401 like API Gateway for %s', async (_case, authorization) => {
      // Prepare
      const header = await authorization();

      // Act
      const response = await rawRequest(protectedUrl(), { headers: header ? { authorization: header } : {} });

      // Assess
      expect(response.status).toBe(401);
      expect(JSON.parse(response.body.toString())).toEqual({ message: 'Unauthorized' });
      expect(response.headers['apigw-requestid']).toBeTruthy();
    });

    it('uses client_id as the audience only when aud is absent', async () => {
      // Prepare
      const clientIdOnly = await forgeToken('carol', { audience: null, clientId: 'open-banking-local' });
      const wrongAudRightClientId = await forgeToken('carol', { audience: 'someone-else', clientId: 'open-banking-local' });

      // Act
      const accepted = await rawRequest(protectedUrl(), { headers: { authorization: `Bearer ${clientIdOnly}` } });
      const refused = await rawRequest(protectedUrl(), { headers: { authorization: `Bearer ${wrongAudRightClientId}` } });

      // Assess
      expect(accepted.status).toBe(200);
      expect(refused.status).toBe(401);
    });

    it('splits the scope claim into requestContext.authorizer.jwt.scopes', async () => {
      // Prepare
      const token = await forgeToken('dave', { scope: 'banking.read banking.write' });

      // Act
      const event = eventOf(await rawRequest(protectedUrl(), { headers: { authorization: `Bearer ${token}` } }));

      // Assess
      expect(event.requestContext.authorizer.jwt.scopes).toEqual(['banking.read', 'banking.write']);
    });

    it('lets webhook-style routes (auth none) through without a token and without authorizer context', async () => {
      // Act
      const response = await rawRequest(`${gateway.url}/webhooks/echo`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: 'Bearer garbage' },
        body: '{"webhook_code":"SYNC_UPDATES_AVAILABLE"}',
      });

      // Assess
      const event = eventOf(response);
      expect(event.routeKey).toBe('POST /webhooks/echo');
      expect(event.body).toBe('{"webhook_code":"SYNC_UPDATES_AVAILABLE"}');
      expect(event.requestContext.authorizer).toBeUndefined();
    });

    it('accepts what `npm run token` prints', async () => {
      // Act
      const { stdout } = await promisify(execFile)('npx', ['tsx', 'local/auth/print-token.ts', 'erin', '--ttl', '5'], {
        cwd: projectRoot,
      });
      const response = await rawRequest(protectedUrl(), { headers: { authorization: `Bearer ${stdout.trim()}` } });

      // Assess
      expect(stdout.trim()).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+$/);
      expect(eventOf(response).requestContext.authorizer.jwt.claims.sub).toBe('erin');
    });
  });

  describe('$default route and API Gateway answers', () => {
    it('sends unknown paths and unknown methods to the not-found handler', async () => {
      // Act
      const unknownPath = await rawRequest(`${gateway.url}/api/v1/nothing/here`);
      const unknownMethod = await rawRequest(`${gateway.url}/api/v1/items/1`, { method: 'DELETE' });

      // Assess
      for (const response of [unknownPath, unknownMethod]) {
        expect(response.status).toBe(404);
        expect(JSON.parse(response.body.toString())).toMatchObject({ error: { code: 'NOT_FOUND' } });
        expect(response.headers['x-request-id']).toBe(response.headers['apigw-requestid']);
      }
    });

    it('answers 500 Internal Server Error when the handler throws', async () => {
      // Act
      const response = await rawRequest(`${gateway.url}/api/v1/scripted?mode=throw`);

      // Assess
      expect(response.status).toBe(500);
      expect(JSON.parse(response.body.toString())).toEqual({ message: 'Internal Server Error' });
    });

    it('answers 500 when the handler outlives its function timeout', async () => {
      // Act
      const response = await rawRequest(`${gateway.url}/api/v1/scripted-short?mode=hang`);

      // Assess
      expect(response.status).toBe(500);
      expect(JSON.parse(response.body.toString())).toEqual({ message: 'Internal Server Error' });
    });

    it('decodes base64 results, sends cookies as set-cookie and wraps plain results as JSON', async () => {
      // Act
      const binary = await rawRequest(`${gateway.url}/api/v1/scripted?mode=binary`);
      const cookies = await rawRequest(`${gateway.url}/api/v1/scripted?mode=cookies`);
      const plain = await rawRequest(`${gateway.url}/api/v1/scripted?mode=plain-object`);

      // Assess
      expect(binary.headers['content-type']).toBe('image/png');
      expect(binary.body.equals(PNG_SIGNATURE)).toBe(true);
      expect(cookies.status).toBe(204);
      expect(cookies.headers['set-cookie']).toEqual(['session=abc; HttpOnly', 'theme=dark']);
      expect(plain.status).toBe(200);
      expect(plain.headers['content-type']).toBe('application/json');
      expect(JSON.parse(plain.body.toString())).toEqual({ ok: true });
    });

    it('refuses bodies over 10 MB with 413 before any handler runs', async () => {
      // Act
      const response = await rawRequest(`${gateway.url}/webhooks/echo`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: Buffer.alloc(10 * 1024 * 1024 + 1, 0x20),
      });

      // Assess
      expect(response.status).toBe(413);
      expect(JSON.parse(response.body.toString())).toEqual({ message: 'Request Entity Too Large' });
    });
  });

  describe('CORS', () => {
    it('answers preflights itself for allowed origins, without a token', async () => {
      // Act
      const allowed = await rawRequest(`${gateway.url}/api/v1/echo/1/things/2`, {
        method: 'OPTIONS',
        headers: { origin: 'https://app.example', 'access-control-request-method': 'GET', 'access-control-request-headers': 'authorization' },
      });
      const refused = await rawRequest(`${gateway.url}/api/v1/echo/1/things/2`, {
        method: 'OPTIONS',
        headers: { origin: 'https://evil.example', 'access-control-request-method': 'GET' },
      });

      // Assess
      expect(allowed.status).toBe(204);
      expect(allowed.headers['access-control-allow-origin']).toBe('https://app.example');
      expect(String(allowed.headers['access-control-allow-methods']).split(',')).toEqual(expect.arrayContaining(['GET', 'POST']));
      expect(String(allowed.headers['access-control-allow-headers']).split(',')).toContain('authorization');
      expect(refused.headers['access-control-allow-origin']).toBeUndefined();
    });

    it('puts the configured CORS headers on responses, replacing the handler’s', async () => {
      // Act
      const response = await rawRequest(`${gateway.url}/api/v1/scripted?mode=cors-headers`, { headers: { origin: 'https://app.example' } });

      // Assess
      expect(response.headers['access-control-allow-origin']).toBe('https://app.example');
      expect(response.headers['access-control-expose-headers']).toBe('x-request-id');
    });
  });
});
