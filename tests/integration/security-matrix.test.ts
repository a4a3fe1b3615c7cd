/**
 * The security matrix, generated from the route table (infra/catalog/routes.ts), so a new route is covered
 * without anyone remembering to add it:
 * - every user route, called by Mallory with Alice's ids, answers 404 (or, for a list, shows none of Alice's
 *   data) and changes nothing of Alice's;
 * - every body and query schema gets property-based malformed requests (fast-check, arbitraries derived from
 *   the zod schema's JSON Schema), at least 1,000 in total, each answered 4xx with the error envelope;
 * - every webhook route refuses unsigned, forged, stale, replayed and wrong-algorithm deliveries;
 * - the log output of the whole file is scanned for access tokens, API keys, secrets and account numbers.
 * Through the local gateway (HTTP) on the local AWS emulator, with the Plaid and Pluggy sandboxes.
 */
import { createHmac, generateKeyPairSync, randomUUID, sign as signWith } from 'node:crypto';
import fc from 'fast-check';
import { z } from 'zod';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { routes, throttleGroupOf, type RouteDefinition } from '../../infra/catalog/routes';
import { localProviderCredentials } from '../../local/aws/provision';
import { captureLines } from '../../shared/observability/output';
import { uniqueId } from '../helpers/dynamodb-fixtures';
import { userToken } from '../helpers/local-gateway';
import { startLocalStack, type LocalStack } from '../helpers/local-stack';
import { linkPlaidItem } from '../helpers/plaid-flow';
import { bankingStores, seedTransactions, seedUserCategory, type BankingStores } from '../helpers/seed-banking-data';

const SIGNING_KEY = 'matrix-signing-key';
const alice = uniqueId('alice');
const mallory = uniqueId('mallory');
let stack: LocalStack;
let stores: BankingStores;
/** Alice's ids by path parameter name. */
const aliceIds: Record<string, string> = {};
const output: string[] = [];
const originalWrites = [process.stdout.write, process.stderr.write] as const;
let stopCapturing: (() => void) | undefined;
let accessTokens: string[] = [];
let accountNumbers: string[] = [];

beforeAll(async () => {
  // Everything the product logs during this file goes through here (handlers run in this process), and is
  // still shown: the logger's and metrics emitter's lines through the output module's capture hook (they write
  // to the file descriptors, not the streams), anything else written to the streams by the wrappers below.
  stopCapturing = captureLines((_stream, line) => output.push(line), { echo: true });
  for (const stream of [process.stdout, process.stderr]) {
    const original = stream.write.bind(stream);
    stream.write = ((chunk: unknown, ...rest: unknown[]) => {
      output.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk as Uint8Array).toString('utf8'));
      return (original as (...args: unknown[]) => boolean)(chunk, ...rest);
    }) as typeof stream.write;
  }
  stack = await startLocalStack({ poller: false, pluggyWebhookSigningSecret: SIGNING_KEY });
  // The stack keeps logs quiet by default; the scan needs every line the product would write, DEBUG included.
  // Imported only now, like captureOutput does: the logger reads its level when its module first loads.
  const { logger } = await import('../../shared/observability/logger');
  logger.setLogLevel('DEBUG');
  stores = bankingStores(stack);
  const linked = await linkPlaidItem(stack, alice, { products: ['transactions', 'auth'] });
  // An account Plaid's auth product gave numbers to (checking or savings), so numbers can be read below.
  const account = (await stores.accounts.listByConnection(alice, linked.connectionId)).find((candidate) => candidate.numbers)!;
  const [transaction] = await seedTransactions(stores, account, [{ date: '2024-04-02', note: 'rent share' }]);
  const category = await seedUserCategory(stores, alice, 'Household');
  Object.assign(aliceIds, {
    connectionId: linked.connectionId,
    accountId: account.accountId,
    transactionId: transaction!.transactionId,
    categoryId: category.categoryId,
  });
  // Secrets that must never reach a log line: the access token Plaid issued, the account numbers.
  accessTokens = [
    ...new Set(
      stack.plaid.recorder
        .list({ kind: 'provider' })
        .flatMap((exchange) => [exchange.requestBody, exchange.responseBody])
        .map((body) => (body as { access_token?: unknown } | undefined)?.access_token)
        .filter((token): token is string => typeof token === 'string' && token.startsWith('access-')),
    ),
  ];
  const numbers = await stack.api(alice, 'GET', `/banking/accounts/${account.accountId}/numbers`);
  expect(numbers.status, JSON.stringify(numbers.body)).toBe(200);
  accountNumbers = JSON.stringify(numbers.body).match(/\d{7,}/g) ?? [];
}, 90_000);

afterAll(async () => {
  await stack?.stop();
  stopCapturing?.();
  process.stdout.write = originalWrites[0];
  process.stderr.write = originalWrites[1];
});

const userRoutes = routes.filter((route) => route.auth === 'user');
const webhookRoutes = routes.filter((route) => throttleGroupOf(route) === 'webhook');
const apiPath = (route: RouteDefinition) => route.path.replace(/^\/api\/v1/, '');

/** A valid body for routes that require one, so the request reaches the ownership check. */
const validBodies: Record<string, (ids: Record<string, string>) => unknown> = {
  exchangePlaidPublicToken: () => ({ public_token: 'public-local-not-a-token' }),
  createConnection: () => ({ item_id: randomUUID() }),
  submitConnectionMfa: () => ({ parameters: { token: '123456' } }),
  updateTransaction: () => ({ note: 'mallory was here' }),
  bulkCategorizeTransactions: (ids) => ({ transaction_ids: [ids.transactionId], category_id: ids.categoryId }),
  createCategory: () => ({ name: uniqueId('Mine') }),
  renameCategory: () => ({ name: 'Renamed by Mallory' }),
  createPlaidLinkToken: (ids) => ({ connection_id: ids.connectionId }),
  createPluggyConnectToken: (ids) => ({ connection_id: ids.connectionId }),
};

/** Alice's data as the API shows it to her, to compare before and after Mallory's attempts. */
async function aliceSnapshot(): Promise<unknown> {
  const reads = ['/banking/connections', '/banking/accounts', '/banking/transactions', '/banking/categories'];
  const bodies = await Promise.all(reads.map(async (path) => (await stack.api(alice, 'GET', path)).body));
  const runs = (await stack.api(alice, 'GET', `/banking/connections/${aliceIds.connectionId}/sync-runs`)).body;
  return stripVolatile([...bodies, runs]);
}

/** Times that move by themselves (next sync, consent checks) are not Mallory's doing. */
function stripVolatile(value: unknown): unknown {
  return JSON.parse(JSON.stringify(value), (key, inner) => (/(_at|_sync)$/.test(key) ? undefined : inner));
}

describe('tenant isolation (every user route, another user\'s ids)', () => {
  it('answers 404 (or shows nothing of Alice\'s) and changes nothing', async () => {
    const before = await aliceSnapshot();
    const checked: string[] = [];
    for (const route of userRoutes) {
      const path = apiPath(route).replace(/\{(\w+)\}/g, (_match, name: string) => {
        const value = aliceIds[name];
        if (!value) throw new Error(`${route.id}: no id of Alice's for path parameter {${name}}; add one to aliceIds`);
        return value;
      });
      const hasPathIds = path !== apiPath(route);
      const sample = validBodies[route.id];
      if (route.body && !sample && !z.safeParse(route.body, undefined).success) {
        throw new Error(`${route.id}: needs a valid body sample in validBodies to reach its ownership check`);
      }
      const body = sample ? sample(aliceIds) : undefined;
      const query = route.query && 'connection_id' in ((z.toJSONSchema(route.query, { io: 'input' }) as { properties?: object }).properties ?? {})
        ? `?connection_id=${aliceIds.connectionId}`
        : '';
      const response = await stack.api(mallory, route.method, `${path}${query}`, body);
      const label = `${route.method} ${route.path}`;
      expect(response.status, `${label}: ${JSON.stringify(response.body)}`).toBeLessThan(500);
      if (hasPathIds || (body && JSON.stringify(body).includes(aliceIds.connectionId!))) {
        expect(response.status, `${label}: ${JSON.stringify(response.body)}`).toBe(404);
        expect(response.body.error.code, label).toBe('NOT_FOUND');
      }
      // Nothing of Alice's comes back beyond what Mallory sent himself.
      const sent = `${path}${query}${JSON.stringify(body ?? null)}`;
      for (const id of Object.values(aliceIds).filter((value) => !sent.includes(value))) {
        expect(JSON.stringify(response.body), label).not.toContain(id);
      }
      checked.push(route.id);
    }
    expect(checked).toHaveLength(userRoutes.length);
    expect(await aliceSnapshot()).toEqual(before);
  });
});

// ---- Fuzz --------------------------------------------------------------------------------------------------

interface JsonSchema {
  type?: string | string[];
  properties?: Record<string, JsonSchema>;
  additionalProperties?: boolean | JsonSchema;
  enum?: unknown[];
  maxLength?: number;
  pattern?: string;
  format?: string;
  anyOf?: JsonSchema[];
}

const jsonSchemaOf = (schema: z.core.$ZodType): JsonSchema => z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as JsonSchema;
const typeOf = (schema: JsonSchema): string | undefined =>
  Array.isArray(schema.type) ? schema.type.find((type) => type !== 'null') : (schema.type ?? schema.anyOf?.map(typeOf).find(Boolean));

/** A JSON value of a type the property does not accept. */
function wrongTypeFor(property: JsonSchema): fc.Arbitrary<unknown> | null {
  const type = typeOf(property);
  const others: Record<string, fc.Arbitrary<unknown>> = {
    string: fc.oneof(fc.integer(), fc.boolean(), fc.array(fc.integer(), { maxLength: 3 }), fc.dictionary(fc.string({ maxLength: 5 }), fc.integer(), { maxKeys: 2 })),
    number: fc.oneof(fc.string({ maxLength: 10 }), fc.boolean(), fc.array(fc.integer(), { maxLength: 2 })),
    integer: fc.oneof(fc.string({ maxLength: 10 }), fc.boolean(), fc.double({ min: 0.1, max: 0.9 })),
    boolean: fc.oneof(fc.string({ maxLength: 10 }), fc.integer(), fc.array(fc.boolean(), { maxLength: 2 })),
    array: fc.oneof(fc.string({ maxLength: 10 }), fc.integer(), fc.dictionary(fc.string({ maxLength: 5 }), fc.integer(), { maxKeys: 2 })),
    object: fc.oneof(fc.string({ maxLength: 10 }), fc.integer(), fc.array(fc.integer(), { maxLength: 2 })),
  };
  return type ? (others[type] ?? null) : null;
}

/** Malformed JSON bodies for a body schema: non-objects, wrong-typed fields, unknown fields, broken JSON. */
function malformedBody(schema: z.core.$ZodType): fc.Arbitrary<string> {
  const json = jsonSchemaOf(schema);
  const properties = Object.entries(json.properties ?? {});
  const choices: fc.Arbitrary<string>[] = [
    fc.oneof(fc.constant(null), fc.integer(), fc.string({ maxLength: 20 }), fc.array(fc.anything({ maxDepth: 1 }), { maxLength: 3 }), fc.boolean()).map((value) => JSON.stringify(value)),
    fc.string({ minLength: 1, maxLength: 30 }).map((text) => `{"${text.replace(/["\\]/g, '')}":`),
  ];
  const typed = properties.flatMap(([name, property]) => {
    const wrong = wrongTypeFor(property);
    return wrong ? [wrong.map((value) => JSON.stringify({ [name]: value }))] : [];
  });
  if (typed.length > 0) choices.push(fc.oneof(...typed));
  if (json.additionalProperties === false) {
    choices.push(fc.stringMatching(/^[a-z]{1,12}$/).map((key) => JSON.stringify({ [`zz_${key}`]: 1 })));
  }
  return fc.oneof(...choices);
}

/** Malformed query strings: each a single known parameter with a value its schema refuses, or an unknown one. */
function malformedQuery(schema: z.core.$ZodType): fc.Arbitrary<string> | null {
  const json = jsonSchemaOf(schema);
  const choices: fc.Arbitrary<string>[] = [];
  for (const [name, property] of Object.entries(json.properties ?? {})) {
    const type = typeOf(property);
    let bad: fc.Arbitrary<string> | null = null;
    if (type === 'number' || type === 'integer') bad = fc.stringMatching(/^[a-z]{1,10}$/);
    else if (property.enum) bad = fc.stringMatching(/^zz[a-z]{0,8}$/);
    else if (property.format === 'date') bad = fc.stringMatching(/^[a-z]{1,10}$/);
    else if (property.pattern) bad = fc.stringMatching(/^[a-z]{1,6}$/).map((text) => `${text} /${text}`);
    else if (property.maxLength !== undefined) bad = fc.integer({ min: 1, max: 40 }).map((extra) => 'x'.repeat(property.maxLength! + extra));
    if (bad) choices.push(bad.map((value) => `${name}=${encodeURIComponent(value)}`));
  }
  if (json.additionalProperties === false) choices.push(fc.stringMatching(/^[a-z]{1,12}$/).map((key) => `zz_${key}=1`));
  return choices.length > 0 ? fc.oneof(...choices) : null;
}

const fuzzTargets = routes.flatMap((route) => [
  ...(route.body ? [{ route, kind: 'body' as const, arbitrary: malformedBody(route.body) }] : []),
  ...(route.query ? [{ route, kind: 'query' as const, arbitrary: malformedQuery(route.query) }] : []),
]);
const RUNS_PER_TARGET = Math.ceil(1_000 / Math.max(fuzzTargets.length, 1));

describe('malformed requests (property-based, every body and query schema)', () => {
  let sent = 0;
  afterAll(() => {
    expect(sent).toBeGreaterThanOrEqual(1_000);
  });

  it.each(fuzzTargets.map((target) => [`${target.route.method} ${target.route.path} (${target.kind})`, target] as const))(
    '%s answers 4xx with the error envelope, never 5xx',
    async (_label, target) => {
      expect(target.arbitrary, 'the schema yields malformed inputs').not.toBeNull();
      const token = await userToken(mallory);
      const path = apiPath(target.route).replace(/\{\w+\}/g, () => `id_${randomUUID().slice(0, 8)}`);
      await fc.assert(
        fc.asyncProperty(target.arbitrary!, async (malformed) => {
          const url = `${stack.gatewayUrl}/api/v1${path}${target.kind === 'query' ? `?${malformed}` : ''}`;
          const response = await fetch(url, {
            method: target.route.method,
            headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
            ...(target.kind === 'body' ? { body: malformed } : {}),
          });
          sent += 1;
          const text = await response.text();
          expect(response.status, `${malformed} → ${text}`).toBeGreaterThanOrEqual(400);
          expect(response.status, `${malformed} → ${text}`).toBeLessThan(500);
          const body = JSON.parse(text) as { error?: { code?: unknown; message?: unknown; details?: unknown } };
          expect(Object.keys(body)).toEqual(['error']);
          expect(typeof body.error?.code).toBe('string');
          expect(typeof body.error?.message).toBe('string');
          expect(body.error).toHaveProperty('details');
        }),
        { numRuns: RUNS_PER_TARGET },
      );
    },
    60_000,
  );
});

// ---- Webhooks ----------------------------------------------------------------------------------------------

type Delivery = { body: string; headers: Record<string, string> };
type Attack = 'unsigned' | 'forged' | 'stale' | 'replayed' | 'wrong algorithm';

const nowSeconds = () => Math.floor(Date.now() / 1000);
const b64 = (value: string | Buffer) => Buffer.from(value).toString('base64url');

/** Per webhook route: a genuine delivery and each kind of bad one. */
const webhookForgers: Record<string, () => Promise<{ genuine: Delivery; attacks: Record<Attack, Delivery> }>> = {
  plaidWebhook: async () => {
    const body = JSON.stringify({ webhook_type: 'ITEM', webhook_code: 'NEW_ACCOUNTS_AVAILABLE', item_id: `item-${randomUUID()}`, environment: 'sandbox' }, null, 2);
    const token = stack.plaid.webhooks.sign(body);
    const [header, claims] = token.split('.') as [string, string];
    const kid = (JSON.parse(Buffer.from(header, 'base64url').toString()) as { kid: string }).kid;
    const foreign = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
    const forgedSignature = signWith('sha256', Buffer.from(`${header}.${claims}`), { key: foreign, dsaEncoding: 'ieee-p1363' });
    const hsHeader = b64(JSON.stringify({ alg: 'HS256', kid, typ: 'JWT' }));
    const hsSignature = createHmac('sha256', 'guessed').update(`${hsHeader}.${claims}`).digest('base64url');
    const other = body.replace('NEW_ACCOUNTS_AVAILABLE', 'USER_PERMISSION_REVOKED');
    const with_ = (verification: string | null, raw = body): Delivery => ({
      body: raw,
      headers: verification === null ? {} : { 'Plaid-Verification': verification },
    });
    return {
      genuine: with_(token),
      attacks: {
        unsigned: with_(null),
        forged: with_(`${header}.${claims}.${b64(forgedSignature)}`),
        stale: with_(stack.plaid.webhooks.sign(body, nowSeconds() - 6 * 60)),
        // A captured genuine signature presented with another body.
        replayed: with_(token, other),
        'wrong algorithm': with_(`${hsHeader}.${claims}.${hsSignature}`),
      },
    };
  },
  pluggyWebhook: async () => {
    const body = JSON.stringify({ event: 'item/updated', eventId: randomUUID(), itemId: randomUUID(), clientId: localProviderCredentials.pluggyWebhook.client_id });
    const secret = { 'X-Webhook-Secret': localProviderCredentials.pluggyWebhook.webhook_secret };
    const hmac = (raw: string, algorithm = 'sha256', key = SIGNING_KEY) => createHmac(algorithm, key).update(raw).digest('hex');
    const other = body.replace('item/updated', 'item/deleted');
    return {
      genuine: { body, headers: { ...secret, 'X-Pluggy-Signature': hmac(body) } },
      attacks: {
        unsigned: { body, headers: {} },
        forged: { body, headers: { ...secret, 'X-Pluggy-Signature': hmac(body, 'sha256', 'guessed-key') } },
        // Pluggy's deliveries carry no timestamp (https://docs.pluggy.ai/docs/webhooks): the closest thing to a
        // stale delivery is a secret header that is no longer the registered one.
        stale: { body, headers: { 'X-Webhook-Secret': `${secret['X-Webhook-Secret']}-rotated-out`, 'X-Pluggy-Signature': hmac(body) } },
        replayed: { body: other, headers: { ...secret, 'X-Pluggy-Signature': hmac(body) } },
        'wrong algorithm': { body, headers: { ...secret, 'X-Pluggy-Signature': hmac(body, 'sha1') } },
      },
    };
  },
};

describe('webhook routes (every one in the route table)', () => {
  it.each(webhookRoutes.map((route) => [route.id, route] as const))(
    '%s refuses unsigned, forged, stale, replayed and wrong-algorithm deliveries',
    async (id, route) => {
      const forger = webhookForgers[id];
      if (!forger) throw new Error(`${id}: add a forger to webhookForgers`);
      const { genuine, attacks } = await forger();
      const post = async (delivery: Delivery) => {
        const response = await fetch(`${stack.gatewayUrl}${route.path}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', ...delivery.headers },
          body: delivery.body,
        });
        return { status: response.status, body: (await response.json()) as { error?: { code: string } } };
      };
      for (const [attack, delivery] of Object.entries(attacks)) {
        const answer = await post(delivery);
        expect(answer.status, `${id} ${attack}`).toBe(401);
        expect(answer.body.error?.code, `${id} ${attack}`).toBe('WEBHOOK_VERIFICATION_FAILED');
      }
      // The genuine delivery goes through: the refusals above were about the attacks, not the route.
      expect((await post(genuine)).status, `${id} genuine`).toBe(200);
    },
  );
});

// ---- Logs --------------------------------------------------------------------------------------------------

describe('logs of this suite', () => {
  it('contain no access token, API key, secret or account number', () => {
    const logs = output.join('');
    expect(logs.length).toBeGreaterThan(0);
    // The product's own structured lines were seen, not only other output.
    expect(logs).toMatch(/^\{"level":"/m);
    expect(accessTokens.length).toBeGreaterThan(0);
    expect(accountNumbers.length).toBeGreaterThan(0);
    const literals = [
      ...accessTokens,
      ...accountNumbers,
      localProviderCredentials.plaid.secret,
      localProviderCredentials.pluggy.client_secret,
      localProviderCredentials.pluggyWebhook.webhook_secret,
      SIGNING_KEY,
    ];
    for (const literal of literals) expect(logs.includes(literal), `a log line holds ${literal.slice(0, 6)}…`).toBe(false);
    for (const pattern of [/access-(?:sandbox|development|production|local)-[0-9a-f]{8}/, /"(?:client_secret|secret|api_?key|apiKey|webhook_secret)":"(?!\[REDACTED\])[^"]+"/i]) {
      expect(pattern.test(logs), `a log line matches ${pattern}`).toBe(false);
    }
  });
});
