/**
 * The stateful Pluggy sandbox: a node:http server on 127.0.0.1:4020 by default that speaks Pluggy's paths,
 * headers, JSON shapes and errors (`https://api.pluggy.ai`), with Pluggy Bank's sandbox behaviour, webhooks,
 * fault injection and a request log.
 *
 * @example
 * const sandbox = await startPluggySandbox({ port: 0 });
 * const { apiKey } = await (await fetch(`${sandbox.url}/auth`, { method: 'POST',
 *   headers: { 'Content-Type': 'application/json' },
 *   body: JSON.stringify({ clientId: sandbox.credentials.clientId, clientSecret: sandbox.credentials.clientSecret }) })).json();
 * await sandbox.stop();
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { performance } from 'node:perf_hooks';
import { ExchangeRecorder } from '../common/exchange-recorder';
import { describeFault, FaultSwitch, sleep } from '../common/fault-switch';
import { BodyTooLargeError, listen, matchPathTemplate, parseJson, readRawBody, sendJson } from '../common/http-kit';
import { SandboxClock } from '../common/sandbox-clock';
import { consoleLog, silentLog, type SandboxLog } from '../common/sandbox-log';
import { WebhookDispatcher, type WebhookDelivery } from '../common/webhook-dispatcher';
import { TokenIssuer, type VerifiedToken } from './api-tokens';
import { createConnectors, type ConnectorHealthStatus, type SandboxConnector } from './connectors';
import { serveConnectStandIn } from './connect-stand-in';
import { CONTROL_PREFIX, DEFAULT_REFRESH_ACTIVITY, handleControlRequest, type ControlContext, type PluggyFault } from './control-endpoints';
import { PluggyApiError, errorForCode, errorForStatus, invalidApiKey, rateLimited, type PluggyErrorBody } from './errors';
import { PLUGGY_ENDPOINTS, type EndpointContext, type EndpointDefinition } from './pluggy-endpoints';
import { PLUGGY_RATE_LIMITS, RateLimiter } from './rate-limiter';
import type { SandboxConsent } from './resources';
import { PluggySandboxState, type CategoryUpdate, type PendingActivity, type SandboxItem } from './sandbox-state';
import type { FinalExecutionStatus } from './sandbox-users';
import { PluggyWebhooks, SIGNATURE_HEADER, type RegisteredWebhook, type SentEvent } from './webhooks';

export const DEFAULT_PLUGGY_SANDBOX_PORT = 4020;
/**
 * Match local/aws/provision.ts `localProviderCredentials.pluggy`, which the provisioned secret holds. A UUID, as
 * Pluggy's client ids are (the `clientId` of `POST /auth` and of every webhook payload).
 */
export const DEFAULT_PLUGGY_SANDBOX_CLIENT_ID = '6c1a3b0e-5d2f-4e7a-9b8c-0f1e2d3c4b5a';
export const DEFAULT_PLUGGY_SANDBOX_CLIENT_SECRET = 'local-pluggy-secret';
export const DEFAULT_EXECUTION_STEP_MS = 40;
export const TRANSACTIONS_PAGE_SIZE = 500;
export const DEFAULT_MIN_UPDATE_FREQUENCY_HOURS = 24;

export interface PluggySandboxOptions {
  /** Port to listen on; 0 picks a free one. Default: env PLUGGY_SANDBOX_PORT, else 4020. */
  port?: number;
  host?: string;
  /** The only client keys `POST /auth` accepts (by default the local client id and `local-pluggy-secret`). */
  clientId?: string;
  clientSecret?: string;
  /**
   * Secret for the `X-Pluggy-Signature` HMAC-SHA256 header on webhook deliveries. Default: env
   * PLUGGY_SANDBOX_WEBHOOK_SIGNING_SECRET; unset or empty = deliveries are not signed.
   */
  webhookSigningSecret?: string;
  /** `true` logs one line per request to stderr; a {@link SandboxLog} receives them instead. Default: silent. */
  log?: boolean | SandboxLog;
  /** Delays before webhook retries (attempts = length + 1). Default 500 ms, 2 s, 8 s. */
  webhookRetryDelaysMs?: readonly number[];
  webhookTimeoutMs?: number;
  /** Delay between execution steps (UPDATING lasts about five). Default 40 ms. */
  executionStepMs?: number;
  /** Rows per `GET /v2/transactions` page. Default 500, Pluggy's fixed size. */
  transactionsPageSize?: number;
  /** `DELETE /items/{id}` status: 200 `{count: 1}` (the OAS, default) or 204 (the consent docs). */
  itemDeleteStatus?: 200 | 204;
  /**
   * Per-minute limits: `'item-updates'` (default) enforces only `PATCH /items/{id}` at Pluggy's 20 a minute,
   * `'pluggy'` every documented one, a map `METHOD /template → limit` exactly those, `false` none.
   */
  rateLimits?: false | 'item-updates' | 'pluggy' | Readonly<Record<string, number>>;
  /**
   * Hours between two client-requested updates of one Item (409 CLIENT_IS_UPDATING_BEFORE_ALLOWED_FREQUENCY).
   * Default 24, the value of the OAS example; Pluggy gives new client ids a minimum by default (changelog
   * 2026.08). 0 turns the limit off. Tests that need another update advance the sandbox clock.
   */
  minUpdateFrequencyHours?: number;
  /** Lifetime of Open Finance consents in days. Default: none (Pluggy's consents do not expire by default). */
  consentDays?: number;
  /** Seed for generated data (same seed + same Item id = same accounts and history). */
  seed?: string;
  /** How many request/response pairs to keep. Default 10,000. */
  recorderCapacity?: number;
}

export interface PluggySandbox {
  readonly url: string;
  readonly host: string;
  readonly port: number;
  readonly credentials: { readonly clientId: string; readonly clientSecret: string };
  readonly faults: FaultSwitch<PluggyFault>;
  readonly recorder: ExchangeRecorder;
  readonly clock: SandboxClock;
  readonly state: PluggySandboxState;
  readonly webhooks: {
    /** Name of the signature header (only sent when a signing secret is set). */
    readonly signatureHeader: string;
    readonly signingSecret: string | undefined;
    deliveries(filter?: { itemId?: string; label?: string }): WebhookDelivery[];
    events(filter?: { itemId?: string; event?: string }): SentEvent[];
    registrations(): RegisteredWebhook[];
    /** Sends an event again with the same body and eventId. */
    resend(eventId: string): SentEvent | undefined;
    /** Resolves once no webhook delivery is pending. */
    idle(): Promise<void>;
    /** Loses events from now on: all, or those named; `count` of them or until called with null. */
    drop(rule: { events?: readonly string[]; count?: number } | null): void;
  };
  /** Runs the Item's current execution to its next pause or its end, now. */
  completeExecution(itemId: string): SandboxItem;
  /** Pluggy's auto-sync on demand: a SYNC execution that finds `activity` (default: 2 new per account, pending posted). */
  refresh(itemId: string, activity?: Partial<PendingActivity>): SandboxItem;
  /** Pluggy re-categorizes the newest `perAccount` transactions of each account outside an update (transactions/updated; `lastUpdatedAt` stays). */
  enrich(itemId: string, perAccount?: number): { accountId: string; ids: string[] }[];
  /** The user authorises (or refuses) Open Finance access for an Item in WAITING_USER_ACTION. */
  authorize(itemId: string, options?: { granted?: boolean; consentExpiresInDays?: number | null }): SandboxItem;
  /** Forces how the next executions end, for one Item or (itemId undefined) for any. */
  scriptOutcomes(itemId: string | undefined, outcomes: readonly FinalExecutionStatus[]): void;
  expireConsent(itemId: string): SandboxConsent;
  revokeConsent(itemId: string): SandboxConsent;
  categoryUpdates(filter?: { transactionId?: string; itemId?: string }): CategoryUpdate[];
  /** Changes a connector's health and sends connector/status_updated. */
  setConnectorStatus(connectorId: number, status: ConnectorHealthStatus): void;
  /** Every API key and connect token issued so far stops working. */
  revokeApiKeys(): void;
  /** Forgets every Item, webhook registration, fault, recording, delivery and clock offset. */
  reset(): void;
  stop(): Promise<void>;
}

function resolvePort(option: number | undefined): number {
  if (option !== undefined) return option;
  const fromEnv = process.env.PLUGGY_SANDBOX_PORT;
  if (fromEnv === undefined || fromEnv === '') return DEFAULT_PLUGGY_SANDBOX_PORT;
  const port = Number(fromEnv);
  if (!Number.isInteger(port) || port < 0 || port > 65_535) throw new Error(`PLUGGY_SANDBOX_PORT must be a port number, got "${fromEnv}"`);
  return port;
}

function resolveLog(option: PluggySandboxOptions['log']): SandboxLog {
  if (option === true) return consoleLog('pluggy-sandbox');
  if (option === undefined || option === false) return silentLog;
  return option;
}

function resolveRateLimits(option: PluggySandboxOptions['rateLimits']): Readonly<Record<string, number>> | undefined {
  if (option === false) return undefined;
  if (option === undefined || option === 'item-updates') return { 'PATCH /items/{id}': PLUGGY_RATE_LIMITS['PATCH /items/{id}']! };
  return option === 'pluggy' ? PLUGGY_RATE_LIMITS : option;
}

/**
 * Whether fault rule `ruleEndpoint` covers this call. Rules may name `*`, the path, the template, either after
 * the method, plus `?name=value` pairs that must all be present in the query.
 */
function faultMatcher(method: string, path: string, template: string, query: URLSearchParams): (ruleEndpoint: string) => boolean {
  return (ruleEndpoint) => {
    if (ruleEndpoint === '*') return true;
    let rest = ruleEndpoint;
    const space = rest.indexOf(' ');
    if (space > 0) {
      if (rest.slice(0, space) !== method) return false;
      rest = rest.slice(space + 1);
    }
    const questionMark = rest.indexOf('?');
    const rulePath = questionMark < 0 ? rest : rest.slice(0, questionMark);
    if (rulePath !== path && rulePath !== template) return false;
    if (questionMark < 0) return true;
    const required = new URLSearchParams(rest.slice(questionMark + 1));
    return [...required.entries()].every(([name, value]) => query.getAll(name).includes(value));
  };
}

function faultError(fault: PluggyFault): PluggyApiError | undefined {
  switch (fault.type) {
    case 'status':
      return errorForStatus(fault.status, fault.error_code);
    case 'error':
      return errorForCode(fault.error_code);
    case 'rate_limit':
      return rateLimited(fault.limit ?? 360, fault.reset_seconds ?? 60, fault.retry_after_seconds ?? 60);
    default:
      return undefined;
  }
}

function findEndpoint(method: string, path: string): { definition: EndpointDefinition; pathParams: Record<string, string> } | undefined {
  for (const definition of PLUGGY_ENDPOINTS) {
    if (definition.method !== method) continue;
    const pathParams = matchPathTemplate(definition.template, path);
    if (pathParams) return { definition, pathParams };
  }
  return undefined;
}

/** The request log is readable through a control endpoint: keys and connect tokens it issued stay out of it. */
function maskIssuedTokens(body: unknown): unknown {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return body;
  const record = body as Record<string, unknown>;
  if (typeof record.apiKey !== 'string' && typeof record.accessToken !== 'string') return body;
  return {
    ...record,
    ...(typeof record.apiKey === 'string' ? { apiKey: '[REDACTED]' } : {}),
    ...(typeof record.accessToken === 'string' ? { accessToken: '[REDACTED]' } : {}),
  };
}

function headerValue(request: IncomingMessage, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/**
 * Starts the sandbox and resolves once it listens.
 *
 * @example
 * const sandbox = await startPluggySandbox(); // 127.0.0.1:4020, the local client id / local-pluggy-secret
 */
export async function startPluggySandbox(options: PluggySandboxOptions = {}): Promise<PluggySandbox> {
  const log = resolveLog(options.log);
  const credentials = {
    clientId: options.clientId ?? DEFAULT_PLUGGY_SANDBOX_CLIENT_ID,
    clientSecret: options.clientSecret ?? DEFAULT_PLUGGY_SANDBOX_CLIENT_SECRET,
  };
  const signingSecret = options.webhookSigningSecret ?? (process.env.PLUGGY_SANDBOX_WEBHOOK_SIGNING_SECRET || undefined);
  const clock = new SandboxClock();
  const dispatcher = new WebhookDispatcher({
    log,
    retryDelaysMs: options.webhookRetryDelaysMs,
    timeoutMs: options.webhookTimeoutMs,
    // Pluggy never retries a 401 (https://docs.pluggy.ai/en/docs/developer-tools/webhook-security).
    retryableStatus: (status) => status !== 401,
  });
  const webhooks = new PluggyWebhooks(dispatcher, clock, { clientId: credentials.clientId, signingSecret });
  let baseUrl = '';
  const state = new PluggySandboxState(clock, webhooks, {
    seed: options.seed ?? 'pluggy-sandbox',
    executionStepMs: options.executionStepMs ?? DEFAULT_EXECUTION_STEP_MS,
    consentDays: options.consentDays,
    baseUrl: () => baseUrl,
  });
  const tokens = new TokenIssuer(clock);
  const connectors: SandboxConnector[] = createConnectors();
  const faults = new FaultSwitch<PluggyFault>();
  const recorder = new ExchangeRecorder(options.recorderCapacity);
  const limits = resolveRateLimits(options.rateLimits);
  const rateLimiter = limits === undefined ? undefined : new RateLimiter(limits, () => clock.now());
  const endpointContext: EndpointContext = {
    state,
    tokens,
    webhooks,
    connectors,
    credentials,
    transactionsPageSize: options.transactionsPageSize ?? TRANSACTIONS_PAGE_SIZE,
    itemDeleteStatus: options.itemDeleteStatus ?? 200,
    minUpdateFrequencyHours: options.minUpdateFrequencyHours ?? DEFAULT_MIN_UPDATE_FREQUENCY_HOURS,
  };

  const setConnectorStatus = (connector: SandboxConnector, status: ConnectorHealthStatus): void => {
    connector.healthStatus = status;
    webhooks.emit({ event: 'connector/status_updated', connectorId: connector.id, data: { status } });
  };
  const reset = (): void => {
    state.reset();
    webhooks.reset();
    faults.clear();
    recorder.clear();
    dispatcher.reset();
    clock.reset();
    rateLimiter?.reset();
    for (const connector of connectors) connector.healthStatus = 'ONLINE';
  };
  const controlContext: ControlContext = { state, faults, recorder, dispatcher, webhooks, tokens, clock, connectors, reset, setConnectorStatus };

  function authenticate(request: IncomingMessage, definition: EndpointDefinition): VerifiedToken | undefined {
    if (definition.access === 'public') return undefined;
    const apiKey = headerValue(request, 'x-api-key');
    const verified = apiKey === undefined ? undefined : tokens.verify(apiKey);
    if (!verified) throw invalidApiKey();
    if (verified.kind === 'connect' && definition.access !== 'api_key_or_connect_token') throw invalidApiKey();
    return verified;
  }

  async function handlePluggy(request: IncomingMessage, response: ServerResponse, url: URL, raw: Buffer, started: number): Promise<void> {
    const method = request.method ?? 'GET';
    const path = url.pathname;
    let requestBody: unknown;
    let status = 200;
    let responseBody: unknown;
    let headers: Record<string, string> = {};
    let faultLabel: string | undefined;
    try {
      const found = findEndpoint(method, path);
      // Pluggy's framework answers unknown routes this way (404, `Cannot GET /path`).
      if (!found) throw new PluggyApiError(404, `Cannot ${method} ${path}`);
      const { definition, pathParams } = found;
      const rateLimit = rateLimiter?.hit(`${definition.method} ${definition.template}`);
      if (rateLimit) throw rateLimited(rateLimit.limit, rateLimit.resetSeconds, 60);
      if (raw.length > 0) {
        const parsed = parseJson(raw);
        if (!parsed.ok) throw new PluggyApiError(400, 'Unexpected token in JSON body');
        requestBody = parsed.value;
      }
      const fault = faults.take(faultMatcher(method, path, definition.template, url.searchParams));
      if (fault) {
        faultLabel = describeFault(fault as PluggyFault & Record<string, unknown>);
        if (fault.type === 'disconnect') {
          request.socket.destroy();
          recorder.record({ at: new Date().toISOString(), method, path, query: url.search.slice(1), kind: 'provider', requestHeaders: request.headers, requestBody, status: 0, responseBody: undefined, durationMs: performance.now() - started, fault: faultLabel });
          log.info(`${method} ${path} dropped (fault)`);
          return;
        }
        if (fault.type === 'delay') await sleep(fault.ms);
        const injected = faultError(fault);
        if (injected) throw injected;
      }
      const auth = authenticate(request, definition);
      const reply = definition.handle(endpointContext, { pathParams, query: url.searchParams, body: requestBody, auth });
      status = reply.status;
      responseBody = reply.body;
    } catch (error) {
      if (error instanceof PluggyApiError) {
        status = error.status;
        responseBody = error.toBody();
        headers = error.headers;
      } else {
        log.warn(`${method} ${path} failed: ${error instanceof Error ? error.message : String(error)}`);
        const internal = errorForStatus(500);
        status = internal.status;
        responseBody = internal.toBody();
      }
    }
    // The server's own time, as any HTTP server sends it: a client can measure its clock against Pluggy's
    // (a "not before" time Pluggy states is in Pluggy's clock). Moves with the sandbox clock.
    headers = { ...headers, date: new Date(clock.now()).toUTCString() };
    if (!response.destroyed) {
      if (responseBody === undefined) {
        response.writeHead(status, headers).end();
      } else {
        sendJson(response, status, responseBody, undefined, headers);
      }
    }
    const durationMs = performance.now() - started;
    recorder.record({
      at: new Date().toISOString(),
      method,
      path,
      query: url.search.slice(1),
      kind: 'provider',
      requestHeaders: request.headers,
      requestBody,
      requestText: requestBody === undefined && raw.length > 0 ? raw.toString('utf8').slice(0, 2_000) : undefined,
      status,
      responseBody: maskIssuedTokens(responseBody),
      durationMs,
      fault: faultLabel,
    });
    const code = status >= 400 ? ` ${(responseBody as PluggyErrorBody | undefined)?.codeDescription ?? ''}` : '';
    log.info(`${method} ${path} ${status}${code} ${durationMs.toFixed(0)}ms${faultLabel ? ` fault=${faultLabel}` : ''}`);
  }

  function handleControl(request: IncomingMessage, response: ServerResponse, url: URL, raw: Buffer, started: number): void {
    const parsed = raw.length === 0 ? { ok: true as const, value: undefined } : parseJson(raw);
    const reply = parsed.ok
      ? handleControlRequest(controlContext, request.method ?? 'GET', url.pathname, url.searchParams, parsed.value)
      : { status: 400, body: { error: { code: 'INVALID_BODY', message: 'body could not be parsed as JSON' } } };
    sendJson(response, reply.status, reply.body, 2, 'headers' in reply ? reply.headers : undefined);
    if (url.pathname !== '/sandbox/local/requests') {
      recorder.record({
        at: new Date().toISOString(),
        method: request.method ?? 'GET',
        path: url.pathname,
        query: url.search.slice(1),
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
          else if (serveConnectStandIn(request, response, url)) return;
          else await handlePluggy(request, response, url, raw, started);
        })
        .catch((error: unknown) => {
          if (response.headersSent || response.destroyed) return;
          const tooLarge = error instanceof BodyTooLargeError;
          if (!tooLarge) log.warn(`request failed: ${error instanceof Error ? error.message : String(error)}`);
          const failure = tooLarge ? new PluggyApiError(413, 'request entity too large') : errorForStatus(500);
          sendJson(response, failure.status, failure.toBody());
        });
    },
    { host: options.host ?? '127.0.0.1', port: resolvePort(options.port) },
  );
  baseUrl = listening.url;
  log.info(`listening on ${listening.url} (clientId ${credentials.clientId}${signingSecret ? ', webhooks signed' : ''})`);

  const liveItem = (itemId: string): SandboxItem => state.liveItem(itemId);
  const currentConsentOf = (itemId: string): SandboxConsent => {
    const consent = state.currentConsent(liveItem(itemId));
    if (!consent) throw new Error(`item ${itemId} has no consent`);
    return consent;
  };

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
      signatureHeader: SIGNATURE_HEADER,
      signingSecret,
      deliveries: (filter) => dispatcher.deliveries(filter),
      events: (filter) => webhooks.events(filter),
      registrations: () => webhooks.list(),
      resend: (eventId) => webhooks.resend(eventId),
      idle: () => dispatcher.idle(),
      drop: (rule) => webhooks.dropDeliveries(rule === null ? null : { ...(rule.events ? { events: rule.events } : {}), ...(rule.count !== undefined ? { remaining: rule.count } : {}) }),
    },
    completeExecution: (itemId) => state.completeExecution(liveItem(itemId)),
    refresh: (itemId, activity = {}) => state.refresh(liveItem(itemId), { ...DEFAULT_REFRESH_ACTIVITY, ...activity }),
    enrich: (itemId, perAccount = 1) => state.enrichTransactions(liveItem(itemId), perAccount),
    authorize: (itemId, authorizeOptions = {}) =>
      state.authorize(liveItem(itemId), { granted: authorizeOptions.granted ?? true, consentExpiresInDays: authorizeOptions.consentExpiresInDays }),
    scriptOutcomes: (itemId, outcomes) => state.scriptOutcomes(itemId === undefined ? undefined : liveItem(itemId), outcomes.map((executionStatus) => ({ executionStatus }))),
    expireConsent: (itemId) => {
      const consent = currentConsentOf(itemId);
      state.expireConsent(consent);
      return consent;
    },
    revokeConsent: (itemId) => {
      const consent = currentConsentOf(itemId);
      state.revokeConsent(consent);
      return consent;
    },
    categoryUpdates: (filter) => state.categoryUpdates(filter),
    setConnectorStatus: (connectorId, status) => {
      const connector = connectors.find((candidate) => candidate.id === connectorId);
      if (!connector) throw new Error(`no connector ${connectorId}`);
      setConnectorStatus(connector, status);
    },
    revokeApiKeys: () => tokens.revokeAll(),
    reset,
    stop: async () => {
      dispatcher.stop();
      state.stop();
      await listening.close();
    },
  };
}
