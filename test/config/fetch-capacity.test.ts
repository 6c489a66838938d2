import { expect, test } from 'bun:test';
import { DEFAULT_FETCH_CAPACITY, FETCH_CAPACITY_ENV, relaunchEnvironment } from '../../src/config/fetch-capacity.ts';

test('serve relaunches with the fetch capacity raised only when the operator did not set it', () => {
  const env = relaunchEnvironment({ PATH: '/usr/bin', PORT: '8080', UNSET: undefined });
  expect(env).toEqual({ PATH: '/usr/bin', PORT: '8080', [FETCH_CAPACITY_ENV]: DEFAULT_FETCH_CAPACITY });
  expect(relaunchEnvironment({ [FETCH_CAPACITY_ENV]: '512' })).toBeUndefined();
});
