/**
 * Identifier rules. Ids we mint are prefixed (so a log line or a support ticket says what an id names) and
 * time-ordered (so ids sort by creation). Ids of things a provider owns are DERIVED from the provider's id,
 * which is what makes sync upserts idempotent: the same provider transaction always lands on the same key,
 * however often a page is replayed.
 */
import { createHash, randomBytes } from 'node:crypto';

const CROCKFORD = '0123456789abcdefghjkmnpqrstvwxyz';

function base32(bytes: Uint8Array, length: number): string {
  let out = '';
  let buffer = 0;
  let bits = 0;
  for (const byte of bytes) {
    buffer = (buffer << 8) | byte;
    bits += 8;
    while (bits >= 5 && out.length < length) {
      out += CROCKFORD[(buffer >>> (bits - 5)) & 31];
      bits -= 5;
    }
    buffer &= (1 << bits) - 1;
  }
  return out;
}

/** `<prefix>_<10 chars of ms time><16 random chars>`: sortable by creation, unguessable. */
export function newId(prefix: string, now: Date = new Date()): string {
  return `${idFloorAt(prefix, now)}${base32(randomBytes(10), 16)}`;
}

/**
 * The lowest id `newId(prefix, at)` can mint: every id minted at `at` or later sorts at or after it, every id
 * minted earlier before it (the time part is fixed-width and its alphabet sorts like the numbers it encodes).
 */
export function idFloorAt(prefix: string, at: Date): string {
  let time = at.getTime();
  let timePart = '';
  for (let i = 0; i < 10; i += 1) {
    timePart = CROCKFORD[time % 32] + timePart;
    time = Math.floor(time / 32);
  }
  return `${prefix}_${timePart}`;
}

const SYNC_RUN_ID_PREFIX = 'run';

/** A sync run's id; sync-run rows are keyed by it, so a connection's runs sort by when they were requested. */
export function newSyncRunId(now: Date): string {
  return newId(SYNC_RUN_ID_PREFIX, now);
}

/** The lowest id of a sync run requested at `at` or later. */
export function firstSyncRunIdAt(at: Date): string {
  return idFloorAt(SYNC_RUN_ID_PREFIX, at);
}

function derivedId(prefix: string, ...parts: string[]): string {
  const digest = createHash('sha256').update(parts.join('\u0000')).digest();
  return `${prefix}_${base32(digest, 26)}`;
}

/** Our account id for a provider account within a connection (stable across syncs). */
export function accountIdFor(connectionId: string, providerAccountId: string): string {
  return derivedId('acct', connectionId, providerAccountId);
}

/** Our transaction id for a provider transaction within a connection (stable across syncs and replays). */
export function transactionIdFor(connectionId: string, providerTransactionId: string): string {
  return derivedId('txn', connectionId, providerTransactionId);
}
