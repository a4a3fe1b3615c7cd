/**
 * Authenticating Pluggy webhook deliveries.
 *
 * Pluggy's documented mechanism is a secret of our choosing, registered as a custom header of the webhook
 * (`POST /webhooks {url, event, headers}`) and sent back verbatim on every delivery; the receiver compares it
 * in constant time, answers 401 on a mismatch (Pluggy never retries a 401) and checks that the payload's
 * `clientId` is ours (recipe "Authenticate webhook notifications with a header secret", docs
 * /en/recipes/authenticate-webhook-notifications-with-a-header-secret).
 *
 * The HMAC signature is OFF by default and UNCONFIRMED: Pluggy's "Webhook security" page
 * (https://docs.pluggy.ai/en/docs/developer-tools/webhook-security) names a signature, but no readable part of Pluggy's docs, its
 * OpenAPI document or its official SDKs (pluggy-node, pluggy-net, pluggy-java) specifies a header, an
 * algorithm or where the key comes from; `X-Pluggy-Signature` appears only in a proposed docs change. So it is
 * checked only when a signing key is configured (`webhook_signing_secret`): hex HMAC-SHA256 of the raw body,
 * in a configurable header (by default the one the local sandbox sends). Do not rely on it alone.
 *
 * Checks, in order: secret header → signature (when configured) → `clientId` (when the payload names one;
 * Pluggy documents it on item and transaction-update events, not on all). With no secret configured every
 * delivery is refused, unless local development explicitly allows unsigned calls. A delivery without the
 * secret header is refused before the secrets are read (unless unsigned calls are allowed): no stored value
 * could make it valid.
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { logger } from '../../observability/logger';
import {
  findHeader,
  WebhookVerificationError,
  type ReceivedWebhook,
  type WebhookVerifier,
} from '../webhook-verification';

export const DEFAULT_PLUGGY_SECRET_HEADER = 'X-Webhook-Secret';
export const DEFAULT_PLUGGY_SIGNATURE_HEADER = 'X-Pluggy-Signature';

export interface PluggyWebhookSecrets {
  readonly clientId: string;
  /** The value registered as the secret header; undefined when not configured. */
  readonly webhookSecret: string | undefined;
  /** Key of the optional HMAC signature; undefined turns the signature check off. */
  readonly signingSecret: string | undefined;
}

export interface PluggyWebhookVerifierOptions {
  readonly secrets: () => Promise<PluggyWebhookSecrets>;
  readonly secretHeader?: string;
  readonly signatureHeader?: string;
  /** Local development only: accept deliveries when no webhook secret is configured. */
  readonly allowUnsigned?: boolean;
}

const HEX_SHA256 = /^(sha256=)?[0-9a-f]{64}$/i;

export class PluggyWebhookVerifier implements WebhookVerifier {
  private readonly secretHeader: string;
  private readonly signatureHeader: string;

  constructor(private readonly options: PluggyWebhookVerifierOptions) {
    this.secretHeader = options.secretHeader ?? DEFAULT_PLUGGY_SECRET_HEADER;
    this.signatureHeader = options.signatureHeader ?? DEFAULT_PLUGGY_SIGNATURE_HEADER;
  }

  async verify(request: ReceivedWebhook): Promise<void> {
    // Without the secret header a delivery can only pass when unsigned deliveries are allowed (local
    // development): whatever the stored secrets say, it is refused, so it is refused before reading them and
    // a request that cannot be valid costs no Secrets Manager call (nor the latency of one).
    if (!this.options.allowUnsigned && !findHeader(request.headers, this.secretHeader)) {
      throw new WebhookVerificationError('missing_secret');
    }
    const secrets = await this.options.secrets();
    if (secrets.webhookSecret) {
      const presented = findHeader(request.headers, this.secretHeader);
      if (!presented) throw new WebhookVerificationError('missing_secret');
      if (!sameSecret(presented, secrets.webhookSecret)) throw new WebhookVerificationError('bad_secret');
    } else if (this.options.allowUnsigned) {
      logger.warn('Pluggy webhook accepted without a secret (PLUGGY_WEBHOOK_ALLOW_UNSIGNED is set)');
    } else {
      throw new WebhookVerificationError('not_configured');
    }

    if (secrets.signingSecret) {
      const signature = findHeader(request.headers, this.signatureHeader)?.trim();
      if (!signature) throw new WebhookVerificationError('missing_signature');
      if (!HEX_SHA256.test(signature)) throw new WebhookVerificationError('malformed_signature');
      const expected = createHmac('sha256', secrets.signingSecret).update(request.rawBody).digest();
      const given = Buffer.from(signature.replace(/^sha256=/i, ''), 'hex');
      if (!timingSafeEqual(expected, given)) throw new WebhookVerificationError('bad_signature');
    }

    const clientId = clientIdOf(request.rawBody);
    if (clientId !== null && clientId !== secrets.clientId) throw new WebhookVerificationError('client_mismatch');
  }
}

/**
 * Constant-time comparison of two secrets of any length: both are hashed first, so `timingSafeEqual` gets
 * equal-length inputs and the time taken says nothing about where (or whether) the values differ.
 */
export function sameSecret(presented: string, expected: string): boolean {
  const digest = (value: string) => createHash('sha256').update(value, 'utf8').digest();
  return timingSafeEqual(digest(presented), digest(expected));
}

/** `clientId` of the payload, or null when absent or unreadable (the body is validated after verification). */
function clientIdOf(rawBody: Buffer): string | null {
  try {
    const body = JSON.parse(rawBody.toString('utf8')) as { clientId?: unknown };
    return typeof body?.clientId === 'string' && body.clientId.length > 0 ? body.clientId : null;
  } catch {
    return null;
  }
}
