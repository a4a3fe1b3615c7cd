/**
 * Turns what a handler returned into the HTTP response API Gateway would send, following the payload 2.0
 * response rules (https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-develop-integrations-lambda.html#http-api-develop-integrations-lambda.response):
 *
 * - an object with `statusCode` is used as is: `headers`, each entry of `cookies` as its own `set-cookie`,
 *   and `body`, base64-decoded when `isBase64Encoded` is true;
 * - anything else (a plain object, a string, nothing) that is valid JSON becomes a 200 `application/json`
 *   response whose body is that JSON;
 * - a result API Gateway cannot use (bad status code, over Lambda's 6 MB response limit) is a 500.
 */

export interface GatewayResponse {
  readonly statusCode: number;
  readonly headers: Record<string, string>;
  readonly cookies: readonly string[];
  readonly body: Buffer;
}

/** Lambda refuses synchronous responses over 6 MB (Function.ResponseSizeTooLarge); API Gateway then answers 500. */
const MAX_LAMBDA_RESPONSE_BYTES = 6 * 1024 * 1024;

export function apiGatewayMessage(statusCode: number, message: string, headers: Record<string, string> = {}): GatewayResponse {
  return {
    statusCode,
    headers: { 'content-type': 'application/json', ...headers },
    cookies: [],
    body: Buffer.from(JSON.stringify({ message })),
  };
}

export const internalServerError = (): GatewayResponse => apiGatewayMessage(500, 'Internal Server Error');

/** Returns undefined when the result is unusable, in which case the gateway answers {@link internalServerError}. */
export function responseFromResult(result: unknown): GatewayResponse | undefined {
  const serialized = JSON.stringify(result === undefined ? null : result);
  if (Buffer.byteLength(serialized) > MAX_LAMBDA_RESPONSE_BYTES) return undefined;

  if (result === null || typeof result !== 'object' || Array.isArray(result) || !('statusCode' in result)) {
    return {
      statusCode: 200,
      headers: { 'content-type': 'application/json' },
      cookies: [],
      body: Buffer.from(serialized),
    };
  }

  const structured = result as {
    statusCode: unknown;
    headers?: unknown;
    cookies?: unknown;
    body?: unknown;
    isBase64Encoded?: unknown;
  };
  const statusCode = Number(structured.statusCode);
  if (!Number.isInteger(statusCode) || statusCode < 100 || statusCode > 599) return undefined;

  const headers: Record<string, string> = {};
  if (structured.headers !== undefined && structured.headers !== null) {
    if (typeof structured.headers !== 'object') return undefined;
    for (const [name, value] of Object.entries(structured.headers as Record<string, unknown>)) {
      if (value === undefined || value === null) continue;
      headers[name.toLowerCase()] = String(value);
    }
  }

  const cookies = Array.isArray(structured.cookies) ? structured.cookies.map(String) : [];
  let body: Buffer;
  if (structured.body === undefined || structured.body === null) {
    body = Buffer.alloc(0);
  } else {
    const text = typeof structured.body === 'string' ? structured.body : JSON.stringify(structured.body);
    body = structured.isBase64Encoded === true ? Buffer.from(text, 'base64') : Buffer.from(text, 'utf8');
  }
  return { statusCode, headers, cookies, body };
}
