/**
 * Function settings read from the environment: defaults for unset (or empty) variables, and one ConfigError
 * naming every variable that is missing or malformed.
 */
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../shared/errors/app-error';
import {
  appEventSettings,
  autoSyncSettings,
  awsSettings,
  flag,
  oneOf,
  readEnv,
  tableSettings,
  text,
  upperCaseList,
  withDefault,
} from '../../shared/config/env';

describe('readEnv', () => {
  it('returns typed values and applies defaults to unset or empty variables', () => {
    const config = readEnv(
      { ...awsSettings, ...tableSettings, ...autoSyncSettings, COUNTRIES: upperCaseList('US'), FLAG: flag, MODE: withDefault(oneOf(['a', 'b']), 'a') },
      { TABLE_NAME: 'banking', AWS_ENDPOINT_URL: '', AUTO_SYNC_INTERVAL_HOURS: '6', COUNTRIES: 'us, br ,', FLAG: 'true' },
    );

    expect(config).toEqual({
      AWS_REGION: 'us-east-1',
      AWS_ENDPOINT_URL: undefined,
      TABLE_NAME: 'banking',
      AUTO_SYNC_INTERVAL_HOURS: 6,
      DUE_INDEX_SHARDS: 8,
      COUNTRIES: ['US', 'BR'],
      FLAG: true,
      MODE: 'a',
    });
  });

  it('names every missing or malformed variable in one error', () => {
    const read = () =>
      readEnv(
        { ...tableSettings, ...autoSyncSettings, ...appEventSettings, FLAG: flag, NAME: text({ max: 3 }) },
        { AUTO_SYNC_INTERVAL_HOURS: '0', DUE_INDEX_SHARDS: '2.5', APP_WEBHOOK_URL: 'not a url', FLAG: 'yes', NAME: 'long name' },
      );

    expect(read).toThrow(ConfigError);
    const message = (() => {
      try {
        read();
        return '';
      } catch (error) {
        return (error as Error).message;
      }
    })();
    for (const expected of [
      'TABLE_NAME: is not set',
      'AUTO_SYNC_INTERVAL_HOURS: must be greater than 0',
      'DUE_INDEX_SHARDS: must be a whole number',
      'EVENT_BUS_NAME: is not set',
      'APP_WEBHOOK_URL: must be a URL',
      'FLAG: must be true or false',
      'NAME: must be at most 3 characters',
    ]) {
      expect(message).toContain(expected);
    }
  });
});
