/**
 * The schedule ticker with a fixture function (tests/fixtures/local-runtime/recording-scheduled-job.ts) that
 * records each run to a file, at a sub-second interval so the test does not wait for real minutes.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { ScheduledEvent } from 'aws-lambda';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { loadHandler, silentLog } from '../../local/workers/lambda-runtime';
import { scheduledEvent, startScheduleTicker, tickIntervalSecondsFromEnv, type TickedFunction } from '../../local/workers/schedule-ticker';
import { eventually, readJsonLines } from '../helpers/eventually';

const job: TickedFunction = {
  id: 'recordingJob',
  entry: 'tests/fixtures/local-runtime/recording-scheduled-job.ts',
  everyMinutes: 15,
  timeoutSeconds: 10,
};

interface LoggedRun {
  event: ScheduledEvent;
  startedAt: number;
  finishedAt: number;
}

let logDirectory: string;

beforeAll(async () => {
  logDirectory = await mkdtemp(path.join(tmpdir(), 'schedule-ticker-'));
  await loadHandler(job.entry);
});
afterEach(() => {
  delete process.env.SCHEDULE_FIXTURE_LOG;
  delete process.env.SCHEDULE_FIXTURE_HOLD_MS;
  delete process.env.SCHEDULE_FIXTURE_THROW;
});
afterAll(async () => {
  await rm(logDirectory, { recursive: true, force: true });
});

describe('schedule ticker', () => {
  it('invokes the function with an EventBridge Scheduled Event', async () => {
    // Prepare
    const log = path.join(logDirectory, 'event.jsonl');
    process.env.SCHEDULE_FIXTURE_LOG = log;
    const ticker = startScheduleTicker({ functions: [job], intervalSeconds: 0.1, log: silentLog });

    // Act
    let runs: LoggedRun[];
    try {
      runs = await eventually('the job has run twice', async () => {
        const logged = await readJsonLines<LoggedRun>(log);
        return logged.length >= 2 ? logged : undefined;
      });
    } finally {
      await ticker.stop();
    }

    // Assess
    const region = process.env.AWS_REGION ?? 'us-east-1';
    const prefix = process.env.RESOURCE_PREFIX ?? 'open-banking';
    const { event } = runs[0]!;
    expect(event).toEqual({
      version: '0',
      id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      'detail-type': 'Scheduled Event',
      source: 'aws.events',
      account: expect.stringMatching(/^\d{12}$/),
      time: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/),
      region,
      resources: [`arn:aws:events:${region}:${event.account}:rule/${prefix}-recordingJob`],
      detail: {},
    });
    expect(runs[1]!.event.id).not.toBe(event.id);
  });

  it('never overlaps two runs of the same function', async () => {
    // Prepare: each run holds far longer than the interval, so several ticks land on a running job.
    const log = path.join(logDirectory, 'overlap.jsonl');
    process.env.SCHEDULE_FIXTURE_LOG = log;
    process.env.SCHEDULE_FIXTURE_HOLD_MS = '300';
    const ticker = startScheduleTicker({ functions: [job], intervalSeconds: 0.05, log: silentLog });

    // Act
    try {
      await eventually('the job has run three times', async () => (await readJsonLines(log)).length >= 3);
    } finally {
      await ticker.stop();
    }

    // Assess
    const runs = (await readJsonLines<LoggedRun>(log)).sort((left, right) => left.startedAt - right.startedAt);
    for (let index = 1; index < runs.length; index += 1) {
      expect(runs[index]!.startedAt).toBeGreaterThanOrEqual(runs[index - 1]!.finishedAt);
    }
  });

  it('keeps ticking after a run fails', async () => {
    // Prepare
    const log = path.join(logDirectory, 'failing.jsonl');
    process.env.SCHEDULE_FIXTURE_LOG = log;
    process.env.SCHEDULE_FIXTURE_THROW = 'true';
    const errors: string[] = [];
    const ticker = startScheduleTicker({
      functions: [job],
      intervalSeconds: 0.1,
      log: { ...silentLog, error: (message) => errors.push(message) },
    });

    // Act
    try {
      await eventually('the failing job has run twice', async () => (await readJsonLines(log)).length >= 2);
    } finally {
      await ticker.stop();
    }

    // Assess
    expect(errors.length).toBeGreaterThanOrEqual(1);
    expect(errors[0]).toContain('recordingJob: scheduled run failed');
  });

  it('takes LOCAL_TICK_SECONDS as the interval override and rejects nonsense', () => {
    // Assess
    expect(tickIntervalSecondsFromEnv({ LOCAL_TICK_SECONDS: '30' })).toBe(30);
    expect(tickIntervalSecondsFromEnv({})).toBeUndefined();
    expect(() => tickIntervalSecondsFromEnv({ LOCAL_TICK_SECONDS: '0' })).toThrow(/positive/);
  });

  it('builds the event time without milliseconds, as EventBridge does', () => {
    // Act
    const event = scheduledEvent('autoSync', new Date('2026-03-01T12:15:00.789Z'), 'sa-east-1', 'open-banking');

    // Assess
    expect(event.time).toBe('2026-03-01T12:15:00Z');
    expect(event.resources).toEqual([`arn:aws:events:sa-east-1:${event.account}:rule/open-banking-autoSync`]);
  });
});
