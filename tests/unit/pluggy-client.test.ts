/**
 * The Pluggy HTTP client against a protocol mock (undici MockAgent; nothing leaves the process): API key
 * caching by JWT `exp`, the shared cache, one re-auth on 401/403, 429 back-off, query encoding, response
 * validation and the error mapping.
 */
import { MockAgent } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { PluggyApi } from '../../shared/providers/pluggy/pluggy-api';
import {
  apiKeyFrom,
  clientDigest,
  jwtExpiryMs,
  PLUGGY_API_KEY_CONTEXT,
  VaultApiKeyCache,
  type ApiKey,
  type ApiKeyCache,
} from '../../shared/providers/pluggy/pluggy-api-key';
import type { CachedProviderKey, TokenContext } from '../../shared/banking/ports';
import { PluggyClient, type PluggyClientOptions } from '../../shared/providers/pluggy/pluggy-client';
import { ProviderError } from '../../shared/errors/app-error';

const BASE = 'https://pluggy.test';
const NOW = Date.parse('2026-03-01T12:00:00.000Z');

interface SeenRequest {
  readonly method: string;
  readonly path: string;
  readonly headers: Record<string, string>;
  readonly body: unknown;
}

type Reply = { status: number; body?: unknown; headers?: Record<string, string> };

/** A fake Pluggy: every request is recorded and answered by `respond`. */
function fakePluggy(respond: (request: SeenRequest, index: number) => Reply) {
  const agent = new MockAgent();
  agent.disableNetConnect();
  const seen: SeenRequest[] = [];
  agent
    .get(BASE)
    .intercept({ path: () => true, method: () => true })
    .reply((options) => {
      const headers = Object.fromEntries(
        Object.entries((options.headers ?? {}) as Record<string, string>).map(([name, value]) => [name.toLowerCase(), String(value)]),
      );
      const request: SeenRequest = {
        method: options.method,
        path: options.path,
        headers,
        body: typeof options.body === 'string' ? JSON.parse(options.body) : undefined,
      };
      seen.push(request);
      const reply = respond(request, seen.length - 1);
      return {
        statusCode: reply.status,
        data: reply.body === undefined ? '' : JSON.stringify(reply.body),
        responseOptions: { headers: { 'content-type': 'application/json', ...reply.headers } },
      };
    })
    .persist();
  return { agent, seen, calls: (path: string) => seen.filter((request) => request.path.split('?')[0] === path) };
}

/** A JWT whose payload says `exp` (the signature is never checked by the client). */
function apiKeyExpiringAt(epochMs: number, id = 'k'): string {
  const part = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
  return `${part({ alg: 'HS256' })}.${part({ exp: Math.floor(epochMs / 1000), jti: id })}.signature`;
}

function clientWith(agent: MockAgent, overrides: Partial<PluggyClientOptions> = {}) {
  const waits: number[] = [];
  const client = new PluggyClient({
    baseUrl: BASE,
    credentials: async () => ({ clientId: 'client-1', clientSecret: 'secret-1' }),
    dispatcher: agent,
    now: () => NOW,
    sleep: async (ms) => void waits.push(ms),
    ...overrides,
  });
  return { client, waits, api: new PluggyApi(client) };
}

const okItem = { id: 'item-1', connector: { id: 0, name: 'Pluggy Bank' }, status: 'UPDATED' };

function standardPluggy(options: { apiKey?: string; item?: (index: number) => Reply } = {}) {
  let itemCalls = 0;
  return fakePluggy((request) => {
    if (request.path === '/auth') return { status: 200, body: { apiKey: options.apiKey ?? apiKeyExpiringAt(NOW + 2 * 3600_000) } };
    if (request.path.startsWith('/items/')) return options.item?.(itemCalls++) ?? { status: 200, body: okItem };
    return { status: 404, body: { code: 404, message: 'not found' } };
  });
}

let agents: MockAgent[] = [];
afterEach(async () => {
  await Promise.all(agents.map((agent) => agent.close()));
  agents = [];
});
function track<T extends { agent: MockAgent }>(fake: T): T {
  agents.push(fake.agent);
  return fake;
}

describe('Pluggy API keys', () => {
  it('reads the expiry from the JWT and falls back to two hours for other keys', () => {
    expect(jwtExpiryMs(apiKeyExpiringAt(NOW + 60_000))).toBe(NOW + 60_000);
    expect(jwtExpiryMs('not-a-jwt')).toBeNull();
    expect(apiKeyFrom('opaque', NOW).expiresAtMs).toBe(NOW + 2 * 3600_000);
  });

  it('mints one key and reuses it for later calls', async () => {
    const pluggy = track(standardPluggy());
    const { api } = clientWith(pluggy.agent);
    await api.getItem('item-1');
    await api.getItem('item-1');
    expect(pluggy.calls('/auth')).toHaveLength(1);
    expect(pluggy.calls('/auth')[0]!.body).toEqual({ clientId: 'client-1', clientSecret: 'secret-1' });
    const keys = pluggy.calls('/items/item-1').map((request) => request.headers['x-api-key']);
    expect(keys).toHaveLength(2);
    expect(new Set(keys).size).toBe(1);
  });

  it('mints a new key shortly before the old one expires', async () => {
    let clock = NOW;
    let minted = 0;
    const pluggy = track(
      fakePluggy((request) =>
        request.path === '/auth'
          ? { status: 200, body: { apiKey: apiKeyExpiringAt(clock + 2 * 3600_000, `key-${++minted}`) } }
          : { status: 200, body: okItem },
      ),
    );
    const { api } = clientWith(pluggy.agent, { now: () => clock });
    await api.getItem('item-1');
    clock += 2 * 3600_000 - 4 * 60_000; // four minutes before exp: inside the renewal margin
    await api.getItem('item-1');
    expect(pluggy.calls('/auth')).toHaveLength(2);
  });

  it('takes a fresh key from the shared cache instead of minting, and shares what it mints', async () => {
    const pluggy = track(standardPluggy());
    const written: ApiKey[] = [];
    const shared: ApiKeyCache = {
      read: async () => ({ apiKey: 'cached-key', expiresAtMs: NOW + 3600_000 }),
      write: async (_clientId, key) => void written.push(key),
    };
    const { api } = clientWith(pluggy.agent, { keyCache: shared });
    await api.getItem('item-1');
    expect(pluggy.calls('/auth')).toHaveLength(0);
    expect(pluggy.calls('/items/item-1')[0]!.headers['x-api-key']).toBe('cached-key');

    const stale: ApiKeyCache = { read: async () => ({ apiKey: 'old', expiresAtMs: NOW + 60_000 }), write: shared.write };
    const fresh = track(standardPluggy({ apiKey: apiKeyExpiringAt(NOW + 2 * 3600_000) }));
    await clientWith(fresh.agent, { keyCache: stale }).api.getItem('item-1');
    expect(fresh.calls('/auth')).toHaveLength(1);
    expect(written).toEqual([{ apiKey: apiKeyExpiringAt(NOW + 2 * 3600_000), expiresAtMs: NOW + 2 * 3600_000 }]);
  });

  it('re-authenticates once when Pluggy refuses the key, then retries the call', async () => {
    let minted = 0;
    const pluggy = track(
      fakePluggy((request) => {
        if (request.path === '/auth') return { status: 200, body: { apiKey: apiKeyExpiringAt(NOW + 7200_000, `key-${++minted}`) } };
        return request.headers['x-api-key'] === apiKeyExpiringAt(NOW + 7200_000, 'key-1')
          ? { status: 403, body: { code: 403, message: 'Missing or invalid authorization token' } }
          : { status: 200, body: okItem };
      }),
    );
    const { api } = clientWith(pluggy.agent);
    await expect(api.getItem('item-1')).resolves.toMatchObject({ id: 'item-1' });
    expect(pluggy.calls('/auth')).toHaveLength(2);
    expect(pluggy.calls('/items/item-1')).toHaveLength(2);
  });

  it('gives up after one re-authentication and says so without any secret', async () => {
    const pluggy = track(standardPluggy({ item: () => ({ status: 401, body: { code: 401, message: 'Unauthorized' } }) }));
    const { api } = clientWith(pluggy.agent);
    const error = await api.getItem('item-1').catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ProviderError);
    expect(error).toMatchObject({ kind: 'permanent', code: 'PLUGGY_UNAUTHORIZED' });
    expect(pluggy.calls('/auth')).toHaveLength(2);
    expect(JSON.stringify(error)).not.toContain('secret-1');
  });

  it('reports refused client credentials and lets the secret be re-read', async () => {
    let rejected = 0;
    const pluggy = track(
      fakePluggy(() => ({ status: 401, body: { code: 401, codeDescription: 'CLIENT_KEYS_UNAUTHORIZED', message: 'Client keys are invalid' } })),
    );
    const { api } = clientWith(pluggy.agent, { onCredentialsRejected: () => void (rejected += 1) });
    await expect(api.getItem('item-1')).rejects.toMatchObject({ kind: 'permanent', code: 'CLIENT_KEYS_UNAUTHORIZED' });
    expect(rejected).toBe(1);
    expect(pluggy.calls('/items/item-1')).toHaveLength(0);
  });
});

describe('Pluggy rate limits and failures', () => {
  it('waits as long as RateLimit-Reset says, then retries', async () => {
    const pluggy = track(
      standardPluggy({
        item: (index) =>
          index === 0
            ? { status: 429, body: { code: 429, message: 'Too many requests' }, headers: { 'ratelimit-reset': '2', 'retry-after': '60' } }
            : { status: 200, body: okItem },
      }),
    );
    const { api, waits } = clientWith(pluggy.agent);
    await expect(api.getItem('item-1')).resolves.toMatchObject({ id: 'item-1' });
    expect(waits).toHaveLength(1);
    expect(waits[0]).toBeGreaterThanOrEqual(2_000);
  });

  it('hands a long wait back to the caller as rate_limited with the delay', async () => {
    const pluggy = track(
      standardPluggy({ item: () => ({ status: 429, body: { code: 429, message: 'Too many requests' }, headers: { 'retry-after': '60' } }) }),
    );
    const { api } = clientWith(pluggy.agent);
    await expect(api.getItem('item-1')).rejects.toMatchObject({ kind: 'rate_limited', retryAfterSeconds: 60 });
    expect(pluggy.calls('/items/item-1')).toHaveLength(1);
  });

  it('retries server errors on reads, but sends an MFA answer only once', async () => {
    const failing = () => ({ status: 503, body: { code: 503, message: 'unavailable' } });
    const reads = track(standardPluggy({ item: (index) => (index < 2 ? failing() : { status: 200, body: okItem }) }));
    await expect(clientWith(reads.agent).api.getItem('item-1')).resolves.toMatchObject({ id: 'item-1' });
    expect(reads.calls('/items/item-1')).toHaveLength(3);

    const answers = track(standardPluggy({ item: failing }));
    await expect(clientWith(answers.agent).api.submitMfa('item-1', { token: '123456' })).rejects.toMatchObject({ kind: 'transient' });
    expect(answers.calls('/items/item-1/mfa')).toHaveLength(1);
  });

  it('maps Pluggy error codes: user input, unknown items, deprecated endpoints', async () => {
    const pluggy = track(
      fakePluggy((request) => {
        if (request.path === '/auth') return { status: 200, body: { apiKey: apiKeyExpiringAt(NOW + 7200_000) } };
        if (request.path === '/items/gone') return { status: 404, body: { code: 404, codeDescription: 'ITEM_NOT_FOUND', message: 'item not found' } };
        if (request.path === '/items/busy') return { status: 400, body: { code: 400, codeDescription: 'ITEM_ALREADY_UPDATING', message: 'busy' } };
        return { status: 400, body: { code: 400, codeDescription: 'MFA_PARAMERTER_WAS_ALREADY_USED_ERROR', message: 'The code was already used' } };
      }),
    );
    const { api } = clientWith(pluggy.agent, { retry: { maxAttempts: 1, baseDelayMs: 1, maxDelayMs: 1 } });
    await expect(api.getItem('gone')).rejects.toMatchObject({ kind: 'item_not_found', code: 'ITEM_NOT_FOUND' });
    await expect(api.getItem('busy')).rejects.toMatchObject({ kind: 'transient', code: 'ITEM_ALREADY_UPDATING' });
    await expect(api.submitMfa('item-1', { token: '1' })).rejects.toMatchObject({
      kind: 'invalid_input',
      message: 'The code was already used',
    });
    await expect(api.deleteItem('gone')).resolves.toBeUndefined();
  });

  it('refuses a response of an unexpected shape', async () => {
    const pluggy = track(standardPluggy({ item: () => ({ status: 200, body: { id: 'item-1' } }) }));
    await expect(clientWith(pluggy.agent).api.getItem('item-1')).rejects.toMatchObject({ kind: 'permanent', code: 'UNEXPECTED_RESPONSE' });
  });
});

describe('Pluggy requests', () => {
  it('encodes query values, so a base64 cursor keeps its + and /', async () => {
    const pluggy = track(
      fakePluggy((request) =>
        request.path === '/auth'
          ? { status: 200, body: { apiKey: apiKeyExpiringAt(NOW + 7200_000) } }
          : { status: 200, body: { results: [], next: null } },
      ),
    );
    const { client } = clientWith(pluggy.agent);
    await client.call({
      method: 'GET',
      path: '/v2/transactions',
      query: { accountId: 'acc 1', after: '+++/ab==', ignored: undefined },
      schema: z.unknown(),
    });
    const sent = pluggy.calls('/v2/transactions')[0]!;
    expect(sent.path).toBe('/v2/transactions?accountId=acc+1&after=%2B%2B%2B%2Fab%3D%3D');
    expect(new URLSearchParams(sent.path.split('?')[1]).get('after')).toBe('+++/ab==');
  });
});

describe('VaultApiKeyCache', () => {
  function cache(options: { failingVault?: boolean } = {}) {
    const rows = new Map<string, CachedProviderKey>();
    const contexts: TokenContext[] = [];
    const store = {
      get: async (_provider: string, digest: string) => rows.get(digest) ?? null,
      put: async (key: CachedProviderKey) => void rows.set(key.clientDigest, key),
    };
    const vault = {
      encrypt: async (plaintext: string, context: TokenContext) => {
        contexts.push(context);
        return { ciphertext: Buffer.from(plaintext).reverse().toString('base64'), keyId: 'key-arn', contextVersion: 1 };
      },
      decrypt: async (secret: { ciphertext: string }, context: TokenContext) => {
        contexts.push(context);
        if (options.failingVault) throw new Error('KMS Decrypt failed (ThrottlingException)');
        return Buffer.from(secret.ciphertext, 'base64').reverse().toString();
      },
    };
    let clock = NOW;
    const keys = new VaultApiKeyCache(store, vault, { now: () => new Date(clock) });
    return { keys, rows, contexts, advance: (ms: number) => void (clock += ms) };
  }

  it('stores the key encrypted under the fixed service context, by client digest, and reads it back', async () => {
    const { keys, rows, contexts } = cache();
    await keys.write('client-1', { apiKey: 'the-api-key', expiresAtMs: NOW + 7200_000 });
    const row = rows.get(clientDigest('client-1'))!;
    expect(row).toMatchObject({ provider: 'pluggy', expiresAt: new Date(NOW + 7200_000).toISOString() });
    expect(JSON.stringify(row)).not.toContain('the-api-key');
    expect(JSON.stringify(row)).not.toContain('client-1');
    await expect(keys.read('client-1')).resolves.toEqual({ apiKey: 'the-api-key', expiresAtMs: NOW + 7200_000 });
    expect(contexts.every((context) => context === PLUGGY_API_KEY_CONTEXT)).toBe(true);
    await expect(keys.read('client-2')).resolves.toBeNull();
  });

  it('ignores a key about to expire, and a cache it cannot read', async () => {
    const { keys, advance } = cache();
    await keys.write('client-1', { apiKey: 'the-api-key', expiresAtMs: NOW + 7200_000 });
    advance(7200_000 - 60_000);
    await expect(keys.read('client-1')).resolves.toBeNull();

    const broken = cache({ failingVault: true });
    await broken.keys.write('client-1', { apiKey: 'the-api-key', expiresAtMs: NOW + 7200_000 });
    await expect(broken.keys.read('client-1')).resolves.toBeNull();
  });
});
