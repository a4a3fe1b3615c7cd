/**
 * Event ids for providers that send none (Plaid). The id is the SHA-256 of the verified raw body, so every
 * redelivery of the same webhook (Plaid retries a delivery it saw no 200 for, and may deliver twice
 * anyway: https://plaid.com/docs/api/webhooks/) maps to the same stored event and is dropped as a duplicate.
 *
 * A digest alone would also swallow the NEXT, genuinely new webhook with the same bytes: Plaid's bodies
 * carry no id or timestamp, and `SYNC_UPDATES_AVAILABLE` for an Item is byte-identical every time it fires.
 * So the id also names a fixed time window, and a body counts as a duplicate when it was seen in the
 * current or the previous window, i.e. within 15 to 30 minutes. That covers redeliveries arriving
 * together and Plaid's first retries (after 30 s, 2 min and 8 min), while a later identical webhook is a
 * new event. Treating a late retry as new costs at most one extra, idempotent sync; treating a new event
 * as a retry would leave data stale until the next auto-sync. Inside the window, a SYNC_UPDATES_AVAILABLE
 * whose earlier copy was already applied is queued again for that reason (`receive-webhook.ts`).
 */
import { createHash } from 'node:crypto';

export const DEDUPE_WINDOW_SECONDS = 15 * 60;

export interface ContentEventIds {
  /** The id this delivery is stored under. */
  readonly current: string;
  /** The id the same body got in the previous window; a stored event under it makes this a duplicate. */
  readonly previous: string;
}

export function contentEventIds(rawBody: Buffer, receivedAt: Date): ContentEventIds {
  const digest = createHash('sha256').update(rawBody).digest('hex');
  const window = Math.floor(receivedAt.getTime() / 1000 / DEDUPE_WINDOW_SECONDS);
  return { current: `${digest}.${window}`, previous: `${digest}.${window - 1}` };
}
