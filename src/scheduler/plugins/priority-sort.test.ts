import { test } from 'node:test';
import assert from 'node:assert/strict';
import { prioritySortLess } from './priority-sort.ts';

test('PrioritySort: higher priority first, then earlier timestamp', () => {
  const a = { pod: {}, priority: 10, timestamp: 5 };
  const b = { pod: {}, priority: 1, timestamp: 1 };
  const c = { pod: {}, priority: 10, timestamp: 6 };
  assert.equal(prioritySortLess(a, b), true);
  assert.equal(prioritySortLess(b, a), false);
  assert.equal(prioritySortLess(a, c), true);
  assert.equal(prioritySortLess(c, a), false);
});
