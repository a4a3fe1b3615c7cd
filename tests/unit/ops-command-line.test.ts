import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { UsageError, parseOptions, positiveIntegerOption, tableNameFromEnvironment } from '../../ops/command-line';
import { parseBillingArguments } from '../../ops/billing-hygiene';
import { parseAppEventReplayArguments } from '../../ops/replay-app-events';
import { parseReplayArguments } from '../../ops/replay-webhooks';

describe('operator command lines', () => {
  it('turns unknown options and bad counts into usage errors', () => {
    expect(() => parseOptions(['--nope'], { limit: { type: 'string' } })).toThrow(UsageError);
    expect(positiveIntegerOption(undefined, 'limit')).toBeUndefined();
    expect(positiveIntegerOption('7', 'limit')).toBe(7);
    for (const bad of ['0', '-1', '1.5', 'x']) expect(() => positiveIntegerOption(bad, 'limit')).toThrow('--limit must be a positive integer.');
    expect(() => parseReplayArguments(['--connection', 'c1', '--limit', '0'])).toThrow(UsageError);
    expect(() => parseAppEventReplayArguments(['--user', 'u1', '--since', '2026-01-01', '--limit', 'x'])).toThrow(UsageError);
    expect(() => parseBillingArguments(['--days', '-2'])).toThrow(UsageError);
    expect(parseBillingArguments([])).toEqual({ days: 30, remove: false });
  });

  it('finds the table as the functions do, and says what to set when it cannot', () => {
    expect(tableNameFromEnvironment({ TABLE_NAME: 'prod-table' })).toBe('prod-table');
    expect(tableNameFromEnvironment({ AWS_ENDPOINT_URL: 'http://127.0.0.1:4566', RESOURCE_PREFIX: 'dev' })).toContain('dev');
    expect(() => tableNameFromEnvironment({})).toThrow(/Set TABLE_NAME/);
  });

  it('exits 2 with the usage text when called wrongly', () => {
    const run = spawnSync(process.execPath, ['--import', 'tsx', 'ops/replay-webhooks.ts', '--bogus'], { encoding: 'utf8', env: { ...process.env, TABLE_NAME: '' } });
    expect(run.status).toBe(2);
    expect(run.stderr).toContain('usage: npm run replay-webhooks');
  });
});
