/**
 * The offline stand-in for the EventBridge rules of the CDK stack (`rate(<everyMinutes> minutes)` targeting
 * each scheduled function): every interval it invokes the function with an EventBridge "Scheduled Event"
 * (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-run-lambda-schedule.html).
 *
 * Two deliberate differences from AWS, both to keep a laptop quiet and predictable:
 * - a tick that arrives while the previous run of the same function is still going is skipped, so runs
 *   never overlap (the scheduler is written to be idempotent, so in AWS overlap is harmless but wasteful);
 * - a failed run is logged, not retried: the next tick does the same work again, which is also what makes
 *   the AWS retry policy of the rule target unnecessary for correctness.
 *
 * `LOCAL_TICK_SECONDS` replaces every function's interval, e.g. `LOCAL_TICK_SECONDS=30 npm run dev` to watch
 * the auto-sync scheduler work without waiting 15 minutes.
 *
 * @example
 * const ticker = startScheduleTicker();   // the catalog's scheduled functions
 * await ticker.stop();
 */
import { randomUUID } from 'node:crypto';
import type { ScheduledEvent } from 'aws-lambda';
import { defaultResourcePrefix } from '../../shared/catalog/resources';
import { scheduled as catalogScheduled } from '../../infra/catalog/routes';
import { consoleLog, describeFailure, invokeHandler, LOCAL_ACCOUNT_ID, type LocalLog } from './lambda-runtime';

/** What the ticker needs of a scheduled function; catalog rows satisfy it. */
export interface TickedFunction {
  readonly id: string;
  readonly entry: string;
  readonly everyMinutes: number;
  readonly timeoutSeconds: number;
}

export interface ScheduleTickerOptions {
  /** Default: the catalog's `scheduled` rows. */
  readonly functions?: readonly TickedFunction[];
  /** Default: env `LOCAL_TICK_SECONDS`, else each function's `everyMinutes`. */
  readonly intervalSeconds?: number;
  /** How long {@link RunningScheduleTicker.stop} waits for a run in progress. Default 10 s. */
  readonly shutdownGraceMs?: number;
  readonly root?: string;
  readonly log?: LocalLog;
}

export interface RunningScheduleTicker {
  stop(): Promise<void>;
}

export function tickIntervalSecondsFromEnv(env: NodeJS.ProcessEnv = process.env): number | undefined {
  const raw = env.LOCAL_TICK_SECONDS;
  if (raw === undefined || raw.trim() === '') return undefined;
  const seconds = Number(raw);
  if (!Number.isFinite(seconds) || seconds <= 0) throw new Error(`LOCAL_TICK_SECONDS must be a positive number, got "${raw}"`);
  return seconds;
}

/** The event EventBridge sends for a tick of rule `<prefix>-<function id>` (the name the CDK stack gives it). */
export function scheduledEvent(functionId: string, at: Date, region: string, prefix: string): ScheduledEvent {
  return {
    version: '0',
    id: randomUUID(),
    'detail-type': 'Scheduled Event',
    source: 'aws.events',
    account: LOCAL_ACCOUNT_ID,
    // EventBridge stamps the scheduled time to the second, without milliseconds.
    time: `${at.toISOString().slice(0, 19)}Z`,
    region,
    resources: [`arn:aws:events:${region}:${LOCAL_ACCOUNT_ID}:rule/${prefix}-${functionId}`],
    detail: {},
  };
}

export function startScheduleTicker(options: ScheduleTickerOptions = {}): RunningScheduleTicker {
  const functions = options.functions ?? catalogScheduled;
  const log = options.log ?? consoleLog;
  const override = options.intervalSeconds ?? tickIntervalSecondsFromEnv();
  const region = process.env.AWS_REGION ?? 'us-east-1';
  const prefix = process.env.RESOURCE_PREFIX ?? defaultResourcePrefix;
  const running = new Map<string, Promise<void>>();
  const timers: NodeJS.Timeout[] = [];

  for (const fn of functions) {
    const intervalMs = (override ?? fn.everyMinutes * 60) * 1000;
    const tick = (): void => {
      if (running.has(fn.id)) {
        log.info(`${fn.id}: previous scheduled run still in progress; skipping this tick`);
        return;
      }
      const run = invokeHandler(fn, scheduledEvent(fn.id, new Date(), region, prefix), { root: options.root, region })
        .then(() => undefined)
        .catch((error: unknown) => log.error(`${fn.id}: scheduled run failed: ${describeFailure(error)}`))
        .finally(() => running.delete(fn.id));
      running.set(fn.id, run);
    };
    // Like a new EventBridge rate rule, the first run comes one interval after start, not immediately.
    timers.push(setInterval(tick, intervalMs));
  }

  let stopping: Promise<void> | undefined;
  return {
    stop: () => {
      stopping ??= (async () => {
        for (const timer of timers) clearInterval(timer);
        const grace = options.shutdownGraceMs ?? 10_000;
        let timer: NodeJS.Timeout | undefined;
        const gaveUp = new Promise<'timeout'>((resolve) => {
          timer = setTimeout(() => resolve('timeout'), grace);
        });
        const outcome = await Promise.race([Promise.allSettled(running.values()).then(() => 'done' as const), gaveUp]);
        clearTimeout(timer);
        if (outcome === 'timeout') log.warn(`schedule ticker: a run was still in progress after ${grace} ms`);
      })();
      return stopping;
    },
  };
}
