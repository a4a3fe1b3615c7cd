/**
 * The HTTP adapter for provider webhooks: the sibling of `userRoute` / `publicRoute` for routes that
 * authenticate the caller themselves (no JWT) and need the body exactly as it arrived, because the
 * provider's signature covers those bytes (Plaid hashes the raw, whitespace-sensitive JSON).
 *
 * It runs through the same `runRoute` as the API routes (request id, error envelope, logs, metrics). Specific
 * to webhooks: a size limit checked before anything is hashed (413), and every verification failure is a
 * `WebhookVerificationError`, answered with the same bare 401 whose reason stays in the logs (telling a
 * forger which check failed would only help the forger).
 */
import { PayloadTooLargeError } from '../errors/app-error';
import type { ReceivedWebhook } from '../providers/webhook-verification';
import { rawBody, runRoute, type ApiResponse, type HttpEvent, type HttpResult } from './api-handler';

/** Plaid and Pluggy webhooks are a few KB; this leaves room for verbose payloads and nothing more. */
export const MAX_WEBHOOK_BODY_BYTES = 256 * 1024;

export interface WebhookHttpRequest extends ReceivedWebhook {
  readonly requestId: string;
}

export function webhookRoute(
  handle: (request: WebhookHttpRequest) => Promise<ApiResponse>,
): (event: HttpEvent) => Promise<HttpResult> {
  return (event) =>
    runRoute(event, async (requestId) => {
      const body = rawBody(event);
      if (body.length > MAX_WEBHOOK_BODY_BYTES) {
        throw new PayloadTooLargeError(`Request body exceeds ${MAX_WEBHOOK_BODY_BYTES} bytes`);
      }
      return handle({ requestId, headers: event.headers ?? {}, rawBody: body });
    });
}
