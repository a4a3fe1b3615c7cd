/**
 * The layer check: the dependency-cruiser rules in `.dependency-cruiser.cjs`, plus one rule the tool's folder
 * scope cannot express (below). `npm run lint:layers` prints the violations and exits non-zero when there
 * are any; tests/unit/layers.test.ts runs the same check.
 *
 * It calls dependency-cruiser's API rather than its CLI because the CLI refuses to start on Node 20, which
 * this project still supports (package.json `engines`); the API has no such check.
 */
import { createRequire } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { cruise, type ICruiseResult, type IConfiguration } from 'dependency-cruiser';
import extractTSConfig from 'dependency-cruiser/config-utl/extract-ts-config';

export interface LayerViolation {
  readonly rule: string;
  readonly from: string;
  readonly to: string;
}

export interface LayerCheckOptions {
  /** Folder that the cruised paths and the rules' path patterns are relative to. */
  readonly baseDir?: string;
  readonly paths?: readonly string[];
}

export const repositoryRoot = path.resolve(import.meta.dirname, '../..');
const defaultPaths = ['shared', 'functions', 'infra', 'local', 'ops', 'bench'];

/**
 * Modules every folder may use: the data model and ports, ids, the vault's encryption context, errors,
 * logging and metrics, money, the resource catalog and configuration. Imports of these do not make two folders depend on each other.
 */
const sharedVocabulary =
  /^shared\/(banking\/(model|ports|ids|token-context)\.ts$|providers\/(ports|webhook-verification)\.ts$|(errors|observability|money|catalog|config)\/)/;

/** Composition roots that live beside what they compose; for folder cycles they count as wiring. */
const compositionRoots = /^shared\/(wiring\/|providers\/(registry\.ts$|[^/]+\/[^/]+-module\.ts$))/;

function layerOf(modulePath: string): string | undefined {
  if (!modulePath.startsWith('shared/')) return undefined;
  if (compositionRoots.test(modulePath)) return 'shared/wiring';
  return modulePath.split('/').slice(0, 2).join('/');
}

/**
 * Folders of shared/ import each other in one direction only (use-cases → providers → adapters, wiring on
 * top), not counting the shared vocabulary. Returns one violation per import that closes a cycle.
 */
export function folderCycles(result: ICruiseResult): LayerViolation[] {
  const edges = new Map<string, Map<string, string>>();
  for (const module of result.modules) {
    const from = layerOf(module.source);
    if (!from) continue;
    for (const dependency of module.dependencies) {
      const to = layerOf(dependency.resolved);
      if (!to || to === from || sharedVocabulary.test(dependency.resolved)) continue;
      const targets = edges.get(from) ?? new Map<string, string>();
      if (!targets.has(to)) targets.set(to, `${module.source} → ${dependency.resolved}`);
      edges.set(from, targets);
    }
  }
  const reaches = (start: string, goal: string): boolean => {
    const seen = new Set<string>();
    const pending = [start];
    while (pending.length > 0) {
      const folder = pending.pop() as string;
      if (folder === goal) return true;
      if (seen.has(folder)) continue;
      seen.add(folder);
      pending.push(...(edges.get(folder)?.keys() ?? []));
    }
    return false;
  };
  const violations: LayerViolation[] = [];
  for (const [from, targets] of edges) {
    for (const [to, example] of targets) {
      if (reaches(to, from)) violations.push({ rule: 'no-folder-cycles-in-shared', from, to: `${to} (${example})` });
    }
  }
  return violations;
}

export async function checkLayers(options: LayerCheckOptions = {}): Promise<LayerViolation[]> {
  const baseDir = options.baseDir ?? repositoryRoot;
  const configuration = createRequire(import.meta.url)(path.join(repositoryRoot, '.dependency-cruiser.cjs')) as IConfiguration;
  const tsConfigFile = path.join(repositoryRoot, 'tsconfig.json');
  const reported = await cruise(
    [...(options.paths ?? defaultPaths)],
    {
      ...configuration.options,
      tsConfig: { fileName: tsConfigFile },
      baseDir,
      validate: true,
      ruleSet: { forbidden: configuration.forbidden ?? [] },
      outputType: 'json',
    },
    undefined,
    { tsConfig: extractTSConfig(tsConfigFile) },
  );
  const result = JSON.parse(reported.output as string) as ICruiseResult;
  const ruleViolations = result.summary.violations.map((violation) => ({
    rule: violation.rule.name,
    from: violation.from,
    to: violation.to,
  }));
  return [...ruleViolations, ...folderCycles(result)];
}

async function main(): Promise<void> {
  const violations = await checkLayers();
  for (const violation of violations) console.error(`${violation.rule}: ${violation.from} → ${violation.to}`);
  console.log(violations.length === 0 ? 'layers: no violations' : `layers: ${violations.length} violation(s)`);
  process.exitCode = violations.length === 0 ? 0 : 1;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) await main();
