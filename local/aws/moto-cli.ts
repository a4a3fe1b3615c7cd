/**
 * Maintenance commands for the local moto server:
 *
 *     npx tsx local/aws/moto-cli.ts install   # create/update .venv-moto with the pinned moto (CI runs this)
 *     npx tsx local/aws/moto-cli.ts start     # start moto on MOTO_HOST:MOTO_PORT (default 127.0.0.1:4566)
 *     npx tsx local/aws/moto-cli.ts stop      # stop a server an earlier command started
 *     npx tsx local/aws/moto-cli.ts status    # whether anything answers on the moto port
 */
import { endpointAnswers, ensureMotoInstalled, motoAddressFromEnv, motoEndpoint, startLocalAws, stopStartedMoto } from './moto';

const commands: Record<string, () => Promise<void>> = {
  install: async () => {
    const motoServer = await ensureMotoInstalled();
    console.log(motoServer);
  },
  start: async () => {
    const aws = await startLocalAws({ persistent: true });
    console.log(aws.endpoint);
  },
  stop: async () => {
    const stopped = await stopStartedMoto();
    console.log(stopped ? 'stopped' : 'no moto server started by this project was running');
  },
  status: async () => {
    const endpoint = motoEndpoint(motoAddressFromEnv());
    const answering = await endpointAnswers(endpoint);
    console.log(`${endpoint} ${answering ? 'answers' : 'does not answer'}`);
    if (!answering) process.exitCode = 1;
  },
};

const name = process.argv[2] ?? '';
const command = commands[name];
if (!command) {
  console.error(`usage: tsx local/aws/moto-cli.ts <${Object.keys(commands).join('|')}>`);
  process.exitCode = 2;
} else {
  command().catch((error: unknown) => {
    console.error(`[local-aws] ${error instanceof Error ? error.message : String(error)}`);
    process.exitCode = 1;
  });
}
