/**
 * Typed, fail-fast configuration. Each composition root calls {@link readEnv} once at module scope (cold
 * start) with the settings it needs; a missing or malformed value throws a ConfigError that names every
 * offending variable, so a misconfigured function fails at init rather than on some later request.
 */
import * as z from '../validation/zod';
import { ConfigError } from '../errors/app-error';

export function readEnv<Shape extends z.core.$ZodLooseShape>(
  shape: Shape,
  source: NodeJS.ProcessEnv = process.env,
): z.infer<z.ZodMiniObject<Shape>> {
  const result = z.safeParse(z.object(shape), source);
  if (!result.success) {
    const problems = result.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
    throw new ConfigError(`Invalid configuration: ${problems.join('; ')}`);
  }
  return result.data;
}

/** Settings shared by every function that talks to AWS. */
export const awsSettings = {
  AWS_REGION: z._default(z.string().check(z.minLength(1)), 'us-east-1'),
  /** Set only offline (moto / LocalStack); in AWS the SDK's default endpoints are used. */
  AWS_ENDPOINT_URL: z.optional(z.url()),
};

export const tableSettings = { TABLE_NAME: z.string().check(z.minLength(1)) };
export const tokenKeySettings = { TOKEN_KEY_ID: z.string().check(z.minLength(1)) };
export const syncQueueSettings = { SYNC_QUEUE_URL: z.url() };
export const webhookQueueSettings = { WEBHOOK_EVENT_QUEUE_URL: z.url() };
export const providerWriteQueueSettings = { PROVIDER_WRITE_QUEUE_URL: z.url() };

/** Auto-sync cadence: each connection is synced this many hours after its last sync (jittered). */
export const autoSyncSettings = {
  AUTO_SYNC_INTERVAL_HOURS: z._default(z.coerce.number().check(z.positive(), z.lte(168)), 12),
  /** Number of partitions of the due index; more shards spread scheduler reads across partitions. */
  DUE_INDEX_SHARDS: z._default(z.coerce.number().check(z.int(), z.gte(1), z.lte(64)), 8),
};

/** Outbound app events: the bus, and the app's webhook endpoint with its delivery queue when configured. */
export const appEventSettings = {
  EVENT_BUS_NAME: z.string().check(z.minLength(1)),
  APP_WEBHOOK_URL: z.optional(z.url()),
  APP_WEBHOOK_QUEUE_URL: z.optional(z.url()),
};

/** How many days before a consent ends `consent.expiring` is sent (and the connection shows a renew step). */
export const consentWarningSettings = {
  CONSENT_WARNING_DAYS: z._default(z.coerce.number().check(z.int(), z.gte(1), z.lte(90)), 7),
};

/** Plaid institution errors across this many connections within the window mark an institution degraded. */
export const institutionHealthSettings = {
  INSTITUTION_DOWN_THRESHOLD: z._default(z.coerce.number().check(z.int(), z.gte(1), z.lte(1000)), 3),
  INSTITUTION_DOWN_WINDOW_MINUTES: z._default(z.coerce.number().check(z.int(), z.gte(1), z.lte(1440)), 30),
};
