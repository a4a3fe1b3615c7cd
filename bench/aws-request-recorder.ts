/**
 * What a function's first answer asks of AWS, recorded on the wire: a small HTTP proxy in front of the
 * bench's moto. A cold-start run whose `AWS_ENDPOINT_URL` points at it sends its requests through it; each
 * request is forwarded unchanged and recorded with its service and operation (from the `X-Amz-Target`
 * header of the JSON protocols the clients in `shared/adapters/aws-clients.ts` speak: DynamoDB, SQS, KMS,
 * Secrets Manager, EventBridge), its JSON body, its answer's status and its wave (which requests were sent
 * together).
 *
 * `bench/cold-start.ts` turns a recording into a baseline that sends the same requests with the SDK clients
 * alone (see {@link requestWaves}), so that a function whose answer needs AWS requests is compared with a
 * floor that makes them too.
 */
import { createServer, request as httpRequest, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RecordedRequest {
  /** The SDK client package that sends this operation, e.g. `@aws-sdk/client-dynamodb`. */
  readonly clientPackage: RecordedClientPackage;
  /** The operation, e.g. `Query` (the command class is `${operation}Command`). */
  readonly operation: string;
  /** The request body as sent (the JSON protocols' input has the command input's shape). */
  readonly input: unknown;
  readonly status: number;
  /**
   * Which wave it belongs to: requests of one wave were sent without waiting for each other's answers, and
   * after the previous wave's answers (see {@link startAwsRequestRecorder}).
   */
  readonly wave: number;
  readonly startedMs: number;
  readonly endedMs: number;
}

/** `X-Amz-Target` prefix → client package, for the services the functions use. */
const targetPrefixes = {
  DynamoDB_20120810: '@aws-sdk/client-dynamodb',
  AmazonSQS: '@aws-sdk/client-sqs',
  TrentService: '@aws-sdk/client-kms',
  secretsmanager: '@aws-sdk/client-secrets-manager',
  AWSEvents: '@aws-sdk/client-eventbridge',
} as const;

export type RecordedClientPackage = (typeof targetPrefixes)[keyof typeof targetPrefixes];

export interface AwsRequestRecorder {
  /** The endpoint to give a function (`AWS_ENDPOINT_URL`). */
  readonly endpoint: string;
  /** Runs `work` and returns the requests that arrived meanwhile, in the order they arrived. */
  record(work: () => Promise<void>): Promise<RecordedRequest[]>;
  close(): Promise<void>;
}

function identify(headers: IncomingHttpHeaders): { clientPackage: RecordedClientPackage; operation: string } | null {
  const target = headers['x-amz-target'];
  if (typeof target !== 'string') return null;
  const [prefix, operation] = target.split('.');
  const clientPackage = targetPrefixes[prefix as keyof typeof targetPrefixes];
  return clientPackage && operation ? { clientPackage, operation } : null;
}

/**
 * How long the recorder waits for another request before it releases the answers it holds. A request the
 * function sends without waiting for an answer arrives within this time (it only needs the function's own
 * CPU); one that needs an answer cannot arrive before the answers are released.
 */
const QUIET_MS = 150;

export async function startAwsRequestRecorder(upstream: string): Promise<AwsRequestRecorder> {
  const target = new URL(upstream);
  let current: RecordedRequest[] | null = null;
  const unknown: string[] = [];
  // Answers are held until no request arrived for QUIET_MS, then released together: every request that
  // arrived meanwhile was sent without waiting for any of them, i.e. concurrently (one wave). Timing alone
  // cannot tell, since moto may answer the first request before a cold process has sent the second.
  let wave = 0;
  let held: { upstream: Promise<void>; release: () => void }[] = [];
  let quietTimer: NodeJS.Timeout | undefined;
  const releaseWave = () => {
    const releasing = held;
    held = [];
    void Promise.all(releasing.map((entry) => entry.upstream)).then(() => {
      // A request that arrives from here on may have waited for these answers: it starts the next wave.
      wave += 1;
      for (const entry of releasing) entry.release();
    });
  };
  const server: Server = createServer((incoming, outgoing) => {
    const chunks: Buffer[] = [];
    incoming.on('data', (chunk: Buffer) => chunks.push(chunk));
    incoming.on('end', () => {
      const body = Buffer.concat(chunks);
      const startedMs = performance.now();
      const identified = identify(incoming.headers);
      const recording = current;
      const requestWave = wave;
      if (!identified && recording) unknown.push(`${incoming.method} ${incoming.url} (${String(incoming.headers['x-amz-target'] ?? 'no X-Amz-Target')})`);
      let answered: { status: number; headers: IncomingHttpHeaders; body: Buffer } | { error: string } = { error: 'no answer' };
      const upstreamDone = new Promise<void>((resolve) => {
        const forwarded = httpRequest(
          { host: target.hostname, port: target.port, method: incoming.method, path: incoming.url, headers: incoming.headers },
          (answer) => {
            const parts: Buffer[] = [];
            answer.on('data', (chunk: Buffer) => parts.push(chunk));
            answer.on('end', () => {
              answered = { status: answer.statusCode ?? 502, headers: answer.headers, body: Buffer.concat(parts) };
              if (identified && recording) {
                recording.push({
                  ...identified,
                  input: body.length > 0 ? (JSON.parse(body.toString('utf8')) as unknown) : {},
                  status: answer.statusCode ?? 0,
                  wave: requestWave,
                  startedMs,
                  endedMs: performance.now(),
                });
              }
              resolve();
            });
          },
        );
        forwarded.on('error', (error) => {
          answered = { error: error.message };
          resolve();
        });
        forwarded.end(body);
      });
      const release = () => {
        if ('error' in answered) {
          outgoing.writeHead(502);
          outgoing.end(answered.error);
          return;
        }
        outgoing.writeHead(answered.status, answered.headers);
        outgoing.end(answered.body);
      };
      if (!recording) {
        void upstreamDone.then(release);
        return;
      }
      held.push({ upstream: upstreamDone, release });
      clearTimeout(quietTimer);
      quietTimer = setTimeout(releaseWave, QUIET_MS);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    async record(work) {
      const recorded: RecordedRequest[] = [];
      current = recorded;
      unknown.length = 0;
      wave = 0;
      try {
        await work();
      } finally {
        current = null;
        clearTimeout(quietTimer);
        if (held.length > 0) releaseWave();
      }
      if (unknown.length > 0) {
        // A request the baseline could not repeat would make its floor lower than it is: refuse to guess.
        throw new Error(`AWS requests the recorder cannot name: ${unknown.join('; ')}`);
      }
      return recorded.sort((left, right) => left.wave - right.wave || left.startedMs - right.startedMs);
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** The recorded requests by wave: each wave sent together, after the previous wave's answers. */
export function requestWaves(requests: readonly RecordedRequest[]): RecordedRequest[][] {
  const waves = new Map<number, RecordedRequest[]>();
  for (const request of requests) waves.set(request.wave, [...(waves.get(request.wave) ?? []), request]);
  return [...waves.keys()].sort((left, right) => left - right).map((wave) => waves.get(wave)!);
}
