import { test } from 'node:test';
import assert from 'node:assert/strict';
import { flowControlSeats } from './server.ts';

test('the flow-control seats are the sum of the two in-flight flags, 600 by default, 0 when both are 0', () => {
  assert.equal(flowControlSeats({}), 600);
  assert.equal(flowControlSeats({ maxRequestsInflight: '100', maxMutatingRequestsInflight: '50' }), 150);
  assert.equal(flowControlSeats({ maxRequestsInflight: '0', maxMutatingRequestsInflight: '0' }), 0);
});

test('a flag that is not a non-negative integer is refused with its name', () => {
  assert.throws(() => flowControlSeats({ maxRequestsInflight: '-1' }), /--max-requests-inflight must be a non-negative integer/);
  assert.throws(() => flowControlSeats({ maxMutatingRequestsInflight: 'lots' }), /--max-mutating-requests-inflight/);
});
