/**
 * Runs the Plaid sandbox on its own: `npx tsx local/sandboxes/plaid/cli.ts`.
 *
 * Environment: PLAID_SANDBOX_PORT (default 4010), PLAID_SANDBOX_HOST (default 127.0.0.1),
 * PLAID_SANDBOX_CLIENT_ID / PLAID_SANDBOX_SECRET (default local-client / local-secret).
 */
import { startPlaidSandbox } from './plaid-sandbox';

const sandbox = await startPlaidSandbox({
  host: process.env.PLAID_SANDBOX_HOST || undefined,
  clientId: process.env.PLAID_SANDBOX_CLIENT_ID || undefined,
  secret: process.env.PLAID_SANDBOX_SECRET || undefined,
  log: true,
});

process.stdout.write(`Plaid sandbox listening on ${sandbox.url} (client_id ${sandbox.credentials.clientId})\n`);

let stopping = false;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    if (stopping) return;
    stopping = true;
    void sandbox.stop().then(() => process.exit(0));
  });
}
