/**
 * The performance targets skiff holds itself to, checked against benchmark results: each check
 * says what was measured, the limit, and whether it passed.
 */
import type { StoreLoadReport } from './api-load.ts';
import type { ListPodsResult } from './list-pods.ts';
import type { RssResult } from './idle-rss.ts';

/** One target, evaluated. `measured` is NaN when the benchmark did not produce it. */
export interface TargetCheck {
  target: string;
  measured: number;
  limit: number;
  unit: string;
  pass: boolean;
  /** The same figure for the do-nothing server of bench/transport-floor.ts in the same run, when measured. */
  transportFloor?: number;
}

/** Everything the targets look at; any part may be missing if its benchmark failed. */
export interface TargetInputs {
  load?: StoreLoadReport[];
  listPods?: ListPodsResult;
  rss?: RssResult;
}

const TARGET_CLIENTS = 64;

function check(target: string, measured: number, limit: number, unit: string, below: boolean): TargetCheck {
  const pass = Number.isFinite(measured) && (below ? measured < limit : measured >= limit);
  return { target, measured, limit, unit, pass };
}

function run64(load: StoreLoadReport[] | undefined, store: string): { report?: StoreLoadReport; p99: number; ratio: number; floorP99?: number; floorRatio?: number } {
  const report = load?.find((r) => r.store === store);
  const run = report?.runs.find((r) => r.clients === TARGET_CLIENTS);
  const floorRun = report?.transportFloor?.find((r) => r.clients === TARGET_CLIENTS);
  const ratioOf = (writesPerSec: number): number => (report && report.floor.opsPerSec > 0 ? Math.round((1000 * writesPerSec) / report.floor.opsPerSec) / 10 : NaN);
  return {
    report,
    p99: run?.mutating.p99 ?? NaN,
    ratio: run ? ratioOf(run.writesPerSec) : NaN,
    ...(floorRun ? { floorP99: floorRun.mutating.p99, floorRatio: ratioOf(floorRun.writesPerSec) } : {}),
  };
}

function withFloor(c: TargetCheck, transportFloor: number | undefined): TargetCheck {
  return transportFloor === undefined ? c : { ...c, transportFloor };
}

/**
 * Evaluates the targets: mutating p99 < 25 ms at 64 clients on SQLite; API writes/s >= 50% of the
 * raw SQLite floor and of raw etcd puts (64 clients); full pod LIST (JSON and Table) < 300 ms at
 * 10,000 pods; idle VmRSS < 150 MB (read as MiB).
 */
export function evaluateTargets(inputs: TargetInputs): TargetCheck[] {
  const sqlite = run64(inputs.load, 'sqlite');
  const etcd = run64(inputs.load, 'etcd');
  return [
    withFloor(check('mutating p99 at 64 clients, SQLite', sqlite.p99, 25, 'ms', true), sqlite.floorP99),
    withFloor(check('API writes/s vs raw SQLite floor, 64 clients', sqlite.ratio, 50, '%', false), sqlite.floorRatio),
    withFloor(check('API writes/s vs raw etcd puts (64 clients), 64 clients', etcd.ratio, 50, '%', false), etcd.floorRatio),
    check('LIST 10,000 pods as JSON (median of 5)', inputs.listPods?.listJsonMedianMs ?? NaN, 300, 'ms', true),
    check('LIST 10,000 pods as Table (median of 5)', inputs.listPods?.listTableMedianMs ?? NaN, 300, 'ms', true),
    check('idle server VmRSS', inputs.rss ? Math.round((inputs.rss.idleRssKiB / 1024) * 10) / 10 : NaN, 150, 'MiB', true),
  ];
}

/** The targets as markdown table rows (with header). */
export function targetRows(checks: TargetCheck[]): string[] {
  return [
    '| target | measured | limit | result | do-nothing server, same run |',
    '|---|---|---|---|---|',
    ...checks.map((c) => `| ${c.target} | ${Number.isFinite(c.measured) ? `${c.measured} ${c.unit}` : 'not measured'} | ${c.unit === '%' ? '>=' : '<'} ${c.limit} ${c.unit} | ${c.pass ? 'pass' : 'FAIL'} | ${c.transportFloor === undefined ? '-' : `${c.transportFloor} ${c.unit}`} |`),
  ];
}
