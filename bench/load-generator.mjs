// Bounded HTTP load from a process of its own (so the client's work does not share an event loop with the
// gateway it measures): a fixed number of requests at a fixed concurrency over keep-alive connections on
// loopback, stopping early at a time limit. Plain JavaScript for bare `node`, like the cold-start runner.
//
// argv[2]: a JSON file {url, method, concurrency, count, maxSeconds, requests: [{headers, body}]}; requests
// are used round-robin. Prints one JSON line: per-request latencies (ms), status counts, elapsed time.
import { readFileSync } from 'node:fs';
import { Agent, request } from 'node:http';

const plan = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const agent = new Agent({ keepAlive: true, maxSockets: plan.concurrency });
const target = new URL(plan.url);
const deadline = performance.now() + plan.maxSeconds * 1000;
const latencies = [];
const statuses = {};
let next = 0;

function send(spec) {
  return new Promise((resolve) => {
    const started = performance.now();
    const body = spec.body === undefined ? undefined : Buffer.from(spec.body);
    const outgoing = request(
      {
        agent,
        host: target.hostname,
        port: target.port,
        path: target.pathname,
        method: plan.method,
        headers: { ...spec.headers, ...(body ? { 'content-length': body.length } : {}) },
      },
      (response) => {
        response.resume();
        response.on('end', () => resolve({ status: response.statusCode, ms: performance.now() - started }));
      },
    );
    outgoing.setTimeout(30_000, () => outgoing.destroy(new Error('timeout')));
    outgoing.on('error', () => resolve({ status: 'error', ms: performance.now() - started }));
    outgoing.end(body);
  });
}

const started = performance.now();
await Promise.all(
  Array.from({ length: plan.concurrency }, async () => {
    while (next < plan.count && performance.now() < deadline) {
      const spec = plan.requests[next % plan.requests.length];
      next += 1;
      const result = await send(spec);
      latencies.push(result.ms);
      statuses[result.status] = (statuses[result.status] ?? 0) + 1;
    }
  }),
);
const elapsedMs = performance.now() - started;
agent.destroy();
process.stdout.write(`${JSON.stringify({ latencies, statuses, elapsedMs, stoppedByTime: next < plan.count })}\n`);
