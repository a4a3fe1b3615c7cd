/**
 * Builds the OpenAPI 3.1 description of the HTTP API from the route table in `infra/catalog/routes.ts`, the
 * same rows the CDK stack and the local gateway serve, so the document cannot list a route that does not
 * exist or miss one that does.
 *
 * Each row's success responses (`responses`: status → zod schema from `shared/api/responses.ts`) are
 * documented as they are; what a row does not say is filled in from the conventions every route shares
 * (`shared/http/api-handler.ts`): the error envelope, which error statuses a kind of route can answer, the
 * `x-request-id` header, and the JWT bearer scheme of `user` routes. Zod schemas are converted with zod 4's
 * `z.toJSONSchema`, whose default dialect (JSON Schema 2020-12) is the one OpenAPI 3.1 uses; schemas named
 * with `.meta({ id })` become `components.schemas` entries referenced by `$ref`.
 */
import { z } from 'zod';
import { errorEnvelope, gatewayMessage } from '../../shared/api/responses';
import type { HttpMethod, RouteDefinition } from '../catalog/routes';

type JsonObject = { [key: string]: unknown };

export interface OpenApiDocumentOptions {
  readonly version: string;
}

const securitySchemeName = 'userJwt';

/**
 * Shared error responses, by status; each route references the ones it can answer. `gateway: 'only'` is an
 * answer API Gateway gives before any function runs; `gateway: 'also'` can come from either (the function's
 * envelope, or API Gateway's `{"message"}` when it refuses, times out or fails the integration).
 */
const errorResponses = {
  400: { name: 'BadRequest', description: 'Malformed JSON or a field that fails validation (named in details).', gateway: 'never' },
  401: {
    name: 'Unauthorized',
    description: "Missing, expired or invalid bearer token (API Gateway's JWT authorizer), or a webhook that fails verification.",
    gateway: 'also',
  },
  404: { name: 'NotFound', description: "No such resource for this caller (another user's resource is also 404).", gateway: 'never' },
  409: { name: 'Conflict', description: 'The request conflicts with the current state of the resource or connection.', gateway: 'never' },
  410: { name: 'Gone', description: 'The cursor is older than the change feed keeps, or from its previous version (CURSOR_EXPIRED); start again without one.', gateway: 'never' },
  413: { name: 'PayloadTooLarge', description: 'The request body exceeds the size limit.', gateway: 'also' },
  415: { name: 'UnsupportedMediaType', description: 'The request body is not application/json.', gateway: 'never' },
  429: { name: 'TooManyRequests', description: 'API Gateway throttled the request (stage or account rate limit); retry later.', gateway: 'only' },
  500: { name: 'InternalError', description: 'Unexpected failure; the body never contains internals.', gateway: 'also' },
  502: { name: 'ProviderFailed', description: 'The provider (Plaid or Pluggy) failed; safe to retry later.', gateway: 'never' },
  503: {
    name: 'Unavailable',
    description: 'The provider rate-limited us, or the function outlived the 30 s integration timeout; retry later.',
    gateway: 'also',
  },
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
  const componentSchemas: Record<string, JsonObject> = {};
  // Referenced by the shared error responses below.
  jsonSchemaOf(errorEnvelope, 'output', componentSchemas);
  jsonSchemaOf(gatewayMessage, 'output', componentSchemas);
  const paths: Record<string, Record<string, JsonObject>> = {};
  for (const route of routeTable) {
    const operations = (paths[route.path] ??= {});
    operations[route.method.toLowerCase()] = operationFor(route, componentSchemas);
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
      schemas: sortKeys(componentSchemas),
      responses: Object.fromEntries(
        Object.values(errorResponses).map(({ name, description, gateway }) => [
          name,
          {
            description,
            headers: { 'x-request-id': requestIdHeader },
            content: { 'application/json': { schema: errorBodySchema(gateway) } },
          },
        ]),
      ),
    },
  };
}

function operationFor(route: RouteDefinition, components: Record<string, JsonObject>): JsonObject {
  const operation: JsonObject = {
    operationId: route.id,
    summary: route.summary,
    tags: [tagOf(route)],
    security: route.auth === 'user' ? [{ [securitySchemeName]: [] }] : [],
  };

  const parameters = [...pathParameters(route.path), ...providerAuthParameters(route), ...queryParameters(route)];
  if (parameters.length > 0) operation.parameters = parameters;

  if (route.body) {
    operation.requestBody = {
      required: true,
      content: { 'application/json': { schema: jsonSchemaOf(route.body, 'input', components) } },
    };
  } else if (route.providerAuthHeaders) {
    operation.requestBody = {
      required: true,
      description: "The provider's webhook payload, verified over its raw bytes before it is parsed.",
      content: { 'application/json': { schema: { type: 'object' } } },
    };
  }

  const responses: JsonObject = {};
  for (const [status, schema] of Object.entries(route.responses)) {
    responses[status] = {
      description: successDescriptions[status] ?? 'Success.',
      headers: { 'x-request-id': requestIdHeader },
      ...(schema ? { content: { 'application/json': { schema: jsonSchemaOf(schema, 'output', components) } } } : {}),
    };
  }
  for (const status of errorStatusesFor(route)) {
    responses[String(status)] = { $ref: `#/components/responses/${errorResponses[status].name}` };
  }
  operation.responses = responses;
  return operation;
}

const successDescriptions: Record<string, string> = {
  '200': 'OK.',
  '201': 'Created.',
  '202': 'Accepted: the work continues in the background (follow the sync run).',
  '204': 'Done; no body.',
};

function errorBodySchema(gateway: 'never' | 'also' | 'only'): JsonObject {
  const envelope = { $ref: '#/components/schemas/ErrorEnvelope' };
  const message = { $ref: '#/components/schemas/GatewayMessage' };
  if (gateway === 'never') return envelope;
  if (gateway === 'only') return message;
  return { anyOf: [envelope, message] };
}

/**
 * Which error statuses a route can answer, from what it is: every route validates its path and can fail
 * (400, 404, 500) and can be throttled by API Gateway (429); JWT routes and provider-authenticated webhooks
 * add 401; routes that take a body add 413 and 415; routes that change state can conflict with it (409);
 * routes that call a provider can meet its refusal (409: login required, consent revoked), its failure (502)
 * or its rate limit (503); a function allowed past 30 s can outlive API Gateway's integration timeout (503).
 */
export function errorStatusesFor(
  route: Pick<RouteDefinition, 'auth' | 'method' | 'grants' | 'timeoutSeconds' | 'providerAuthHeaders' | 'extraErrorStatuses'>,
): ErrorStatus[] {
  const provider = callsProvider(route);
  const statuses: ErrorStatus[] = [400];
  if (route.auth === 'user' || route.providerAuthHeaders) statuses.push(401);
  statuses.push(404);
  if ((changesState(route.method) && !route.providerAuthHeaders) || (provider && route.auth === 'user')) statuses.push(409);
  statuses.push(...(route.extraErrorStatuses ?? []));
  if (takesBody(route.method)) statuses.push(413, 415);
  statuses.push(429, 500);
  if (provider && route.auth === 'user') statuses.push(502);
  if ((provider && route.auth === 'user') || (route.timeoutSeconds ?? 0) > 30) statuses.push(503);
  return statuses;
}

/** A route that holds a provider secret talks to the provider (webhook routes only fetch verification keys). */
function callsProvider(route: Pick<RouteDefinition, 'grants'>): boolean {
  return route.grants.some((grant) => grant === 'secret:plaid' || grant === 'secret:pluggy');
}

function providerAuthParameters(route: RouteDefinition): JsonObject[] {
  return (route.providerAuthHeaders ?? []).map((header) => ({
    name: header.name,
    in: 'header',
    required: false,
    description: header.description,
    schema: { type: 'string' },
  }));
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
  const schema = jsonSchemaOf(route.query, 'input', {});
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
 * The JSON Schema of a zod schema: `io: 'input'` for requests (what a client sends, before transforms and
 * defaults), `'output'` for responses (what the presenters produce). Named schemas (`.meta({ id })`) move to
 * `components` and are referenced; refinements and transforms have no JSON Schema form and are left out
 * rather than failing the whole document.
 */
function jsonSchemaOf(schema: z.core.$ZodType, io: 'input' | 'output', components: Record<string, JsonObject>): JsonObject {
  const generated = z.toJSONSchema(schema, { io, unrepresentable: 'any' }) as JsonObject;
  const { $schema: _dialect, $defs, ...jsonSchema } = JSON.parse(
    JSON.stringify(generated).replaceAll('"#/$defs/', '"#/components/schemas/'),
  ) as JsonObject;
  for (const [name, definition] of Object.entries(($defs ?? {}) as Record<string, JsonObject>)) {
    const known = components[name];
    if (known && JSON.stringify(known) !== JSON.stringify(definition)) {
      throw new Error(`two different schemas are named ${name}`);
    }
    components[name] = definition;
  }
  // A named schema at the top comes back as its own definition, inline; reference it like the others.
  const id = z.globalRegistry.get(schema)?.id;
  if (typeof id === 'string' && components[id] === undefined) components[id] = jsonSchema;
  return typeof id === 'string' ? { $ref: `#/components/schemas/${id}` } : jsonSchema;
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
