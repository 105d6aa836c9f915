import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { median, percentile, summarize } from './stats.ts';

describe('percentile', () => {
  test('uses nearest rank', () => {
    const xs = Array.from({ length: 100 }, (_, i) => 100 - i); // 100..1, unsorted
    assert.equal(percentile(xs, 50), 50);
    assert.equal(percentile(xs, 99), 99);
    assert.equal(percentile(xs, 100), 100);
    assert.equal(percentile([7], 1), 7);
  });
  test('is NaN for no samples and does not reorder its input', () => {
    assert.ok(Number.isNaN(percentile([], 50)));
    const xs = [3, 1, 2];
    percentile(xs, 50);
    assert.deepEqual(xs, [3, 1, 2]);
  });
});

describe('median', () => {
  test('odd and even counts', () => {
    assert.equal(median([5, 1, 3]), 3);
    assert.equal(median([4, 1, 3, 2]), 2.5);
    assert.ok(Number.isNaN(median([])));
  });
});

describe('summarize', () => {
  test('reports count, p50, p99, max rounded to 0.01', () => {
    const xs = Array.from({ length: 1000 }, (_, i) => (i + 1) / 3);
    const s = summarize(xs);
    assert.equal(s.count, 1000);
    assert.equal(s.p50, 166.67);
    assert.equal(s.p99, 330);
    assert.equal(s.max, 333.33);
  });
});
