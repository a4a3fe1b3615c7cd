/**
 * Runs the Pluggy sandbox on its own: `npx tsx local/sandboxes/pluggy/cli.ts`.
 *
 * Environment: PLUGGY_SANDBOX_PORT (default 4020), PLUGGY_SANDBOX_HOST (default 127.0.0.1),
 * PLUGGY_SANDBOX_CLIENT_ID / PLUGGY_SANDBOX_CLIENT_SECRET (default a fixed UUID / local-pluggy-secret),
 * PLUGGY_SANDBOX_WEBHOOK_SIGNING_SECRET (signs webhook deliveries when set), PLUGGY_SANDBOX_RATE_LIMITS=pluggy
 * (enforce all of Pluggy's documented per-minute limits; default: only PATCH /items/{id}, =off none),
 * PLUGGY_SANDBOX_MIN_UPDATE_FREQUENCY_HOURS (default 24; 0 = no limit on client item updates), PLUGGY_SANDBOX_EXECUTION_STEP_MS (default 40).
 */
import { startPluggySandbox } from './pluggy-sandbox';

function optionalInteger(name: string): number | undefined {
  const text = process.env[name];
  if (text === undefined || text === '') return undefined;
  const value = Number(text);
  if (!Number.isInteger(value) || value < 0) throw new Error(`${name} must be a non-negative integer, got "${text}"`);
  return value;
}

const sandbox = await startPluggySandbox({
  host: process.env.PLUGGY_SANDBOX_HOST || undefined,
  clientId: process.env.PLUGGY_SANDBOX_CLIENT_ID || undefined,
  clientSecret: process.env.PLUGGY_SANDBOX_CLIENT_SECRET || undefined,
  rateLimits: process.env.PLUGGY_SANDBOX_RATE_LIMITS === 'pluggy' ? 'pluggy' : process.env.PLUGGY_SANDBOX_RATE_LIMITS === 'off' ? false : 'item-updates',
  minUpdateFrequencyHours: optionalInteger('PLUGGY_SANDBOX_MIN_UPDATE_FREQUENCY_HOURS'),
  executionStepMs: optionalInteger('PLUGGY_SANDBOX_EXECUTION_STEP_MS'),
  log: true,
});

process.stdout.write(
  `Pluggy sandbox listening on ${sandbox.url} (clientId ${sandbox.credentials.clientId}; webhooks ${sandbox.webhooks.signingSecret ? 'signed' : 'unsigned'})\n`,
);

let stopping = false;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    if (stopping) return;
    stopping = true;
    void sandbox.stop().then(() => process.exit(0));
  });
}
