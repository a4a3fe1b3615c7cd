/**
 * Layer rules, checked by `npm run lint:layers` and by tests/unit/layers.test.ts.
 *
 *   functions/ (one entry per route or worker)
 *     -> shared/ use-cases (banking, sync, linking, webhooks) and shared/wiring (composition)
 *       -> shared/adapters (AWS) and shared/providers (Plaid, Pluggy), which implement the ports
 *   infra/, local/, ops/, bench/ and tests/ may import shared/; shared/ and functions/ never import them.
 *
 * Cycles between folders of shared/ are checked beside these rules, in tests/helpers/layer-check.ts
 * (dependency-cruiser's folder scope cannot leave out the shared vocabulary).
 *
 * Rule reference: https://github.com/sverweij/dependency-cruiser/blob/main/doc/rules-reference.md
 */

/** Folders holding the provider-neutral domain: plain TypeScript, no SDK, no adapter. */
const domain = '^shared/(banking|sync|linking|webhooks|api|money|errors|config)/';

/** Packages that talk to AWS or a provider; only adapters, providers and observability may use them. */
const sdkPackages = '(^|/)node_modules/(@aws-sdk/|@aws-lambda-powertools/|plaid/|undici/|openapi-fetch/)';

/**
 * Use-case modules: what an adapter must never call back into. The banking folder's model, ports, ids and
 * token-context (the vault's encryption context of a row) are vocabulary, not use-cases, so adapters may
 * import them.
 */
const useCases = [
  '^shared/(sync|webhooks|linking|api|wiring)/',
  '^shared/banking/(?!(model|ports|ids|token-context)\\.ts$)',
  '^shared/queue/sqs-worker\\.ts$',
  '^shared/http/(api-handler|webhook-handler)\\.ts$',
];

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'no-upward-imports',
      comment: 'Runtime code (shared/, functions/) must not depend on infrastructure, local tooling, operator commands, tests or benchmarks.',
      severity: 'error',
      from: { path: '^(shared|functions)/' },
      to: { path: '^(infra|local|ops|tests|bench)/' },
    },
    {
      name: 'no-sdk-in-domain',
      comment: 'Domain folders are provider- and cloud-neutral: AWS and provider SDKs stay in shared/adapters, shared/providers and shared/observability.',
      severity: 'error',
      from: { path: domain },
      to: { path: sdkPackages },
    },
    {
      name: 'no-adapters-in-domain',
      comment: 'Domain code reaches adapters through ports; only functions/ and shared/wiring/ pick the implementations.',
      severity: 'error',
      from: { path: domain },
      to: { path: '^shared/(adapters|wiring)/' },
    },
    {
      name: 'no-use-cases-in-adapters',
      comment:
        'Adapters and provider modules implement ports and must not call use-cases. Exempt: each provider\'s linking use-cases (*-linking.ts), its wiring (*-module.ts) and the registry, which compose.',
      severity: 'error',
      from: {
        path: '^shared/(adapters|providers)/',
        pathNot: '^shared/providers/(.+-(linking|module)\\.ts|registry\\.ts)$',
      },
      to: { path: useCases },
    },
    {
      name: 'no-imports-of-functions',
      comment: 'functions/ are entry points; shared code, infra and local tooling reach them by path, never by import (tests may load a handler).',
      severity: 'error',
      from: { pathNot: '^tests/' },
      to: { path: '^functions/' },
    },
    {
      name: 'no-module-cycles',
      comment: 'Circular imports make load order matter and hide a missing abstraction.',
      severity: 'error',
      from: { path: '^(shared|functions)/' },
      to: { circular: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
  },
};
