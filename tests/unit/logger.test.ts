/**
 * The JSON logger's line shape: one object per line with level, message, timestamp and service; correlation
 * ids until they are cleared; the configured level; and errors as name, message and code only, never a stack.
 */
import { describe, expect, it } from 'vitest';
import { isoTimestamp, JsonLogger, type LogLevel } from '../../shared/observability/logger';
import { REDACTED } from '../../shared/observability/redaction';

const plaidAccessToken = 'access-sandbox-de3ce8ef-33f8-452c-a685-8671031fc0f6';

function recordingLogger(env: NodeJS.ProcessEnv = {}) {
  const lines: { level: LogLevel; entry: Record<string, unknown>; raw: string }[] = [];
  const logger = new JsonLogger('svc-test', env, (level, line) => lines.push({ level, entry: JSON.parse(line) as Record<string, unknown>, raw: line }));
  return { logger, lines };
}

class ProviderCallError extends Error {
  readonly code = 'ITEM_LOGIN_REQUIRED';
  readonly request = { headers: { 'PLAID-SECRET': 'sekret-value' }, body: { access_token: plaidAccessToken } };
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ProviderCallError';
  }
}

describe('JsonLogger', () => {
  it('writes level, message, timestamp, service and the attributes on one line', () => {
    const { logger, lines } = recordingLogger();

    logger.info('request completed', { route: 'GET /health', status: 200, empty: '', missing: undefined });

    expect(lines).toHaveLength(1);
    expect(lines[0]!.raw).not.toContain('\n');
    expect(lines[0]!.entry).toEqual({
      level: 'INFO',
      message: 'request completed',
      timestamp: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/),
      service: 'svc-test',
      route: 'GET /health',
      status: 200,
    });
  });

  it('logs an error as its name, message and code (redacted), with its cause, and never its stack or other fields', () => {
    const { logger, lines } = recordingLogger();
    const error = new ProviderCallError(`Plaid refused ${plaidAccessToken}`, { cause: new TypeError('socket hang up') });

    logger.error('request failed', { route: 'POST /x', error });
    logger.error('provider call failed', error);

    for (const { entry, raw } of lines) {
      expect(entry.error).toEqual({
        name: 'ProviderCallError',
        message: `Plaid refused ${REDACTED}`,
        code: 'ITEM_LOGIN_REQUIRED',
        cause: { name: 'TypeError', message: 'socket hang up' },
      });
      expect(raw).not.toContain('stack');
      expect(raw).not.toContain('    at ');
      expect(raw).not.toContain('.ts:');
      expect(raw).not.toContain('sekret-value');
      expect(raw).not.toContain(plaidAccessToken);
    }
  });

  it('keeps appended keys on every line until they are reset', () => {
    const { logger, lines } = recordingLogger();

    logger.appendKeys({ request_id: 'req-1', user_id: 'user-1' });
    logger.warn('first');
    logger.resetKeys();
    logger.warn('second');

    expect(lines[0]!.entry).toMatchObject({ level: 'WARN', request_id: 'req-1', user_id: 'user-1' });
    expect(lines[1]!.entry).not.toHaveProperty('request_id');
    expect(lines[1]!.entry).not.toHaveProperty('user_id');
  });

  it('never lets an attribute replace the level, message, timestamp or service', () => {
    const { logger, lines } = recordingLogger();

    logger.info('real message', { level: 'ERROR', message: 'forged', service: 'other', timestamp: 'then' });

    expect(lines[0]!.entry).toMatchObject({ level: 'INFO', message: 'real message', service: 'svc-test' });
    expect(lines[0]!.entry.timestamp).not.toBe('then');
  });

  it('drops lines below the configured level, and a less verbose Lambda log level wins', () => {
    const warnOnly = recordingLogger({ POWERTOOLS_LOG_LEVEL: 'warn' });
    warnOnly.logger.info('dropped');
    warnOnly.logger.error('kept');
    expect(warnOnly.lines.map((line) => line.entry.message)).toEqual(['kept']);

    const lambdaError = recordingLogger({ POWERTOOLS_LOG_LEVEL: 'DEBUG', AWS_LAMBDA_LOG_LEVEL: 'ERROR' });
    expect(lambdaError.logger.getLevelName()).toBe('ERROR');

    const debug = recordingLogger({ LOG_LEVEL: 'DEBUG' });
    debug.logger.debug('shown');
    expect(debug.lines.map((line) => line.level)).toEqual(['DEBUG']);
  });

  it('adds the X-Ray trace id Lambda sets for the invocation', () => {
    const { logger, lines } = recordingLogger();
    const previous = process.env._X_AMZN_TRACE_ID;
    process.env._X_AMZN_TRACE_ID = 'Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1';
    try {
      logger.info('traced');
    } finally {
      if (previous === undefined) delete process.env._X_AMZN_TRACE_ID;
      else process.env._X_AMZN_TRACE_ID = previous;
    }
    expect(lines[0]!.entry.xray_trace_id).toBe('1-5759e988-bd862e3fe1be46a994272793');
  });

  it('stamps lines with the same text as Date#toISOString', () => {
    const instants = [
      Date.UTC(2026, 0, 1, 0, 0, 0, 0),
      Date.UTC(2026, 11, 31, 23, 59, 59, 999),
      Date.UTC(2024, 1, 29, 9, 5, 7, 9),
      Date.UTC(2030, 9, 10, 10, 10, 10, 10),
      Date.UTC(1999, 8, 9, 1, 2, 3, 99),
      Date.UTC(2000, 0, 1, 12, 0, 0, 100),
    ];
    for (let step = 0; step < 500; step++) instants.push(Date.UTC(1970, 0, 1) + step * 7_919_999_977);
    for (const instant of instants) expect(isoTimestamp(instant), String(instant)).toBe(new Date(instant).toISOString());
  });
});
