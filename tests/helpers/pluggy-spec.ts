/**
 * Pluggy's OpenAPI document (3.1, ReadMe export of Nov 2025) as a validator, with the corrections the document
 * itself, Pluggy's SDK and docs call for. Each correction names its evidence; everything else is validated as
 * written.
 *
 * - Nullability: the document never marks a property nullable, while the API sends `null` for absent values
 *   (pluggy-node types: `descriptionRaw: string | null`, `error: … | null`, `expiresAt: Date | null`, …), so
 *   optional properties also accept `null`.
 * - `GET /categories`: the schema says a bare array, the operation's own example and the SDK's integration
 *   test (`categories.results`) a page object — the page object wins.
 * - Webhook responses: the `event` enum of the Webhook schema lacks `transactions/*` and payment events that
 *   the CreateWebhook request enum (and the SDK's WEBHOOK_EVENTS) accept; responses get the request's enum.
 */
import { createOpenApiValidator, loadOpenApiDocument, providerSpecPath, specExists, type OpenApiValidator } from './openapi-validator';

type JsonObject = Record<string, unknown>;

export const PLUGGY_SPEC_FILE = 'pluggy-openapi-readme-2025-11.json';

export function pluggySpecPath(): string {
  return providerSpecPath(PLUGGY_SPEC_FILE);
}

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function jsonSchema(container: unknown): JsonObject | undefined {
  if (!isObject(container) || !isObject(container.content)) return undefined;
  const json = container.content['application/json'];
  return isObject(json) && isObject(json.schema) ? json.schema : undefined;
}

function replaceEventEnums(schema: unknown, events: readonly unknown[]): void {
  if (Array.isArray(schema)) {
    for (const entry of schema) replaceEventEnums(entry, events);
    return;
  }
  if (!isObject(schema)) return;
  const properties = schema.properties;
  if (isObject(properties) && isObject(properties.event) && Array.isArray(properties.event.enum)) properties.event.enum = [...events];
  for (const value of Object.values(schema)) replaceEventEnums(value, events);
}

/** Applies the corrections listed above to a parsed document (in place) and returns it. */
export function correctPluggyDocument(document: JsonObject): JsonObject {
  const paths = isObject(document.paths) ? document.paths : {};

  const categories = isObject(paths['/categories']) && isObject(paths['/categories'].get) ? paths['/categories'].get : undefined;
  const categoriesResponse = categories && isObject(categories.responses) ? categories.responses['200'] : undefined;
  const arraySchema = jsonSchema(categoriesResponse);
  if (categoriesResponse && arraySchema && arraySchema.type === 'array') {
    const json = (categoriesResponse as { content: Record<string, JsonObject> }).content['application/json'] as JsonObject;
    json.schema = {
      type: 'object',
      required: ['results'],
      properties: { page: { type: 'number' }, total: { type: 'number' }, totalPages: { type: 'number' }, results: arraySchema },
    };
  }

  const createWebhook = isObject(document.components) && isObject(document.components.schemas) ? document.components.schemas.CreateWebhook : undefined;
  const requestEvents = isObject(createWebhook) && isObject(createWebhook.properties) && isObject(createWebhook.properties.event) ? createWebhook.properties.event.enum : undefined;
  if (Array.isArray(requestEvents)) {
    for (const [path, item] of Object.entries(paths)) {
      if (!path.startsWith('/webhooks') || !isObject(item)) continue;
      for (const operation of Object.values(item)) {
        if (isObject(operation) && isObject(operation.responses)) replaceEventEnums(operation.responses, requestEvents);
      }
    }
    const webhookSchema = isObject(document.components) && isObject(document.components.schemas) ? document.components.schemas.Webhook : undefined;
    replaceEventEnums(webhookSchema, requestEvents);
  }
  return document;
}

/** The corrected validator, or undefined when the document is not available (callers skip with a message). */
export function loadPluggyValidator(): OpenApiValidator | undefined {
  const path = pluggySpecPath();
  if (!specExists(path)) return undefined;
  return createOpenApiValidator(correctPluggyDocument(loadOpenApiDocument(path)), { optionalPropertiesNullable: true });
}
