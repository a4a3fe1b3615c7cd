/**
 * The HTTP adapter for provider webhooks: the sibling of `userRoute` / `publicRoute` for routes that
 * authenticate the caller themselves (no JWT) and need the body exactly as it arrived, because the
 * provider's signature covers those bytes (Plaid hashes the raw, whitespace-sensitive JSON).
 *
 * Same behaviour as the API routes: request id in every response and log line, the one error envelope,
 * the shared error mapper, metrics flushed per invocation. Specific to webhooks: a size limit checked
 * before anything is hashed (413), and every verification failure answered with the same bare 401 whose
 * detail stays in the logs (telling a forger which check failed would only help the forger).
 */
import { PayloadTooLargeError } from '../errors/app-error';
import { describeError } from '../errors/error-mapper';
import { clearLogContext, logger, withLogContext } from '../observability/logger';
import { countMetric, flushMetrics } from '../observability/metrics';
import { WebhookVerificationError, type ReceivedWebhook } from '../webhooks/webhook-verification';
import { errorResult, jsonResult, rawBody, type ApiResponse, type HttpEvent, type HttpResult } from './api-handler';

/** Plaid and Pluggy webhooks are a few KB; this leaves room for verbose payloads and nothing more. */
export const MAX_WEBHOOK_BODY_BYTES = 256 * 1024;

export interface WebhookHttpRequest extends ReceivedWebhook {
  readonly requestId: string;
}

export function webhookRoute(
  handle: (request: WebhookHttpRequest) => Promise<ApiResponse>,
): (event: HttpEvent) => Promise<HttpResult> {
  return async (event) => {
    const requestId = event.requestContext?.requestId ?? 'unknown';
    const route = event.routeKey ?? `${event.requestContext?.http?.method} ${event.rawPath}`;
    clearLogContext();
    withLogContext({ request_id: requestId });
    const started = Date.now();
    let result: HttpResult;
    try {
      const body = rawBody(event);
      if (body.length > MAX_WEBHOOK_BODY_BYTES) {
        throw new PayloadTooLargeError(`Request body exceeds ${MAX_WEBHOOK_BODY_BYTES} bytes`);
      }
      const response = await handle({ requestId, headers: event.headers ?? {}, rawBody: body });
      result = jsonResult(response.status, response.body, requestId, response.headers);
    } catch (error) {
      result = failureResult(error, route, requestId);
    }
    logger.info('request completed', { route, status: result.statusCode, duration_ms: Date.now() - started });
    flushMetrics();
    return result;
  };
}

function failureResult(error: unknown, route: string, requestId: string): HttpResult {
  if (error instanceof WebhookVerificationError) {
    countMetric('ApiClientErrors');
    return errorResult(401, error.code, error.message, null, requestId);
  }
  const described = describeError(error);
  if (described.httpStatus >= 500) {
    logger.error('request failed', { route, error: error as Error });
  } else {
    logger.info('request rejected', { route, code: described.code, status: described.httpStatus });
  }
  countMetric(described.httpStatus >= 500 ? 'ApiServerErrors' : 'ApiClientErrors');
  return errorResult(described.httpStatus, described.code, described.message, described.details, requestId);
}
