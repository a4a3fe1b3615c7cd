/**
 * Connecting a bank through Pluggy: connect token → (the frontend runs Pluggy Connect, which creates the
 * item and handles login, MFA and Open Finance consent) → a connection created from the item id.
 *
 * Pluggy items have no per-item secret (the API key is per client), so a connection stores no access token.
 * What ties an item to our user is the `clientUserId` the connect token stamped on it (the keyed hash of our
 * user id): an item is adopted only when Pluggy reports that exact value for it, so nobody can claim another
 * user's item by guessing or intercepting its id.
 */
import { updateConnection } from '../../banking/connection-updates';
import { accountIdFor, newId } from '../../banking/ids';
import { statusesNeedingUser, type Account, type Connection } from '../../banking/model';
import { requireConnection } from '../../banking/ownership';
import { newConnection, queueSyncAfterLinking } from '../../banking/new-connection';
import type { CategoryStore, Clock, ConnectionStore, SyncJobQueue, SyncRunStore } from '../../banking/ports';
import { ItemAlreadyExistsError, NotFoundError, ProviderError, ValidationError } from '../../errors/app-error';
import { logger } from '../../observability/logger';
import { toAccount } from '../../sync/account-writer';
import { nextAutoSyncAt } from '../../sync/schedule';
import { accountFingerprint, itemGuards, type AccountIdentity } from '../item-guards';
import type { ConnectToken, MfaPrompt, PluggyConnectGateway, PluggyItemSummary } from './pluggy-ports';

export interface PluggyWidgetSettings {
  /** Offer Pluggy's sandbox connectors (Pluggy Bank) in the widget: everywhere but production. */
  readonly includeSandbox: boolean;
  /** Where Pluggy Connect is hosted (`https://connect.pluggy.ai`); the base of `connect_url`. */
  readonly connectBaseUrl: string;
}

export interface PluggyLinkingDeps {
  readonly gateway: PluggyConnectGateway;
  readonly connections: ConnectionStore;
  readonly syncRuns: SyncRunStore;
  readonly syncQueue: SyncJobQueue;
  readonly clock: Clock;
  readonly providerUserIdOf: (userId: string) => Promise<string>;
  /** Our `/webhooks/pluggy` URL, given to every item the token creates; null without a public base URL. */
  readonly webhookUrl: string | null;
  readonly autoSyncIntervalHours: number;
  readonly widget: PluggyWidgetSettings;
  /** Where Pluggy's category catalog is kept, so users can pick any of its categories. */
  readonly categories: Pick<CategoryStore, 'putProviderCatalog'>;
}

/** What a connect token needs: no sync queue or run store, so its route bundles no SQS client. */
export type PluggyConnectTokenDeps = Pick<PluggyLinkingDeps, 'gateway' | 'connections' | 'providerUserIdOf' | 'webhookUrl' | 'widget'>;

/** What an MFA answer needs: Pluggy, the connection and a queued sync; no user hash, widget or category catalog. */
export type PluggyMfaDeps = Pick<PluggyLinkingDeps, 'gateway' | 'connections' | 'syncRuns' | 'syncQueue' | 'clock' | 'autoSyncIntervalHours'>;

/** What a consent refresh needs: a read from Pluggy and a write to the connection. */
export type PluggyConsentDeps = Pick<PluggyLinkingDeps, 'gateway' | 'connections' | 'clock'>;

export interface ConnectTokenInput {
  readonly avoidDuplicates?: boolean;
  readonly countryCodes?: readonly string[];
  readonly connectorTypes?: readonly string[];
  readonly connectorIds?: readonly number[];
  readonly productsTypes?: readonly string[];
  readonly oauthRedirectUri?: string;
  /** Update mode for an existing connection (new credentials, renewed consent). */
  readonly connectionId?: string;
}

/**
 * Props for the Pluggy Connect widget, named as the widget names them (pluggy-connect-sdk `PluggyConnectProps`)
 * so a frontend can spread them into the widget unchanged. Connector filters belong here, not in the connect
 * token: `POST /connect_token` accepts only the item options.
 */
export interface PluggyWidgetOptions {
  readonly connectToken: string;
  readonly includeSandbox: boolean;
  readonly updateItem?: string;
  readonly connectorTypes?: readonly string[];
  readonly connectorIds?: readonly number[];
  readonly countries?: readonly string[];
  readonly products?: readonly string[];
}

export interface PluggyConnectTokenResult {
  readonly connectToken: string;
  readonly expiresAt: string;
  readonly mode: 'create' | 'update';
  /**
   * The hosted Pluggy Connect page opened with this token, for clients that cannot embed the widget (mobile
   * webviews, a redirect): `<connect base>/?connect_token=…&with_sandbox=…`, the URL Pluggy's own webview
   * quickstarts open (pluggyai/quickstart `frontend/flutter/lib/pluggy.dart`, `ios/PluggyConnect`).
   */
  readonly connectUrl: string;
  readonly widgetOptions: PluggyWidgetOptions;
}

export async function createPluggyConnectToken(
  deps: PluggyConnectTokenDeps,
  userId: string,
  input: ConnectTokenInput,
): Promise<PluggyConnectTokenResult> {
  const itemId = input.connectionId ? (await requirePluggyConnection(deps, userId, input.connectionId, 'body.connection_id')).providerItemId : null;
  const token = await deps.gateway.createConnectToken({
    itemId,
    clientUserId: await deps.providerUserIdOf(userId),
    webhookUrl: deps.webhookUrl,
    oauthRedirectUri: input.oauthRedirectUri ?? null,
    avoidDuplicates: input.avoidDuplicates ?? null,
  });
  return connectTokenResult(deps.widget, token, itemId, input);
}

function connectTokenResult(
  widget: PluggyWidgetSettings,
  token: ConnectToken,
  itemId: string | null,
  input: ConnectTokenInput,
): PluggyConnectTokenResult {
  const nonEmpty = <T>(values: readonly T[] | undefined) => (values && values.length > 0 ? values : undefined);
  const filters = {
    connectorTypes: nonEmpty(input.connectorTypes),
    connectorIds: nonEmpty(input.connectorIds),
    countries: nonEmpty(input.countryCodes),
    products: nonEmpty(input.productsTypes),
  };
  const widgetOptions: PluggyWidgetOptions = {
    connectToken: token.accessToken,
    includeSandbox: widget.includeSandbox,
    ...(itemId ? { updateItem: itemId } : {}),
    ...Object.fromEntries(Object.entries(filters).filter(([, value]) => value !== undefined)),
  };
  const url = new URL(widget.connectBaseUrl);
  url.searchParams.set('connect_token', token.accessToken);
  url.searchParams.set('with_sandbox', String(widget.includeSandbox));
  return {
    connectToken: token.accessToken,
    expiresAt: token.expiresAt,
    mode: itemId ? 'update' : 'create',
    connectUrl: url.toString(),
    widgetOptions,
  };
}

export interface CreatePluggyConnectionInput {
  readonly itemId: string;
  readonly productTag?: string;
}

export interface CreatedPluggyConnection {
  readonly connection: Connection;
  readonly accounts: readonly Account[];
  /** Null when no sync was queued (the item waits for the user first). */
  readonly syncRunId: string | null;
  readonly mfaPrompt: MfaPrompt | null;
}

/**
 * Creates a connection from an item the widget created. Refuses (404) an item that is not this user's, and
 * (400 ITEM_ALREADY_EXISTS) an item already connected or a second item of the same bank login (same
 * connector, same accounts). The connection, its accounts and its guard rows are written in one transaction;
 * a guard on the item id itself makes two racing requests for one item collide there.
 */
export async function createPluggyConnection(
  deps: PluggyLinkingDeps,
  userId: string,
  input: CreatePluggyConnectionInput,
): Promise<CreatedPluggyConnection> {
  const item = await ownedItem(deps, userId, input.itemId);
  const existing = await deps.connections.findByProviderItem('pluggy', item.itemId);
  if (existing) {
    // The clientUserId matched, so an existing connection can only be this user's.
    if (existing.userId === userId) throw new ItemAlreadyExistsError();
    throw new NotFoundError('item');
  }
  const providerAccounts = await deps.gateway.getAccounts(item.itemId);
  const institutionId = item.connector.id;
  const identities: AccountIdentity[] = [itemIdentity(item.itemId), ...providerAccounts];
  const taken = await deps.connections.findGuards(userId, 'pluggy', institutionId, identities.map(accountFingerprint));
  if (taken.length > 0) throw new ItemAlreadyExistsError();

  const consent = item.connector.isOpenFinance ? await deps.gateway.getConsent(item.itemId) : null;
  const now = deps.clock.now();
  const nowIso = now.toISOString();
  const connectionId = newId('conn', now);
  const waitsForUser = statusesNeedingUser.has(item.status);
  const connection = newConnection(
    {
      userId,
      connectionId,
      provider: 'pluggy',
      providerItemId: item.itemId,
      institution: { id: institutionId, name: item.connector.name },
      products: item.products,
      productTag: input.productTag ?? null,
      status: item.status,
      statusReason: item.statusReason,
      consent,
      pendingUserAction: item.pendingUserAction,
      nextSyncAt: waitsForUser ? null : nextAutoSyncAt(now, deps.autoSyncIntervalHours, Math.random),
    },
    now,
  );
  const accounts = providerAccounts.map((reported) =>
    toAccount(connection, accountIdFor(connectionId, reported.providerAccountId), reported, undefined, nowIso),
  );
  const guards = itemGuards(userId, 'pluggy', institutionId, connectionId, identities);
  await deps.connections.createWithAccounts(connection, accounts, guards);
  logger.info('Pluggy connection created', { connection_id: connectionId, status: connection.status, accounts: accounts.length });
  await refreshCategoryCatalog(deps);
  const syncRunId = waitsForUser ? null : await queueSyncAfterLinking(deps, userId, connectionId, 'link');
  return { connection, accounts, syncRunId, mfaPrompt: item.mfaPrompt };
}

/**
 * Pluggy's category tree is the same for every item, so it is read when a bank is connected rather than on
 * every sync (which would cost a provider request each time). A failure leaves the catalog as it was: the
 * categories transactions use still join it as they arrive.
 */
async function refreshCategoryCatalog(deps: PluggyLinkingDeps): Promise<void> {
  try {
    await deps.categories.putProviderCatalog('pluggy', await deps.gateway.getCategoryCatalog());
  } catch (error) {
    logger.warn('Pluggy category catalog not refreshed', { error: error as Error });
  }
}

export type CredentialsUpdate =
  | { readonly kind: 'connect_token'; readonly token: PluggyConnectTokenResult }
  | { readonly kind: 'credentials_sent'; readonly connection: Connection; readonly syncRunId: string | null; readonly mfaPrompt: MfaPrompt | null };

/**
 * Re-authentication of a Pluggy connection: with `parameters` (the connector's credential fields) they are
 * sent to Pluggy (`PATCH /items/{id}`), which starts a new update; without, an update-mode connect token is
 * issued for the widget. Either way the item keeps its id, accounts and history.
 */
export async function updatePluggyCredentials(
  deps: PluggyLinkingDeps,
  userId: string,
  connectionId: string,
  input: { readonly parameters?: Readonly<Record<string, string>>; readonly token?: ConnectTokenInput },
): Promise<CredentialsUpdate> {
  const connection = await requirePluggyConnection(deps, userId, connectionId, 'path.connectionId');
  if (!input.parameters) {
    return { kind: 'connect_token', token: await createPluggyConnectToken(deps, userId, { ...input.token, connectionId }) };
  }
  const item = await deps.gateway.updateCredentials(connection.providerItemId, input.parameters);
  return { kind: 'credentials_sent', ...(await afterUserInput(deps, connection, item)) };
}

/** Answers the item's pending MFA prompt (`POST /items/{id}/mfa`, `{<parameter name>: <value>}`). */
export async function submitPluggyMfa(
  deps: PluggyMfaDeps,
  userId: string,
  connectionId: string,
  parameters: Readonly<Record<string, string>>,
) {
  const connection = await requirePluggyConnection(deps, userId, connectionId, 'path.connectionId');
  const item = await deps.gateway.submitMfa(connection.providerItemId, parameters);
  return afterUserInput(deps, connection, item);
}

/**
 * After the user gave Pluggy something (credentials, an MFA answer) the item runs a new update. While it
 * runs, the connection shows `syncing`, and a sync is queued that waits for the update to settle and then
 * records what it ended in (healthy, or login/MFA needed again). If the item already asks for the next
 * step (a second MFA prompt), that is stored at once instead.
 */
async function afterUserInput(deps: PluggyMfaDeps, connection: Connection, item: PluggyItemSummary) {
  const waitsForUser = statusesNeedingUser.has(item.status);
  const settled = waitsForUser || item.status === 'error';
  const stored = await updateConnection(
    deps.connections,
    connection.userId,
    connection.connectionId,
    (current) => ({
      ...current,
      status: settled ? item.status : 'syncing',
      statusReason: settled ? item.statusReason : null,
      pendingUserAction: item.pendingUserAction,
      nextSyncAt: waitsForUser
        ? null
        : (current.nextSyncAt ?? nextAutoSyncAt(deps.clock.now(), deps.autoSyncIntervalHours, Math.random)),
    }),
    () => deps.clock.now(),
  );
  if (!stored) throw new NotFoundError('connection');
  // Queued as a link sync: sending the user's input already asked Pluggy for this update, so the sync only
  // waits for it and reads the result (a 'manual' sync would ask Pluggy for another one).
  const syncRunId = waitsForUser ? null : await queueSyncAfterLinking(deps, connection.userId, connection.connectionId, 'link');
  return { connection: stored, syncRunId, mfaPrompt: item.mfaPrompt };
}

/**
 * The connection's consent as Pluggy reports it now (`GET /consents?itemId=`), stored on the connection so
 * listings show it too. Plaid connections answer with what their webhooks recorded.
 */
export async function refreshConsent(deps: PluggyConsentDeps, userId: string, connectionId: string): Promise<Connection> {
  const connection = await requireConnection(deps.connections, userId, connectionId);
  if (connection.provider !== 'pluggy') return connection;
  const consent = await deps.gateway.getConsent(connection.providerItemId);
  if (JSON.stringify(consent) === JSON.stringify(connection.consent)) return connection;
  const stored = await updateConnection(deps.connections, userId, connectionId, (current) => ({ ...current, consent }), () => deps.clock.now());
  if (!stored) throw new NotFoundError('connection');
  return stored;
}

async function requirePluggyConnection(deps: Pick<PluggyLinkingDeps, 'connections'>, userId: string, connectionId: string, field: string): Promise<Connection> {
  const connection = await requireConnection(deps.connections, userId, connectionId);
  if (connection.provider !== 'pluggy') {
    throw new ValidationError('Not a Pluggy connection', [{ field, message: 'Not a Pluggy connection' }]);
  }
  return connection;
}

/** The item, if Pluggy knows it and it carries this user's clientUserId; otherwise the same 404. */
async function ownedItem(deps: PluggyLinkingDeps, userId: string, itemId: string): Promise<PluggyItemSummary> {
  let item: PluggyItemSummary;
  try {
    item = await deps.gateway.getItem(itemId);
  } catch (error) {
    if (error instanceof ProviderError && (error.kind === 'item_not_found' || error.kind === 'invalid_input')) {
      throw new NotFoundError('item');
    }
    throw error;
  }
  if (item.clientUserId !== (await deps.providerUserIdOf(userId))) {
    logger.warn('Pluggy item refused: it belongs to another client user');
    throw new NotFoundError('item');
  }
  return item;
}

/** A guard row on the item itself, so an item without accounts yet still cannot be connected twice. */
function itemIdentity(itemId: string): AccountIdentity {
  return { name: `pluggy-item:${itemId}`, mask: null };
}
