/**
 * Per-deployment settings, read from CDK context (`cdk.json`, `cdk.context.json` or `-c key=value`).
 *
 * Everything that differs between two deployments of the same code lives here; everything that describes the
 * service itself lives in `infra/catalog/`. Values given on the command line always arrive as strings, values in
 * `cdk.json` may be native JSON, so each reader accepts both. A bad value stops synthesis with a message naming
 * the context key rather than producing a template that fails at deploy time.
 */
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { Node } from 'constructs';
import { z } from 'zod';
import { autoSyncSettings, type Setting } from '../../shared/config/env';
import { defaultResourcePrefix } from '../../shared/catalog/resources';

export type PlaidEnvironment = 'sandbox' | 'production';

export interface ExternalIssuer {
  /** `iss` of the tokens the frontend sends, e.g. `https://example.eu.auth0.com/`. */
  readonly issuer: string;
  /** Accepted `aud` (or Cognito `client_id`) values. */
  readonly audience: readonly string[];
}

export interface DeploymentSettings {
  /** Prefix of every physical name (queues, secrets, alias, log groups), so two deployments can share an account. */
  readonly prefix: string;
  /** Browser origins allowed by CORS; empty means no CORS configuration at all. */
  readonly corsOrigins: readonly string[];
  /** Set when an identity provider outside the stack issues the user JWTs; no user pool is created then. */
  readonly externalIssuer: ExternalIssuer | undefined;
  readonly logRetention: RetentionDays;
  readonly plaidEnvironment: PlaidEnvironment;
  readonly pluggyBaseUrl: string;
  /** `production` hides Pluggy's sandbox connectors from the Connect widget. */
  readonly pluggyEnvironment: 'sandbox' | 'production';
  /** Base URL providers call webhooks on; defaults to the API's own endpoint when absent. */
  readonly publicBaseUrl: string | undefined;
  readonly autoSyncIntervalHours: number;
  readonly dueIndexShards: number;
  /** Steady-state request rate and burst the API stage admits before answering 429 (user routes). */
  readonly apiRateLimit: number;
  readonly apiBurstLimit: number;
  /** Each webhook route's own rate and burst, so an anonymous flood cannot starve users (or the other way round). */
  readonly webhookRateLimit: number;
  readonly webhookBurstLimit: number;
  /** Each public route's (health, unknown paths) own rate and burst. */
  readonly publicRateLimit: number;
  readonly publicBurstLimit: number;
  /** Redirect URIs callers may pass to the providers (origins or exact URLs); empty: any https URL. */
  readonly redirectUriAllowList: readonly string[];
  /** Existing SNS topic that receives dead-letter alarms; without it alarms only change state. */
  readonly alarmTopicArn: string | undefined;
  /** The app's endpoint for signed event webhooks; without it events go to the EventBridge bus only. */
  readonly appWebhookUrl: string | undefined;
  /** Days before a consent ends that `consent.expiring` is sent. */
  readonly consentWarningDays: number;
  /** Keep the table's retired indexes for one more deployment (the two-step index upgrade, docs/deploy.md). */
  readonly keepRetiredIndexes: boolean;
}

/** The CDK context keys this app reads, with the default each one falls back to (documented in the README). */
export const contextKeys = {
  prefix: 'prefix',
  corsOrigins: 'corsOrigins',
  jwtIssuer: 'jwtIssuer',
  jwtAudience: 'jwtAudience',
  logRetentionDays: 'logRetentionDays',
  plaidEnv: 'plaidEnv',
  pluggyBaseUrl: 'pluggyBaseUrl',
  pluggyEnv: 'pluggyEnv',
  publicBaseUrl: 'publicBaseUrl',
  autoSyncIntervalHours: 'autoSyncIntervalHours',
  dueIndexShards: 'dueIndexShards',
  apiRateLimit: 'apiRateLimit',
  apiBurstLimit: 'apiBurstLimit',
  webhookRateLimit: 'webhookRateLimit',
  webhookBurstLimit: 'webhookBurstLimit',
  publicRateLimit: 'publicRateLimit',
  publicBurstLimit: 'publicBurstLimit',
  redirectUriAllowList: 'redirectUriAllowList',
  alarmTopicArn: 'alarmTopicArn',
  appWebhookUrl: 'appWebhookUrl',
  consentWarningDays: 'consentWarningDays',
  keepRetiredIndexes: 'keepRetiredIndexes',
} as const;

const retentionDays = new Set<number>(
  Object.values(RetentionDays).filter((value): value is number => typeof value === 'number'),
);

/** `a,b , c` or `["a","b"]` → `['a','b','c']`; blank entries are dropped. */
const commaList = z.preprocess(
  (value) => (typeof value === 'string' ? value.split(',') : value),
  z.array(z.string().trim()).transform((items) => items.filter((item) => item.length > 0)),
);

const blankToUndefined = (value: unknown): unknown =>
  typeof value === 'string' && value.trim() === '' ? undefined : value;

/**
 * A function setting (`shared/config/env.ts`) as a context schema: the context value is checked by the very
 * parser the function applies to the environment variable the stack sets from it.
 */
function fromFunctionSetting<T>(setting: Setting<T>) {
  return z.unknown().transform((value, context): T => {
    const result = setting.read(value === undefined || value === null || value === '' ? undefined : String(value));
    if ('problem' in result) {
      context.addIssue({ code: 'custom', message: result.problem });
      return z.NEVER;
    }
    return result.value;
  });
}

const httpsUrl = z.url({ protocol: /^https$/, error: 'must be an https:// URL' });

/**
 * An exact origin (`https://app.example.com`, `http://localhost:5173`) or `*`. API Gateway compares origins
 * literally, so a path or trailing slash would never match a browser's Origin header.
 */
const origin = z
  .string()
  .refine(
    (value) => value === '*' || /^https?:\/\/[^/\s]+$/.test(value),
    'must be an origin such as https://app.example.com (scheme and host, no path)',
  );

const contextSchema = z.object({
  [contextKeys.prefix]: z
    .string()
    .regex(/^[a-z][a-z0-9-]{1,30}[a-z0-9]$/, 'must be 3-32 lowercase letters, digits or dashes')
    .default(defaultResourcePrefix),
  [contextKeys.corsOrigins]: commaList.pipe(z.array(origin)).default([]),
  [contextKeys.jwtIssuer]: z.preprocess(blankToUndefined, httpsUrl.optional()),
  [contextKeys.jwtAudience]: commaList.optional(),
  [contextKeys.logRetentionDays]: z.coerce
    .number()
    .refine((days) => retentionDays.has(days), {
      message: `must be one of CloudWatch Logs' retention periods (${[...retentionDays].join(', ')})`,
    })
    .default(RetentionDays.ONE_MONTH),
  // Plaid retired its `development` environment in 2024; sandbox and production are the two that remain.
  [contextKeys.plaidEnv]: z.enum(['sandbox', 'production']).default('sandbox'),
  [contextKeys.pluggyBaseUrl]: httpsUrl.default('https://api.pluggy.ai'),
  [contextKeys.pluggyEnv]: z.enum(['sandbox', 'production']).default('sandbox'),
  [contextKeys.publicBaseUrl]: z.preprocess(
    blankToUndefined,
    httpsUrl
      .refine((value) => !value.endsWith('/'), 'must not end with a slash (paths are appended to it)')
      .optional(),
  ),
  [contextKeys.autoSyncIntervalHours]: fromFunctionSetting(autoSyncSettings.AUTO_SYNC_INTERVAL_HOURS),
  [contextKeys.dueIndexShards]: fromFunctionSetting(autoSyncSettings.DUE_INDEX_SHARDS),
  [contextKeys.apiRateLimit]: z.coerce.number().positive().default(50),
  [contextKeys.apiBurstLimit]: z.coerce.number().int().positive().default(100),
  [contextKeys.webhookRateLimit]: z.coerce.number().positive().default(20),
  [contextKeys.webhookBurstLimit]: z.coerce.number().int().positive().default(40),
  [contextKeys.publicRateLimit]: z.coerce.number().positive().default(5),
  [contextKeys.publicBurstLimit]: z.coerce.number().int().positive().default(10),
  [contextKeys.redirectUriAllowList]: commaList.pipe(z.array(httpsUrl)).default([]),
  [contextKeys.alarmTopicArn]: z.preprocess(
    blankToUndefined,
    z
      .string()
      .regex(/^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[\w-]+$/, 'must be an SNS topic ARN')
      .optional(),
  ),
  [contextKeys.appWebhookUrl]: z.preprocess(blankToUndefined, httpsUrl.optional()),
  [contextKeys.consentWarningDays]: z.coerce.number().int().min(1).max(90).default(7),
  [contextKeys.keepRetiredIndexes]: z
    .preprocess((value) => (typeof value === 'string' ? value.trim().toLowerCase() : value), z.union([z.boolean(), z.enum(['true', 'false'])]))
    .transform((value) => value === true || value === 'true')
    .default(false),
});

/**
 * Reads and validates every context key at once, so one synth run reports all mistakes together.
 *
 * @example
 * // cdk synth -c corsOrigins=https://app.example.com -c logRetentionDays=90
 * const settings = readDeploymentSettings(app.node);
 * settings.corsOrigins; // ['https://app.example.com']
 */
export function readDeploymentSettings(node: Node): DeploymentSettings {
  const raw = Object.fromEntries(
    Object.values(contextKeys).map((key) => [key, node.tryGetContext(key) as unknown]),
  );
  const parsed = contextSchema.safeParse(raw);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `context "${issue.path.join('.')}" ${issue.message}`);
    throw new Error(`Invalid CDK context: ${problems.join('; ')}`);
  }
  const context = parsed.data;

  const issuer = context[contextKeys.jwtIssuer];
  const audience = context[contextKeys.jwtAudience] ?? [];
  if ((issuer === undefined) !== (audience.length === 0)) {
    throw new Error(
      'Invalid CDK context: "jwtIssuer" and "jwtAudience" go together (an external issuer needs the audience ' +
        'its tokens carry, and an audience without an issuer would be ignored)',
    );
  }

  return {
    prefix: context[contextKeys.prefix],
    corsOrigins: context[contextKeys.corsOrigins],
    externalIssuer: issuer === undefined ? undefined : { issuer, audience },
    logRetention: context[contextKeys.logRetentionDays] as RetentionDays,
    plaidEnvironment: context[contextKeys.plaidEnv],
    pluggyBaseUrl: context[contextKeys.pluggyBaseUrl],
    pluggyEnvironment: context[contextKeys.pluggyEnv],
    publicBaseUrl: context[contextKeys.publicBaseUrl],
    autoSyncIntervalHours: context[contextKeys.autoSyncIntervalHours],
    dueIndexShards: context[contextKeys.dueIndexShards],
    apiRateLimit: context[contextKeys.apiRateLimit],
    apiBurstLimit: context[contextKeys.apiBurstLimit],
    webhookRateLimit: context[contextKeys.webhookRateLimit],
    webhookBurstLimit: context[contextKeys.webhookBurstLimit],
    publicRateLimit: context[contextKeys.publicRateLimit],
    publicBurstLimit: context[contextKeys.publicBurstLimit],
    redirectUriAllowList: context[contextKeys.redirectUriAllowList],
    alarmTopicArn: context[contextKeys.alarmTopicArn],
    appWebhookUrl: context[contextKeys.appWebhookUrl],
    consentWarningDays: context[contextKeys.consentWarningDays],
    keepRetiredIndexes: context[contextKeys.keepRetiredIndexes],
  };
}
