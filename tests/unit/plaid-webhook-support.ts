/**
 * Test doubles for the Plaid webhook unit tests: a local Plaid-style signer (P-256 keys generated per test),
 * a key server standing in for `/webhook_verification_key/get`, a settable clock, and in-memory versions
 * of the ports the webhook use-cases take. Nothing here touches the network.
 */
import { createHash, createHmac, generateKeyPairSync, randomUUID, sign, type KeyObject } from 'node:crypto';
import type { PlaidVerificationKey } from '../../shared/adapters/plaid/plaid-webhook-verifier';
import type { Connection, PendingSync, Provider, SyncRun, WebhookEvent } from '../../shared/banking/model';
import type {
  Clock,
  ConnectionStore,
  SyncJob,
  SyncJobQueue,
  SyncRunStore,
  WebhookEventStore,
} from '../../shared/banking/ports';
import { ConflictError, NotFoundError, ProviderError } from '../../shared/errors/app-error';
import type { WebhookEventJob, WebhookEventQueue } from '../../shared/webhooks/ports';

export interface TestSigningKey {
  readonly kid: string;
  readonly privateKey: KeyObject;
  readonly jwk: PlaidVerificationKey;
}

export function newSigningKey(kid: string = randomUUID(), createdAt = 1_700_000_000): TestSigningKey {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const exported = publicKey.export({ format: 'jwk' });
  return {
    kid,
    privateKey,
    jwk: {
      alg: 'ES256',
      crv: 'P-256',
      kid,
      kty: 'EC',
      use: 'sig',
      x: String(exported.x),
      y: String(exported.y),
      created_at: createdAt,
      expired_at: null,
    },
  };
}

export interface SignOptions {
  /** Unix seconds; defaults to the given `now`. */
  readonly iat: number;
  readonly alg?: string;
  /** Header `kid`; defaults to the key's. */
  readonly kid?: string;
  /** Overrides the body digest claim. */
  readonly bodySha256?: string;
}

const b64url = (value: string | Buffer) => Buffer.from(value).toString('base64url');

/** A `Plaid-Verification` value exactly as Plaid builds it: compact JWS, ES256 (raw r‖s), `{iat, request_body_sha256}`. */
export function signPlaidWebhook(body: string | Buffer, key: TestSigningKey, options: SignOptions): string {
  const header = { alg: options.alg ?? 'ES256', kid: options.kid ?? key.kid, typ: 'JWT' };
  const payload = {
    iat: options.iat,
    request_body_sha256: options.bodySha256 ?? createHash('sha256').update(body).digest('hex'),
  };
  const signingInput = `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(payload))}`;
  if (header.alg === 'none') return `${signingInput}.`;
  if (header.alg === 'HS256') {
    // The classic confusion attack: an HMAC keyed with the (public) verification key's material.
    return `${signingInput}.${createHmac('sha256', key.jwk.x).update(signingInput).digest('base64url')}`;
  }
  const signature = sign('sha256', Buffer.from(signingInput), { key: key.privateKey, dsaEncoding: 'ieee-p1363' });
  return `${signingInput}.${b64url(signature)}`;
}

/** Plaid serialises webhook bodies with 2-space indentation; the digest covers exactly these bytes. */
export function plaidBody(body: Record<string, unknown>): string {
  return JSON.stringify(body, null, 2);
}

/** Stands in for `/webhook_verification_key/get`: records every lookup, can fail or forget keys. */
export class FakeKeyServer {
  readonly keys = new Map<string, PlaidVerificationKey>();
  readonly lookups: string[] = [];
  failing = false;

  publish(...keys: TestSigningKey[]): this {
    for (const key of keys) this.keys.set(key.kid, key.jwk);
    return this;
  }

  expire(kid: string, at: number): void {
    const key = this.keys.get(kid);
    if (key) this.keys.set(kid, { ...key, expired_at: at });
  }

  readonly fetchKey = async (kid: string): Promise<PlaidVerificationKey> => {
    this.lookups.push(kid);
    await Promise.resolve();
    if (this.failing) throw new Error('key server unavailable');
    const key = this.keys.get(kid);
    // As Plaid answers an unknown key_id: a 400 INVALID_INPUT error, which callPlaid turns into this.
    if (!key) {
      throw new ProviderError('plaid', 'permanent', { providerCode: 'INVALID_WEBHOOK_VERIFICATION_KEY_ID', message: 'invalid key_id provided' });
    }
    return { ...key };
  };
}

export class TestClock implements Clock {
  constructor(private current: Date) {}
  now(): Date {
    return new Date(this.current);
  }
  set(iso: string): void {
    this.current = new Date(iso);
  }
  advanceSeconds(seconds: number): void {
    this.current = new Date(this.current.getTime() + seconds * 1000);
  }
  get epochSeconds(): number {
    return Math.floor(this.current.getTime() / 1000);
  }
}

const notUsed = (): never => {
  throw new Error('not used by the webhook use-cases');
};

export class InMemoryConnectionStore implements ConnectionStore {
  readonly rows = new Map<string, Connection>();
  saves = 0;
  /** Makes the next N saves fail as if another writer got there first. */
  conflictsToInject = 0;

  constructor(...connections: Connection[]) {
    for (const connection of connections) this.rows.set(connection.connectionId, connection);
  }

  async get(userId: string, connectionId: string): Promise<Connection | null> {
    const row = this.rows.get(connectionId);
    return row && row.userId === userId ? row : null;
  }

  async findByProviderItem(provider: Provider, providerItemId: string): Promise<Connection | null> {
    return [...this.rows.values()].find((row) => row.provider === provider && row.providerItemId === providerItemId) ?? null;
  }

  async save(connection: Connection, expectedUpdatedAt: string): Promise<void> {
    const current = this.rows.get(connection.connectionId);
    if (!current) throw new NotFoundError('connection');
    if (this.conflictsToInject > 0) {
      this.conflictsToInject -= 1;
      // Another writer's change lands first (it bumps the version we read).
      this.rows.set(current.connectionId, { ...current, updatedAt: new Date(Date.parse(current.updatedAt) + 1).toISOString() });
      throw new ConflictError('CONCURRENT_UPDATE', 'connection changed');
    }
    if (current.updatedAt !== expectedUpdatedAt) throw new ConflictError('CONCURRENT_UPDATE', 'connection changed');
    this.saves += 1;
    this.rows.set(connection.connectionId, connection);
  }

  async claimPendingSync(userId: string, connectionId: string, pendingSync: PendingSync, staleBefore: string) {
    const current = await this.get(userId, connectionId);
    if (!current) throw new NotFoundError('connection');
    if (current.pendingSync && current.pendingSync.requestedAt >= staleBefore) {
      return { claimed: false, pending: current.pendingSync };
    }
    this.rows.set(connectionId, { ...current, pendingSync, updatedAt: pendingSync.requestedAt });
    return { claimed: true, pending: pendingSync };
  }

  async releasePendingSync(userId: string, connectionId: string, syncRunId: string, now: string) {
    const current = await this.get(userId, connectionId);
    if (current?.pendingSync?.syncRunId === syncRunId) this.rows.set(connectionId, { ...current, pendingSync: null, updatedAt: now });
  }

  listByUser = notUsed;
  createWithAccounts = notUsed;
  findGuards = notUsed;
  delete = notUsed;
  listDue = notUsed;
}

export class InMemoryWebhookEventStore implements WebhookEventStore {
  readonly rows = new Map<string, { event: WebhookEvent; expiresAt: number }>();

  private key(provider: Provider, eventId: string): string {
    return `${provider}#${eventId}`;
  }

  async putIfNew(event: WebhookEvent, expiresAtEpochSeconds: number): Promise<boolean> {
    const key = this.key(event.provider, event.eventId);
    if (this.rows.has(key)) return false;
    this.rows.set(key, { event, expiresAt: expiresAtEpochSeconds });
    return true;
  }

  async get(provider: Provider, eventId: string): Promise<WebhookEvent | null> {
    return this.rows.get(this.key(provider, eventId))?.event ?? null;
  }

  async save(event: WebhookEvent): Promise<void> {
    const key = this.key(event.provider, event.eventId);
    const row = this.rows.get(key);
    if (!row) throw new NotFoundError('webhook event');
    this.rows.set(key, { ...row, event });
  }

  listByConnection = notUsed;

  all(): WebhookEvent[] {
    return [...this.rows.values()].map((row) => row.event);
  }
}

export class RecordingWebhookQueue implements WebhookEventQueue {
  readonly sent: WebhookEventJob[] = [];
  failuresToInject = 0;

  async enqueue(job: WebhookEventJob): Promise<void> {
    if (this.failuresToInject > 0) {
      this.failuresToInject -= 1;
      throw new Error('SQS unavailable');
    }
    this.sent.push(job);
  }
}

export class RecordingSyncQueue implements SyncJobQueue {
  readonly sent: SyncJob[] = [];
  failuresToInject = 0;

  async enqueue(jobs: readonly SyncJob[]): Promise<void> {
    if (this.failuresToInject > 0) {
      this.failuresToInject -= 1;
      throw new Error('SQS unavailable');
    }
    this.sent.push(...jobs);
  }
}

export class InMemorySyncRunStore implements SyncRunStore {
  readonly runs: SyncRun[] = [];
  async put(run: SyncRun): Promise<void> {
    this.runs.push(run);
  }
  async get(connectionId: string, syncRunId: string): Promise<SyncRun | null> {
    return this.runs.findLast((run) => run.connectionId === connectionId && run.syncRunId === syncRunId) ?? null;
  }
  listByConnection = notUsed;
  deleteByConnection = notUsed;
}

export function testConnection(overrides: Partial<Connection> = {}): Connection {
  const createdAt = '2025-03-01T10:00:00.000Z';
  return {
    userId: 'user_1',
    connectionId: 'conn_1',
    provider: 'plaid',
    providerItemId: 'item_1',
    institution: { id: 'ins_109508', name: 'First Platypus Bank' },
    products: ['transactions'],
    productTag: null,
    status: 'healthy',
    statusReason: null,
    accessToken: { ciphertext: 'Y2lwaGVy', keyId: 'arn:aws:kms:us-east-1:123456789012:key/test', contextVersion: 1 },
    syncCursor: 'cursor-1',
    consent: null,
    pendingUserAction: null,
    createdAt,
    updatedAt: createdAt,
    lastSyncAt: createdAt,
    lastSyncOutcome: 'succeeded',
    nextSyncAt: '2025-03-01T22:00:00.000Z',
    ...overrides,
  };
}
