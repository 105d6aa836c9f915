import { test } from 'node:test';
import assert from 'node:assert/strict';
import { evaluateTargets, targetRows } from './targets.ts';
import type { StoreLoadReport, LoadResult } from './api-load.ts';

function run(clients: number, writesPerSec: number, p99: number): LoadResult {
  const lat = { count: 1, p50: 1, p99, max: p99 };
  return { protocol: 'http2', clients, sessions: 8, seconds: 15, ops: 1, opsPerSec: 1, writes: 1, writesPerSec, mutating: lat, byOp: { create: lat, update: lat, delete: lat, list: lat }, conflicts: 0, errors: {} };
}

function report(store: 'sqlite' | 'etcd', floor: number, runs: LoadResult[]): StoreLoadReport {
  return { store, floor: { store, label: 'x', opsPerSec: floor }, runs };
}

test('targets use the 64-client runs and the floor ratio', () => {
  const checks = evaluateTargets({
    load: [report('sqlite', 1000, [run(4, 900, 5), run(64, 400, 30)]), report('etcd', 2000, [run(64, 1500, 10)])],
    rss: { store: 'sqlite', idleSeconds: 10, idleRssKiB: 100 * 1024 },
  });
  const byName = new Map(checks.map((c) => [c.target, c]));
  assert.deepEqual(
    [...byName.values()].map((c) => [c.measured, c.pass]),
    [
      [30, false], // p99 30 ms is over 25 ms
      [40, false], // 400/1000 = 40% < 50%
      [75, true], // 1500/2000 = 75%
      [NaN, false], // list-pods missing: not measured is not a pass
      [NaN, false],
      [100, true],
    ],
  );
});

test('rows mark failures and unmeasured targets', () => {
  const rows = targetRows(evaluateTargets({}));
  assert.equal(rows.length, 8);
  assert.match(rows[2], /not measured .* FAIL/);
});

test('the do-nothing server of the same run is shown next to the load targets', () => {
  const sqlite = { ...report('sqlite', 1000, [run(64, 400, 30)]), transportFloor: [run(64, 900, 20)] };
  const checks = evaluateTargets({ load: [sqlite] });
  assert.equal(checks[0].transportFloor, 20);
  assert.equal(checks[1].transportFloor, 90);
  assert.equal(checks[2].transportFloor, undefined); // no etcd report
  assert.match(targetRows(checks)[2], /\| 30 ms \| < 25 ms \| FAIL \| 20 ms \|$/);
});
