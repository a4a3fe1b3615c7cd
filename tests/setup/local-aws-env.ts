/**
 * Per-worker setup for integration tests: puts the provisioned environment into `process.env` before the
 * test file is imported, so module-level wiring (`readEnv`, `sqsClient()`, ...) sees the local resources.
 */
import { localAwsEnv } from './local-aws-context';

Object.assign(process.env, localAwsEnv());
