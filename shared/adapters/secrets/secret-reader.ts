/**
 * Reads a JSON secret from Secrets Manager, checks it holds the fields the catalog lists, and caches it for
 * the life of the container with a TTL.
 *
 * Why a cache with a TTL: `GetSecretValue` costs latency and money on every call, but a rotated secret
 * must be picked up without a redeploy, so a value is reused for at most `ttlMs` (5 minutes by default, the
 * figure AWS's own caching clients use: https://docs.aws.amazon.com/secretsmanager/latest/userguide/retrieving-secrets_lambda.html).
 * Concurrent reads during a refresh share one request. A failed read is never cached.
 *
 * Nothing here logs, and no error carries the secret value: validation errors name the secret and the
 * offending field names only.
 */
import { GetSecretValueCommand, type SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import * as z from '../../validation/zod';
import { lazySchema } from '../../validation/lazy-schema';
import { secrets, type SecretDefinition } from '../../catalog/resources';
import { ConfigError } from '../../errors/app-error';
import { clientFrom, secretsManagerClient, type ClientSource } from '../aws-clients';

export const defaultSecretTtlMs = 5 * 60_000;

export type SecretValue<Field extends string, Optional extends string = never> = Readonly<Record<Field, string>> &
  Readonly<Partial<Record<Optional, string>>>;

export interface SecretReaderOptions {
  /** Where the secret's ARN (or name) is looked up under the catalog's `arnEnvVar`. */
  readonly env?: NodeJS.ProcessEnv;
  readonly client?: SecretsManagerClient;
  readonly ttlMs?: number;
  /** Milliseconds clock, injected in tests. */
  readonly now?: () => number;
  /**
   * Fields that may be empty or absent (they switch a feature on when set). Read as undefined when empty.
   * A catalog field listed here is optional too.
   */
  readonly optionalFields?: readonly string[];
}

/**
 * @typeParam Field the catalog `fields` of the secret (checked at run time against the stored value).
 * @example
 * const plaidSecret = new SecretReader<'client_id' | 'secret'>(secrets.plaid);
 * const { client_id, secret } = await plaidSecret.read();
 */
export class SecretReader<Field extends string = string, Optional extends string = never> {
  /** ARN or name of the secret, from the environment variable the catalog names. */
  readonly secretId: string;
  private readonly schema: z.ZodMiniType<SecretValue<Field, Optional>>;
  /**
   * Taken at the first read: a reader is built with the adapter that may need it, and that adapter often does
   * not (the Pluggy client while its cached API key is valid; the Pluggy webhook route for a delivery it refuses
   * before reading).
   */
  private readonly client: ClientSource<SecretsManagerClient>;
  private readonly ttlMs: number;
  private readonly now: () => number;
  private cached: { value: SecretValue<Field, Optional>; expiresAt: number } | undefined;
  private pending: Promise<SecretValue<Field, Optional>> | undefined;

  constructor(
    private readonly definition: SecretDefinition,
    options: SecretReaderOptions = {},
  ) {
    const env = options.env ?? process.env;
    const secretId = env[definition.arnEnvVar]?.trim();
    // Fail at cold start, not on the first request that needs the secret.
    if (!secretId) {
      throw new ConfigError(`${definition.arnEnvVar} is not set (ARN or name of the ${definition.id} secret)`);
    }
    this.secretId = secretId;
    const optional = new Set(options.optionalFields ?? []);
    // Built when the secret is first read: readers are constructed at cold start, before the first answer.
    this.schema = lazySchema(() => {
      const shape: Record<string, z.ZodMiniType> = Object.fromEntries(
        definition.fields.filter((field) => !optional.has(field)).map((field) => [field, z.string().check(z.minLength(1))]),
      );
      for (const field of optional) {
        shape[field] = z.pipe(
          z.optional(z.string()),
          z.transform((value: string | undefined) => (value === '' ? undefined : value)),
        );
      }
      return z.object(shape) as unknown as z.ZodMiniType<SecretValue<Field, Optional>>;
    });
    this.client = options.client ?? secretsManagerClient;
    this.ttlMs = options.ttlMs ?? defaultSecretTtlMs;
    this.now = options.now ?? Date.now;
  }

  async read(): Promise<SecretValue<Field, Optional>> {
    if (this.cached && this.now() < this.cached.expiresAt) return this.cached.value;
    this.pending ??= this.fetch().finally(() => {
      this.pending = undefined;
    });
    return this.pending;
  }

  /** Forgets the cached value, e.g. after the provider rejected the credentials (they may have rotated). */
  invalidate(): void {
    this.cached = undefined;
  }

  private async fetch(): Promise<SecretValue<Field, Optional>> {
    const result = await clientFrom(this.client).send(new GetSecretValueCommand({ SecretId: this.secretId }));
    const value = this.parse(result.SecretString);
    this.cached = { value, expiresAt: this.now() + this.ttlMs };
    return value;
  }

  private parse(secretString: string | undefined): SecretValue<Field, Optional> {
    const label = `Secret ${this.definition.id} (${this.definition.arnEnvVar})`;
    if (secretString === undefined) throw new ConfigError(`${label} has no string value`);
    let json: unknown;
    try {
      json = JSON.parse(secretString);
    } catch {
      // JSON.parse messages quote part of the input, which here is the secret: say nothing more.
      throw new ConfigError(`${label} is not valid JSON`);
    }
    const parsed = z.safeParse(this.schema, json);
    if (!parsed.success) {
      const fields = [...new Set(parsed.error.issues.map((issue) => issue.path.join('.') || '(root)'))];
      throw new ConfigError(
        `${label} is missing or has empty field(s): ${fields.join(', ')} (expected ${this.definition.fields.join(', ')})`,
        { details: { secret: this.definition.id, fields } },
      );
    }
    return parsed.data;
  }
}

/** Plaid API credentials; one reader per container. */
export function plaidSecretReader(options?: SecretReaderOptions): SecretReader<'client_id' | 'secret'> {
  return new SecretReader(secrets.plaid, options);
}

/** Pluggy API credentials; one reader per container. */
export function pluggySecretReader(options?: SecretReaderOptions): SecretReader<'client_id' | 'client_secret'> {
  return new SecretReader(secrets.pluggy, options);
}

/**
 * The webhook secret registered with Pluggy, optionally the key of an HMAC signature over webhook bodies, and
 * the client id deliveries must name. The webhook fields may be left empty: the webhook route then refuses
 * every delivery (unless local development explicitly allows it).
 */
export function pluggyWebhookSecretReader(
  options?: SecretReaderOptions,
): SecretReader<'client_id', 'webhook_secret' | 'webhook_signing_secret'> {
  return new SecretReader(secrets.pluggyWebhook, { ...options, optionalFields: ['webhook_secret', 'webhook_signing_secret'] });
}

/** Key for the keyed hash that turns user ids into provider-side client user ids. */
export function userHashSecretReader(options?: SecretReaderOptions): SecretReader<'key'> {
  return new SecretReader(secrets.userHash, options);
}
