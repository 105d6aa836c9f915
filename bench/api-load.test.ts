import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseMix } from './api-load.ts';

test('parseMix: unset is the kine mix; weights become cumulative shares', () => {
  assert.deepEqual(parseMix(undefined), [['create', 0.2], ['update', 0.7], ['delete', 0.9], ['list', 1]]);
  assert.deepEqual(parseMix('update:3,list:1'), [['update', 0.75], ['list', 1]]);
});

test('parseMix refuses unknown operations and bad weights', () => {
  assert.throws(() => parseMix('patch:1'), /SKIFF_BENCH_MIX/);
  assert.throws(() => parseMix('create:x'), /SKIFF_BENCH_MIX/);
});
