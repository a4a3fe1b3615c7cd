/**
 * The whole offline stack inside one test file: its own resources on the local AWS emulator (a fresh
 * prefix, so test files running side by side never consume each other's queue messages), the Plaid
 * sandbox on a free port, the HTTP gateway on a free port and the queue poller, all wired exactly as
 * `npm run dev` wires them.
 *
 * Handlers are imported lazily by the gateway and the poller, after this helper has put the stack's
 * environment into `process.env`, so their cold-start configuration reads it like a Lambda would.
 *
 * @example
 * const stack = await startLocalStack();
 * const response = await stack.api('alice', 'GET', '/banking/connections');
 * await stack.stop();
 */
import { randomBytes } from 'node:crypto';
import { localProviderCredentials, provisionLocalAws } from '../../local/aws/provision';
import { startGateway, type RunningGateway } from '../../local/gateway/server';
import { createDevSite } from '../../local/web/dev-site';
import { startPlaidSandbox, type PlaidSandbox } from '../../local/sandboxes/plaid/plaid-sandbox';
import { startPluggySandbox, type PluggySandbox, type PluggySandboxOptions } from '../../local/sandboxes/pluggy/pluggy-sandbox';
import { silentLog } from '../../local/workers/lambda-runtime';
import { startQueuePoller, type RunningQueuePoller } from '../../local/workers/queue-poller';
import { localAwsEnv } from '../setup/local-aws-context';
import { testVisibilityTimeoutSeconds } from '../setup/local-aws.global';
import { createBankingClient, type BankingClient } from '../../web/api/client';
import { assertMatchesContract, contractCheckingFetch } from './api-contract';
import { userToken } from './local-gateway';

export interface ApiResponse<T = unknown> {
  readonly status: number;
  readonly headers: Headers;
  readonly body: T;
}

export interface LocalStack {
  readonly gatewayUrl: string;
  readonly plaid: PlaidSandbox;
  /** The local Pluggy sandbox; `PLUGGY_BASE_URL` points at it. */
  readonly pluggy: PluggySandbox;
  readonly env: Readonly<Record<string, string>>;
  /**
   * Calls `/api/v1<path>` as `userId` (null: without a token). JSON in, JSON out; throws when the status or
   * body is not what docs/openapi.json documents for the operation.
   */
  api<T = any>(userId: string | null, method: string, path: string, body?: unknown): Promise<ApiResponse<T>>;
  /** The typed client (web/api/client.ts) as `userId`; every answer is checked against docs/openapi.json too. */
  client(userId: string): BankingClient;
  stop(): Promise<void>;
}

export interface LocalStackOptions {
  /** Start the queue poller (default true). Tests that drive workers by hand turn it off. */
  readonly poller?: boolean;
  /**
   * Sign Pluggy webhook deliveries with this HMAC key (the sandbox's `X-Pluggy-Signature`); the Pluggy
   * webhook secret then holds it as `webhook_signing_secret`, so the webhook route checks the signature too.
   */
  readonly pluggyWebhookSigningSecret?: string;
  /** Serve the dev console and `/docs` beside the API, as `npm run dev` does (browser tests). */
  readonly site?: boolean;
  /** Options for the Pluggy sandbox (page sizes and the like). */
  readonly pluggy?: Omit<PluggySandboxOptions, 'port' | 'webhookSigningSecret'>;
  /** Deliver app events to this URL, signed with this `whsec_` secret (APP_WEBHOOK_URL / the app-webhook secret). */
  readonly appWebhook?: { readonly url: string; readonly secret: string };
}

export async function startLocalStack(options: LocalStackOptions = {}): Promise<LocalStack> {
  const base = localAwsEnv();
  const prefix = `e2e-${randomBytes(4).toString('hex')}`;
  const awsEnv = await provisionLocalAws({
    endpoint: base.AWS_ENDPOINT_URL,
    region: base.AWS_REGION,
    prefix,
    visibilityTimeoutSeconds: testVisibilityTimeoutSeconds,
    secretValues: {
      ...(options.pluggyWebhookSigningSecret
        ? { pluggyWebhook: { ...localProviderCredentials.pluggyWebhook, webhook_signing_secret: options.pluggyWebhookSigningSecret } }
        : {}),
      ...(options.appWebhook ? { appWebhook: { signing_secret: options.appWebhook.secret } } : {}),
    },
  });
  const plaid = await startPlaidSandbox({ port: 0, webhookRetryDelaysMs: [200, 500] });
  const pluggy = await startPluggySandbox({
    port: 0,
    webhookRetryDelaysMs: [200, 500],
    ...options.pluggy,
    ...(options.pluggyWebhookSigningSecret ? { webhookSigningSecret: options.pluggyWebhookSigningSecret } : {}),
  });
  const env: Record<string, string> = {
    ...awsEnv,
    PLAID_ENV: 'local',
    PLAID_LOCAL_BASE_URL: plaid.url,
    PLUGGY_BASE_URL: pluggy.url,
    POWERTOOLS_METRICS_DISABLED: 'true',
    // Function timeouts stretched for the emulator (see local/workers/lambda-runtime.ts).
    LOCAL_TIMEOUT_MULTIPLIER: process.env.LOCAL_TIMEOUT_MULTIPLIER ?? '4',
    POWERTOOLS_LOG_LEVEL: process.env.E2E_LOG_LEVEL ?? 'ERROR',
    ...(options.appWebhook ? { APP_WEBHOOK_URL: options.appWebhook.url } : {}),
  };
  Object.assign(process.env, env);

  let gateway: RunningGateway | undefined;
  let poller: RunningQueuePoller | undefined;
  try {
    gateway = await startGateway({ port: 0, log: silentLog, ...(options.site ? { site: createDevSite() } : {}) });
    // Known only once the gateway listens; handlers read it lazily on their first invocation.
    process.env.PUBLIC_API_BASE_URL = gateway.url;
    env.PUBLIC_API_BASE_URL = gateway.url;
    if (options.poller !== false) poller = startQueuePoller({ log: silentLog, waitTimeSeconds: 1 });
  } catch (error) {
    await gateway?.close();
    await plaid.stop();
    await pluggy.stop();
    throw error;
  }
  const gatewayUrl = gateway.url;

  return {
    gatewayUrl,
    plaid,
    pluggy,
    env,
    async api(userId, method, path, body) {
      const headers: Record<string, string> = {};
      if (userId !== null) headers.authorization = `Bearer ${await userToken(userId)}`;
      if (body !== undefined) headers['content-type'] = 'application/json';
      const response = await fetch(`${gatewayUrl}/api/v1${path}`, {
        method,
        headers,
        ...(body !== undefined ? { body: typeof body === 'string' ? body : JSON.stringify(body) } : {}),
      });
      const text = await response.text();
      const parsed = text ? JSON.parse(text) : null;
      // Every answer must be one docs/openapi.json documents (status and body), or the test fails here.
      assertMatchesContract(method, `/api/v1${path}`, response.status, parsed);
      return { status: response.status, headers: response.headers, body: parsed };
    },
    client(userId) {
      return createBankingClient({ baseUrl: gatewayUrl, token: () => userToken(userId), fetch: contractCheckingFetch });
    },
    async stop() {
      await poller?.stop();
      await gateway?.close();
      await plaid.stop();
      await pluggy.stop();
    },
  };
}
