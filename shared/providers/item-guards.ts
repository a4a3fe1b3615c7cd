/**
 * Duplicate-Item detection. Plaid's guidance (https://plaid.com/docs/link/duplicate-items/) is to compare
 * the institution and each account's name and mask with what the user already linked; one guard row per
 * account fingerprint makes the same comparison a key lookup, and makes the write itself refuse a
 * duplicate that slipped past the pre-check (two exchanges racing).
 */
import { createHash } from 'node:crypto';
import type { ItemGuard, Provider } from '../banking/model';

export interface AccountIdentity {
  readonly name: string;
  readonly mask: string | null;
}

export function accountFingerprint(account: AccountIdentity): string {
  const normalized = `${account.name.trim().toLowerCase()}|${(account.mask ?? '').trim()}`;
  return createHash('sha256').update(normalized).digest('hex').slice(0, 32);
}

export function itemGuards(
  userId: string,
  provider: Provider,
  institutionId: string,
  connectionId: string,
  accounts: readonly AccountIdentity[],
): ItemGuard[] {
  const fingerprints = [...new Set(accounts.map(accountFingerprint))];
  return fingerprints.map((fingerprint) => ({ userId, provider, institutionId, fingerprint, connectionId }));
}
