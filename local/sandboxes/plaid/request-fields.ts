/**
 * Field checks for Plaid request bodies, failing the way Plaid does: absent required fields →
 * MISSING_FIELDS naming them, present but unusable → INVALID_FIELD (https://plaid.com/docs/errors/invalid-request/).
 */
import { invalidField, missingFields } from './errors';

export type RequestBody = Record<string, unknown>;

function isAbsent(value: unknown): boolean {
  return value === undefined || value === null;
}

/** Throws MISSING_FIELDS listing every absent (undefined, null or empty-string) field. */
export function requireFields(body: RequestBody, ...fields: string[]): void {
  const missing = fields.filter((field) => isAbsent(body[field]) || body[field] === '');
  if (missing.length > 0) throw missingFields(...missing);
}

export function requiredString(body: RequestBody, field: string): string {
  requireFields(body, field);
  const value = body[field];
  if (typeof value !== 'string') throw invalidField(`${field} must be a string`);
  return value;
}

export function optionalString(body: RequestBody, field: string): string | undefined {
  const value = body[field];
  if (isAbsent(value)) return undefined;
  if (typeof value !== 'string') throw invalidField(`${field} must be a string`);
  return value;
}

export function optionalBoolean(body: RequestBody, field: string): boolean | undefined {
  const value = body[field];
  if (isAbsent(value)) return undefined;
  if (typeof value !== 'boolean') throw invalidField(`${field} must be a boolean`);
  return value;
}

export function optionalInteger(body: RequestBody, field: string, min: number, max: number): number | undefined {
  const value = body[field];
  if (isAbsent(value)) return undefined;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw invalidField(`${field} must be an integer between ${min} and ${max}`);
  }
  return value;
}

export function optionalObject(body: RequestBody, field: string): RequestBody | undefined {
  const value = body[field];
  if (isAbsent(value)) return undefined;
  if (typeof value !== 'object' || Array.isArray(value)) throw invalidField(`${field} must be an object`);
  return value as RequestBody;
}

export function optionalStringArray(body: RequestBody, field: string): string[] | undefined {
  const value = body[field];
  if (isAbsent(value)) return undefined;
  if (!Array.isArray(value) || !value.every((entry) => typeof entry === 'string')) throw invalidField(`${field} must be an array of strings`);
  return value as string[];
}

/** A webhook URL must be absolute http(s); Plaid rejects anything else with INVALID_FIELD. */
export function optionalWebhookUrl(body: RequestBody, field: string): string | undefined {
  const value = optionalString(body, field);
  if (value === undefined || value === '') return undefined;
  let parsed: URL;
  try {
    parsed = new URL(value);
  } catch {
    throw invalidField(`${field} must be a valid URL`);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw invalidField(`${field} must be an http or https URL`);
  return value;
}
