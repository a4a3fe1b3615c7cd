/**
 * Event ids for providers that send none (Plaid). The id is the SHA-256 of the verified raw body, so every
 * redelivery of the same webhook (Plaid retries a delivery it saw no 200 for, and may deliver twice
 * anyway: https://plaid.com/docs/api/webhooks/) maps to the same stored event and is dropped as a duplicate.
 *
 * A digest alone would also swallow the NEXT, genuinely new webhook with the same bytes: Plaid's bodies
 * carry no id or timestamp, and `SYNC_UPDATES_AVAILABLE` for an Item is byte-identical every time it fires.
 * So a stored event counts only for {@link DEDUPE_WINDOW_SECONDS} after it was received: the same bytes
 * within 30 minutes are a redelivery (that covers deliveries arriving together and Plaid's first retries,
 * after 30 s, 2 min and 8 min, with room), later ones a new event, which replaces the stored record of the earlier one
 * in the same conditional write (`receive-webhook.ts`). Treating a late retry as new costs at most one extra,
 * idempotent sync; treating a new event as a retry would leave data stale until the next auto-sync. Inside
 * the window, a SYNC_UPDATES_AVAILABLE whose earlier copy was already applied is queued again for that reason.
 */
import { createHash } from 'node:crypto';

export const DEDUPE_WINDOW_SECONDS = 30 * 60;

/** The event id of a body that names none: the SHA-256 of its verified bytes. */
export function contentEventId(rawBody: Buffer): string {
  return createHash('sha256').update(rawBody).digest('hex');
}

/** Stored events received before this time no longer make a delivery of the same bytes a duplicate. */
export function dedupeHorizon(receivedAt: Date): string {
  return new Date(receivedAt.getTime() - DEDUPE_WINDOW_SECONDS * 1000).toISOString();
}
