/**
 * Pluggy failures → `ProviderError`. Pluggy answers every error with `{code, codeDescription?, message,
 * data?}` and asks integrators to branch on `codeDescription` (https://docs.pluggy.ai/en/docs/reference/basic-concepts);
 * where it sends none, the HTTP status decides.
 *
 * Nothing of the request (API key, credentials, MFA answers) ever reaches the error: only the status, the
 * code description and — for input the user can correct — Pluggy's message are copied out.
 */
import { ProviderError, type ProviderFailureKind } from '../../errors/app-error';
import { NEUTRAL_MESSAGES } from '../../errors/neutral-messages';
import { safeParse } from '../../validation/zod';
import { errorBody } from './pluggy-schemas';

/** Codes whose meaning the status alone would get wrong. */
const KIND_BY_CODE: Readonly<Record<string, ProviderFailureKind>> = {
  ITEM_NOT_FOUND: 'item_not_found',
  // PATCH /items/{id} (OAS): the user's input or the item's recent history is the problem.
  // Pluggy spells the first one this way.
  MFA_PARAMERTER_WAS_ALREADY_USED_ERROR: 'invalid_input',
  MFA_PARAMETER_WAS_ALREADY_USED_ERROR: 'invalid_input',
  CONNECTOR_REQUIRED_PARAMETER_VALIDATION_ERROR: 'invalid_input',
  TOO_MANY_CONSECUTIVE_ERRORS: 'invalid_input',
  TOO_MANY_CONSECUTIVE_LOGIN_FAILURES: 'invalid_input',
  // 409s: an update is already running, or the client's minimum update frequency has not passed yet.
  ITEM_ALREADY_UPDATING: 'transient',
  ITEM_IS_ALREADY_UPDATING: 'transient',
  // Not transient: asking again soon gets the same answer, and a redelivered sync job would ask again.
  // The sync source reads the time it may ask next ({@link PluggyUpdateTooSoonError}).
  CLIENT_IS_UPDATING_BEFORE_ALLOWED_FREQUENCY: 'permanent',
  // `/auth` refusing our client credentials: nothing a retry fixes until the secret is corrected.
  CLIENT_KEYS_UNAUTHORIZED: 'permanent',
  CLIENT_DISABLED: 'permanent',
  // Retired endpoints (v1 /transactions answers 410 for accounts created since June 2026).
  ENDPOINT_DEPRECATED: 'permanent',
};

/** Pluggy's messages are bounded here; a message is shown to the caller only for input they can correct. */
const MAX_MESSAGE_LENGTH = 200;

export interface PluggyHttpFailure {
  readonly status: number;
  /** The response body as text (possibly empty or not JSON). */
  readonly body: string;
  /** Lower-case header names. */
  readonly headers: Readonly<Record<string, string | undefined>>;
  /** The request path, for 404s that name no code (an unknown item and an unknown transaction differ). */
  readonly path: string;
}

/**
 * Pluggy refused a client update of an item (`409 CLIENT_IS_UPDATING_BEFORE_ALLOWED_FREQUENCY`, OAS
 * items-update: `data.minUpdateFrequencyAllowedInHours` and `data.lastUpdatedAt`). `notBefore` is when an update
 * is allowed again, in Pluggy's clock; null when the body does not say (then the caller waits a full day).
 */
export class PluggyUpdateTooSoonError extends ProviderError {
  constructor(readonly notBefore: string | null) {
    super('pluggy', 'permanent', {
      providerCode: 'CLIENT_IS_UPDATING_BEFORE_ALLOWED_FREQUENCY',
      message: 'The bank data provider allows no new update of this connection yet',
    });
  }
}

function updateTooSoon(data: unknown): PluggyUpdateTooSoonError {
  const fields = (typeof data === 'object' && data !== null ? data : {}) as { minUpdateFrequencyAllowedInHours?: unknown; lastUpdatedAt?: unknown };
  const hours = Number(fields.minUpdateFrequencyAllowedInHours);
  const last = typeof fields.lastUpdatedAt === 'string' ? Date.parse(fields.lastUpdatedAt) : Number.NaN;
  return new PluggyUpdateTooSoonError(Number.isFinite(hours) && Number.isFinite(last) ? new Date(last + hours * 3_600_000).toISOString() : null);
}

export function pluggyErrorFrom(failure: PluggyHttpFailure): ProviderError {
  const parsed = parseErrorBody(failure.body);
  if (parsed?.codeDescription === 'CLIENT_IS_UPDATING_BEFORE_ALLOWED_FREQUENCY') return updateTooSoon(parsed.data);
  const codeDescription = parsed?.codeDescription ?? null;
  const kind = kindOf(failure, codeDescription);
  const providerCode = codeDescription ?? `HTTP_${failure.status}`;
  const pluggyMessage = typeof parsed?.message === 'string' ? parsed.message.slice(0, MAX_MESSAGE_LENGTH) : '';
  const retryAfterSeconds = kind === 'rate_limited' ? rateLimitWaitSeconds(failure.headers) : undefined;
  return new ProviderError('pluggy', kind, {
    providerCode,
    message: kind === 'invalid_input' && pluggyMessage ? pluggyMessage : NEUTRAL_MESSAGES[kind],
    ...(retryAfterSeconds !== undefined ? { retryAfterSeconds } : {}),
  });
}

/** A request that got no HTTP answer at all (timeout, reset, DNS): worth retrying. */
export function pluggyNetworkError(error: unknown): ProviderError {
  const code = (error as { code?: unknown })?.code;
  return new ProviderError('pluggy', 'transient', {
    providerCode: typeof code === 'string' && /^[A-Z_]+$/.test(code) ? code : 'NETWORK_ERROR',
    message: NEUTRAL_MESSAGES.transient,
  });
}

function parseErrorBody(body: string) {
  if (!body) return null;
  try {
    const parsed = safeParse(errorBody, JSON.parse(body));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}

function kindOf(failure: PluggyHttpFailure, codeDescription: string | null): ProviderFailureKind {
  const byCode = codeDescription ? KIND_BY_CODE[codeDescription] : undefined;
  if (byCode) return byCode;
  const status = failure.status;
  if (status === 429) return 'rate_limited';
  if (status >= 500 || status === 408) return 'transient';
  if (status === 409) return 'transient';
  // An unknown item is the connection being gone; an unknown account or transaction is not.
  if (status === 404) return /^\/items\/[^/]+$/.test(failure.path) ? 'item_not_found' : 'permanent';
  if (status === 400 || status === 422) return 'invalid_input';
  return 'permanent';
}

/**
 * Seconds to wait before the next call. Pluggy sends `RateLimit-Reset` (seconds until the window resets)
 * and `Retry-After` (always 60, per https://docs.pluggy.ai/docs/rate-limits); the former is the precise one.
 */
export function rateLimitWaitSeconds(headers: Readonly<Record<string, string | undefined>>): number | undefined {
  for (const name of ['ratelimit-reset', 'retry-after']) {
    const raw = headers[name]?.trim();
    if (!raw) continue;
    if (/^\d+(\.\d+)?$/.test(raw)) return Number(raw);
    // Retry-After may also be an HTTP date.
    const at = Date.parse(raw);
    if (Number.isFinite(at)) return Math.max(0, Math.ceil((at - Date.now()) / 1000));
  }
  return undefined;
}
