/**
 * Domain objects → the public JSON shapes (snake_case). Secrets never appear here: the encrypted access
 * token, sync cursor and encrypted account numbers are deliberately not mapped.
 */
import type { Account, Category, Connection, SyncRun, Transaction } from '../banking/model';
import type { TransactionChanges } from '../banking/transaction-feed';
import { effectiveCategoryId, statusesNeedingUser } from '../banking/model';
import { nextStepFor } from '../banking/next-step';
import { nextStepBody, syncRunErrorBody } from '../banking/wire-bodies';
import type { Page } from '../banking/ports';
import type { PluggyConnectTokenResult } from '../providers/pluggy/pluggy-linking';
import type { MfaPrompt } from '../providers/pluggy/pluggy-ports';
// Type-only: the zod response schemas stay out of handler bundles; the compiler still holds every
// presenter to the documented shape.
import type {
  AccountBody,
  CategoryBody,
  ConnectionBody,
  ConnectionConsentBody,
  ConsentBody,
  MfaPromptBody,
  PluggyConnectTokenBody,
  SyncRunBody,
  TransactionBody,
  TransactionChangesBody,
} from './responses';

export interface ConnectionPresentation {
  /** Days ahead a consent end date shows as a renew step; default 7. */
  readonly consentWarningDays?: number;
  /** The institution is known to be down: the connection shows `institution_unavailable` and waits. */
  readonly institutionDegraded?: boolean;
  readonly now?: Date;
}

/**
 * `institution_unavailable` replaces a status that only says "not working" (error, or healthy/syncing with
 * auto-sync paused) while the bank is down; statuses that need the user keep priority, since the user's step
 * stays the same whatever the bank's health.
 */
function presentedStatus(connection: Connection, institutionDegraded: boolean): ConnectionBody['status'] {
  if (!institutionDegraded || statusesNeedingUser.has(connection.status)) return connection.status;
  return 'institution_unavailable';
}

export function presentConnection(connection: Connection, presentation: ConnectionPresentation = {}): ConnectionBody {
  const consent = connection.consent;
  const degraded = presentation.institutionDegraded === true;
  const step = nextStepFor(connection, presentation.now ?? new Date(), {
    institutionDegraded: degraded,
    ...(presentation.consentWarningDays ? { consentWarningDays: presentation.consentWarningDays } : {}),
  });
  return {
    id: connection.connectionId,
    provider: connection.provider,
    institution: { id: connection.institution.id, name: connection.institution.name, status: degraded ? 'degraded' : 'operational' },
    status: presentedStatus(connection, degraded),
    status_reason: connection.statusReason,
    products: [...connection.products],
    product_tag: connection.productTag,
    created_at: connection.createdAt,
    updated_at: connection.updatedAt,
    last_sync_at: connection.lastSyncAt,
    last_sync_outcome: connection.lastSyncOutcome,
    next_sync_at: connection.nextSyncAt,
    consent: consent
      ? {
          products: [...consent.products],
          created_at: consent.createdAt,
          expires_at: consent.expiresAt,
          revoked_at: consent.revokedAt,
          valid: isConsentValid(consent, new Date()),
        }
      : null,
    pending_user_action: connection.pendingUserAction
      ? {
          url: connection.pendingUserAction.url,
          expires_at: connection.pendingUserAction.expiresAt,
          instructions: connection.pendingUserAction.instructions,
        }
      : null,
    // When the provider allows the next request for fresh data (null: now), and automatic retries used.
    provider_update: connection.providerUpdate
      ? { not_before: connection.providerUpdate.notBefore, outdated_retries: connection.providerUpdate.outdatedRetries }
      : null,
    /** What the user should do next (renew a consent, sign in again, wait for the bank), or null. */
    next_step: nextStepBody(step),
  };
}

export function isConsentValid(consent: NonNullable<Connection['consent']>, now: Date): boolean {
  if (consent.revokedAt) return false;
  return consent.expiresAt === null || new Date(consent.expiresAt).getTime() > now.getTime();
}

export function presentAccount(account: Account): AccountBody {
  return {
    id: account.accountId,
    connection_id: account.connectionId,
    provider: account.provider,
    /** The provider's id for the account (what Plaid Link / Pluggy Connect report), for client-side matching. */
    provider_account_id: account.providerAccountId,
    name: account.name,
    official_name: account.officialName,
    type: account.type,
    subtype: account.subtype,
    mask: account.mask,
    balances: {
      current: account.balances.current,
      available: account.balances.available,
      limit: account.balances.limit,
      currency: account.balances.currency,
      updated_at: account.balances.updatedAt,
    },
    has_numbers: account.numbers !== null,
    status: account.status ?? 'active',
    created_at: account.createdAt,
    updated_at: account.updatedAt,
  };
}

export function presentTransaction(transaction: Transaction): TransactionBody {
  return {
    id: transaction.transactionId,
    account_id: transaction.accountId,
    connection_id: transaction.connectionId,
    provider: transaction.provider,
    amount: transaction.amount,
    currency: transaction.currency,
    date: transaction.date,
    authorized_date: transaction.authorizedDate,
    description: transaction.description,
    merchant_name: transaction.merchantName,
    pending: transaction.pending,
    category_id: effectiveCategoryId(transaction),
    provider_category: transaction.providerCategory,
    user_category_id: transaction.userCategoryId,
    note: transaction.note,
    category_sync: transaction.categorySync
      ? {
          status: transaction.categorySync.status,
          updated_at: transaction.categorySync.updatedAt,
          error: transaction.categorySync.error,
        }
      : null,
    created_at: transaction.createdAt,
    updated_at: transaction.updatedAt,
  };
}

export function presentCategory(category: Category): CategoryBody {
  return {
    id: category.categoryId,
    name: category.name,
    source: category.source,
    parent_id: category.parentId,
    editable: category.source === 'user',
  };
}

export function presentSyncRun(run: SyncRun): SyncRunBody {
  return {
    id: run.syncRunId,
    connection_id: run.connectionId,
    trigger: run.trigger,
    outcome: run.outcome,
    started_at: run.startedAt,
    finished_at: run.finishedAt,
    counts: { ...run.counts },
    error: syncRunErrorBody(run.error),
    account_errors: run.accountErrors.map((failure) => ({
      account_id: failure.accountId,
      code: failure.code,
      message: failure.message,
    })),
  };
}

/** Paged listings share one envelope: `{ "data": [...], "next_cursor": "…" | null }`. */
export function presentTransactionChanges(changes: TransactionChanges): TransactionChangesBody {
  return {
    added: changes.added.map(presentTransaction),
    modified: changes.modified.map(presentTransaction),
    removed: changes.removed.map((removal) => ({
      id: removal.transactionId,
      connection_id: removal.connectionId,
      account_id: removal.accountId,
      removed_at: removal.removedAt,
    })),
    next_cursor: changes.nextCursor,
    has_more: changes.hasMore,
  };
}

export function presentPage<T, R>(page: Page<T>, present: (item: T) => R) {
  return { data: page.items.map(present), next_cursor: page.nextCursor };
}

export function presentConsent(consent: NonNullable<Connection['consent']>, now: Date = new Date()): ConsentBody {
  return {
    products: [...consent.products],
    created_at: consent.createdAt,
    expires_at: consent.expiresAt,
    revoked_at: consent.revokedAt,
    valid: isConsentValid(consent, now),
  };
}

/** `GET /banking/connections/{id}/consent`. */
export function presentConnectionConsent(connection: Connection): ConnectionConsentBody {
  return {
    connection_id: connection.connectionId,
    provider: connection.provider,
    consent: connection.consent ? presentConsent(connection.consent) : null,
  };
}

/** What the user must answer while a Pluggy item waits for input (`POST …/mfa` takes `{<name>: <value>}`). */
export function presentMfaPrompt(prompt: MfaPrompt | null): MfaPromptBody | null {
  if (!prompt) return null;
  return {
    name: prompt.name,
    label: prompt.label,
    type: prompt.type,
    placeholder: prompt.placeholder,
    assistive_text: prompt.assistiveText,
    validation: prompt.validation,
    expires_at: prompt.expiresAt,
    data: prompt.data,
    options: prompt.options.map((option) => ({ value: option.value, label: option.label })),
  };
}

/**
 * A Pluggy connect token. `widget_options` are Pluggy Connect's own props, camelCase as the widget names
 * them, so a frontend can pass them to the widget unchanged.
 */
export function presentPluggyConnectToken(token: PluggyConnectTokenResult): PluggyConnectTokenBody {
  return {
    connect_token: token.connectToken,
    expires_at: token.expiresAt,
    mode: token.mode,
    connect_url: token.connectUrl,
    widget_options: token.widgetOptions,
  };
}
