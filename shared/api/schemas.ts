/**
 * Request schemas of the public API (zod). Field names are the wire names (snake_case); error messages
 * name them as `body.<field>` / `query.<field>` / `path.<field>` through `shared/http/validation`.
 * Each is built on first use (`lazySchema`): a route refused before validation never builds one.
 */
import * as z from '../validation/zod';
import { FEED_DEFAULT_LIMIT, FEED_MAX_LIMIT } from '../banking/transaction-feed';
import { BULK_CATEGORIZE_LIMIT } from '../banking/transactions';
import { lazySchema } from '../validation/lazy-schema';
import { redirectUri } from './redirect-uri';

const id = () => z.string().check(z.trim(), z.minLength(1), z.maxLength(128), z.regex(/^[A-Za-z0-9_:.-]+$/, 'Must be an id'));
const isoDate = () => z.isoDate({ message: 'Must be a date in YYYY-MM-DD form' });
const booleanString = () => z.pipe(z.enum(['true', 'false']), z.transform((value) => value === 'true'));
const cursor = () => z.string().check(z.minLength(1), z.maxLength(2048));
const productTag = () => z.string().check(z.trim(), z.minLength(1), z.maxLength(64));
/** A whole number from a query string, within bounds. */
function boundedInt(min: number, max: number) {
  return z.coercedNumber().check(z.int(), z.gte(min), z.lte(max));
}
const categoryName = () => z.string().check(z.trim(), z.minLength(1, 'Must not be empty'), z.maxLength(64));

export const connectionPath = /* @__PURE__ */ lazySchema(() => z.object({ connectionId: id() }));
export const accountPath = /* @__PURE__ */ lazySchema(() => z.object({ accountId: id() }));
export const transactionPath = /* @__PURE__ */ lazySchema(() => z.object({ transactionId: id() }));
export const categoryPath = /* @__PURE__ */ lazySchema(() => z.object({ categoryId: id() }));

export const pageQuery = /* @__PURE__ */ lazySchema(() =>
  z.object({
    limit: z._default(boundedInt(1, 100), 25),
    cursor: z.optional(cursor()),
  }),
);

export const accountListQuery = /* @__PURE__ */ lazySchema(() => z.strictObject({ connection_id: z.optional(id()) }));

export const transactionListQuery = /* @__PURE__ */ lazySchema(() =>
  z
    .strictObject({
      account_id: z.optional(id()),
      connection_id: z.optional(id()),
      date_from: z.optional(isoDate()),
      date_to: z.optional(isoDate()),
      pending: z.optional(booleanString()),
      category_id: z.optional(id()),
      limit: z._default(boundedInt(1, 200), 50),
      cursor: z.optional(cursor()),
    })
    .check(
      z.refine((query) => !query.date_from || !query.date_to || query.date_from <= query.date_to, {
        message: 'Must not be after date_to',
        path: ['date_from'],
      }),
    ),
);

export const transactionChangesQuery = /* @__PURE__ */ lazySchema(() =>
  z.strictObject({
    cursor: z.optional(cursor()),
    limit: z._default(boundedInt(1, FEED_MAX_LIMIT), FEED_DEFAULT_LIMIT),
    connection_id: z.optional(id()),
  }),
);

export const transactionUpdateBody = /* @__PURE__ */ lazySchema(() =>
  z
    .strictObject({
      category_id: z.optional(z.nullable(id())),
      note: z.optional(z.nullable(z.string().check(z.trim(), z.maxLength(500)))),
    })
    .check(
      z.refine((body) => body.category_id !== undefined || body.note !== undefined, {
        message: 'Provide category_id and/or note',
      }),
    ),
);

export const bulkCategorizeBody = /* @__PURE__ */ lazySchema(() =>
  z.strictObject({
    transaction_ids: z.array(id()).check(z.minLength(1), z.maxLength(BULK_CATEGORIZE_LIMIT)),
    category_id: z.nullable(id()),
  }),
);

export const categoryCreateBody = /* @__PURE__ */ lazySchema(() =>
  z.strictObject({
    name: categoryName(),
    parent_id: z.optional(z.nullable(id())),
  }),
);

export const categoryRenameBody = /* @__PURE__ */ lazySchema(() => z.strictObject({ name: categoryName() }));

export const categoryDeleteQuery = /* @__PURE__ */ lazySchema(() =>
  z
    .strictObject({
      reassign_to: z.optional(id()),
      clear_overrides: z.optional(booleanString()),
    })
    .check(
      z.refine((query) => !(query.reassign_to && query.clear_overrides), {
        message: 'Use either reassign_to or clear_overrides, not both',
        path: ['reassign_to'],
      }),
    ),
);

/**
 * A body that may be omitted entirely (clients may post the link-token request with no body). Only a missing
 * body counts as empty: a JSON `null` (or any other non-object) is a wrong body and fails validation.
 */
function optionalBody<T extends z.ZodMiniType>(schema: T): z.ZodMiniPipe<z.ZodMiniTransform<unknown, unknown>, T> {
  return z.pipe(
    z.transform((value: unknown): unknown => (value === undefined ? {} : value)),
    schema,
  );
}

const plaidProduct = () => z.string().check(z.regex(/^[a-z_]{2,40}$/, 'Must be a Plaid product name'));

export const plaidLinkTokenBody = /* @__PURE__ */ lazySchema(() =>
  optionalBody(
    z.strictObject({
      /**
       * Seed 002's frontend names its user; accepted only when it is the caller (the JWT `sub` stays the
       * authority, so one user can never ask for a token bound to another).
       */
      user_id: z.optional(z.string().check(z.trim(), z.minLength(1), z.maxLength(128))),
      products: z.optional(z.array(plaidProduct()).check(z.minLength(1), z.maxLength(10))),
      connection_id: z.optional(id()),
      account_selection: z.optional(z.boolean()),
      redirect_uri: z.optional(redirectUri),
    }),
  ),
);

/** Accepts Link's `onSuccess` metadata as the frontend receives it, so it can be passed on untouched. */
export const plaidExchangeBody = /* @__PURE__ */ lazySchema(() =>
  z.strictObject({
    public_token: z.string().check(z.trim(), z.minLength(1), z.maxLength(256)),
    institution: z.optional(
      z.nullable(
        z.looseObject({
          institution_id: z.string().check(z.minLength(1), z.maxLength(64)),
          name: z.optional(z.nullable(z.string().check(z.maxLength(200)))),
        }),
      ),
    ),
    accounts: z.optional(
      z
        .array(z.looseObject({ name: z.string().check(z.maxLength(200)), mask: z.optional(z.nullable(z.string().check(z.maxLength(10)))) }))
        .check(z.maxLength(100)),
    ),
    product_tag: z.optional(productTag()),
    /** Older clients send the tag as `product`. */
    product: z.optional(productTag()),
  }),
);

const pluggyEnum = () => z.string().check(z.regex(/^[A-Z][A-Z_]{1,39}$/, 'Must be an upper-case Pluggy name such as PERSONAL_BANK'));
/** Credential and MFA fields as Pluggy names them (`user`, `password`, `token`, ...). */
const pluggyParameters = () =>
  z
    .record(z.string().check(z.regex(/^[A-Za-z0-9_.-]{1,64}$/, 'Must be a parameter name')), z.string().check(z.maxLength(1000)))
    .check(
      z.refine((parameters) => Object.keys(parameters).length > 0 && Object.keys(parameters).length <= 20, {
        message: 'Provide between 1 and 20 parameters',
      }),
    );

/** Connect-token parameters; the connector filters come back as Pluggy Connect widget options. */
export const pluggyConnectTokenBody = /* @__PURE__ */ lazySchema(() =>
  optionalBody(
    z.strictObject({
      avoid_duplicates: z.optional(z.boolean()),
      country_codes: z.optional(z.array(z.string().check(z.regex(/^[A-Z]{2}$/, 'Must be an ISO 3166-1 alpha-2 code'))).check(z.maxLength(20))),
      connector_types: z.optional(z.array(pluggyEnum()).check(z.maxLength(10))),
      connector_ids: z.optional(z.array(z.number().check(z.int(), z.gte(0))).check(z.maxLength(100))),
      products_types: z.optional(z.array(pluggyEnum()).check(z.maxLength(20))),
      oauth_redirect_uri: z.optional(redirectUri),
      connection_id: z.optional(id()),
    }),
  ),
);

/** `POST /banking/connections`: the item Pluggy Connect created (widget `onSuccess` → `item.id`). */
export const createConnectionBody = /* @__PURE__ */ lazySchema(() =>
  z.strictObject({
    provider: z.optional(z.literal('pluggy')),
    item_id: z.string().check(z.trim(), z.minLength(1), z.maxLength(128), z.regex(/^[A-Za-z0-9-]+$/, 'Must be a Pluggy item id')),
    product_tag: z.optional(productTag()),
  }),
);

/**
 * Re-authentication. Pluggy: `parameters` sends new credentials; without them an update-mode connect token
 * is returned. Plaid: always an update-mode link token (credentials are entered in Link, never here).
 */
export const connectionCredentialsBody = /* @__PURE__ */ lazySchema(() =>
  optionalBody(
    z.strictObject({
      parameters: z.optional(pluggyParameters()),
      oauth_redirect_uri: z.optional(redirectUri),
      redirect_uri: z.optional(redirectUri),
      account_selection: z.optional(z.boolean()),
    }),
  ),
);

/** Longest `?wait=` a sync request may hold the connection open: under API Gateway's 30 s integration limit. */
export const MAX_SYNC_WAIT_SECONDS = 25;

/** `POST …/sync?wait=<seconds>`: wait for the run to finish (200) instead of answering 202 at once. */
export const syncRequestQuery = /* @__PURE__ */ lazySchema(() =>
  z.strictObject({
    wait: z.optional(boundedInt(0, MAX_SYNC_WAIT_SECONDS)),
  }),
);

export const connectionMfaBody = /* @__PURE__ */ lazySchema(() => z.strictObject({ parameters: pluggyParameters() }));
