/**
 * `npm run aws:up`: brings up local AWS (moto, unless `AWS_ENDPOINT_URL` points elsewhere or something already
 * answers on the moto port), provisions the catalog resources under `RESOURCE_PREFIX` (default from the
 * catalog), and prints the functions' environment as `export K=V` lines on stdout, so
 *
 *     eval "$(npm run --silent aws:up)"
 *
 * configures a shell. Progress goes to stderr. The moto server keeps running after this command exits;
 * `npx tsx local/aws/moto-cli.ts stop` stops it.
 */
import { defaultResourcePrefix } from '../../shared/catalog/resources';
import { startLocalAws } from './moto';
import { provisionLocalAws } from './provision';

/** POSIX-shell single quoting, so any value survives `eval`. */
function shellQuote(value: string): string {
  return /^[A-Za-z0-9_./:@%+=,-]+$/.test(value) ? value : `'${value.replaceAll("'", `'\\''`)}'`;
}

async function main(): Promise<void> {
  // The SDK warns once per process that its 2027 releases need Node 22; irrelevant to a provisioning script.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  // Persistent: the shell that evals this output keeps using the server after this process exits.
  const aws = await startLocalAws({ persistent: true });
  const environment = await provisionLocalAws({
    endpoint: aws.endpoint,
    region: process.env.AWS_REGION ?? 'us-east-1',
    prefix: process.env.RESOURCE_PREFIX?.trim() || defaultResourcePrefix,
    ...(process.env.AWS_ACCESS_KEY_ID && process.env.AWS_SECRET_ACCESS_KEY
      ? { credentials: { accessKeyId: process.env.AWS_ACCESS_KEY_ID, secretAccessKey: process.env.AWS_SECRET_ACCESS_KEY } }
      : {}),
    log: (line) => process.stderr.write(`[local-aws] ${line}\n`),
  });
  const lines = Object.entries(environment).map(([name, value]) => `export ${name}=${shellQuote(value)}`);
  process.stdout.write(`${lines.join('\n')}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`[local-aws] ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
});
