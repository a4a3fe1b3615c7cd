/**
 * `npm run dev`: the whole service offline, in one process.
 *
 * Starts (or reuses) local AWS and provisions the catalog's resources, puts the functions' environment into
 * this process (handlers are imported in-process by the gateway, the poller and the ticker, after the
 * environment is set, so their fail-fast config reads it at "cold start"), then starts the HTTP gateway,
 * the queue poller and the schedule ticker. Ctrl-C (SIGINT) or SIGTERM stops them in reverse order.
 *
 * More local services (the provider sandboxes) are added as entries of {@link services}: each one starts,
 * may contribute environment for the services after it and lines for the banner, and knows how to stop.
 */
import { randomBytes } from 'node:crypto';
import { defaultResourcePrefix, eventBusName, secretName, secrets } from '../shared/catalog/resources';
import { signingKeyOf } from '../shared/events/standard-webhooks';
import { startLocalAws } from './aws/moto';
import { startPlaidSandbox } from './sandboxes/plaid/plaid-sandbox';
import { startPluggySandbox } from './sandboxes/pluggy/pluggy-sandbox';
import { registerPluggyWebhook } from '../ops/register-pluggy-webhook';
import { localProviderCredentials, provisionLocalAws } from './aws/provision';
import { startGateway } from './gateway/server';
import { createDevSite } from './web/dev-site';
import { consoleLog } from './workers/lambda-runtime';
import { startQueuePoller } from './workers/queue-poller';
import { startScheduleTicker } from './workers/schedule-ticker';

interface StartedService {
  /** Environment later services and the handlers need (merged into `process.env`). */
  readonly environment?: Readonly<Record<string, string>>;
  /** Lines for the "ready" banner. */
  readonly banner?: readonly string[];
  stop(): Promise<void>;
}

interface LocalService {
  readonly name: string;
  start(): Promise<StartedService>;
}

/** How long shutdown may take before the process exits anyway. */
const SHUTDOWN_DEADLINE_MS = 20_000;

/**
 * Real Plaid credentials in the environment switch the stack from the local Plaid sandbox to Plaid's own
 * sandbox or production (PLAID_ENV); they are stored in the local Plaid secret, where functions read them.
 */
function realPlaidCredentials(): { client_id: string; secret: string } | null {
  const clientId = process.env.PLAID_CLIENT_ID?.trim();
  const secret = process.env.PLAID_SECRET?.trim();
  return clientId && secret ? { client_id: clientId, secret } : null;
}

/**
 * Real Pluggy credentials switch the stack from the local Pluggy sandbox to Pluggy's API (`PLUGGY_BASE_URL`,
 * default https://api.pluggy.ai, whose sandbox connectors are offered in the widget); they are stored in the
 * local Pluggy secret with `PLUGGY_WEBHOOK_SECRET` (the value to register with `npm run pluggy:register-webhook`).
 */
function realPluggyCredentials(): { client_id: string; client_secret: string } | null {
  const clientId = process.env.PLUGGY_CLIENT_ID?.trim();
  const clientSecret = process.env.PLUGGY_CLIENT_SECRET?.trim();
  if (!clientId || !clientSecret) return null;
  return { client_id: clientId, client_secret: clientSecret };
}

/** The webhook half (its own secret, like in AWS): the client id deliveries name and the registered secret. */
function realPluggyWebhookSecret(): { client_id: string; webhook_secret: string } | null {
  const credentials = realPluggyCredentials();
  return credentials ? { client_id: credentials.client_id, webhook_secret: pluggyWebhookSecret() } : null;
}

/** `PLUGGY_WEBHOOK_SECRET`, or one random value per run (webhooks then need a registration made in this run). */
const pluggyWebhookSecret = (() => {
  let generated: string | undefined;
  return () => process.env.PLUGGY_WEBHOOK_SECRET?.trim() || (generated ??= randomBytes(24).toString('base64url'));
})();

/** `APP_WEBHOOK_SECRET` (Standard Webhooks `whsec_<base64>`), checked before anything starts. */
function appWebhookSecret(): string | undefined {
  const secret = process.env.APP_WEBHOOK_SECRET?.trim();
  if (secret) signingKeyOf(secret);
  return secret || undefined;
}

function appEventsBanner(prefix: string): string[] {
  const url = process.env.APP_WEBHOOK_URL?.trim();
  const port = process.env.PORT ?? '4000';
  const lines = [`Events: curl -N http://127.0.0.1:${port}/dev/events   (bus ${eventBusName(prefix)})`];
  if (url) {
    lines.push(
      `        signed webhooks → ${url}` +
        (appWebhookSecret() ? ' (APP_WEBHOOK_SECRET)' : ` (secret generated in ${secretName(secrets.appWebhook, prefix)}; set APP_WEBHOOK_SECRET to choose it)`),
    );
  }
  return lines;
}

const services: readonly LocalService[] = [
  {
    name: 'Plaid',
    async start(): Promise<StartedService> {
      if (realPlaidCredentials()) {
        const environment = process.env.PLAID_ENV === 'production' ? 'production' : 'sandbox';
        return {
          environment: { PLAID_ENV: environment },
          banner: [`Plaid:  Plaid's ${environment} API (PLAID_CLIENT_ID is set)`],
          stop: async () => undefined,
        };
      }
      const sandbox = await startPlaidSandbox({ log: process.env.PLAID_SANDBOX_LOG === 'true' });
      return {
        environment: { PLAID_ENV: 'local', PLAID_LOCAL_BASE_URL: sandbox.url },
        banner: [`Plaid:  local sandbox ${sandbox.url}  (user_good / pass_good, institution ins_109508)`],
        stop: () => sandbox.stop(),
      };
    },
  },
  {
    name: 'Pluggy',
    async start(): Promise<StartedService> {
      if (realPluggyCredentials()) {
        const baseUrl = process.env.PLUGGY_BASE_URL?.trim() || 'https://api.pluggy.ai';
        return {
          environment: { PLUGGY_BASE_URL: baseUrl },
          banner: [`Pluggy: ${baseUrl} (PLUGGY_CLIENT_ID is set; register webhooks with npm run pluggy:register-webhook -- <public url>)`],
          stop: async () => undefined,
        };
      }
      const sandbox = await startPluggySandbox({ log: process.env.PLUGGY_SANDBOX_LOG === 'true' });
      return {
        environment: { PLUGGY_BASE_URL: sandbox.url },
        banner: [`Pluggy: local sandbox ${sandbox.url}  (connector 0, user-ok / password-ok, MFA connector 1 token 123456)`],
        stop: () => sandbox.stop(),
      };
    },
  },
  {
    name: 'local AWS',
    async start() {
      const aws = await startLocalAws();
      const region = process.env.AWS_REGION ?? 'us-east-1';
      const prefix = process.env.RESOURCE_PREFIX?.trim() || defaultResourcePrefix;
      const hasCredentials = process.env.AWS_ACCESS_KEY_ID && process.env.AWS_SECRET_ACCESS_KEY;
      const environment = await provisionLocalAws({
        endpoint: aws.endpoint,
        region,
        prefix,
        ...(hasCredentials
          ? { credentials: { accessKeyId: process.env.AWS_ACCESS_KEY_ID!, secretAccessKey: process.env.AWS_SECRET_ACCESS_KEY! } }
          : {}),
        secretValues: {
          ...(realPlaidCredentials() ? { plaid: realPlaidCredentials()! } : {}),
          // Always written, so switching between the sandbox and real Pluggy takes effect on the next start.
          pluggy: realPluggyCredentials() ?? { ...localProviderCredentials.pluggy },
          pluggyWebhook: realPluggyWebhookSecret() ?? { ...localProviderCredentials.pluggyWebhook },
          ...(appWebhookSecret() ? { appWebhook: { signing_secret: appWebhookSecret()! } } : {}),
        },
        log: (line) => consoleLog.info(line),
      });
      return {
        environment,
        banner: [
          `AWS (${aws.startedHere ? 'moto, started here' : 'already running'}): ${aws.endpoint}  prefix ${prefix}`,
          ...appEventsBanner(prefix),
        ],
        stop: () => aws.stop(),
      };
    },
  },
  {
    name: 'HTTP gateway',
    async start() {
      const gateway = await startGateway({ site: createDevSite() });
      return {
        banner: [
          `Console: ${gateway.url}/   (sign in as any user id; links banks through the ${realPlaidCredentials() ? 'real' : 'local'} Plaid Link and ${realPluggyCredentials() ? 'real' : 'local'} Pluggy Connect)`,
          `Docs:    ${gateway.url}/docs   (API reference of docs/openapi.json)`,
          `API:    ${gateway.url}/api/v1   (try: curl ${gateway.url}/api/v1/health)`,
          `Token:  TOKEN=$(npm run -s token -- <user-id>)   then   curl -H "Authorization: Bearer $TOKEN" ${gateway.url}/api/v1/banking/connections`,
        ],
        stop: () => gateway.close(),
      };
    },
  },
  {
    name: 'Pluggy webhook registration',
    async start() {
      // With the local sandbox, register our webhook route there (what `npm run pluggy:register-webhook` does
      // against Pluggy), so item and transaction events reach the local gateway with the secret header.
      if (realPluggyCredentials()) return { stop: async () => undefined };
      const local = localProviderCredentials.pluggy;
      const registration = await registerPluggyWebhook({
        pluggyBaseUrl: process.env.PLUGGY_BASE_URL!,
        clientId: local.client_id,
        clientSecret: local.client_secret,
        webhookSecret: localProviderCredentials.pluggyWebhook.webhook_secret,
        secretHeader: process.env.PLUGGY_WEBHOOK_SECRET_HEADER || 'X-Webhook-Secret',
        apiBaseUrl: process.env.PUBLIC_API_BASE_URL!,
      });
      return { banner: [`Pluggy webhooks → ${registration.url}`], stop: async () => undefined };
    },
  },
  {
    name: 'queue poller',
    async start() {
      const poller = startQueuePoller();
      return { stop: () => poller.stop() };
    },
  },
  {
    name: 'schedule ticker',
    async start() {
      const ticker = startScheduleTicker();
      return { stop: () => ticker.stop() };
    },
  },
];

function setDefaultEnvironment(): void {
  // Providers call the webhook routes on the local gateway unless a public URL (a tunnel) is configured.
  process.env.PUBLIC_API_BASE_URL ??= `http://127.0.0.1:${process.env.PORT ?? '4000'}`;
  // The SDK's notice that its 2027 releases need Node 22 says nothing about this stack.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  // In AWS, EMF lines on stdout become CloudWatch metrics; on a laptop they only bury the request logs.
  process.env.POWERTOOLS_METRICS_DISABLED ??= 'true';
}

async function main(): Promise<void> {
  setDefaultEnvironment();
  const started: { name: string; service: StartedService }[] = [];
  let shuttingDown: Promise<void> | undefined;

  const shutdown = (reason: string): Promise<void> => {
    shuttingDown ??= (async () => {
      consoleLog.info(`${reason}: stopping`);
      const deadline = setTimeout(() => {
        consoleLog.error(`shutdown took longer than ${SHUTDOWN_DEADLINE_MS / 1000} s; exiting anyway`);
        process.exit(1);
      }, SHUTDOWN_DEADLINE_MS);
      deadline.unref();
      for (const { name, service } of [...started].reverse()) {
        try {
          await service.stop();
        } catch (error) {
          consoleLog.error(`${name} did not stop cleanly: ${(error as Error).message}`);
        }
      }
      clearTimeout(deadline);
    })();
    return shuttingDown;
  };

  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.on(signal, () => {
      if (shuttingDown) {
        consoleLog.warn(`${signal} again: exiting without waiting`);
        process.exit(130);
      }
      void shutdown(signal).then(() => process.exit(0));
    });
  }

  for (const service of services) {
    try {
      consoleLog.info(`starting ${service.name}`);
      const running = await service.start();
      if (shuttingDown) {
        // A signal arrived while this service was starting; the shutdown already passed it by.
        await running.stop();
        return;
      }
      Object.assign(process.env, running.environment ?? {});
      started.push({ name: service.name, service: running });
    } catch (error) {
      consoleLog.error(`${service.name} failed to start: ${(error as Error).message}`);
      await shutdown('startup failed');
      process.exit(1);
    }
  }

  const banner = started.flatMap(({ service }) => service.banner ?? []);
  console.log(['', 'Open-banking backend running offline.', ...banner.map((line) => `  ${line}`), '  Stop with Ctrl-C.', ''].join('\n'));
}

await main();
