/**
 * Types of the HTTP API, generated from docs/openapi.json by openapi-typescript (`npm run client`).
 * Do not edit: change the route table or shared/api/responses.ts, then run `npm run openapi && npm run client`.
 */

export interface paths {
    "/api/v1/banking/accounts": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** The caller's accounts with type, mask and balances. */
        get: operations["listAccounts"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/banking/accounts/{accountId}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** One account of the caller. */
        get: operations["getAccount"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/banking/accounts/{accountId}/numbers": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Account and routing numbers (Plaid auth), decrypted for the account's owner only; 409 AUTH_NOT_AVAILABLE when the Item has no Auth, ACCOUNT_REVOKED when the user withdrew the account. */
        get: operations["getAccountNumbers"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/banking/accounts/{accountId}/sync": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Fetches live balances for the account from its provider. */
        post: operations["refreshAccountBalance"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/banking/categories": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Provider category catalogs plus the caller's own categories. */
        get: operations["listCategories"];
        put?: never;
        /** Creates a category of the caller. */
        post: operations["createCategory"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/banking/categories/{categoryId}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        post?: never;
        /** Deletes one of the caller's categories; refuses while transactions use it unless told to reassign. */
        delete: operations["deleteCategory"];
        options?: never;
        head?: never;
        /** Renames one of the caller's categories. */
        patch: operations["renameCategory"];
        trace?: never;
    };
    "/api/v1/banking/connections": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** The caller's connections with status, institution, products and sync times. */
        get: operations["listConnections"];
        put?: never;
        /** Creates a Pluggy connection from the item the widget created, after checking at Pluggy that it is the caller's; queues the first sync. */
        post: operations["createConnection"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/banking/connections/{connectionId}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** One connection of the caller. */
        get: operations["getConnection"];
        put?: never;
        post?: never;
        /** Removes the connection at its provider, then purges its accounts, transactions and guard rows. */
        delete: operations["deleteConnection"];
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/banking/connections/{connectionId}/consent": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Open Finance consent of the connection (read live from Pluggy): products, created/expires/revoked, valid. */
        get: operations["getConnectionConsent"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/banking/connections/{connectionId}/credentials": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Re-authentication: Plaid update-mode link token; Pluggy new credentials (parameters, then a sync is queued) or an update-mode connect token. */
        post: operations["updateConnectionCredentials"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/banking/connections/{connectionId}/mfa": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Answers a Pluggy item's MFA prompt ({parameters: {name: value}}); queues the sync that follows the update. */
        post: operations["submitConnectionMfa"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/banking/connections/{connectionId}/sync": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Queues a sync of the connection now; answers 202 with the sync run id to follow, or with ?wait=<seconds> (at most 25) 200 with the finished run when it ends in time. */
        post: operations["requestConnectionSync"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/banking/connections/{connectionId}/sync-runs": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Sync history of a connection, newest first; a scheduled or webhook-requested run appears once it ends; a run is kept for 90 days after it started. */
        get: operations["listSyncRuns"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/banking/link-token": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Plaid Link token for a new Item, or for update mode on an existing connection (connection_id). */
        post: operations["createPlaidLinkToken"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/banking/plaid/exchange": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Exchanges a Link public token: stores the encrypted access token, connection and accounts; queues the first sync. */
        post: operations["exchangePlaidPublicToken"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/banking/pluggy/connect-token": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Pluggy connect token (update mode with connection_id); connector filters come back as Pluggy Connect widget options, with a connect_url. */
        post: operations["createPluggyConnectToken"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/banking/transactions": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Transactions newest first, filtered by account, connection, dates, pending and category; cursor-paged. */
        get: operations["listTransactions"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/banking/transactions/{transactionId}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** One transaction of the caller. */
        get: operations["getTransaction"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        /** Overrides a transaction's category and/or note. */
        patch: operations["updateTransaction"];
        trace?: never;
    };
    "/api/v1/banking/transactions/bulk-categorize": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Sets one category on up to 500 transactions; all or nothing. */
        post: operations["bulkCategorizeTransactions"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/banking/transactions/changes": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** What changed in the caller's transactions since a cursor: added, modified and removed (tombstones, kept 30 days), oldest change first; each transaction appears once, at its latest change. Without a cursor it starts from the beginning; a cursor older than 30 days, or one from the previous version of the feed, answers 410 CURSOR_EXPIRED (start again without a cursor). */
        get: operations["listTransactionChanges"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/health": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Liveness check; answers without touching any dependency. */
        get: operations["health"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/webhooks/plaid": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Plaid webhooks: verified (ES256 JWT, body hash), stored once, queued for the webhook worker (or settled as ignored when the type and code alone say so); answers fast. */
        post: operations["plaidWebhook"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/webhooks/pluggy": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Pluggy webhooks: secret header (and optional signature) and clientId checked, stored once by eventId, queued (or settled as ignored when the event name alone says so); answers fast. */
        post: operations["pluggyWebhook"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
}
export type webhooks = Record<string, never>;
export interface components {
    schemas: {
        Account: {
            id: string;
            connection_id: string;
            /** @enum {string} */
            provider: "plaid" | "pluggy";
            provider_account_id: string;
            name: string;
            official_name: string | null;
            /** @enum {string} */
            type: "checking" | "savings" | "credit_card" | "loan" | "investment" | "other";
            subtype: string | null;
            mask: string | null;
            balances: {
                current: string | null;
                available: string | null;
                limit: string | null;
                currency: string;
                updated_at: string | null;
            };
            has_numbers: boolean;
            /**
             * @description revoked: the user withdrew access to this account at the bank; it no longer syncs.
             * @enum {string}
             */
            status: "active" | "revoked";
            /** @description ISO 8601 timestamp (UTC) */
            created_at: string;
            /** @description ISO 8601 timestamp (UTC) */
            updated_at: string;
        };
        Category: {
            id: string;
            name: string;
            /** @enum {string} */
            source: "plaid" | "pluggy" | "user";
            parent_id: string | null;
            editable: boolean;
        };
        Connection: {
            id: string;
            /** @enum {string} */
            provider: "plaid" | "pluggy";
            institution: {
                id: string;
                name: string;
                /**
                 * @description degraded: the bank is known to be down; its connections wait.
                 * @enum {string}
                 */
                status: "operational" | "degraded";
            };
            /**
             * @description institution_unavailable: the bank is down; auto-sync waits for it to recover (nothing for the user to do).
             * @enum {string}
             */
            status: "healthy" | "syncing" | "login_required" | "pending_expiration" | "revoked" | "new_accounts_available" | "error" | "mfa_required" | "user_action_required" | "consent_expired" | "institution_unavailable";
            status_reason: {
                code: string;
                message: string;
            } | null;
            products: string[];
            product_tag: string | null;
            /** @description ISO 8601 timestamp (UTC) */
            created_at: string;
            /** @description ISO 8601 timestamp (UTC) */
            updated_at: string;
            last_sync_at: string | null;
            last_sync_outcome: ("queued" | "running" | "retrying" | "succeeded" | "partial" | "failed") | null;
            next_sync_at: string | null;
            consent: components["schemas"]["Consent"] | null;
            /** @description What the user must do at the bank (Open Finance authorization link), when the connection waits for it. */
            pending_user_action: {
                url: string | null;
                expires_at: string | null;
                instructions: string | null;
            } | null;
            /** @description When the provider allows the next request for fresh data (null: now), and how many automatic OUTDATED retries were used (Pluggy). */
            provider_update: {
                not_before: string | null;
                outdated_retries: number;
            } | null;
            /** @description What the user should do next (renew a consent, sign in again, wait for the bank), or null. */
            next_step: {
                /** @enum {string} */
                action: "reauthenticate" | "renew_consent" | "answer_mfa" | "authorize_at_bank" | "relink" | "review_new_accounts" | "retry_sync" | "wait_for_institution";
                message: string;
                method: "POST" | null;
                /** @description The API call that starts the step, relative to the API base URL. */
                path: string | null;
                /** @description Where the user goes instead (an Open Finance authorization page). */
                url: string | null;
                /** @description When the step must be done by (consent or access end), when known. */
                due_by: string | null;
            } | null;
        };
        /** @description Open Finance consent (Pluggy). */
        Consent: {
            products: string[];
            created_at: string | null;
            expires_at: string | null;
            revoked_at: string | null;
            valid: boolean;
        };
        /** @description Every error the functions answer. */
        ErrorEnvelope: {
            error: {
                /** @description Stable UPPER_SNAKE code, e.g. VALIDATION_FAILED. */
                code: string;
                /** @description Human-readable summary; never contains secrets. */
                message: string;
                /** @description Extra data safe to show; for VALIDATION_FAILED a list of {field, message}. */
                details: null | {
                    field: string;
                    message: string;
                }[] | {
                    [key: string]: unknown;
                };
            };
        };
        /** @description API Gateway's own answer, e.g. {"message":"Unauthorized"}. */
        GatewayMessage: {
            message: string;
        };
        /** @description What a Pluggy item asks the user while it waits for input. */
        MfaPrompt: {
            /** @description Send the answer as {parameters: {<name>: <value>}}. */
            name: string;
            label: string | null;
            type: string | null;
            placeholder: string | null;
            assistive_text: string | null;
            validation: string | null;
            expires_at: string | null;
            data: string | null;
            options: {
                value: string;
                label: string;
            }[];
        };
        PluggyConnectToken: {
            connect_token: string;
            /** @description ISO 8601 timestamp (UTC) */
            expires_at: string;
            connect_url: string;
            widget_options: components["schemas"]["PluggyWidgetOptions"];
            /** @enum {string} */
            mode: "create" | "update";
        };
        /** @description Pluggy Connect's own props (camelCase), to pass to the widget unchanged. */
        PluggyWidgetOptions: {
            connectToken: string;
            includeSandbox: boolean;
            updateItem?: string;
            readonly connectorTypes?: string[];
            readonly connectorIds?: number[];
            readonly countries?: string[];
            readonly products?: string[];
        };
        SyncRun: {
            id: string;
            connection_id: string;
            /** @enum {string} */
            trigger: "link" | "manual" | "webhook" | "schedule";
            /** @enum {string} */
            outcome: "queued" | "running" | "retrying" | "succeeded" | "partial" | "failed";
            /** @description ISO 8601 timestamp (UTC) */
            started_at: string;
            finished_at: string | null;
            counts: {
                added: number;
                modified: number;
                removed: number;
                accounts: number;
            };
            error: {
                code: string;
                message: string;
                /** @description The provider's request id (Plaid), for its support. */
                provider_request_id: string | null;
            } | null;
            account_errors: {
                account_id: string;
                code: string;
                message: string;
            }[];
        };
        SyncRunPage: {
            data: components["schemas"]["SyncRun"][];
            next_cursor: string | null;
        };
        Transaction: {
            id: string;
            account_id: string;
            connection_id: string;
            /** @enum {string} */
            provider: "plaid" | "pluggy";
            /** @description Exact decimal string; negative means money leaving the account */
            amount: string;
            currency: string;
            /** @description YYYY-MM-DD */
            date: string;
            authorized_date: string | null;
            description: string;
            merchant_name: string | null;
            pending: boolean;
            category_id: string | null;
            provider_category: {
                id: string;
                name: string | null;
            } | null;
            user_category_id: string | null;
            note: string | null;
            category_sync: {
                /** @enum {string} */
                status: "pending" | "synced" | "failed";
                /** @description ISO 8601 timestamp (UTC) */
                updated_at: string;
                error: string | null;
            } | null;
            /** @description ISO 8601 timestamp (UTC) */
            created_at: string;
            /** @description ISO 8601 timestamp (UTC) */
            updated_at: string;
        };
        TransactionPage: {
            data: components["schemas"]["Transaction"][];
            next_cursor: string | null;
        };
        TransactionRemoval: {
            id: string;
            connection_id: string;
            account_id: string;
            removed_at: string;
        };
    };
    responses: {
        /** @description Malformed JSON or a field that fails validation (named in details). */
        BadRequest: {
            headers: {
                /** @description Request id; the same id appears in the service logs for this request. */
                "x-request-id"?: string;
                [name: string]: unknown;
            };
            content: {
                "application/json": components["schemas"]["ErrorEnvelope"];
            };
        };
        /** @description Missing, expired or invalid bearer token (API Gateway's JWT authorizer), or a webhook that fails verification. */
        Unauthorized: {
            headers: {
                /** @description Request id; the same id appears in the service logs for this request. */
                "x-request-id"?: string;
                [name: string]: unknown;
            };
            content: {
                "application/json": components["schemas"]["ErrorEnvelope"] | components["schemas"]["GatewayMessage"];
            };
        };
        /** @description No such resource for this caller (another user's resource is also 404). */
        NotFound: {
            headers: {
                /** @description Request id; the same id appears in the service logs for this request. */
                "x-request-id"?: string;
                [name: string]: unknown;
            };
            content: {
                "application/json": components["schemas"]["ErrorEnvelope"];
            };
        };
        /** @description The request conflicts with the current state of the resource or connection. */
        Conflict: {
            headers: {
                /** @description Request id; the same id appears in the service logs for this request. */
                "x-request-id"?: string;
                [name: string]: unknown;
            };
            content: {
                "application/json": components["schemas"]["ErrorEnvelope"];
            };
        };
        /** @description The cursor is older than the change feed keeps, or from its previous version (CURSOR_EXPIRED); start again without one. */
        Gone: {
            headers: {
                /** @description Request id; the same id appears in the service logs for this request. */
                "x-request-id"?: string;
                [name: string]: unknown;
            };
            content: {
                "application/json": components["schemas"]["ErrorEnvelope"];
            };
        };
        /** @description The request body exceeds the size limit. */
        PayloadTooLarge: {
            headers: {
                /** @description Request id; the same id appears in the service logs for this request. */
                "x-request-id"?: string;
                [name: string]: unknown;
            };
            content: {
                "application/json": components["schemas"]["ErrorEnvelope"] | components["schemas"]["GatewayMessage"];
            };
        };
        /** @description The request body is not application/json. */
        UnsupportedMediaType: {
            headers: {
                /** @description Request id; the same id appears in the service logs for this request. */
                "x-request-id"?: string;
                [name: string]: unknown;
            };
            content: {
                "application/json": components["schemas"]["ErrorEnvelope"];
            };
        };
        /** @description API Gateway throttled the request (stage or account rate limit); retry later. */
        TooManyRequests: {
            headers: {
                /** @description Request id; the same id appears in the service logs for this request. */
                "x-request-id"?: string;
                [name: string]: unknown;
            };
            content: {
                "application/json": components["schemas"]["GatewayMessage"];
            };
        };
        /** @description Unexpected failure; the body never contains internals. */
        InternalError: {
            headers: {
                /** @description Request id; the same id appears in the service logs for this request. */
                "x-request-id"?: string;
                [name: string]: unknown;
            };
            content: {
                "application/json": components["schemas"]["ErrorEnvelope"] | components["schemas"]["GatewayMessage"];
            };
        };
        /** @description The provider (Plaid or Pluggy) failed; safe to retry later. */
        ProviderFailed: {
            headers: {
                /** @description Request id; the same id appears in the service logs for this request. */
                "x-request-id"?: string;
                [name: string]: unknown;
            };
            content: {
                "application/json": components["schemas"]["ErrorEnvelope"];
            };
        };
        /** @description The provider rate-limited us, or the function outlived the 30 s integration timeout; retry later. */
        Unavailable: {
            headers: {
                /** @description Request id; the same id appears in the service logs for this request. */
                "x-request-id"?: string;
                [name: string]: unknown;
            };
            content: {
                "application/json": components["schemas"]["ErrorEnvelope"] | components["schemas"]["GatewayMessage"];
            };
        };
    };
    parameters: never;
    requestBodies: never;
    headers: never;
    pathItems: never;
}
export type $defs = Record<string, never>;
export interface operations {
    listAccounts: {
        parameters: {
            query?: {
                connection_id?: string;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description OK. */
            200: {
                headers: {
                    /** @description Request id; the same id appears in the service logs for this request. */
                    "x-request-id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Account"][];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            404: components["responses"]["NotFound"];
            429: components["responses"]["TooManyRequests"];
            500: components["responses"]["InternalError"];
        };
    };
    getAccount: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                accountId: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description OK. */
            200: {
                headers: {
                    /** @description Request id; the same id appears in the service logs for this request. */
                    "x-request-id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Account"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            404: components["responses"]["NotFound"];
            429: components["responses"]["TooManyRequests"];
            500: components["responses"]["InternalError"];
        };
    };
    getAccountNumbers: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                accountId: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description OK. */
            200: {
                headers: {
                    /** @description Request id; the same id appears in the service logs for this request. */
                    "x-request-id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        account_id: string;
                        account_number: string;
                        routing_number: string | null;
                        wire_routing_number: string | null;
                    };
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            404: components["responses"]["NotFound"];
            409: components["responses"]["Conflict"];
            429: components["responses"]["TooManyRequests"];
            500: components["responses"]["InternalError"];
        };
    };
    refreshAccountBalance: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                accountId: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description OK. */
            200: {
                headers: {
                    /** @description Request id; the same id appears in the service logs for this request. */
                    "x-request-id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Account"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            404: components["responses"]["NotFound"];
            409: components["responses"]["Conflict"];
            413: components["responses"]["PayloadTooLarge"];
            415: components["responses"]["UnsupportedMediaType"];
            429: components["responses"]["TooManyRequests"];
            500: components["responses"]["InternalError"];
            502: components["responses"]["ProviderFailed"];
            503: components["responses"]["Unavailable"];
        };
    };
    listCategories: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description OK. */
            200: {
                headers: {
                    /** @description Request id; the same id appears in the service logs for this request. */
                    "x-request-id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Category"][];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            404: components["responses"]["NotFound"];
            429: components["responses"]["TooManyRequests"];
            500: components["responses"]["InternalError"];
        };
    };
    createCategory: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": {
                    name: string;
                    parent_id?: string | null;
                };
            };
        };
        responses: {
            /** @description Created. */
            201: {
                headers: {
                    /** @description Request id; the same id appears in the service logs for this request. */
                    "x-request-id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Category"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            404: components["responses"]["NotFound"];
            409: components["responses"]["Conflict"];
            413: components["responses"]["PayloadTooLarge"];
            415: components["responses"]["UnsupportedMediaType"];
            429: components["responses"]["TooManyRequests"];
            500: components["responses"]["InternalError"];
        };
    };
    deleteCategory: {
        parameters: {
            query?: {
                reassign_to?: string;
                clear_overrides?: "true" | "false";
            };
            header?: never;
            path: {
                categoryId: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description OK. */
            200: {
                headers: {
                    /** @description Request id; the same id appears in the service logs for this request. */
                    "x-request-id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        deleted: string;
                        reassigned: number;
                    };
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            404: components["responses"]["NotFound"];
            409: components["responses"]["Conflict"];
            429: components["responses"]["TooManyRequests"];
            500: components["responses"]["InternalError"];
        };
    };
    renameCategory: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                categoryId: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": {
                    name: string;
                };
            };
        };
        responses: {
            /** @description OK. */
            200: {
                headers: {
                    /** @description Request id; the same id appears in the service logs for this request. */
                    "x-request-id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Category"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            404: components["responses"]["NotFound"];
            409: components["responses"]["Conflict"];
            413: components["responses"]["PayloadTooLarge"];
            415: components["responses"]["UnsupportedMediaType"];
            429: components["responses"]["TooManyRequests"];
            500: components["responses"]["InternalError"];
        };
    };
    listConnections: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description OK. */
            200: {
                headers: {
                    /** @description Request id; the same id appears in the service logs for this request. */
                    "x-request-id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Connection"][];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            404: components["responses"]["NotFound"];
            429: components["responses"]["TooManyRequests"];
            500: components["responses"]["InternalError"];
        };
    };
    createConnection: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": {
                    /** @constant */
                    provider?: "pluggy";
                    item_id: string;
                    product_tag?: string;
                };
            };
        };
        responses: {
            /** @description Created. */
            201: {
                headers: {
                    /** @description Request id; the same id appears in the service logs for this request. */
                    "x-request-id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        connection: components["schemas"]["Connection"];
                        accounts: components["schemas"]["Account"][];
                        /** @description The sync queued for the connection; null while it waits for the user (MFA, authorization). */
                        sync_run_id: string | null;
                        mfa: components["schemas"]["MfaPrompt"] | null;
                    };
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            404: components["responses"]["NotFound"];
            409: components["responses"]["Conflict"];
            413: components["responses"]["PayloadTooLarge"];
            415: components["responses"]["UnsupportedMediaType"];
            429: components["responses"]["TooManyRequests"];
            500: components["responses"]["InternalError"];
            502: components["responses"]["ProviderFailed"];
            503: components["responses"]["Unavailable"];
        };
    };
    getConnection: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                connectionId: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description OK. */
            200: {
                headers: {
                    /** @description Request id; the same id appears in the service logs for this request. */
                    "x-request-id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Connection"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            404: components["responses"]["NotFound"];
            429: components["responses"]["TooManyRequests"];
            500: components["responses"]["InternalError"];
        };
    };
    deleteConnection: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                connectionId: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Done; no body. */
            204: {
                headers: {
                    /** @description Request id; the same id appears in the service logs for this request. */
                    "x-request-id"?: string;
                    [name: string]: unknown;
                };
                content?: never;
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            404: components["responses"]["NotFound"];
            409: components["responses"]["Conflict"];
            429: components["responses"]["TooManyRequests"];
            500: components["responses"]["InternalError"];
            502: components["responses"]["ProviderFailed"];
            503: components["responses"]["Unavailable"];
        };
    };
    getConnectionConsent: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                connectionId: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description OK. */
            200: {
                headers: {
                    /** @description Request id; the same id appears in the service logs for this request. */
                    "x-request-id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        connection_id: string;
                        /** @enum {string} */
                        provider: "plaid" | "pluggy";
                        consent: components["schemas"]["Consent"] | null;
                    };
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            404: components["responses"]["NotFound"];
            409: components["responses"]["Conflict"];
            429: components["responses"]["TooManyRequests"];
            500: components["responses"]["InternalError"];
            502: components["responses"]["ProviderFailed"];
            503: components["responses"]["Unavailable"];
        };
    };
    updateConnectionCredentials: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                connectionId: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": {
                    parameters?: {
                        [key: string]: string;
                    };
                    /** Format: uri */
                    oauth_redirect_uri?: string;
                    /** Format: uri */
                    redirect_uri?: string;
                    account_selection?: boolean;
                };
            };
        };
        responses: {
            /** @description OK. */
            200: {
                headers: {
                    /** @description Request id; the same id appears in the service logs for this request. */
                    "x-request-id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** @constant */
                        provider: "plaid";
                        /** @constant */
                        mode: "link_token";
                        link_token: string;
                        expiration: string;
                    } | {
                        /** @constant */
                        provider: "pluggy";
                        /** @constant */
                        mode: "connect_token";
                        connect_token: string;
                        /** @description ISO 8601 timestamp (UTC) */
                        expires_at: string;
                        connect_url: string;
                        widget_options: components["schemas"]["PluggyWidgetOptions"];
                    };
                };
            };
            /** @description Accepted: the work continues in the background (follow the sync run). */
            202: {
                headers: {
                    /** @description Request id; the same id appears in the service logs for this request. */
                    "x-request-id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** @constant */
                        provider: "pluggy";
                        /** @constant */
                        mode: "credentials_sent";
                        connection: components["schemas"]["Connection"];
                        /** @description The sync queued for the connection; null while it waits for the user (MFA, authorization). */
                        sync_run_id: string | null;
                        mfa: components["schemas"]["MfaPrompt"] | null;
                    };
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            404: components["responses"]["NotFound"];
            409: components["responses"]["Conflict"];
            413: components["responses"]["PayloadTooLarge"];
            415: components["responses"]["UnsupportedMediaType"];
            429: components["responses"]["TooManyRequests"];
            500: components["responses"]["InternalError"];
            502: components["responses"]["ProviderFailed"];
            503: components["responses"]["Unavailable"];
        };
    };
    submitConnectionMfa: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                connectionId: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": {
                    parameters: {
                        [key: string]: string;
                    };
                };
            };
        };
        responses: {
            /** @description Accepted: the work continues in the background (follow the sync run). */
            202: {
                headers: {
                    /** @description Request id; the same id appears in the service logs for this request. */
                    "x-request-id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        connection: components["schemas"]["Connection"];
                        /** @description The sync queued for the connection; null while it waits for the user (MFA, authorization). */
                        sync_run_id: string | null;
                        mfa: components["schemas"]["MfaPrompt"] | null;
                    };
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            404: components["responses"]["NotFound"];
            409: components["responses"]["Conflict"];
            413: components["responses"]["PayloadTooLarge"];
            415: components["responses"]["UnsupportedMediaType"];
            429: components["responses"]["TooManyRequests"];
            500: components["responses"]["InternalError"];
            502: components["responses"]["ProviderFailed"];
            503: components["responses"]["Unavailable"];
        };
    };
    requestConnectionSync: {
        parameters: {
            query?: {
                wait?: number;
            };
            header?: never;
            path: {
                connectionId: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description OK. */
            200: {
                headers: {
                    /** @description Request id; the same id appears in the service logs for this request. */
                    "x-request-id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        sync_run_id: string;
                        /** @enum {string} */
                        status: "succeeded" | "partial" | "failed";
                        /** @description Transactions the run added, modified and removed. */
                        transactions_synced: number;
                    };
                };
            };
            /** @description Accepted: the work continues in the background (follow the sync run). */
            202: {
                headers: {
                    /** @description Request id; the same id appears in the service logs for this request. */
                    "x-request-id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        sync_run_id: string;
                        /** @enum {string} */
                        status: "queued" | "running" | "retrying";
                    };
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            404: components["responses"]["NotFound"];
            409: components["responses"]["Conflict"];
            413: components["responses"]["PayloadTooLarge"];
            415: components["responses"]["UnsupportedMediaType"];
            429: components["responses"]["TooManyRequests"];
            500: components["responses"]["InternalError"];
        };
    };
    listSyncRuns: {
        parameters: {
            query?: {
                limit?: number;
                cursor?: string;
            };
            header?: never;
            path: {
                connectionId: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description OK. */
            200: {
                headers: {
                    /** @description Request id; the same id appears in the service logs for this request. */
                    "x-request-id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["SyncRunPage"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            404: components["responses"]["NotFound"];
            429: components["responses"]["TooManyRequests"];
            500: components["responses"]["InternalError"];
        };
    };
    createPlaidLinkToken: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": {
                    user_id?: string;
                    products?: string[];
                    connection_id?: string;
                    account_selection?: boolean;
                    /** Format: uri */
                    redirect_uri?: string;
                };
            };
        };
        responses: {
            /** @description OK. */
            200: {
                headers: {
                    /** @description Request id; the same id appears in the service logs for this request. */
                    "x-request-id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        link_token: string;
                        expiration: string;
                        /** @enum {string} */
                        mode: "create" | "update";
                    };
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            404: components["responses"]["NotFound"];
            409: components["responses"]["Conflict"];
            413: components["responses"]["PayloadTooLarge"];
            415: components["responses"]["UnsupportedMediaType"];
            429: components["responses"]["TooManyRequests"];
            500: components["responses"]["InternalError"];
            502: components["responses"]["ProviderFailed"];
            503: components["responses"]["Unavailable"];
        };
    };
    exchangePlaidPublicToken: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": {
                    public_token: string;
                    institution?: ({
                        institution_id: string;
                        name?: string | null;
                    } & {
                        [key: string]: unknown;
                    }) | null;
                    accounts?: ({
                        name: string;
                        mask?: string | null;
                    } & {
                        [key: string]: unknown;
                    })[];
                    product_tag?: string;
                    product?: string;
                };
            };
        };
        responses: {
            /** @description Created. */
            201: {
                headers: {
                    /** @description Request id; the same id appears in the service logs for this request. */
                    "x-request-id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        connection: components["schemas"]["Connection"];
                        accounts: components["schemas"]["Account"][];
                        /** @description The sync queued for the connection; null while it waits for the user (MFA, authorization). */
                        sync_run_id: string | null;
                        /** @description Plaid's item_id (never the access token). */
                        item_id: string;
                        /** @description The product tag the client sent (product_tag or product), else null. */
                        product: string | null;
                    };
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            404: components["responses"]["NotFound"];
            409: components["responses"]["Conflict"];
            413: components["responses"]["PayloadTooLarge"];
            415: components["responses"]["UnsupportedMediaType"];
            429: components["responses"]["TooManyRequests"];
            500: components["responses"]["InternalError"];
            502: components["responses"]["ProviderFailed"];
            503: components["responses"]["Unavailable"];
        };
    };
    createPluggyConnectToken: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": {
                    avoid_duplicates?: boolean;
                    country_codes?: string[];
                    connector_types?: string[];
                    connector_ids?: number[];
                    products_types?: string[];
                    /** Format: uri */
                    oauth_redirect_uri?: string;
                    connection_id?: string;
                };
            };
        };
        responses: {
            /** @description OK. */
            200: {
                headers: {
                    /** @description Request id; the same id appears in the service logs for this request. */
                    "x-request-id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["PluggyConnectToken"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            404: components["responses"]["NotFound"];
            409: components["responses"]["Conflict"];
            413: components["responses"]["PayloadTooLarge"];
            415: components["responses"]["UnsupportedMediaType"];
            429: components["responses"]["TooManyRequests"];
            500: components["responses"]["InternalError"];
            502: components["responses"]["ProviderFailed"];
            503: components["responses"]["Unavailable"];
        };
    };
    listTransactions: {
        parameters: {
            query?: {
                account_id?: string;
                connection_id?: string;
                date_from?: string;
                date_to?: string;
                pending?: "true" | "false";
                category_id?: string;
                limit?: number;
                cursor?: string;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description OK. */
            200: {
                headers: {
                    /** @description Request id; the same id appears in the service logs for this request. */
                    "x-request-id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["TransactionPage"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            404: components["responses"]["NotFound"];
            429: components["responses"]["TooManyRequests"];
            500: components["responses"]["InternalError"];
        };
    };
    getTransaction: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                transactionId: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description OK. */
            200: {
                headers: {
                    /** @description Request id; the same id appears in the service logs for this request. */
                    "x-request-id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Transaction"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            404: components["responses"]["NotFound"];
            429: components["responses"]["TooManyRequests"];
            500: components["responses"]["InternalError"];
        };
    };
    updateTransaction: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                transactionId: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": {
                    category_id?: string | null;
                    note?: string | null;
                };
            };
        };
        responses: {
            /** @description OK. */
            200: {
                headers: {
                    /** @description Request id; the same id appears in the service logs for this request. */
                    "x-request-id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Transaction"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            404: components["responses"]["NotFound"];
            409: components["responses"]["Conflict"];
            413: components["responses"]["PayloadTooLarge"];
            415: components["responses"]["UnsupportedMediaType"];
            429: components["responses"]["TooManyRequests"];
            500: components["responses"]["InternalError"];
        };
    };
    bulkCategorizeTransactions: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": {
                    transaction_ids: string[];
                    category_id: string | null;
                };
            };
        };
        responses: {
            /** @description OK. */
            200: {
                headers: {
                    /** @description Request id; the same id appears in the service logs for this request. */
                    "x-request-id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        updated: number;
                        data: components["schemas"]["Transaction"][];
                    };
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            404: components["responses"]["NotFound"];
            409: components["responses"]["Conflict"];
            413: components["responses"]["PayloadTooLarge"];
            415: components["responses"]["UnsupportedMediaType"];
            429: components["responses"]["TooManyRequests"];
            500: components["responses"]["InternalError"];
        };
    };
    listTransactionChanges: {
        parameters: {
            query?: {
                cursor?: string;
                limit?: number;
                connection_id?: string;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description OK. */
            200: {
                headers: {
                    /** @description Request id; the same id appears in the service logs for this request. */
                    "x-request-id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        added: components["schemas"]["Transaction"][];
                        modified: components["schemas"]["Transaction"][];
                        removed: components["schemas"]["TransactionRemoval"][];
                        next_cursor: string;
                        has_more: boolean;
                    };
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            404: components["responses"]["NotFound"];
            410: components["responses"]["Gone"];
            429: components["responses"]["TooManyRequests"];
            500: components["responses"]["InternalError"];
        };
    };
    health: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description OK. */
            200: {
                headers: {
                    /** @description Request id; the same id appears in the service logs for this request. */
                    "x-request-id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** @constant */
                        status: "ok";
                    };
                };
            };
            400: components["responses"]["BadRequest"];
            404: components["responses"]["NotFound"];
            429: components["responses"]["TooManyRequests"];
            500: components["responses"]["InternalError"];
        };
    };
    plaidWebhook: {
        parameters: {
            query?: never;
            header?: {
                /** @description ES256 JWT signed by Plaid whose request_body_sha256 claim covers the raw body (https://plaid.com/docs/api/webhooks/webhook-verification/). */
                "Plaid-Verification"?: string;
            };
            path?: never;
            cookie?: never;
        };
        /** @description The provider's webhook payload, verified over its raw bytes before it is parsed. */
        requestBody: {
            content: {
                "application/json": Record<string, never>;
            };
        };
        responses: {
            /** @description OK. */
            200: {
                headers: {
                    /** @description Request id; the same id appears in the service logs for this request. */
                    "x-request-id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** @constant */
                        received: true;
                        event_id: string;
                        duplicate: boolean;
                    };
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            404: components["responses"]["NotFound"];
            413: components["responses"]["PayloadTooLarge"];
            415: components["responses"]["UnsupportedMediaType"];
            429: components["responses"]["TooManyRequests"];
            500: components["responses"]["InternalError"];
        };
    };
    pluggyWebhook: {
        parameters: {
            query?: never;
            header?: {
                /** @description The secret header registered with the webhook (POST /webhooks at Pluggy); the header name is configurable. */
                "X-Webhook-Secret"?: string;
                /** @description Optional HMAC-SHA256 of the raw body, when a signing secret is configured. */
                "X-Pluggy-Signature"?: string;
            };
            path?: never;
            cookie?: never;
        };
        /** @description The provider's webhook payload, verified over its raw bytes before it is parsed. */
        requestBody: {
            content: {
                "application/json": Record<string, never>;
            };
        };
        responses: {
            /** @description OK. */
            200: {
                headers: {
                    /** @description Request id; the same id appears in the service logs for this request. */
                    "x-request-id"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** @constant */
                        received: true;
                        event_id: string;
                        duplicate: boolean;
                    };
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            404: components["responses"]["NotFound"];
            413: components["responses"]["PayloadTooLarge"];
            415: components["responses"]["UnsupportedMediaType"];
            429: components["responses"]["TooManyRequests"];
            500: components["responses"]["InternalError"];
        };
    };
}
