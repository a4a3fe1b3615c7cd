/**
 * Request schemas of the public API (zod). Field names are the wire names (snake_case); error messages
 * name them as `body.<field>` / `query.<field>` / `path.<field>` through `shared/http/validation`.
 */
import { z } from 'zod';
import { FEED_DEFAULT_LIMIT, FEED_MAX_LIMIT } from '../banking/transaction-feed';
import { BULK_CATEGORIZE_LIMIT } from '../banking/transactions';
import { redirectUri } from './redirect-uri';

const id = z.string().trim().min(1).max(128).regex(/^[A-Za-z0-9_:.-]+$/, 'Must be an id');
const isoDate = z.iso.date({ message: 'Must be a date in YYYY-MM-DD form' });
const booleanString = z.enum(['true', 'false']).transform((value) => value === 'true');
const categoryName = z.string().trim().min(1, 'Must not be empty').max(64);

export const connectionPath = z.object({ connectionId: id });
export const accountPath = z.object({ accountId: id });
export const transactionPath = z.object({ transactionId: id });
export const categoryPath = z.object({ categoryId: id });

export const pageQuery = z.object({
  limit: z.coerce.number().int().min(1).max(100).default(25),
  cursor: z.string().min(1).max(2048).optional(),
});

export const accountListQuery = z.strictObject({ connection_id: id.optional() });

export const transactionListQuery = z
  .strictObject({
    account_id: id.optional(),
    connection_id: id.optional(),
    date_from: isoDate.optional(),
    date_to: isoDate.optional(),
    pending: booleanString.optional(),
    category_id: id.optional(),
    limit: z.coerce.number().int().min(1).max(200).default(50),
    cursor: z.string().min(1).max(2048).optional(),
  })
  .refine((query) => !query.date_from || !query.date_to || query.date_from <= query.date_to, {
    message: 'Must not be after date_to',
    path: ['date_from'],
  });

export const transactionChangesQuery = z.strictObject({
  cursor: z.string().min(1).max(2048).optional(),
  limit: z.coerce.number().int().min(1).max(FEED_MAX_LIMIT).default(FEED_DEFAULT_LIMIT),
  connection_id: id.optional(),
});

export const transactionUpdateBody = z
  .strictObject({
    category_id: id.nullable().optional(),
    note: z.string().trim().max(500).nullable().optional(),
  })
  .refine((body) => body.category_id !== undefined || body.note !== undefined, {
    message: 'Provide category_id and/or note',
  });

export const bulkCategorizeBody = z.strictObject({
  transaction_ids: z.array(id).min(1).max(BULK_CATEGORIZE_LIMIT),
  category_id: id.nullable(),
});

export const categoryCreateBody = z.strictObject({
  name: categoryName,
  parent_id: id.nullable().optional(),
});

export const categoryRenameBody = z.strictObject({ name: categoryName });

export const categoryDeleteQuery = z
  .strictObject({
    reassign_to: id.optional(),
    clear_overrides: booleanString.optional(),
  })
  .refine((query) => !(query.reassign_to && query.clear_overrides), {
    message: 'Use either reassign_to or clear_overrides, not both',
    path: ['reassign_to'],
  });

/**
 * A body that may be omitted entirely (clients may post the link-token request with no body). Only a missing
 * body counts as empty: a JSON `null` (or any other non-object) is a wrong body and fails validation.
 */
function optionalBody<T extends z.ZodType>(schema: T) {
  return z.preprocess((value) => (value === undefined ? {} : value), schema);
}

const plaidProduct = z.string().regex(/^[a-z_]{2,40}$/, 'Must be a Plaid product name');

export const plaidLinkTokenBody = optionalBody(
  z.strictObject({
    /**
     * Seed 002's frontend names its user; accepted only when it is the caller (the JWT `sub` stays the
     * authority, so one user can never ask for a token bound to another).
     */
    user_id: z.string().trim().min(1).max(128).optional(),
    products: z.array(plaidProduct).min(1).max(10).optional(),
    connection_id: id.optional(),
    account_selection: z.boolean().optional(),
    redirect_uri: redirectUri.optional(),
  }),
);

/** Accepts Link's `onSuccess` metadata as the frontend receives it, so it can be passed on untouched. */
export const plaidExchangeBody = z
  .object({
    public_token: z.string().trim().min(1).max(256),
    institution: z
      .looseObject({ institution_id: z.string().min(1).max(64), name: z.string().max(200).nullable().optional() })
      .nullable()
      .optional(),
    accounts: z
      .array(z.looseObject({ name: z.string().max(200), mask: z.string().max(10).nullable().optional() }))
      .max(100)
      .optional(),
    product_tag: z.string().trim().min(1).max(64).optional(),
    /** Older clients send the tag as `product`. */
    product: z.string().trim().min(1).max(64).optional(),
  })
  .strict();


const pluggyEnum = z.string().regex(/^[A-Z][A-Z_]{1,39}$/, 'Must be an upper-case Pluggy name such as PERSONAL_BANK');
/** Credential and MFA fields as Pluggy names them (`user`, `password`, `token`, ...). */
const pluggyParameters = z
  .record(z.string().regex(/^[A-Za-z0-9_.-]{1,64}$/, 'Must be a parameter name'), z.string().max(1000))
  .refine((parameters) => Object.keys(parameters).length > 0 && Object.keys(parameters).length <= 20, {
    message: 'Provide between 1 and 20 parameters',
  });

/** Connect-token parameters; the connector filters come back as Pluggy Connect widget options. */
export const pluggyConnectTokenBody = optionalBody(
  z.strictObject({
    avoid_duplicates: z.boolean().optional(),
    country_codes: z.array(z.string().regex(/^[A-Z]{2}$/, 'Must be an ISO 3166-1 alpha-2 code')).max(20).optional(),
    connector_types: z.array(pluggyEnum).max(10).optional(),
    connector_ids: z.array(z.number().int().min(0)).max(100).optional(),
    products_types: z.array(pluggyEnum).max(20).optional(),
    oauth_redirect_uri: redirectUri.optional(),
    connection_id: id.optional(),
  }),
);

/** `POST /banking/connections`: the item Pluggy Connect created (widget `onSuccess` → `item.id`). */
export const createConnectionBody = z.strictObject({
  provider: z.literal('pluggy').optional(),
  item_id: z.string().trim().min(1).max(128).regex(/^[A-Za-z0-9-]+$/, 'Must be a Pluggy item id'),
  product_tag: z.string().trim().min(1).max(64).optional(),
});

/**
 * Re-authentication. Pluggy: `parameters` sends new credentials; without them an update-mode connect token
 * is returned. Plaid: always an update-mode link token (credentials are entered in Link, never here).
 */
export const connectionCredentialsBody = optionalBody(
  z.strictObject({
    parameters: pluggyParameters.optional(),
    oauth_redirect_uri: redirectUri.optional(),
    redirect_uri: redirectUri.optional(),
    account_selection: z.boolean().optional(),
  }),
);

/** Longest `?wait=` a sync request may hold the connection open: under API Gateway's 30 s integration limit. */
export const MAX_SYNC_WAIT_SECONDS = 25;

/** `POST …/sync?wait=<seconds>`: wait for the run to finish (200) instead of answering 202 at once. */
export const syncRequestQuery = z.strictObject({
  wait: z.coerce.number().int().min(0).max(MAX_SYNC_WAIT_SECONDS).optional(),
});

export const connectionMfaBody = z.strictObject({ parameters: pluggyParameters });
