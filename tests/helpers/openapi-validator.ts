/**
 * Validates request and response bodies against a provider's OpenAPI 3.0 document (Plaid) or 3.1 document
 * (Pluggy) with ajv.
 *
 * OpenAPI 3.0 schemas are not quite JSON Schema: `nullable: true` has to become a `null` type (or an
 * `anyOf` with null when the schema has no `type`), `discriminator` and vendor keywords are dropped, and
 * `$ref`s into `#/components/schemas` are pointed at `#/definitions`. Everything else (enums included,
 * although Plaid calls its enums extensible) is validated as written.
 *
 * OpenAPI 3.1 schemas are JSON Schema already (`type: [..., 'null']`); the same conversion leaves them as they
 * are. REST-style operations are found by path template (`/items/{id}`), and their query and path parameters
 * can be validated too ({@link OpenApiValidator.validateParameters}).
 *
 * Parsing a 3 MB YAML document takes seconds, so the parsed form is cached as JSON in the OS temp folder,
 * keyed by the file's size and modification time.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import Ajv, { type ErrorObject, type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import { parse as parseYaml } from 'yaml';

type JsonObject = Record<string, unknown>;

const PROJECT_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

/**
 * Where the provider specs live: `PROVIDER_SPECS_DIR`, else `../shared/specs` beside the project.
 *
 * @example
 * const specPath = providerSpecPath('plaid-openapi-2020-09-14.yml');
 */
export function providerSpecPath(fileName: string): string {
  const directory = process.env.PROVIDER_SPECS_DIR ? resolve(process.env.PROVIDER_SPECS_DIR) : resolve(PROJECT_ROOT, '..', 'shared', 'specs');
  return join(directory, fileName);
}

export function specExists(path: string): boolean {
  return existsSync(path);
}

/** Reads a YAML or JSON OpenAPI document (through the JSON cache for YAML). */
export function loadOpenApiDocument(path: string): JsonObject {
  if (path.endsWith('.json')) return JSON.parse(readFileSync(path, 'utf8')) as JsonObject;
  const stats = statSync(path);
  const key = createHash('sha256').update(`${path}:${stats.size}:${stats.mtimeMs}`).digest('hex').slice(0, 16);
  const cachePath = join(tmpdir(), `openapi-cache-${key}.json`);
  if (existsSync(cachePath)) {
    try {
      return JSON.parse(readFileSync(cachePath, 'utf8')) as JsonObject;
    } catch {
      // A torn write from a parallel run: fall through and parse again.
    }
  }
  const document = parseYaml(readFileSync(path, 'utf8'), { maxAliasCount: -1 }) as JsonObject;
  try {
    writeFileSync(cachePath, JSON.stringify(document));
  } catch {
    // The cache is an optimisation only.
  }
  return document;
}

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

const SCHEMA_MAP_KEYWORDS = ['properties', 'patternProperties'] as const;
const SCHEMA_KEYWORDS = ['items', 'additionalProperties', 'not'] as const;
const SCHEMA_LIST_KEYWORDS = ['allOf', 'anyOf', 'oneOf'] as const;
const DROPPED_KEYWORDS = new Set(['discriminator', 'example', 'examples', 'xml', 'externalDocs']);

export interface ValidatorOptions {
  /**
   * Accept `null` for every property a schema does not list as `required`. For documents that never spell
   * nullability although the API sends `null` for absent values (Pluggy's ReadMe-generated document: its
   * official SDK types `descriptionRaw`, `marketingName`, `error`, ... as `| null`). Types of non-null values
   * are still checked.
   */
  readonly optionalPropertiesNullable?: boolean;
}

/** One OpenAPI 3.0 schema → JSON Schema (draft-07 as ajv reads it), recursively. */
function convertSchema(schema: unknown, formats: Set<string>, options: ValidatorOptions = {}): unknown {
  if (!isObject(schema)) return schema;
  const out: JsonObject = {};
  const required = new Set(Array.isArray(schema.required) ? (schema.required as unknown[]).filter((name): name is string => typeof name === 'string') : []);
  for (const [key, value] of Object.entries(schema)) {
    if (DROPPED_KEYWORDS.has(key) || key.startsWith('x-') || key === 'nullable') continue;
    if (key === '$ref' && typeof value === 'string') {
      out.$ref = value.replace('#/components/schemas/', '#/definitions/');
    } else if (key === 'properties' && isObject(value)) {
      out[key] = Object.fromEntries(
        Object.entries(value).map(([name, inner]) => {
          const converted = convertSchema(inner, formats, options);
          return [name, options.optionalPropertiesNullable && !required.has(name) ? { anyOf: [converted, { type: 'null' }] } : converted];
        }),
      );
    } else if ((SCHEMA_MAP_KEYWORDS as readonly string[]).includes(key) && isObject(value)) {
      out[key] = Object.fromEntries(Object.entries(value).map(([name, inner]) => [name, convertSchema(inner, formats, options)]));
    } else if ((SCHEMA_KEYWORDS as readonly string[]).includes(key)) {
      out[key] = typeof value === 'boolean' ? value : convertSchema(value, formats, options);
    } else if ((SCHEMA_LIST_KEYWORDS as readonly string[]).includes(key) && Array.isArray(value)) {
      out[key] = value.map((inner) => convertSchema(inner, formats, options));
    } else {
      out[key] = value;
    }
  }
  if (typeof out.format === 'string') formats.add(out.format);
  // OpenAPI 3.0 (like draft-04) writes exclusive bounds as booleans beside minimum/maximum.
  for (const [exclusive, bound] of [['exclusiveMinimum', 'minimum'], ['exclusiveMaximum', 'maximum']] as const) {
    if (typeof out[exclusive] !== 'boolean') continue;
    if (out[exclusive] === true && typeof out[bound] === 'number') {
      out[exclusive] = out[bound];
      delete out[bound];
    } else {
      delete out[exclusive];
    }
  }
  if (schema.nullable !== true) return out;
  if (Array.isArray(out.enum) && !out.enum.includes(null)) out.enum = [...out.enum, null];
  if (typeof out.type === 'string') {
    out.type = [out.type, 'null'];
    return out;
  }
  if (out.type === undefined) {
    // No type to widen (a $ref or a combinator): accept null alongside the schema.
    return { anyOf: [out, { type: 'null' }] };
  }
  return out;
}

export interface ValidationOutcome {
  readonly valid: boolean;
  readonly errors: string[];
}

export interface OperationMatch {
  /** The document's path key, e.g. `/items/{id}`. */
  readonly template: string;
  readonly pathParams: Readonly<Record<string, string>>;
}

export interface OpenApiValidator {
  hasOperation(path: string, method?: string): boolean;
  /** The operation a concrete path belongs to (`/items/5e9f…` → `/items/{id}`); literal paths win over templates. */
  matchOperation(path: string, method: string): OperationMatch | undefined;
  /**
   * Validates query and path parameters of the operation at `template` (`style: form` arrays split on commas
   * unless `explode`, numbers and booleans coerced from their text).
   */
  validateParameters(template: string, method: string, input: { query: URLSearchParams; pathParams?: Readonly<Record<string, string>> }): ValidationOutcome;
  validateRequest(path: string, body: unknown, method?: string): ValidationOutcome;
  /** Uses the response for `status`, else the operation's `default` response (Plaid's errors). */
  validateResponse(path: string, status: number, body: unknown, method?: string): ValidationOutcome;
  /** Validates against `#/components/schemas/<name>` (webhook bodies have no operation). */
  validateSchema(name: string, value: unknown): ValidationOutcome;
}

function formatErrors(errors: ErrorObject[] | null | undefined): string[] {
  return (errors ?? []).slice(0, 20).map((error) => `${error.instancePath || '(root)'} ${error.message ?? 'is invalid'}${error.params ? ` ${JSON.stringify(error.params)}` : ''}`);
}

/**
 * @example
 * const validator = createOpenApiValidator(loadOpenApiDocument(providerSpecPath('plaid-openapi-2020-09-14.yml')));
 * validator.validateResponse('/item/get', 200, body).valid;
 */
export function createOpenApiValidator(document: JsonObject, options: ValidatorOptions = {}): OpenApiValidator {
  const components = isObject(document.components) ? document.components : {};
  const sourceSchemas = isObject(components.schemas) ? components.schemas : {};
  const formats = new Set<string>();
  const definitions = Object.fromEntries(Object.entries(sourceSchemas).map(([name, schema]) => [name, convertSchema(schema, formats, options)]));

  const ajv = new Ajv({ strict: false, allErrors: true, validateFormats: true });
  addFormats(ajv);
  // ajv-formats' `url` regex rejects loopback and private-network hosts; the spec's `url` just means an
  // absolute URL, and every local webhook receiver lives on 127.0.0.1.
  ajv.addFormat('url', (value: string) => URL.canParse(value) && /^https?:$/.test(new URL(value).protocol));
  for (const format of formats) if (!ajv.formats[format]) ajv.addFormat(format, true);
  ajv.addSchema({ $id: 'openapi', definitions }, 'openapi');

  const paths = isObject(document.paths) ? document.paths : {};
  const compiled = new Map<string, ValidateFunction>();

  function operation(path: string, method: string): JsonObject | undefined {
    const item = paths[path];
    const op = isObject(item) ? item[method.toLowerCase()] : undefined;
    return isObject(op) ? op : undefined;
  }

  function jsonSchemaOf(container: unknown): unknown {
    if (!isObject(container)) return undefined;
    const content = container.content;
    const json = isObject(content) ? content['application/json'] : undefined;
    return isObject(json) ? json.schema : undefined;
  }

  /** A response object, following a `#/components/responses/<name>` reference (shared error responses). */
  function resolveResponse(response: unknown): JsonObject | undefined {
    if (!isObject(response)) return undefined;
    if (typeof response.$ref !== 'string') return response;
    const name = response.$ref.replace('#/components/responses/', '');
    const shared = isObject(components.responses) ? components.responses[name] : undefined;
    return isObject(shared) ? shared : undefined;
  }

  function validatorFor(cacheKey: string, schema: unknown): ValidateFunction {
    let validate = compiled.get(cacheKey);
    if (!validate) {
      const converted = convertSchema(schema, formats, options) as JsonObject;
      // Re-root relative refs on the registered document so `#/definitions/X` resolves.
      const rooted = JSON.parse(JSON.stringify(converted).replaceAll('"#/definitions/', '"openapi#/definitions/')) as JsonObject;
      validate = ajv.compile(rooted);
      compiled.set(cacheKey, validate);
    }
    return validate;
  }

  function run(cacheKey: string, schema: unknown, value: unknown): ValidationOutcome {
    const validate = validatorFor(cacheKey, schema);
    const valid = validate(value);
    return { valid, errors: valid ? [] : formatErrors(validate.errors) };
  }

  const escapeRegExp = (text: string): string => text.replace(/[.*+?^$()|[\]\\]/g, '\\$&');
  const templates = Object.keys(paths)
    .filter((path) => path.includes('{'))
    .map((template) => ({
      template,
      pattern: new RegExp(`^${template.split('/').map((segment) => (segment.startsWith('{') ? '([^/]+)' : escapeRegExp(segment))).join('/')}$`),
      names: [...template.matchAll(/\{([^}]+)\}/g)].map((match) => match[1] as string),
    }));

  function matchOperation(path: string, method: string): OperationMatch | undefined {
    if (operation(path, method)) return { template: path, pathParams: {} };
    for (const candidate of templates) {
      const match = candidate.pattern.exec(path);
      if (!match || !operation(candidate.template, method)) continue;
      return { template: candidate.template, pathParams: Object.fromEntries(candidate.names.map((name, index) => [name, decodeURIComponent(match[index + 1] as string)])) };
    }
    return undefined;
  }

  function coerce(schema: unknown, text: string): unknown {
    const type = isObject(schema) ? schema.type : undefined;
    if (type === 'number' || type === 'integer') return text.trim() !== '' && Number.isFinite(Number(text)) ? Number(text) : text;
    if (type === 'boolean') return text === 'true' ? true : text === 'false' ? false : text;
    return text;
  }

  function validateParameters(template: string, method: string, input: { query: URLSearchParams; pathParams?: Readonly<Record<string, string>> }): ValidationOutcome {
    const op = operation(template, method);
    if (!op) return { valid: false, errors: [`no operation ${method.toUpperCase()} ${template}`] };
    const declared = [...(Array.isArray(paths[template] && (paths[template] as JsonObject).parameters) ? ((paths[template] as JsonObject).parameters as unknown[]) : []), ...(Array.isArray(op.parameters) ? op.parameters : [])].filter(isObject);
    const errors: string[] = [];
    for (const parameter of declared) {
      const name = typeof parameter.name === 'string' ? parameter.name : '';
      const location = parameter.in;
      if (location !== 'query' && location !== 'path') continue;
      const schema = parameter.schema;
      let raw: string[];
      if (location === 'path') raw = input.pathParams?.[name] === undefined ? [] : [input.pathParams[name] as string];
      else raw = input.query.getAll(name);
      if (raw.length === 0) {
        if (parameter.required === true) errors.push(`${location} parameter ${name} is required`);
        continue;
      }
      let value: unknown;
      if (isObject(schema) && schema.type === 'array') {
        const explode = parameter.explode ?? true;
        const parts = explode === false ? raw.flatMap((entry) => entry.split(',')) : raw;
        value = parts.map((part) => coerce(schema.items, part));
      } else {
        value = coerce(schema, raw[0] as string);
      }
      const outcome = run(`parameter ${method} ${template} ${location} ${name}`, schema ?? {}, value);
      if (!outcome.valid) errors.push(...outcome.errors.map((error) => `${location} parameter ${name}: ${error}`));
    }
    return { valid: errors.length === 0, errors };
  }

  return {
    hasOperation: (path, method = 'post') => operation(path, method) !== undefined,
    matchOperation,
    validateParameters,
    validateRequest(path, body, method = 'post') {
      const schema = jsonSchemaOf(operation(path, method)?.requestBody);
      if (schema === undefined) return { valid: false, errors: [`no request schema for ${method.toUpperCase()} ${path}`] };
      return run(`request ${method} ${path}`, schema, body);
    },
    validateResponse(path, status, body, method = 'post') {
      const responses = operation(path, method)?.responses;
      if (!isObject(responses)) return { valid: false, errors: [`no responses for ${method.toUpperCase()} ${path}`] };
      const declared = resolveResponse(responses[String(status)] ?? responses.default);
      if (declared === undefined) return { valid: false, errors: [`${status} is not a documented response of ${method.toUpperCase()} ${path}`] };
      const schema = jsonSchemaOf(declared);
      // A response documented without content (204): valid only when nothing came back.
      if (schema === undefined && declared.content === undefined && (body === null || body === undefined || body === '')) return { valid: true, errors: [] };
      if (schema === undefined) return { valid: false, errors: [`no JSON schema for ${status} of ${method.toUpperCase()} ${path}`] };
      return run(`response ${method} ${path} ${responses[String(status)] ? status : 'default'}`, schema, body);
    },
    validateSchema(name, value) {
      if (!(name in definitions)) return { valid: false, errors: [`no component schema ${name}`] };
      return run(`schema ${name}`, { $ref: `#/components/schemas/${name}` }, value);
    },
  };
}
