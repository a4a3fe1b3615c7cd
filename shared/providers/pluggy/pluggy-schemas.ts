/**
 * Zod schemas of the Pluggy responses this service reads. Every object is a `looseObject`: Pluggy adds
 * fields without notice (its changelog announces new ones monthly), and a field we do not read must never
 * fail a sync. Only the fields we use are declared, with the types of Pluggy's OpenAPI document
 * (pluggy-openapi-readme-2025-11.json, published at https://docs.pluggy.ai/reference) and of the official SDK's types (pluggy-node
 * `src/types/*.ts`), which also cover `/v2/transactions`, absent from that document.
 *
 * Optional fields are `nullish`: Pluggy sends `null` for absent values in some places and omits them in
 * others (account `marketingName`, transaction `categoryId`, item `error`, ...).
 */
import * as z from '../../validation/zod';
import { lazySchema } from '../../validation/lazy-schema';

const text = () => z.string();
const optionalText = () => z.nullish(z.string());
const optionalNumber = () => z.nullish(z.number());

/** `POST /auth` → `{apiKey}` (https://docs.pluggy.ai/reference/authentication). */
export const authResponse = /* @__PURE__ */ lazySchema(() => z.looseObject({ apiKey: z.string().check(z.minLength(1)) }));

/** `POST /connect_token` → `{accessToken}` (OAS connect-token-create). */
export const connectTokenResponse = /* @__PURE__ */ lazySchema(() =>
  z.looseObject({ accessToken: z.string().check(z.minLength(1)) }),
);

/** Pluggy's error body on every endpoint: `{code, codeDescription?, message, data?}` (docs basic concepts). */
export const errorBody = /* @__PURE__ */ lazySchema(() =>
  z.looseObject({
    code: z.nullish(z.union([z.number(), z.string()])),
    codeDescription: optionalText(),
    message: optionalText(),
    data: z.optional(z.unknown()),
  }),
);

export const itemParameter = /* @__PURE__ */ lazySchema(() =>
  z.looseObject({
    name: text(),
    label: optionalText(),
    type: optionalText(),
    assistiveText: optionalText(),
    placeholder: optionalText(),
    validation: optionalText(),
    validationMessage: optionalText(),
    optional: z.nullish(z.boolean()),
    mfa: z.nullish(z.boolean()),
    expiresAt: optionalText(),
    instructions: optionalText(),
    /** Base64 image or QR payload for `image` parameters; passed to the client as is. */
    data: optionalText(),
    options: z.nullish(z.array(z.looseObject({ value: text(), label: text() }))),
  }),
);

/**
 * `item.userAction` while WAITING_USER_ACTION (OAS ConnectorUserAction: `instructions`, `attributes`,
 * `expiresAt`; SDK adds `type` 'qr' | 'authorize-access'). The authorization URL of an Open Finance consent
 * comes in `attributes` (the SDK types them as free-form key/value pairs); {@link userActionUrl} picks it.
 */
export const userAction = /* @__PURE__ */ lazySchema(() =>
  z.looseObject({
    instructions: optionalText(),
    type: optionalText(),
    attributes: z.nullish(z.record(z.string(), z.unknown())),
    expiresAt: optionalText(),
  }),
);

export const itemError = /* @__PURE__ */ lazySchema(() =>
  z.looseObject({ code: text(), message: optionalText(), providerMessage: optionalText() }),
);

export const item = /* @__PURE__ */ lazySchema(() =>
  z.looseObject({
    id: text(),
    connector: z.looseObject({
      id: z.number(),
      name: text(),
      type: optionalText(),
      country: optionalText(),
      isOpenFinance: z.nullish(z.boolean()),
      isSandbox: z.nullish(z.boolean()),
      products: z.nullish(z.array(text())),
    }),
    status: text(),
    executionStatus: optionalText(),
    clientUserId: optionalText(),
    products: z.nullish(z.array(text())),
    parameter: z.nullish(itemParameter),
    userAction: z.nullish(userAction),
    error: z.nullish(itemError),
    consentExpiresAt: optionalText(),
    createdAt: optionalText(),
    updatedAt: optionalText(),
    lastUpdatedAt: optionalText(),
  }),
);
export type PluggyItem = z.infer<typeof item>;

export const account = /* @__PURE__ */ lazySchema(() =>
  z.looseObject({
    id: text(),
    itemId: optionalText(),
    type: text(),
    subtype: optionalText(),
    number: optionalText(),
    name: text(),
    marketingName: optionalText(),
    balance: optionalNumber(),
    currencyCode: optionalText(),
    bankData: z.nullish(z.looseObject({ closingBalance: optionalNumber(), overdraftContractedLimit: optionalNumber() })),
    creditData: z.nullish(z
      .looseObject({
        availableCreditLimit: optionalNumber(),
        creditLimit: optionalNumber(),
        balanceDueDate: optionalText(),
      })),
  }),
);
export type PluggyAccount = z.infer<typeof account>;

/** Page lists (`/accounts`, `/consents`, `/webhooks`, `/categories`): `{results, page?, total?, totalPages?}`. */
export function pageOf<T extends z.core.$ZodType>(entry: T) {
  return z.looseObject({
    results: z.array(entry),
    page: optionalNumber(),
    total: optionalNumber(),
    totalPages: optionalNumber(),
  });
}

export const transaction = /* @__PURE__ */ lazySchema(() =>
  z.looseObject({
    id: text(),
    accountId: optionalText(),
    date: text(),
    description: z.nullish(z.string()),
    descriptionRaw: optionalText(),
    type: z.string(),
    amount: z.number(),
    amountInAccountCurrency: optionalNumber(),
    currencyCode: optionalText(),
    category: optionalText(),
    categoryId: optionalText(),
    status: optionalText(),
    merchant: z.nullish(z.looseObject({ name: optionalText(), businessName: optionalText() })),
    creditCardMetadata: z.nullish(z.looseObject({ purchaseDate: optionalText() })),
    createdAt: optionalText(),
    updatedAt: optionalText(),
  }),
);
export type PluggyTransaction = z.infer<typeof transaction>;

/**
 * `GET /v2/transactions` → `{results, next}`; `next` is null on the last page, otherwise a relative query
 * string (`?accountId=…&after=…`) to request next (SDK TransactionsCursorPage; field reports).
 */
export const transactionCursorPage = /* @__PURE__ */ lazySchema(() =>
  z.looseObject({
    results: z.array(transaction),
    next: z.nullish(z.string()),
  }),
);

export const consent = /* @__PURE__ */ lazySchema(() =>
  z.looseObject({
    id: text(),
    itemId: optionalText(),
    products: z.nullish(z.array(text())),
    createdAt: optionalText(),
    expiresAt: optionalText(),
    revokedAt: optionalText(),
  }),
);
export type PluggyConsent = z.infer<typeof consent>;

export const webhook = /* @__PURE__ */ lazySchema(() =>
  z.looseObject({
    id: text(),
    url: text(),
    event: text(),
    disabledAt: optionalText(),
  }),
);
export type PluggyWebhook = z.infer<typeof webhook>;

/** One entry of Pluggy's category tree (OAS schema `Category`): 8-digit ids, parents by `parentId`. */
export const category = /* @__PURE__ */ lazySchema(() =>
  z.looseObject({
    id: text(),
    description: text(),
    descriptionTranslated: optionalText(),
    parentId: optionalText(),
  }),
);
export type PluggyCategory = z.infer<typeof category>;

/**
 * `GET /categories`: the OAS documents a bare array, while pluggy-node types it as a page
 * (`PageResponse<Category>`) and the OAS example is page-shaped; both are read.
 */
export const categoryList = /* @__PURE__ */ lazySchema(() => z.union([z.array(category), pageOf(category)]));

/** Bodies whose content we do not read (PATCH /transactions answers the transaction, DELETE nothing). */
export const anything = /* @__PURE__ */ lazySchema(() => z.unknown());
