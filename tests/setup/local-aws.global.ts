/**
 * Global setup of the integration tests (runs once per `vitest run`, in the main process).
 *
 * Brings up local AWS (reuses `AWS_ENDPOINT_URL` or a server already on the moto port; otherwise starts
 * moto, creating its venv on first use), provisions every catalog resource under a prefix unique to this
 * run, so parallel or repeated runs against one long-lived server never see each other's data, and with
 * 2-second visibility timeouts, so a retried message comes back within a test's patience instead of after
 * the production 16 minutes. Moto is stopped at teardown only if this run started it.
 */
import { randomBytes } from 'node:crypto';
import type { TestProject } from 'vitest/node';
import { startLocalAws } from '../../local/aws/moto';
import { provisionLocalAws } from '../../local/aws/provision';
import './local-aws-context';

export const testVisibilityTimeoutSeconds = 2;

export default async function setupLocalAws(project: TestProject): Promise<() => Promise<void>> {
  // `test.env` reaches the workers only; the SDK clients created here warn about Node 20 otherwise.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const log = (line: string) => process.stderr.write(`[local-aws] ${line}\n`);
  const aws = await startLocalAws({ log });
  try {
    const prefix = `test-${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`;
    const environment = await provisionLocalAws({
      endpoint: aws.endpoint,
      region: 'us-east-1',
      prefix,
      visibilityTimeoutSeconds: testVisibilityTimeoutSeconds,
      // Always dummy credentials: a developer's real AWS credentials must never reach tests.
      credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    });
    project.provide('localAws', environment);
  } catch (error) {
    await aws.stop();
    throw error;
  }
  return () => aws.stop();
}
