/**
 * The stateful Plaid sandbox: a node:http server on 127.0.0.1:4010 by default that speaks Plaid's paths,
 * headers, bodies and errors closely enough for the real `plaid` SDK to run against it by base path.
 *
 * @example
 * const sandbox = await startPlaidSandbox({ port: 0 });
 * const plaid = new PlaidApi(new Configuration({ basePath: sandbox.url, baseOptions: { headers: {
 *   'PLAID-CLIENT-ID': sandbox.credentials.clientId, 'PLAID-SECRET': sandbox.credentials.secret } } }));
 * await sandbox.stop();
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { performance } from 'node:perf_hooks';
import type { AccountBase } from 'plaid';
import { randomAlphanumeric } from '../common/identifiers';
import { ExchangeRecorder } from '../common/exchange-recorder';
import { describeFault, FaultSwitch, sleep } from '../common/fault-switch';
import { BodyTooLargeError, isPlainObject, listen, parseJson, readRawBody, sendJson } from '../common/http-kit';
import { SandboxClock } from '../common/sandbox-clock';
import { consoleLog, silentLog, type SandboxLog } from '../common/sandbox-log';
import { WebhookDispatcher, type WebhookDelivery } from '../common/webhook-dispatcher';
import { handleLinkStandIn, LINK_STAND_IN_PREFIX, type StandInReply } from './link-stand-in';
import { CONTROL_PREFIX, handleControlRequest, MID_PAGINATION_FAULTS, type ControlContext, type PlaidFault } from './control-endpoints';
import { PlaidSandboxError, RATE_LIMIT_CODE_BY_ENDPOINT } from './errors';
import { PLAID_ENDPOINTS, type EndpointContext } from './plaid-endpoints';
import { accountView } from './sandbox-item';
import { PlaidSandboxState, type AdvanceResult, type BalanceChange } from './sandbox-state';
import { isMidPaginationCursor } from './sync-cursor';
import { WebhookSigner } from './webhook-signer';
import { PlaidWebhookSender } from './webhooks';

export const DEFAULT_PLAID_SANDBOX_PORT = 4010;
export const DEFAULT_PLAID_SANDBOX_CLIENT_ID = 'local-client';
export const DEFAULT_PLAID_SANDBOX_SECRET = 'local-secret';

export interface PlaidSandboxOptions {
  /** Port to listen on; 0 picks a free one. Default: env PLAID_SANDBOX_PORT, else 4010. */
  port?: number;
  host?: string;
  /** The only credentials the sandbox accepts (default `local-client` / `local-secret`). */
  clientId?: string;
  secret?: string;
  /** `true` logs one line per request to stderr; a {@link SandboxLog} receives them instead. Default: silent. */
  log?: boolean | SandboxLog;
  /** Delays before webhook retries (attempts = length + 1). Default 500 ms, 2 s, 8 s. */
  webhookRetryDelaysMs?: readonly number[];
  webhookTimeoutMs?: number;
  /** How long `user_delayed_history` Items stay NOT_READY after their first sync call. Default 1500 ms. */
  delayedHistoryMs?: number;
  /** How many request/response pairs to keep. Default 10,000. */
  recorderCapacity?: number;
}

export interface PlaidSandbox {
  readonly url: string;
  readonly host: string;
  readonly port: number;
  readonly credentials: { readonly clientId: string; readonly secret: string };
  readonly faults: FaultSwitch<PlaidFault>;
  readonly recorder: ExchangeRecorder;
  readonly clock: SandboxClock;
  readonly state: PlaidSandboxState;
  readonly webhooks: {
    deliveries(filter?: { itemId?: string; label?: string }): WebhookDelivery[];
    /** Resolves once no webhook delivery is pending. */
    idle(): Promise<void>;
    currentKeyId(): string;
    rotateKey(): { expiredKeyId: string; currentKeyId: string };
    /** A `Plaid-Verification` value for `body` signed with the current key (tests: stale `iat`). */
    sign(body: string, issuedAt?: number): string;
  };
  /** Moves an Item's clock forward `days` (posting pending transactions); see POST /sandbox/local/advance. */
  advance(accessToken: string, options?: { days?: number; modify?: number }): AdvanceResult;
  setBalance(accessToken: string, accountId: string, change: BalanceChange): AccountBase;
  /** Forgets every Item, token, fault, recording and delivery. Signing keys are kept. */
  reset(): void;
  stop(): Promise<void>;
}

function resolvePort(option: number | undefined): number {
  if (option !== undefined) return option;
  const fromEnv = process.env.PLAID_SANDBOX_PORT;
  if (fromEnv === undefined || fromEnv === '') return DEFAULT_PLAID_SANDBOX_PORT;
  const port = Number(fromEnv);
  if (!Number.isInteger(port) || port < 0 || port > 65_535) throw new Error(`PLAID_SANDBOX_PORT must be a port number, got "${fromEnv}"`);
  return port;
}

function resolveLog(option: PlaidSandboxOptions['log']): SandboxLog {
  if (option === true) return consoleLog('plaid-sandbox');
  if (option === undefined || option === false) return silentLog;
  return option;
}

/** Plaid request ids are 15 alphanumerics (e.g. `m8MDnv9okwxFNBV`). */
function newRequestId(): string {
  return randomAlphanumeric(15);
}

/** The error an injected status/error fault stands for, in Plaid's vocabulary. */
function faultError(fault: PlaidFault, endpoint: string): PlaidSandboxError | undefined {
  switch (fault.type) {
    case 'error':
      return new PlaidSandboxError(fault.error_code);
    case 'status': {
      const defaultCode =
        fault.status === 429 ? (RATE_LIMIT_CODE_BY_ENDPOINT[endpoint] ?? 'RATE_LIMIT') : fault.status === 503 ? 'PLANNED_MAINTENANCE' : fault.status >= 500 ? 'INTERNAL_SERVER_ERROR' : 'INVALID_REQUEST';
      return new PlaidSandboxError(fault.error_code ?? defaultCode, { status: fault.status });
    }
    case 'mutation_during_pagination':
      return new PlaidSandboxError('TRANSACTIONS_SYNC_MUTATION_DURING_PAGINATION');
    default:
      return undefined;
  }
}

/**
 * Starts the sandbox and resolves once it listens.
 *
 * @example
 * const sandbox = await startPlaidSandbox(); // 127.0.0.1:4010, local-client / local-secret
 */
export async function startPlaidSandbox(options: PlaidSandboxOptions = {}): Promise<PlaidSandbox> {
  const log = resolveLog(options.log);
  const credentials = { clientId: options.clientId ?? DEFAULT_PLAID_SANDBOX_CLIENT_ID, secret: options.secret ?? DEFAULT_PLAID_SANDBOX_SECRET };
  const clock = new SandboxClock();
  // Signatures use the real time, not the shifted sandbox clock: receivers check `iat` against their own clock.
  const signer = new WebhookSigner(() => Math.floor(Date.now() / 1000));
  const dispatcher = new WebhookDispatcher({ log, retryDelaysMs: options.webhookRetryDelaysMs, timeoutMs: options.webhookTimeoutMs });
  const webhooks = new PlaidWebhookSender(signer, dispatcher, clock);
  const state = new PlaidSandboxState(clock, webhooks, options.delayedHistoryMs ?? 1_500);
  const faults = new FaultSwitch<PlaidFault>();
  const recorder = new ExchangeRecorder(options.recorderCapacity);
  const endpointContext: EndpointContext = { state, signer, webhooks, clock };

  const reset = (): void => {
    state.reset();
    faults.clear();
    recorder.clear();
    dispatcher.reset();
    clock.reset();
  };
  const controlContext: ControlContext = { state, faults, recorder, dispatcher, signer, clock, reset };

  function authenticate(request: IncomingMessage, body: Record<string, unknown>): void {
    // Body credentials win over headers, as the spec allows either (securitySchemes + APIClientID description).
    const clientId = typeof body.client_id === 'string' ? body.client_id : headerValue(request, 'plaid-client-id');
    const secret = typeof body.secret === 'string' ? body.secret : headerValue(request, 'plaid-secret');
    const missing = [clientId ? undefined : 'client_id', secret ? undefined : 'secret'].filter((field): field is string => field !== undefined);
    if (missing.length > 0) throw new PlaidSandboxError('MISSING_FIELDS', { fields: missing });
    if (clientId !== credentials.clientId || secret !== credentials.secret) throw new PlaidSandboxError('INVALID_API_KEYS');
  }

  async function handlePlaid(request: IncomingMessage, response: ServerResponse, path: string, raw: Buffer, started: number): Promise<void> {
    const requestId = newRequestId();
    let requestBody: unknown;
    let status = 200;
    let responseBody: unknown;
    let faultLabel: string | undefined;
    try {
      const handler = PLAID_ENDPOINTS[path];
      if (!handler) throw new PlaidSandboxError('NOT_FOUND');
      if (request.method !== 'POST') throw new PlaidSandboxError('METHOD_NOT_ALLOWED');
      const parsed = raw.length === 0 ? { ok: true as const, value: {} } : parseJson(raw);
      if (!parsed.ok || !isPlainObject(parsed.value)) throw new PlaidSandboxError('INVALID_BODY');
      const body = parsed.value;
      requestBody = body;
      authenticate(request, body);

      const fault = faults.take(path, (candidate) => !MID_PAGINATION_FAULTS.has(candidate.type) || isMidPaginationCursor(body.cursor));
      if (fault) {
        faultLabel = describeFault(fault as PlaidFault & Record<string, unknown>);
        if (fault.type === 'disconnect') {
          request.socket.destroy();
          recorder.record({ at: new Date().toISOString(), method: request.method ?? 'POST', path, kind: 'provider', requestHeaders: request.headers, requestBody, status: 0, responseBody: undefined, durationMs: performance.now() - started, fault: faultLabel });
          log.info(`${request.method} ${path} dropped (fault)`);
          return;
        }
        if (fault.type === 'delay') await sleep(fault.ms);
        if (fault.type === 'advance_during_pagination' && typeof body.access_token === 'string') {
          // The data moves; the handler then finds the cursor's revision stale and answers the mutation error itself.
          state.advance(state.itemForAccessToken(body.access_token), fault.days ?? 1, 0);
        }
        const injected = faultError(fault, path);
        if (injected) throw injected;
      }
      responseBody = handler(endpointContext, { body, requestId });
    } catch (error) {
      if (error instanceof PlaidSandboxError) {
        status = error.status;
        responseBody = error.toResponseBody(requestId);
      } else {
        log.warn(`${path} failed: ${error instanceof Error ? error.message : String(error)}`);
        const internal = new PlaidSandboxError('INTERNAL_SERVER_ERROR');
        status = internal.status;
        responseBody = internal.toResponseBody(requestId);
      }
    }
    if (!response.destroyed) sendJson(response, status, responseBody, 2);
    const durationMs = performance.now() - started;
    recorder.record({
      at: new Date().toISOString(),
      method: request.method ?? 'POST',
      path,
      kind: 'provider',
      requestHeaders: request.headers,
      requestBody,
      requestText: requestBody === undefined && raw.length > 0 ? raw.toString('utf8').slice(0, 2_000) : undefined,
      status,
      responseBody,
      durationMs,
      fault: faultLabel,
    });
    const errorCode = status === 200 ? '' : ` ${(responseBody as { error_code?: string }).error_code ?? ''}`;
    log.info(`${request.method} ${path} ${status}${errorCode} ${durationMs.toFixed(0)}ms request_id=${requestId}${faultLabel ? ` fault=${faultLabel}` : ''}`);
  }

  const completeLink = (body: unknown) => handleControlRequest(controlContext, 'POST', `${CONTROL_PREFIX}link/complete`, new URLSearchParams(), body);

  function handleControl(request: IncomingMessage, response: ServerResponse, url: URL, raw: Buffer, started: number): void {
    const parsed = raw.length === 0 ? { ok: true as const, value: undefined } : parseJson(raw);
    const reply = parsed.ok
      ? handleControlRequest(controlContext, request.method ?? 'GET', url.pathname, url.searchParams, parsed.value)
      : { status: 400, body: { error: { code: 'INVALID_BODY', message: 'body could not be parsed as JSON' } } };
    sendJson(response, reply.status, reply.body, 2);
    // Control calls are recorded too (kind `control`) but never the bodies of the request log itself.
    if (url.pathname !== '/sandbox/local/requests') {
      recorder.record({
        at: new Date().toISOString(),
        method: request.method ?? 'GET',
        path: url.pathname,
        kind: 'control',
        requestHeaders: request.headers,
        requestBody: parsed.ok ? parsed.value : undefined,
        status: reply.status,
        responseBody: reply.body,
        durationMs: performance.now() - started,
      });
    }
    log.info(`${request.method} ${url.pathname} ${reply.status}`);
  }

  const listening = await listen(
    (request, response) => {
      const started = performance.now();
      const url = new URL(request.url ?? '/', 'http://sandbox.invalid');
      readRawBody(request)
        .then(async (raw) => {
          if (url.pathname.startsWith(CONTROL_PREFIX)) handleControl(request, response, url, raw, started);
          else if (url.pathname.startsWith(LINK_STAND_IN_PREFIX)) sendStandIn(response, handleLinkStandIn(state, completeLink, request.method ?? 'GET', url, raw));
          else await handlePlaid(request, response, url.pathname, raw, started);
        })
        .catch((error: unknown) => {
          if (response.headersSent || response.destroyed) return;
          const tooLarge = error instanceof BodyTooLargeError;
          const plaidError = new PlaidSandboxError(tooLarge ? 'INVALID_BODY' : 'INTERNAL_SERVER_ERROR', tooLarge ? { detail: error.message } : {});
          if (!tooLarge) log.warn(`request failed: ${error instanceof Error ? error.message : String(error)}`);
          sendJson(response, plaidError.status, plaidError.toResponseBody(newRequestId()), 2);
        });
    },
    { host: options.host ?? '127.0.0.1', port: resolvePort(options.port) },
  );
  log.info(`listening on ${listening.url} (client_id ${credentials.clientId})`);

  return {
    url: listening.url,
    host: listening.host,
    port: listening.port,
    credentials,
    faults,
    recorder,
    clock,
    state,
    webhooks: {
      deliveries: (filter) => dispatcher.deliveries(filter),
      idle: () => dispatcher.idle(),
      currentKeyId: () => signer.currentKeyId,
      rotateKey: () => signer.rotate(),
      sign: (body, issuedAt) => signer.sign(body, issuedAt),
    },
    advance: (accessToken, advanceOptions = {}) => state.advance(state.itemForAccessToken(accessToken), advanceOptions.days ?? 1, advanceOptions.modify ?? 0),
    setBalance: (accessToken, accountId, change) => accountView(state.setBalance(state.itemForAccessToken(accessToken), accountId, change)),
    reset,
    stop: async () => {
      dispatcher.stop();
      state.stop();
      await listening.close();
    },
  };
}

function headerValue(request: IncomingMessage, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/** Link stand-in answers are loaded by a browser page on another origin (the console). */
function sendStandIn(response: ServerResponse, reply: StandInReply): void {
  response.writeHead(reply.status, { 'content-type': reply.contentType, 'access-control-allow-origin': '*', 'cache-control': 'no-store' });
  response.end(reply.body);
}
