/**
 * Redaction of anything token- or number-like before it reaches a log line.
 *
 * Two layers: keys whose name marks a secret (access_token, secret, authorization, account/routing
 * numbers, a bare `number`, CPF/CNPJ, ...) have their value replaced whatever it is, and string values that
 * look like a provider token (`access-sandbox-…`, `public-…`, a JWT), a long digit run (an account or card
 * number), an IBAN, a CPF/CNPJ in any format or a Brazilian agency/account number are masked wherever they
 * appear.
 */

const SECRET_KEY = new RegExp(
  [
    'token|secret|password|passcode|authorization|api[-_]?key|private[-_]?key|signing[-_]?key|^key$|ciphertext',
    'credential|signature|verification|cookie',
    // Account identifiers: Plaid `numbers.{ach,eft,international,bacs}` rows (account, routing, wire_routing,
    // iban, bic...), Pluggy `number` / `bankData.transferNumber`, and short account numbers under any of them.
    'routing|account[-_]?number|^account$|^numbers?$|transfer[-_]?number|iban|sort[-_]?code|^bsb$',
    // Brazilian personal and company tax ids (Pluggy identity, item parameters).
    '^cpf$|^cnpj$|document[-_]?number|tax[-_]?(?:id|number)',
  ].join('|'),
  'i',
);

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
  // IBANs (ISO 13616): country, check digits, then up to 30 letters/digits, in print (groups of 4) or electronic form.
  /\b[A-Z]{2}\d{2}(?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,4})?\b/g,
  // CPF (000.000.000-00) and CNPJ (00.000.000/0000-00) as they are usually written; bare ones are digit runs.
  /\b\d{3}\.\d{3}\.\d{3}-\d{2}\b/g,
  /\b\d{2}\.\d{3}\.\d{3}\/\d{4}-\d{2}\b/g,
  // Brazilian agency/account with check digit (0001/12345-6), the form Pluggy's transfer numbers take.
  /\b\d{3,5}\/\d{3,12}-[0-9Xx]\b/g,
];

export const REDACTED = '[REDACTED]';

/**
 * Every pattern above needs two digits in a row (digit runs, card groups, IBAN check digits, CPF/CNPJ,
 * agency numbers), `eyJ`, `Bearer` or a Plaid environment followed by a dash; text with none of them (most
 * messages and field values: routes, statuses, ids such as `v1`) is returned as is without running, or on
 * first use compiling, each pattern.
 */
const MAY_HOLD_TOKEN = /\d\d|eyJ|bearer|(?:sandbox|production|development|local)-/i;

export function redactString(value: string): string {
  if (!MAY_HOLD_TOKEN.test(value)) return value;
  let out = value;
  for (const pattern of TOKEN_VALUE_PATTERNS) out = out.replace(pattern, REDACTED);
  return out;
}

/**
 * What a log line says about an error: its name, message and code (a provider's or ours), redacted, and the
 * same for its cause chain. Never the stack (source paths, and values a frame may quote) nor any other
 * property: an SDK or HTTP client error can carry the request, its headers and its body.
 */
export function logError(error: Error, depth = 0): { name: string; message: string; code?: string | number; cause?: unknown } {
  const code = (error as { code?: unknown }).code;
  const cause = (error as { cause?: unknown }).cause;
  return {
    name: redactString(String(error.name)),
    message: redactString(String(error.message)),
    ...(typeof code === 'string' ? { code: redactString(code) } : typeof code === 'number' ? { code } : {}),
    ...(cause instanceof Error && depth < 3 ? { cause: logError(cause, depth + 1) } : {}),
  };
}

/** Deep copy of `value` with secrets removed; safe on cycles and bounded in depth. */
export function redact(value: unknown, depth = 0, seen: WeakSet<object> = new WeakSet()): unknown {
  if (typeof value === 'string') return redactString(value);
  if (value === null || typeof value !== 'object') return value;
  if (depth > 8) return '[…]';
  if (seen.has(value)) return '[Circular]';
  seen.add(value);
  if (Array.isArray(value)) return value.map((item) => redact(item, depth + 1, seen));
  if (value instanceof Error) return logError(value);
  const out: Record<string, unknown> = {};
  for (const [key, inner] of Object.entries(value)) {
    out[key] = SECRET_KEY.test(key) && inner !== null && inner !== undefined ? REDACTED : redact(inner, depth + 1, seen);
  }
  return out;
}
