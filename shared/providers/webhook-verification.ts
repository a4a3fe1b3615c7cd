/**
 * Provider-neutral vocabulary for authenticating a webhook delivery. Each provider adapter implements
 * {@link WebhookVerifier} its own way (Plaid: an ES256 JWT over the body; Pluggy: a shared secret header);
 * the receipt use-case and the HTTP adapter only see {@link WebhookVerificationError}.
 */
import { UnauthorizedError } from '../errors/app-error';
import { findHeader } from '../http/headers';

/** What arrived on the wire, before anything is trusted. */
export interface ReceivedWebhook {
  /** Header names as delivered; lookups must ignore case (API Gateway lowercases them, local callers may not). */
  readonly headers: Readonly<Record<string, string | undefined>>;
  /** The exact body bytes (already base64-decoded when API Gateway flagged the body as base64). */
  readonly rawBody: Buffer;
}

/** Why a delivery was refused. Kept for logs and metrics only; the caller learns nothing beyond "401". */
export type WebhookRejectionReason =
  | 'missing_signature'
  | 'malformed_signature'
  | 'unsupported_algorithm'
  | 'missing_key_id'
  | 'key_unavailable'
  | 'key_expired'
  | 'bad_signature'
  | 'stale'
  | 'issued_in_future'
  | 'body_mismatch'
  /** Shared-secret schemes (Pluggy): the registered secret header is absent, or holds another value. */
  | 'missing_secret'
  | 'bad_secret'
  /** The body names another client than ours (Pluggy `clientId`). */
  | 'client_mismatch'
  /** No secret is configured to check deliveries against, and unsigned deliveries are not allowed. */
  | 'not_configured';

export class WebhookVerificationError extends UnauthorizedError {
  constructor(
    readonly reason: WebhookRejectionReason,
    options?: { cause?: unknown },
  ) {
    // The message is deliberately the same for every reason: it is what the caller gets to see.
    super('Webhook verification failed', 'WEBHOOK_VERIFICATION_FAILED', options);
  }
}

export interface WebhookVerifier {
  /** Resolves when the delivery is authentic; rejects with a WebhookVerificationError otherwise. */
  verify(request: ReceivedWebhook): Promise<void>;
}

export { findHeader };
