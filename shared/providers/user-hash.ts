/**
 * The id a provider sees for our user: an HMAC of our user id under a secret key. Stable (the provider can
 * group a user's Items and detect duplicates) yet meaningless outside this service, as Plaid asks for
 * `client_user_id` (no email or phone) and as Pluggy's `clientUserId` is echoed in every webhook.
 */
import { createHmac } from 'node:crypto';

export function providerUserId(key: string, userId: string): string {
  return createHmac('sha256', key).update(userId).digest('hex').slice(0, 40);
}
