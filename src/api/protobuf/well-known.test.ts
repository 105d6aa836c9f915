import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatDuration, formatMicroTime, formatTime } from './well-known.ts';

test('formatDuration matches Go time.Duration.String()', () => {
  const cases: Array<[number, string]> = [
    [0, '0s'], [1, '1ns'], [1100, '1.1µs'], [2_200_000, '2.2ms'], [100_000_000, '100ms'],
    [1e9, '1s'], [1.5e9, '1.5s'], [90e9, '1m30s'], [3600e9, '1h0m0s'], [3723e9 + 4e6, '1h2m3.004s'],
    [-5e9, '-5s'], [-1500, '-1.5µs'], [26 * 3600e9, '26h0m0s'],
  ];
  for (const [ns, want] of cases) assert.equal(formatDuration(ns), want, `${ns}ns`);
});

test('formatTime is RFC 3339 in UTC with whole seconds', () => {
  assert.equal(formatTime(0, 0), '1970-01-01T00:00:00Z');
  assert.equal(formatTime(1700000000, 999_999_999), '2023-11-14T22:13:20Z');
  assert.equal(formatTime(-1, 0), '1969-12-31T23:59:59Z');
  assert.throws(() => formatTime(1e15, 0), Error);
});

test('formatMicroTime always has six fractional digits', () => {
  assert.equal(formatMicroTime(1700000000, 0), '2023-11-14T22:13:20.000000Z');
  assert.equal(formatMicroTime(1700000000, 1_999), '2023-11-14T22:13:20.000001Z');
  assert.equal(formatMicroTime(1700000000, 1_500_000_000), '2023-11-14T22:13:21.500000Z');
});
