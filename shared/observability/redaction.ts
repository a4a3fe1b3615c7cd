/**
 * Redaction of anything token- or number-like before it reaches a log line.
 *
 * Two layers: keys whose name marks a secret (access_token, secret, authorization, account/routing
 * numbers, ...) have their value replaced whatever it is, and string values that look like a provider
 * token (`access-sandbox-…`, `public-…`, a JWT) or a long digit run (an account or card number) are
 * masked wherever they appear.
 */

const SECRET_KEY = /(token|secret|password|authorization|api[-_]?key|ciphertext|routing|account[-_]?number|^account$|^numbers$|iban|credential|signature|verification|cookie)/i;

/** Plaid tokens: access-<env>-<uuid>, public-<env>-<uuid>, link-<env>-<uuid>. The one definition of the shape. */
export const PLAID_TOKEN_PATTERN = /\b(?:access|public|link|processor)-(?:sandbox|production|development|local)-[A-Za-z0-9-]+/g;

const TOKEN_VALUE_PATTERNS: readonly RegExp[] = [
  PLAID_TOKEN_PATTERN,
  // JWTs (three base64url segments, the first starting with `eyJ` = '{"').
  /\beyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*/g,
  // Bearer credentials in a header value.
  /\bBearer\s+[A-Za-z0-9._~+/=-]+/gi,
  // Runs of 8+ digits (account, card and routing numbers), unless part of a larger token such as a UUID
  // segment (`12345678-9abc-…`); dates and amounts never have that many digits in a row.
  /(?<![\w-])\d{8,}(?![\w-])/g,
  // Card numbers written in groups of four.
  /\b\d{4}(?:[ -]\d{4}){2,}\b/g,
];

export const REDACTED = '[REDACTED]';

export function redactString(value: string): string {
  let out = value;
  for (const pattern of TOKEN_VALUE_PATTERNS) out = out.replace(pattern, REDACTED);
  return out;
}

/** Deep copy of `value` with secrets removed; safe on cycles and bounded in depth. */
export function redact(value: unknown, depth = 0, seen: WeakSet<object> = new WeakSet()): unknown {
  if (typeof value === 'string') return redactString(value);
  if (value === null || typeof value !== 'object') return value;
  if (depth > 8) return '[…]';
  if (seen.has(value)) return '[Circular]';
  seen.add(value);
  if (Array.isArray(value)) return value.map((item) => redact(item, depth + 1, seen));
  if (value instanceof Error) {
    return { name: value.name, message: redactString(value.message) };
  }
  const out: Record<string, unknown> = {};
  for (const [key, inner] of Object.entries(value)) {
    out[key] = SECRET_KEY.test(key) && inner !== null && inner !== undefined ? REDACTED : redact(inner, depth + 1, seen);
  }
  return out;
}
