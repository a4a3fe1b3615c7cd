import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { routes, type RouteDefinition } from '../../infra/catalog/routes';
import { buildOpenApiDocument, errorStatusesFor } from '../../infra/openapi/openapi-document';

type Json = Record<string, any>;

const projectRoot = resolve(import.meta.dirname, '..', '..');
const version = (JSON.parse(readFileSync(resolve(projectRoot, 'package.json'), 'utf8')) as { version: string }).version;

function operation(document: Json, route: Pick<RouteDefinition, 'path' | 'method'>): Json {
  return document.paths[route.path][route.method.toLowerCase()];
}

describe('buildOpenApiDocument', () => {
  const document: Json = buildOpenApiDocument(routes, { version });

  it('is an OpenAPI 3.1 document with one operation per route, keyed by the route id', () => {
    expect(document.openapi).toBe('3.1.0');
    const operations = Object.values(document.paths as Json).flatMap((item) => Object.values(item as Json));
    expect(operations).toHaveLength(routes.length);
    for (const route of routes) {
      expect(operation(document, route), route.id).toMatchObject({ operationId: route.id, summary: route.summary });
    }
  });

  it('declares every path parameter of a route as a required string', () => {
    const withParameters = routes.filter((route) => route.path.includes('{'));
    expect(withParameters.length).toBeGreaterThan(0);
    for (const route of withParameters) {
      const names = [...route.path.matchAll(/\{(\w+)\}/g)].map((match) => match[1]);
      const declared = (operation(document, route).parameters as Json[]).filter((parameter) => parameter.in === 'path');
      expect(declared, route.id).toEqual(names.map((name) => ({ name, in: 'path', required: true, schema: { type: 'string' } })));
    }
  });

  it('requires the bearer JWT on user routes and nothing on public ones', () => {
    expect(document.components.securitySchemes.userJwt).toMatchObject({ type: 'http', scheme: 'bearer', bearerFormat: 'JWT' });
    for (const route of routes) {
      expect(operation(document, route).security, route.id).toEqual(route.auth === 'user' ? [{ userJwt: [] }] : []);
    }
  });

  it('answers errors with the shared envelope (or API Gateway\'s own message where it answers), 401 only where a JWT or provider signature is checked, 413/415 only where a body is read', () => {
    for (const route of routes) {
      const responses = operation(document, route).responses as Json;
      for (const status of errorStatusesFor(route)) {
        const reference = responses[String(status)].$ref as string;
        const name = reference.replace('#/components/responses/', '');
        const schema = document.components.responses[name].content['application/json'].schema as Json;
        const refs = (schema.anyOf ?? [schema]).map((entry: Json) => entry.$ref);
        expect(refs.length, `${route.id} ${status}`).toBeGreaterThan(0);
        for (const ref of refs) expect(['#/components/schemas/ErrorEnvelope', '#/components/schemas/GatewayMessage'], route.id).toContain(ref);
        if (status === 400 || status === 404) expect(refs, route.id).toEqual(['#/components/schemas/ErrorEnvelope']);
      }
      expect('401' in responses, route.id).toBe(route.auth === 'user' || route.id.endsWith('Webhook'));
      expect('415' in responses, route.id).toBe(route.method === 'POST' || route.method === 'PATCH');
      expect(responses['429'], route.id).toBeDefined();
      expect(responses['500'], route.id).toBeDefined();
    }
    expect(document.components.schemas.ErrorEnvelope.properties.error.required).toEqual(['code', 'message', 'details']);
    expect(document.components.schemas.GatewayMessage.required).toEqual(['message']);
  });

  it('gives every operation a success response with its body schema (none for 204), as the route table declares', () => {
    for (const route of routes) {
      const responses = operation(document, route).responses as Json;
      const successes = Object.keys(responses).filter((status) => status.startsWith('2'));
      expect(successes, route.id).toEqual(Object.keys(route.responses));
      for (const status of successes) {
        const content = responses[status].content;
        if (status === '204') expect(content, route.id).toBeUndefined();
        else expect(content['application/json'].schema, `${route.id} ${status}`).toEqual(expect.any(Object));
      }
    }
    expect(operation(document, routes.find((route) => route.id === 'requestConnectionSync')!).responses).toHaveProperty('200');
    expect(operation(document, routes.find((route) => route.id === 'deleteConnection')!).responses['204'].content).toBeUndefined();
  });

  it('names the shared response shapes as components and references them', () => {
    for (const name of ['Connection', 'Account', 'Transaction', 'Category', 'SyncRun', 'MfaPrompt', 'ErrorEnvelope']) {
      expect(document.components.schemas[name], name).toMatchObject({ type: 'object', additionalProperties: false });
    }
    const getAccount = operation(document, routes.find((route) => route.id === 'getAccount')!);
    expect(getAccount.responses['200'].content['application/json'].schema).toEqual({ $ref: '#/components/schemas/Account' });
    const serialized = JSON.stringify(document);
    for (const match of serialized.matchAll(/"#\/components\/schemas\/(\w+)"/g)) {
      expect(document.components.schemas[match[1]!], match[1]).toBeDefined();
    }
    expect(serialized).not.toContain('#/$defs/');
  });

  it('documents the headers webhook providers authenticate with', () => {
    const plaid = operation(document, routes.find((route) => route.id === 'plaidWebhook')!);
    expect((plaid.parameters as Json[]).map((parameter) => [parameter.name, parameter.in])).toEqual([['Plaid-Verification', 'header']]);
    expect(plaid.security).toEqual([]);
    expect(plaid.requestBody.content['application/json'].schema).toEqual({ type: 'object' });
  });

  it('documents zod body and query schemas of a route as a JSON request body and query parameters', () => {
    // GIVEN a row with schemas
    const route: RouteDefinition = {
      id: 'searchThings',
      method: 'POST',
      path: '/api/v1/things/{thingId}/search',
      entry: 'functions/http/health.ts',
      auth: 'user',
      summary: 'Searches things.',
      grants: [],
      responses: { 200: z.object({ count: z.number().int() }) },
      query: z.object({ limit: z.coerce.number().int().max(100).default(25), cursor: z.string().optional() }),
      body: z.strictObject({ term: z.string().min(1), tags: z.array(z.string()).max(5).optional() }),
    };

    // WHEN
    const built: Json = buildOpenApiDocument([route], { version });
    const searched = operation(built, route);

    // THEN
    expect(searched.requestBody).toEqual({
      required: true,
      content: {
        'application/json': {
          schema: {
            type: 'object',
            properties: { term: { type: 'string', minLength: 1 }, tags: { type: 'array', items: { type: 'string' }, maxItems: 5 } },
            required: ['term'],
            additionalProperties: false,
          },
        },
      },
    });
    const query = (searched.parameters as Json[]).filter((parameter) => parameter.in === 'query');
    expect(query.map((parameter) => [parameter.name, parameter.required])).toEqual([
      ['limit', false],
      ['cursor', false],
    ]);
    expect(query[0]?.schema).toMatchObject({ type: 'integer', maximum: 100, default: 25 });
  });

  it('matches the committed docs/openapi.json (regenerate with `npm run openapi`)', () => {
    const committed = JSON.parse(readFileSync(resolve(projectRoot, 'docs', 'openapi.json'), 'utf8')) as Json;
    expect(committed).toEqual(JSON.parse(JSON.stringify(document)));
  });
});
