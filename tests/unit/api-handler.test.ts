import type { APIGatewayProxyEventV2WithJWTAuthorizer } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ConfigError, NotFoundError } from '../../shared/errors/app-error';
import { MAX_BODY_BYTES, userRoute, type HttpResult } from '../../shared/http/api-handler';
import { captureOutput } from './captured-output';

function event(overrides: Partial<APIGatewayProxyEventV2WithJWTAuthorizer> & { sub?: string | null } = {}) {
  const { sub = 'user-1', ...rest } = overrides;
  return {
    version: '2.0',
    routeKey: 'POST /things/{thingId}',
    rawPath: '/things/t1',
    rawQueryString: '',
    headers: { 'content-type': 'application/json' },
    pathParameters: { thingId: 't1' },
    isBase64Encoded: false,
    requestContext: {
      requestId: 'req-123',
      http: { method: 'POST', path: '/things/t1' },
      authorizer: sub === null ? undefined : { jwt: { claims: { sub }, scopes: [] } },
    },
    ...rest,
  } as unknown as APIGatewayProxyEventV2WithJWTAuthorizer;
}

const route = userRoute(
  {
    params: z.object({ thingId: z.string().min(2) }),
    query: z.object({ limit: z.coerce.number().int().max(10).default(5) }),
    body: z.strictObject({ name: z.string().min(1) }),
  },
  async ({ userId, params, query, body }) => {
    if (body.name === 'missing') throw new NotFoundError('thing');
    if (body.name === 'boom') throw new Error('access-sandbox-0000 leaked');
    if (body.name === 'misconfigured') throw new ConfigError('PLAID_SECRET_ARN is not set (ARN or name of the plaid secret)', { details: { secret: 'plaid' } });
    return { status: 201, body: { userId, thing: params.thingId, limit: query.limit, name: body.name } };
  },
);

function json(result: HttpResult) {
  return JSON.parse(result.body ?? '') as { error?: { code: string; message: string; details: unknown } } & Record<string, unknown>;
}

describe('userRoute', () => {
  it('passes validated input and the caller to the use-case', async () => {
    const result = await route(event({ body: '{"name":"lamp"}', queryStringParameters: { limit: '3' } }));
    expect(result.statusCode).toBe(201);
    expect(json(result)).toEqual({ userId: 'user-1', thing: 't1', limit: 3, name: 'lamp' });
    expect(result.headers?.['x-request-id']).toBe('req-123');
  });

  it('names the offending field', async () => {
    const result = await route(event({ body: '{"name":""}', queryStringParameters: { limit: '99' } }));
    expect(result.statusCode).toBe(400);
    const body = json(result);
    expect(body.error?.code).toBe('VALIDATION_FAILED');
    expect(body.error?.details).toEqual(expect.arrayContaining([expect.objectContaining({ field: 'query.limit' })]));
  });

  it('rejects unknown body fields', async () => {
    const result = await route(event({ body: '{"name":"a","admin":true}' }));
    expect(json(result).error?.code).toBe('VALIDATION_FAILED');
  });

  it('answers malformed JSON with 400 MALFORMED_JSON', async () => {
    const result = await route(event({ body: '{"name":' }));
    expect(result.statusCode).toBe(400);
    expect(json(result).error?.code).toBe('MALFORMED_JSON');
  });

  it('answers a non-JSON content type with 415', async () => {
    const result = await route(event({ body: 'name=lamp', headers: { 'content-type': 'application/x-www-form-urlencoded' } }));
    expect(result.statusCode).toBe(415);
    expect(json(result).error?.code).toBe('UNSUPPORTED_MEDIA_TYPE');
  });

  it('answers an oversized body with 413 before parsing it', async () => {
    const result = await route(event({ body: JSON.stringify({ name: 'x'.repeat(MAX_BODY_BYTES) }) }));
    expect(result.statusCode).toBe(413);
  });

  it('decodes base64 bodies', async () => {
    const result = await route(event({ body: Buffer.from('{"name":"lamp"}').toString('base64'), isBase64Encoded: true }));
    expect(result.statusCode).toBe(201);
  });

  it('maps domain errors through the one mapper', async () => {
    const result = await route(event({ body: '{"name":"missing"}' }));
    expect(result.statusCode).toBe(404);
    expect(json(result).error).toEqual({ code: 'NOT_FOUND', message: 'thing not found', details: null });
  });

  it('never leaks an unexpected error', async () => {
    const result = await route(event({ body: '{"name":"boom"}' }));
    expect(result.statusCode).toBe(500);
    expect(result.body).not.toContain('access-sandbox');
    expect(result.body).not.toContain('at ');
    expect(json(result).error?.code).toBe('INTERNAL_ERROR');
  });

  it('answers a configuration problem with a generic 500 naming only the request id, and logs the detail', async () => {
    const { lines, restore } = captureOutput();
    let result: HttpResult;
    try {
      result = await route(event({ body: '{"name":"misconfigured"}' }));
    } finally {
      restore();
    }
    expect(result.statusCode).toBe(500);
    expect(json(result).error).toEqual({ code: 'INTERNAL_ERROR', message: 'Internal error', details: { request_id: 'req-123' } });
    expect(result.body).not.toContain('PLAID_SECRET_ARN');
    expect(result.body).not.toContain('plaid');
    expect(lines.join('')).toContain('PLAID_SECRET_ARN is not set');
  });

  it('answers a JSON null or any non-object where an object body is expected with 400', async () => {
    for (const body of ['null', '[]', '"lamp"', '42', 'true']) {
      const result = await route(event({ body }));
      expect(result.statusCode, body).toBe(400);
      expect(json(result).error?.code, body).toBe('VALIDATION_FAILED');
    }
  });

  it('refuses a call without verified claims', async () => {
    const result = await route(event({ sub: null, body: '{"name":"lamp"}' }));
    expect(result.statusCode).toBe(401);
  });
});
