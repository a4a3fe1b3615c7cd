/**
 * CORS the way an HTTP API with a CORS configuration handles it
 * (https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-cors.html): API Gateway answers
 * preflight `OPTIONS` requests itself, without invoking any route, and adds the configured CORS headers to
 * every integration response for an allowed origin, ignoring whatever CORS headers the handler set.
 */

export interface CorsSettings {
  /** Exact origins, or `*` for any. */
  readonly allowOrigins: readonly string[];
  readonly allowMethods: readonly string[];
  readonly allowHeaders: readonly string[];
  readonly exposeHeaders: readonly string[];
  readonly maxAgeSeconds: number;
}

// These three match the HTTP API's `corsPreflight` in infra/constructs/banking-http-api.ts.
/** Headers a browser client of this API sends beyond the CORS-safelisted ones. */
export const CORS_ALLOW_HEADERS = ['authorization', 'content-type'] as const;
/** Lets browser code read the request id to quote it in a support request. */
export const CORS_EXPOSE_HEADERS = ['x-request-id'] as const;
export const CORS_MAX_AGE_SECONDS = 3600;

/** Parses `CORS_ORIGINS` (comma-separated); undefined when unset or empty, meaning CORS is off. */
export function corsOriginsFromEnv(value: string | undefined): string[] | undefined {
  const origins = (value ?? '')
    .split(',')
    .map((origin) => origin.trim())
    .filter((origin) => origin.length > 0);
  return origins.length > 0 ? origins : undefined;
}

export function isPreflight(method: string, headers: Readonly<Record<string, string>>): boolean {
  return method === 'OPTIONS' && headers.origin !== undefined && headers['access-control-request-method'] !== undefined;
}

function allowedOrigin(settings: CorsSettings, origin: string | undefined): string | undefined {
  if (!origin) return undefined;
  if (settings.allowOrigins.includes('*')) return '*';
  return settings.allowOrigins.includes(origin) ? origin : undefined;
}

/** Headers for the 204 preflight answer; none when the origin is not allowed (the browser then blocks). */
export function preflightHeaders(settings: CorsSettings, headers: Readonly<Record<string, string>>): Record<string, string> {
  const origin = allowedOrigin(settings, headers.origin);
  if (!origin) return {};
  return {
    'access-control-allow-origin': origin,
    'access-control-allow-methods': settings.allowMethods.join(','),
    'access-control-allow-headers': settings.allowHeaders.join(','),
    'access-control-max-age': String(settings.maxAgeSeconds),
    ...(origin === '*' ? {} : { vary: 'origin' }),
  };
}

/** Replaces any CORS headers the handler set with the configured ones. */
export function applyCorsHeaders(
  settings: CorsSettings,
  requestOrigin: string | undefined,
  responseHeaders: Record<string, string>,
): Record<string, string> {
  const withoutHandlerCors = Object.fromEntries(
    Object.entries(responseHeaders).filter(([name]) => !name.startsWith('access-control-')),
  );
  const origin = allowedOrigin(settings, requestOrigin);
  if (!origin) return withoutHandlerCors;
  return {
    ...withoutHandlerCors,
    'access-control-allow-origin': origin,
    'access-control-expose-headers': settings.exposeHeaders.join(','),
    ...(origin === '*' ? {} : { vary: 'origin' }),
  };
}
