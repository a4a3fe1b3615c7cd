/**
 * `npm run token -- <user-id> [--ttl <minutes>]`: prints a user JWT the local gateway accepts, and nothing
 * else on stdout, so `TOKEN=$(npm run -s token -- alice)` works. Usage errors go to stderr with exit code 2.
 */
import { parseArgs } from 'node:util';
import { DEFAULT_TOKEN_TTL_MINUTES, mintLocalToken } from './local-jwt';

const usage = `usage: npm run -s token -- <user-id> [--ttl <minutes>]   (default ttl ${DEFAULT_TOKEN_TTL_MINUTES})`;

function fail(message: string): never {
  process.stderr.write(`${message}\n${usage}\n`);
  process.exit(2);
}

let parsed: ReturnType<typeof parseArgs<{ options: { ttl: { type: 'string' } }; allowPositionals: true }>>;
try {
  parsed = parseArgs({ options: { ttl: { type: 'string' } }, allowPositionals: true });
} catch (error) {
  fail((error as Error).message);
}

const [userId, ...extra] = parsed.positionals;
if (!userId || extra.length > 0) fail('Exactly one user id is required.');
const ttlMinutes = parsed.values.ttl === undefined ? DEFAULT_TOKEN_TTL_MINUTES : Number(parsed.values.ttl);
if (!Number.isFinite(ttlMinutes) || ttlMinutes <= 0) fail('--ttl must be a positive number of minutes.');

process.stdout.write(`${await mintLocalToken(userId, { ttlMinutes })}\n`);
