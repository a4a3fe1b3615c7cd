/**
 * Our own API contract, checked on every response the end-to-end tests receive: the status must be one the
 * operation in `docs/openapi.json` documents, and the body must match that status's schema. A presenter
 * that drifts from `shared/api/responses.ts` (or a handler answering an undocumented status) fails the test
 * that saw it, not a reviewer months later.
 */
import { resolve } from 'node:path';
import { createOpenApiValidator, loadOpenApiDocument, type OpenApiValidator } from './openapi-validator';

const API_DOCUMENT = resolve(import.meta.dirname, '..', '..', 'docs', 'openapi.json');

let validator: OpenApiValidator | undefined;

function contract(): OpenApiValidator {
  return (validator ??= createOpenApiValidator(loadOpenApiDocument(API_DOCUMENT)));
}

/**
 * @example
 * assertMatchesContract('GET', '/api/v1/banking/accounts?connection_id=x', 200, body);
 */
export function assertMatchesContract(method: string, target: string, status: number, body: unknown): void {
  const path = new URL(target, 'http://api.invalid').pathname;
  const match = contract().matchOperation(path, method.toLowerCase());
  if (!match) {
    // No route: API Gateway's `$default` route answers with the error envelope.
    const outcome = contract().validateSchema('ErrorEnvelope', body);
    if (status !== 404 || !outcome.valid) {
      throw new Error(`${method} ${path} matches no documented operation, yet answered ${status} ${JSON.stringify(body)}`);
    }
    return;
  }
  const outcome = contract().validateResponse(match.template, status, body, method.toLowerCase());
  if (!outcome.valid) {
    throw new Error(
      `${method} ${path} answered ${status}, which docs/openapi.json does not allow:\n  ${outcome.errors.join('\n  ')}\nbody: ${JSON.stringify(body).slice(0, 2000)}`,
    );
  }
}

/** A `fetch` that checks each answer like {@link assertMatchesContract} before handing it back (for the typed client). */
export const contractCheckingFetch: typeof fetch = async (input, init) => {
  const request = new Request(input, init);
  const response = await fetch(request);
  const text = await response.clone().text();
  assertMatchesContract(request.method, request.url, response.status, text ? JSON.parse(text) : null);
  return response;
};
