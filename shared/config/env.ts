/**
 * Typed, fail-fast configuration. Each composition root calls {@link readEnv} once (at cold start) with the
 * settings it needs; a missing or malformed value throws a ConfigError that names every offending variable,
 * so a misconfigured function fails at init rather than on some later request.
 *
 * A setting is a small parser of one environment variable (strings, URLs, bounded numbers, one of a few words,
 * flags), not a schema library: every function reads its settings before its first answer, and these few
 * checks cost nothing to load.
 */
import { ConfigError } from '../errors/app-error';

/** Parses one variable's raw value (undefined when unset or empty); returns the value or a problem. */
export interface Setting<T> {
  read(raw: string | undefined): { readonly value: T } | { readonly problem: string };
}

type SettingValue<S> = S extends Setting<infer T> ? T : never;
export type Settings = Readonly<Record<string, Setting<unknown>>>;
export type Config<Shape extends Settings> = { readonly [K in keyof Shape]: SettingValue<Shape[K]> };

export function readEnv<Shape extends Settings>(shape: Shape, source: NodeJS.ProcessEnv = process.env): Config<Shape> {
  const values: Record<string, unknown> = {};
  const problems: string[] = [];
  for (const [name, setting] of Object.entries(shape)) {
    const raw = source[name];
    const result = setting.read(raw === '' ? undefined : raw);
    if ('problem' in result) problems.push(`${name}: ${result.problem}`);
    else values[name] = result.value;
  }
  if (problems.length > 0) throw new ConfigError(`Invalid configuration: ${problems.join('; ')}`);
  return values as Config<Shape>;
}

function setting<T>(parse: (raw: string) => T | { readonly problem: string }): Setting<T> {
  return {
    read(raw) {
      if (raw === undefined) return { problem: 'is not set' };
      const parsed = parse(raw);
      return parsed !== null && typeof parsed === 'object' && 'problem' in parsed ? parsed : { value: parsed as T };
    },
  };
}

/** The setting, or `fallback` when the variable is unset or empty. */
export function withDefault<T>(inner: Setting<T>, fallback: T): Setting<T> {
  return { read: (raw) => (raw === undefined ? { value: fallback } : inner.read(raw)) };
}

/** The setting, or `undefined` when the variable is unset or empty. */
export function optional<T>(inner: Setting<T>): Setting<T | undefined> {
  return { read: (raw) => (raw === undefined ? { value: undefined } : inner.read(raw)) };
}

export function text(options: { readonly min?: number; readonly max?: number; readonly pattern?: RegExp } = {}): Setting<string> {
  const { min = 1, max = Number.POSITIVE_INFINITY, pattern } = options;
  return setting<string>((raw) => {
    if (raw.length < min) return { problem: `must be at least ${min} characters` };
    if (raw.length > max) return { problem: `must be at most ${max} characters` };
    if (pattern && !pattern.test(raw)) return { problem: `must match ${pattern}` };
    return raw;
  });
}

export function url(): Setting<string> {
  return setting<string>((raw) => (URL.canParse(raw) ? raw : { problem: 'must be a URL' }));
}

export function number(options: { readonly integer?: boolean; readonly min?: number; readonly max?: number; readonly positive?: boolean }): Setting<number> {
  return setting<number>((raw) => {
    const value = Number(raw.trim());
    if (raw.trim() === '' || !Number.isFinite(value)) return { problem: 'must be a number' };
    if (options.integer && !Number.isInteger(value)) return { problem: 'must be a whole number' };
    if (options.positive && value <= 0) return { problem: 'must be greater than 0' };
    if (options.min !== undefined && value < options.min) return { problem: `must be at least ${options.min}` };
    if (options.max !== undefined && value > options.max) return { problem: `must be at most ${options.max}` };
    return value;
  });
}

export function oneOf<const Values extends readonly string[]>(values: Values): Setting<Values[number]> {
  return setting<Values[number]>((raw) => ((values as readonly string[]).includes(raw) ? (raw as Values[number]) : { problem: `must be one of ${values.join(', ')}` }));
}

/** `true` or `false` (unset means false). */
export const flag: Setting<boolean> = withDefault(
  setting<boolean>((raw) => (raw === 'true' ? true : raw === 'false' ? false : { problem: 'must be true or false' })),
  false,
);

/** Comma-separated words, trimmed and upper-cased (e.g. country codes). */
export function upperCaseList(fallback: string): Setting<string[]> {
  return withDefault(
    setting<string[]>((raw) => raw.split(',').map((code) => code.trim().toUpperCase()).filter(Boolean)),
    fallback.split(','),
  );
}

/** Settings shared by every function that talks to AWS. */
export const awsSettings = {
  AWS_REGION: withDefault(text(), 'us-east-1'),
  /** Set only offline (moto / LocalStack); in AWS the SDK's default endpoints are used. */
  AWS_ENDPOINT_URL: optional(url()),
};

export const tableSettings = { TABLE_NAME: text() };
export const tokenKeySettings = { TOKEN_KEY_ID: text() };
export const syncQueueSettings = { SYNC_QUEUE_URL: url() };
export const webhookQueueSettings = { WEBHOOK_EVENT_QUEUE_URL: url() };
export const providerWriteQueueSettings = { PROVIDER_WRITE_QUEUE_URL: url() };

/** Auto-sync cadence: each connection is synced this many hours after its last sync (jittered). */
export const autoSyncSettings = {
  AUTO_SYNC_INTERVAL_HOURS: withDefault(number({ positive: true, max: 168 }), 12),
  /** Number of partitions of the due index; more shards spread scheduler reads across partitions. */
  DUE_INDEX_SHARDS: withDefault(number({ integer: true, min: 1, max: 64 }), 8),
};

/** Outbound app events: the bus, and the app's webhook endpoint with its delivery queue when configured. */
export const appEventSettings = {
  EVENT_BUS_NAME: text(),
  APP_WEBHOOK_URL: optional(url()),
  APP_WEBHOOK_QUEUE_URL: optional(url()),
};

/** How many days before a consent ends `consent.expiring` is sent (and the connection shows a renew step). */
export const consentWarningSettings = {
  CONSENT_WARNING_DAYS: withDefault(number({ integer: true, min: 1, max: 90 }), 7),
};

/** Plaid institution errors across this many connections within the window mark an institution degraded. */
export const institutionHealthSettings = {
  INSTITUTION_DOWN_THRESHOLD: withDefault(number({ integer: true, min: 1, max: 1000 }), 3),
  INSTITUTION_DOWN_WINDOW_MINUTES: withDefault(number({ integer: true, min: 1, max: 1440 }), 30),
};
