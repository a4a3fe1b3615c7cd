/**
 * The local AWS environment the integration global setup provisioned, as test files see it.
 *
 * `tests/setup/local-aws.global.ts` runs once per `vitest` run in the main process and `provide`s the
 * environment; `tests/setup/local-aws-env.ts` copies it into `process.env` in every worker before a test file
 * loads, so adapters built from the environment (aws-clients, config readers) point at the emulator.
 */
import { inject } from 'vitest';
import type { LocalAwsEnvironment } from '../../local/aws/provision';

declare module 'vitest' {
  export interface ProvidedContext {
    localAws: LocalAwsEnvironment;
  }
}

/** Environment of this test run's provisioned resources (unique prefix, 2 s visibility timeouts). */
export function localAwsEnv(): LocalAwsEnvironment {
  return inject('localAws');
}

/** Client settings for building SDK clients in tests the same way the functions do. */
export function localAwsClientConfig(): {
  region: string;
  endpoint: string;
  credentials: { accessKeyId: string; secretAccessKey: string };
} {
  const env = localAwsEnv();
  return {
    region: env.AWS_REGION,
    endpoint: env.AWS_ENDPOINT_URL,
    credentials: { accessKeyId: env.AWS_ACCESS_KEY_ID, secretAccessKey: env.AWS_SECRET_ACCESS_KEY },
  };
}
