/**
 * Three projects share one run (`npm test`):
 * - `unit` (tests/unit): no network, no emulator.
 * - `infra` (tests/infra): CDK assertions and cdk-nag; synthesis bundles functions with esbuild, hence the
 *   longer timeout.
 * - `integration` (tests/integration): against the local AWS emulator that `tests/setup/local-aws.global.ts`
 *   starts and provisions. Vitest runs a project's global setup only when some of its files are selected,
 *   so `vitest run tests/unit` never starts moto.
 * - `browser` (tests/browser): the demo console and API reference in Chromium, against the same emulator.
 */
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    // Child processes rather than worker threads: each test file gets its own process.env and module state.
    pool: 'forks',
    // The machines this runs on have 2 cores; more workers only add contention (moto is single-process).
    maxWorkers: 2,
    env: {
      // The metrics emitter prints an EMF JSON record per flush; tests assert on behaviour, not on that output.
      POWERTOOLS_METRICS_DISABLED: 'true',
      // The SDK warns once per process that its 2027 releases need Node 22.
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    },
    projects: [
      {
        extends: true,
        test: { name: 'unit', include: ['tests/unit/**/*.test.ts'] },
      },
      {
        extends: true,
        test: { name: 'infra', include: ['tests/infra/**/*.test.ts'], testTimeout: 180_000 },
      },
      {
        extends: true,
        test: {
          name: 'integration',
          include: ['tests/integration/**/*.test.ts'],
          // One file at a time: every file talks to the same emulator, which serves DynamoDB one request at
          // a time, so a second file only adds contention (and timing noise) without finishing sooner.
          maxWorkers: 1,
          globalSetup: ['tests/setup/local-aws.global.ts'],
          setupFiles: ['tests/setup/local-aws-env.ts'],
          testTimeout: 30_000,
          hookTimeout: 30_000,
        },
      },
      {
        extends: true,
        test: {
          // The console and /docs in a real Chromium (playwright-core driving the system's `chromium`);
          // skipped with a message when no Chromium is installed.
          name: 'browser',
          include: ['tests/browser/**/*.test.ts'],
          maxWorkers: 1,
          globalSetup: ['tests/setup/local-aws.global.ts'],
          setupFiles: ['tests/setup/local-aws-env.ts'],
          testTimeout: 90_000,
          hookTimeout: 60_000,
        },
      },
    ],
  },
});
