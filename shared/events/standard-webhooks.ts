/**
 * Signing of outbound webhooks per the Standard Webhooks specification
 * (https://github.com/standard-webhooks/standard-webhooks/blob/main/spec/standard-webhooks.md):
 *
 * - headers `webhook-id` (the event id, the same on every retry so receivers can dedupe), `webhook-timestamp`
 *   (integer seconds of this attempt, which receivers compare with their clock to refuse replays) and
 *   `webhook-signature: v1,<base64 HMAC-SHA256 over "<id>.<timestamp>.<body>">`;
 * - the key is the base64 part of a `whsec_…` secret, decoded to bytes.
 */
import { createHmac } from 'node:crypto';
import { ConfigError } from '../errors/app-error';

const SECRET_PREFIX = 'whsec_';

/** The HMAC key of a `whsec_<base64>` secret; throws a ConfigError naming the problem (never the value). */
export function signingKeyOf(secret: string): Buffer {
  const encoded = secret.startsWith(SECRET_PREFIX) ? secret.slice(SECRET_PREFIX.length) : secret;
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(encoded)) {
    throw new ConfigError('The app webhook secret must be "whsec_" followed by base64');
  }
  const key = Buffer.from(encoded, 'base64');
  // The specification recommends 24 to 64 random bytes.
  if (key.length < 24 || key.length > 64) throw new ConfigError('The app webhook secret must decode to 24-64 bytes');
  return key;
}

/**
 * @example
 * webhookSignature(signingKeyOf('whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw'), 'msg_1', 1614265330, '{"test": 2432232314}');
 * // 'v1,<base64 digest>'
 */
export function webhookSignature(key: Buffer, id: string, timestampSeconds: number, body: string): string {
  const digest = createHmac('sha256', key).update(`${id}.${timestampSeconds}.${body}`).digest('base64');
  return `v1,${digest}`;
}

export function signedWebhookHeaders(key: Buffer, id: string, timestampSeconds: number, body: string): Record<string, string> {
  return {
    'content-type': 'application/json',
    'webhook-id': id,
    'webhook-timestamp': String(timestampSeconds),
    'webhook-signature': webhookSignature(key, id, timestampSeconds, body),
  };
}
