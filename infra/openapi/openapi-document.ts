/**
 * Builds the OpenAPI 3.1 description of the HTTP API from the route table in `infra/catalog/routes.ts`, the
 * same rows the CDK stack and the local gateway serve, so the document cannot list a route that does not
 * exist or miss one that does.
 *
 * What a row does not say is filled in from the conventions every route shares (`shared/http/api-handler.ts`):
 * the error envelope, which error statuses a kind of route can answer, the `x-request-id` header, and the JWT
 * bearer scheme of `user` routes. Request bodies and query strings are documented when the row carries zod
 * schemas (`body`, `query`), converted with zod 4's `z.toJSONSchema`, whose default dialect (JSON Schema
 * 2020-12) is the one OpenAPI 3.1 uses.
 */
import { z } from 'zod';
import type { HttpMethod, RouteDefinition } from '../catalog/routes';

type JsonObject = { [key: string]: unknown };

export interface OpenApiDocumentOptions {
  readonly version: string;
}

const securitySchemeName = 'userJwt';

/** Shared error responses, by status; each route references the ones it can answer. */
const errorResponses = {
  400: { name: 'BadRequest', description: 'Malformed JSON or a field that fails validation (named in details).' },
  401: { name: 'Unauthorized', description: 'Missing, expired or invalid bearer token.' },
  404: { name: 'NotFound', description: 'No such resource for this caller (another user\'s resource is also 404).' },
  409: { name: 'Conflict', description: 'The request conflicts with the current state of the resource.' },
  413: { name: 'PayloadTooLarge', description: 'The request body exceeds the size limit.' },
  415: { name: 'UnsupportedMediaType', description: 'The request body is not application/json.' },
  500: { name: 'InternalError', description: 'Unexpected failure; the body never contains internals.' },
} as const;

type ErrorStatus = keyof typeof errorResponses;

const requestIdHeader = {
  description: 'Request id; the same id appears in the service logs for this request.',
  schema: { type: 'string' },
};

/**
 * @example
 * const document = buildOpenApiDocument(routes, { version: '0.1.0' });
 * document.paths['/api/v1/health'].get.operationId; // 'health'
 */
export function buildOpenApiDocument(routeTable: readonly RouteDefinition[], options: OpenApiDocumentOptions): JsonObject {
  const paths: Record<string, Record<string, JsonObject>> = {};
  for (const route of routeTable) {
    const operations = (paths[route.path] ??= {});
    operations[route.method.toLowerCase()] = operationFor(route);
  }

  return {
    openapi: '3.1.0',
    info: {
      title: 'Open-banking API',
      version: options.version,
      description:
        'Connect bank accounts through Plaid (US/CA) and Pluggy (Brazil, Open Finance) and read accounts, ' +
        'balances and transactions kept in sync. JSON uses snake_case; money is an exact decimal string with ' +
        'its currency, negative when money leaves the account. Every error has the same envelope.',
    },
    servers: [
      { url: 'http://127.0.0.1:4000', description: 'Offline stack (npm run dev)' },
      {
        url: 'https://{apiId}.execute-api.{region}.amazonaws.com',
        description: 'Deployed stack (the ApiUrl stack output)',
        variables: { apiId: { default: 'api-id' }, region: { default: 'us-east-1' } },
      },
    ],
    tags: [...new Set(routeTable.map(tagOf))].sort().map((name) => ({ name })),
    paths: sortKeys(paths),
    components: {
      securitySchemes: {
        [securitySchemeName]: {
          type: 'http',
          scheme: 'bearer',
          bearerFormat: 'JWT',
          description: 'User JWT verified by the API Gateway JWT authorizer; the user id is the `sub` claim.',
        },
      },
      schemas: {
        ErrorEnvelope: {
          type: 'object',
          required: ['error'],
          additionalProperties: false,
          properties: {
            error: {
              type: 'object',
              required: ['code', 'message', 'details'],
              additionalProperties: false,
              properties: {
                code: { type: 'string', description: 'Stable UPPER_SNAKE code, e.g. VALIDATION_FAILED.' },
                message: { type: 'string', description: 'Human-readable summary; never contains secrets.' },
                details: {
                  description: 'Extra data safe to show; for VALIDATION_FAILED a list of {field, message}.',
                  oneOf: [
                    { type: 'null' },
                    {
                      type: 'array',
                      items: {
                        type: 'object',
                        required: ['field', 'message'],
                        properties: { field: { type: 'string' }, message: { type: 'string' } },
                      },
                    },
                    { type: 'object' },
                  ],
                },
              },
            },
          },
        },
      },
      responses: Object.fromEntries(
        Object.values(errorResponses).map(({ name, description }) => [
          name,
          {
            description,
            headers: { 'x-request-id': requestIdHeader },
            content: { 'application/json': { schema: { $ref: '#/components/schemas/ErrorEnvelope' } } },
          },
        ]),
      ),
    },
  };
}

function operationFor(route: RouteDefinition): JsonObject {
  const operation: JsonObject = {
    operationId: route.id,
    summary: route.summary,
    tags: [tagOf(route)],
    security: route.auth === 'user' ? [{ [securitySchemeName]: [] }] : [],
  };

  const parameters = [...pathParameters(route.path), ...queryParameters(route)];
  if (parameters.length > 0) operation.parameters = parameters;

  if (route.body) {
    operation.requestBody = {
      required: true,
      content: { 'application/json': { schema: jsonSchemaOf(route.body) } },
    };
  }

  const responses: JsonObject = {
    '2XX': { description: 'Success.', headers: { 'x-request-id': requestIdHeader } },
  };
  for (const status of errorStatusesFor(route)) {
    responses[String(status)] = { $ref: `#/components/responses/${errorResponses[status].name}` };
  }
  operation.responses = responses;
  return operation;
}

/**
 * Which error statuses a route can answer, from what it accepts: every route validates its path and can fail
 * (400, 404, 500); JWT routes add 401; routes that take a body add 413 and 415; routes that change state can
 * conflict with it (409).
 */
export function errorStatusesFor(route: Pick<RouteDefinition, 'auth' | 'method'>): ErrorStatus[] {
  const statuses: ErrorStatus[] = [400];
  if (route.auth === 'user') statuses.push(401);
  statuses.push(404);
  if (changesState(route.method)) statuses.push(409);
  if (takesBody(route.method)) statuses.push(413, 415);
  statuses.push(500);
  return statuses;
}

function changesState(method: HttpMethod): boolean {
  return method !== 'GET';
}

function takesBody(method: HttpMethod): boolean {
  return method === 'POST' || method === 'PATCH';
}

function pathParameters(path: string): JsonObject[] {
  return [...path.matchAll(/\{([A-Za-z0-9_]+)\}/g)].map((match) => ({
    name: match[1],
    in: 'path',
    required: true,
    schema: { type: 'string' },
  }));
}

/** Each property of the query schema becomes one `in: query` parameter (query strings are flat). */
function queryParameters(route: RouteDefinition): JsonObject[] {
  if (!route.query) return [];
  const schema = jsonSchemaOf(route.query);
  const properties = (schema.properties ?? {}) as Record<string, JsonObject>;
  const required = new Set((schema.required ?? []) as string[]);
  return Object.entries(properties).map(([name, propertySchema]) => {
    const { description, ...rest } = propertySchema;
    return {
      name,
      in: 'query',
      required: required.has(name),
      ...(typeof description === 'string' ? { description } : {}),
      schema: rest,
    };
  });
}

/**
 * The request-side JSON Schema of a zod schema. `io: 'input'` describes what a client sends (before
 * transforms and defaults); refinements and transforms have no JSON Schema form and are left out rather than
 * failing the whole document.
 */
function jsonSchemaOf(schema: z.ZodType): JsonObject {
  const { $schema: _dialect, ...jsonSchema } = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as JsonObject;
  return jsonSchema;
}

/** `/api/v1/banking/connections/{id}` → `connections`; `/api/v1/webhooks/plaid` → `webhooks`. */
function tagOf(route: Pick<RouteDefinition, 'path'>): string {
  const segments = route.path.split('/').filter((segment) => segment.length > 0 && !segment.startsWith('{'));
  const meaningful = segments.filter((segment) => !/^(api|v\d+|banking)$/.test(segment));
  return meaningful[0] ?? 'api';
}

function sortKeys<T>(record: Record<string, T>): Record<string, T> {
  return Object.fromEntries(Object.entries(record).sort(([a], [b]) => a.localeCompare(b)));
}
