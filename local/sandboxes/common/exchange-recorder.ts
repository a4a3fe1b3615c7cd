/**
 * In-memory record of every request a sandbox received and the reply it sent.
 *
 * Tests read it to validate each request and response against the provider's OpenAPI document, and to
 * assert on call sequences (which cursor was sent, how many pages were fetched). Secrets are masked on the
 * way in: the `secret` body field and credential headers never sit in the log.
 */

export interface RecordedExchange {
  /** Increasing number, unique for the sandbox's lifetime (survives {@link ExchangeRecorder.clear}). */
  readonly seq: number;
  readonly at: string;
  readonly method: string;
  readonly path: string;
  /** The raw query string without `?` (empty when there was none); REST-style providers put their inputs there. */
  readonly query?: string;
  /** Whether the path is a provider endpoint or one of the sandbox's own control endpoints. */
  readonly kind: 'provider' | 'control';
  readonly requestHeaders: Readonly<Record<string, string>>;
  /** Parsed JSON body; `undefined` when there was none or it was not JSON (then see `requestText`). */
  readonly requestBody: unknown;
  readonly requestText?: string;
  readonly status: number;
  readonly responseBody: unknown;
  readonly durationMs: number;
  /** The injected fault that shaped this reply, if any (e.g. `status:429`). */
  readonly fault?: string;
}

export type ExchangeInput = Omit<RecordedExchange, 'seq' | 'requestHeaders' | 'requestBody'> & {
  requestHeaders: Record<string, string | string[] | undefined>;
  requestBody: unknown;
};

const MASKED = '[REDACTED]';
const SECRET_HEADERS = new Set(['plaid-secret', 'authorization', 'x-api-key', 'client_secret', 'x-client-secret']);
const SECRET_BODY_KEYS = new Set(['secret', 'clientSecret', 'client_secret']);

export interface ExchangeFilter {
  path?: string;
  kind?: RecordedExchange['kind'];
  /** Only exchanges with `seq` greater than this. */
  afterSeq?: number;
}

export class ExchangeRecorder {
  private entries: RecordedExchange[] = [];
  private nextSeq = 1;

  constructor(private readonly capacity = 10_000) {}

  record(input: ExchangeInput): RecordedExchange {
    const entry: RecordedExchange = {
      ...input,
      seq: this.nextSeq,
      requestHeaders: maskHeaders(input.requestHeaders),
      requestBody: maskBody(input.requestBody),
    };
    this.nextSeq += 1;
    this.entries.push(entry);
    // Oldest first out: a long `npm run dev` session must not grow without bound.
    if (this.entries.length > this.capacity) this.entries.splice(0, this.entries.length - this.capacity);
    return entry;
  }

  list(filter: ExchangeFilter = {}): RecordedExchange[] {
    return this.entries.filter(
      (entry) =>
        (filter.path === undefined || entry.path === filter.path) &&
        (filter.kind === undefined || entry.kind === filter.kind) &&
        (filter.afterSeq === undefined || entry.seq > filter.afterSeq),
    );
  }

  /** Sequence number of the newest entry (0 when nothing was recorded yet). */
  lastSeq(): number {
    return this.nextSeq - 1;
  }

  clear(): void {
    this.entries = [];
  }
}

function maskHeaders(headers: Record<string, string | string[] | undefined>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined) continue;
    const lower = name.toLowerCase();
    out[lower] = SECRET_HEADERS.has(lower) ? MASKED : Array.isArray(value) ? value.join(', ') : value;
  }
  return out;
}

function maskBody(body: unknown): unknown {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return body;
  let copy: Record<string, unknown> | undefined;
  for (const key of Object.keys(body)) {
    if (SECRET_BODY_KEYS.has(key) && typeof (body as Record<string, unknown>)[key] === 'string') {
      copy ??= { ...(body as Record<string, unknown>) };
      copy[key] = MASKED;
    }
  }
  return copy ?? body;
}
