/**
 * `npm run bench`: cold starts, sync efficiency, webhook ingress, the auto-sync scheduler and the cost per
 * connection, each next to a baseline measured in the same run, on a private offline stack. Writes
 * bench/results.md and bench/results.json.
 *
 * `npm run bench -- --quick` runs every section with small sizes and writes to bench/.work/ instead (for
 * working on the benchmark itself; its figures are not meant to be quoted). Sizes can also be set one by one:
 * BENCH_COLD_RUNS, BENCH_TRANSACTIONS, BENCH_WEBHOOKS, BENCH_WEBHOOK_CONCURRENCY, BENCH_WEBHOOK_MAX_SECONDS,
 * BENCH_SCHEDULER_SIZES (comma-separated), BENCH_SECTIONS (any of cold,sync,webhook,scheduler), BENCH_COLD_ONLY
 * (function ids, comma-separated; quick runs only).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { benchRoot, killActiveChildren, progressPrinter, projectRoot, workDir } from './bench-context';
import type { BenchStack } from './bench-stack';
import type { ColdStartResult } from './cold-start';
import type { ConnectionCost } from './cost-inputs';
import { describeMachine, describeCommit } from './machine';
import type { SchedulerResult } from './scheduler';
import type { SyncEfficiencyResult } from './sync-efficiency';
import type { WebhookIngressResult } from './webhook-ingress';

const startedAt = Date.now();
const progress = progressPrinter(startedAt);
const quick = process.argv.includes('--quick');
/** BENCH_COLD_ONLY (comma-separated function ids): cold-start only these, for working on one function. */
const coldOnly = process.env.BENCH_COLD_ONLY ? process.env.BENCH_COLD_ONLY.split(',').map((id) => id.trim()) : undefined;
// A full run's results must cover every function of the catalog.
if (coldOnly && !quick) throw new Error('BENCH_COLD_ONLY is for quick runs only (npm run bench -- --quick)');

function setting(name: string, full: number, quickValue: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return quick ? quickValue : full;
  const value = Number(raw);
  if (!Number.isInteger(value) || value <= 0) throw new Error(`${name} must be a positive integer, got "${raw}"`);
  return value;
}

const allSections = ['cold', 'sync', 'webhook', 'scheduler'] as const;

const config = {
  // Paired runs per function. A bundle measured against an identical copy of itself, 35 times over, read up
  // to 1.05x at 11 paired runs per function (the spread of one process start here is about ±15%), half of the
  // 1.1x goal's margin; the error of a median shrinks with the square root of the runs. Two streams pinned
  // to one CPU each (bench/cold-start.ts, coldStartCpus) run 42 in about the time 21 took one at a time.
  coldRuns: setting('BENCH_COLD_RUNS', 42, 2),
  transactions: setting('BENCH_TRANSACTIONS', 10_000, 1_000),
  webhookCount: setting('BENCH_WEBHOOKS', 1_000, 100),
  webhookConcurrency: setting('BENCH_WEBHOOK_CONCURRENCY', 8, 8),
  webhookMaxSeconds: setting('BENCH_WEBHOOK_MAX_SECONDS', 30, 10),
  workerSample: setting('BENCH_WORKER_SAMPLE', 50, 10),
  schedulerSizes: (process.env.BENCH_SCHEDULER_SIZES ?? (quick ? '1000' : '10000,100000'))
    .split(',')
    .map((size) => Number(size.trim()))
    .filter((size) => Number.isInteger(size) && size > 0),
  schedulerTarget: 100_000,
  // The guidance: measure 100,000 only when that fits in about three minutes.
  schedulerMaxProjectedSeconds: 180,
  sections: new Set((process.env.BENCH_SECTIONS ?? allSections.join(',')).split(',').map((name) => name.trim())),
};

/** `npm run bench` must finish within 10 minutes on 2 cores; the scheduler goes last and gets what is left. */
const BUDGET_SECONDS = 570;
/**
 * Seeding, the tick and the enqueue-only baseline together, per due connection, on moto on the reference
 * machine (2 cores): 14 to 21 ms in the runs of 2026-12-07, with a margin. The scheduler section is sized to
 * what remains of the budget.
 */
const SCHEDULER_SECONDS_PER_CONNECTION = 0.023;

function schedulerSizesWithinBudget(sizes: readonly number[], elapsedSeconds: number): number[] {
  const affordable = Math.floor((BUDGET_SECONDS - elapsedSeconds) / SCHEDULER_SECONDS_PER_CONNECTION / 1000) * 1000;
  const first = sizes[0];
  if (first === undefined || first <= affordable) return [...sizes];
  const reduced = Math.max(1000, affordable);
  progress(`scheduler: ${first} connections do not fit the remaining time budget; measuring ${reduced} instead`);
  return [reduced, ...sizes.slice(1)];
}

let stack: BenchStack | undefined;
let cleaning: Promise<void> | undefined;

/** Ends everything the run started: child processes, the sandboxes and the moto server. Idempotent. */
function cleanUp(): Promise<void> {
  cleaning ??= (async () => {
    killActiveChildren();
    await stack?.stop();
  })();
  return cleaning;
}

for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
  process.once(signal, () => {
    progress(`${signal}: stopping the benchmark stack`);
    void cleanUp().finally(() => process.exit(130));
  });
}

async function main(): Promise<void> {
  const machine = describeMachine();
  const commit = describeCommit();
  progress(`${quick ? 'QUICK run (small sizes, results in bench/.work/)' : 'full run'} on ${machine.cpuModel} × ${machine.cores}, node ${machine.nodeVersion}, commit ${commit.shortSha}${commit.dirty ? ' (dirty)' : ''}`);
  const { startBenchStack, useStackInThisProcess } = await import('./bench-stack');
  stack = await startBenchStack(progress);
  await useStackInThisProcess(stack);

  let coldStart: ColdStartResult | null = null;
  let sync: SyncEfficiencyResult | null = null;
  let webhook: WebhookIngressResult | null = null;
  let scheduler: SchedulerResult | null = null;
  const sectionSeconds: Record<string, number> = {};
  const timed = async <T>(name: string, work: () => Promise<T>): Promise<T> => {
    const started = Date.now();
    progress(`== ${name}`);
    try {
      return await work();
    } finally {
      sectionSeconds[name] = Math.round((Date.now() - started) / 100) / 10;
    }
  };

  if (config.sections.has('cold')) {
    const { measureColdStarts } = await import('./cold-start');
    coldStart = await timed('cold start', () => measureColdStarts({ runs: config.coldRuns, functionEnv: stack!.functionEnv, progress, ...(coldOnly ? { only: coldOnly } : {}) }));
  }
  // The Plaid connection is linked before the webhook load and synced after it: moto answers an index query
  // by scanning the whole table, so webhook receipt (one index query per delivery) is measured while the
  // table is small, as a DynamoDB index query's cost does not depend on the table's size.
  const needsPlaidItem = config.sections.has('sync') || config.sections.has('webhook');
  const { linkPlaidConnection } = await import('./sync-efficiency');
  const plaidLink = needsPlaidItem ? await linkPlaidConnection(stack, config.transactions) : null;
  if (config.sections.has('webhook') && plaidLink) {
    const { measureWebhookIngress } = await import('./webhook-ingress');
    webhook = await timed('webhook ingress', () =>
      measureWebhookIngress(stack!, {
        itemId: plaidLink.itemId,
        connection: { userId: plaidLink.userId, connectionId: plaidLink.connectionId },
        concurrency: config.webhookConcurrency,
        count: config.webhookCount,
        maxSeconds: config.webhookMaxSeconds,
        workerSample: config.workerSample,
        progress,
      }),
    );
  }
  if (config.sections.has('sync') && plaidLink) {
    const { measureSyncEfficiency } = await import('./sync-efficiency');
    sync = await timed('sync efficiency', () =>
      measureSyncEfficiency(stack!, { transactions: config.transactions, plaid: plaidLink, progress }),
    );
  }
  if (config.sections.has('scheduler')) {
    const { measureScheduler } = await import('./scheduler');
    const sizes = schedulerSizesWithinBudget(config.schedulerSizes, (Date.now() - startedAt) / 1000);
    scheduler = await timed('scheduler', () =>
      measureScheduler(stack!, {
        sizes,
        target: config.schedulerTarget,
        maxProjectedSeconds: config.schedulerMaxProjectedSeconds,
        progress,
      }),
    );
  }

  let cost: ConnectionCost | null = null;
  if (coldStart && sync && webhook && scheduler && scheduler.measured.length > 0) {
    const { connectionCost } = await import('./cost-inputs');
    cost = connectionCost({ coldStart, sync, webhook, scheduler });
    progress(`cost: $${cost.totalUsdPerConnectionMonth.toFixed(6)} per connection per month`);
  }

  await cleanUp();
  const totalSeconds = Math.round((Date.now() - startedAt) / 100) / 10;
  const results = {
    generatedAt: new Date().toISOString(),
    quick,
    machine: { ...machine, loadAverageAtEnd: describeMachine().loadAverage },
    commit,
    config: { ...config, sections: [...config.sections] },
    runtimeSeconds: { total: totalSeconds, sections: sectionSeconds },
    coldStart,
    sync,
    webhook,
    scheduler,
    cost,
  };
  const { goalsOf } = await import('./goals');
  const withGoals = { ...results, goals: goalsOf(results) };
  const { renderMarkdown } = await import('./report');
  const outDir = quick ? workDir : benchRoot;
  mkdirSync(outDir, { recursive: true });
  const jsonFile = path.join(outDir, quick ? 'results-quick.json' : 'results.json');
  const markdownFile = path.join(outDir, quick ? 'results-quick.md' : 'results.md');
  writeFileSync(jsonFile, `${JSON.stringify(withGoals, null, 2)}\n`);
  writeFileSync(markdownFile, renderMarkdown(withGoals));
  progress(`done in ${totalSeconds} s: ${path.relative(process.cwd(), markdownFile)}, ${path.relative(process.cwd(), jsonFile)}`);
  // Only a full run of every section speaks for the README; quick or partial runs leave it alone.
  if (!quick && allSections.every((name) => config.sections.has(name))) {
    const { updateReadmeGoals } = await import('./readme-goals');
    updateReadmeGoals(path.join(projectRoot, 'README.md'), withGoals.goals, { date: results.generatedAt, totalSeconds, commitSha: commit.sha });
    progress('README.md: benchmark goals table updated');
  }
  if (coldStart) {
    const { ungrantedClients } = await import('./cold-start');
    const offenders = ungrantedClients(coldStart);
    if (offenders.length > 0) {
      throw new Error(`SDK clients bundled without a grant for them (infra/catalog/routes.ts): ${offenders.join('; ')}`);
    }
  }
}

export type BenchResults = {
  readonly generatedAt: string;
  readonly quick: boolean;
  readonly machine: ReturnType<typeof describeMachine> & { readonly loadAverageAtEnd: readonly number[] };
  readonly commit: ReturnType<typeof describeCommit>;
  readonly config: Omit<typeof config, 'sections'> & { readonly sections: readonly string[] };
  readonly runtimeSeconds: { readonly total: number; readonly sections: Record<string, number> };
  readonly coldStart: ColdStartResult | null;
  readonly sync: SyncEfficiencyResult | null;
  readonly webhook: WebhookIngressResult | null;
  readonly scheduler: SchedulerResult | null;
  readonly cost: ConnectionCost | null;
  readonly goals?: readonly import('./goals').GoalRow[];
};

main()
  .then(() => process.exit(0))
  .catch(async (error: unknown) => {
    progress(`FAILED: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    await cleanUp().catch(() => {});
    process.exit(1);
  });
