import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CpuRateTracker } from './cpu-rate.ts';

test('usageNanoCores is the counter delta over the time delta of two samples', () => {
  const rates = new CpuRateTracker();
  assert.equal(rates.observe('c1', 10e9, 5e9), undefined, 'one sample has no rate');
  // 1.5 s of CPU in 2 s: 0.75 cores = 750,000,000 nanocores.
  assert.equal(rates.observe('c1', 12e9, 6.5e9), 750_000_000);
  // A sample 0.5 s later keeps the last rate rather than averaging over a tiny window.
  assert.equal(rates.observe('c1', 12.5e9, 7e9), 750_000_000);
  assert.equal(rates.observe('c1', 14e9, 6.5e9 + 0.2e9), 100_000_000);
});

test('a counter that went backwards (restarted container) starts over; retain forgets removed keys', () => {
  const rates = new CpuRateTracker();
  rates.observe('c1', 1e9, 9e9);
  assert.equal(rates.observe('c1', 3e9, 1e9), undefined);
  assert.equal(rates.observe('c1', 5e9, 3e9), 1e9);
  rates.observe('c2', 1e9, 1);
  rates.retain(new Set(['c2']));
  assert.equal(rates.size, 1);
  assert.equal(rates.observe('c1', 7e9, 5e9), undefined);
});
