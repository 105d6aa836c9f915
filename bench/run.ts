/**
 * `npm run bench`: runs every benchmark in sequence (each on a fresh server), prints one markdown
 * report with the targets, and writes the raw results as JSON to /tmp/skiff-bench/latest.json
 * (SKIFF_BENCH_OUT overrides; kept out of the repo). A benchmark that throws is reported as failed
 * and the rest still run.
 *
 * Knobs for quick runs: SKIFF_BENCH_SECONDS, SKIFF_BENCH_FLOOR_SECONDS, SKIFF_BENCH_PODS,
 * SKIFF_BENCH_WATCHERS, SKIFF_BENCH_ONLY=load,read,watch,pods,rss,node (node: pod startup on a real
 * agent, needs root; SKIFF_BENCH_NODE_PODS, default 100) (also: sched, the scheduler_perf
 * shapes of scheduler-api.ts, and scale, the 5,000-node / 150,000-pod run of scale.ts, which
 * takes 15-40 minutes; neither is in the default set); SKIFF_BENCH_CPU_PROF=DIR runs
 * the servers under `node --cpu-prof`.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { dirname } from 'node:path';
import { LOAD_HEADER, benchApiLoad, loadRows, type StoreLoadReport } from './api-load.ts';
import { READ_HEADER, benchApiRead, readRows, type ReadReport } from './api-read.ts';
import { WATCH_HEADER, benchWatchLatency, watchRow, type WatchResult } from './watch-latency.ts';
import { LIST_PODS_HEADER, benchListPods, listPodsRows, type ListPodsResult } from './list-pods.ts';
import { benchIdleRss, rssRow, type RssResult } from './idle-rss.ts';
import { evaluateTargets, targetRows, type TargetCheck } from './targets.ts';
import { CASES, SCHEDULER_API_HEADER, benchSchedulerApi, schedulerApiRow, type SchedulerApiResult } from './scheduler-api.ts';
import { benchScale, scaleRows, type ScaleResult } from './scale.ts';
import { benchPodStartup, podStartupRows, type PodStartupResult } from './pod-startup.ts';
import { envNumber } from './workload.ts';

/** Everything one `npm run bench` measured. */
export interface BenchResults {
  date: string;
  /** `loadavg` at start and end: the 2 cores may be shared with other work, which skews results. */
  machine: { cpus: number; cpuModel: string; memoryGiB: number; node: string; loadavgStart: number[]; loadavgEnd: number[] };
  load: StoreLoadReport[];
  read?: ReadReport;
  watch?: WatchResult;
  listPods?: ListPodsResult;
  rss?: RssResult;
  sched?: SchedulerApiResult[];
  scale?: ScaleResult;
  node?: PodStartupResult;
  targets: TargetCheck[];
  failures: Record<string, string>;
  /** Wall time and the load generator's own CPU time per step: the client shares the 2 cores. */
  steps: { name: string; wallSeconds: number; clientCpuSeconds: number }[];
}

const OUT = process.env.SKIFF_BENCH_OUT ?? '/tmp/skiff-bench/latest.json';
const ONLY = new Set((process.env.SKIFF_BENCH_ONLY ?? 'load,read,watch,pods,rss,node').split(',').map((s) => s.trim()));

const steps: BenchResults['steps'] = [];

async function step<T>(name: string, failures: Record<string, string>, fn: () => Promise<T>): Promise<T | undefined> {
  if (!ONLY.has(name)) return undefined;
  const started = Date.now();
  const cpu = process.cpuUsage();
  process.stderr.write(`bench: ${name} ...\n`);
  try {
    const result = await fn();
    const used = process.cpuUsage(cpu);
    const wallSeconds = (Date.now() - started) / 1000;
    const clientCpuSeconds = Math.round((used.user + used.system) / 1e4) / 100;
    steps.push({ name, wallSeconds, clientCpuSeconds });
    process.stderr.write(`bench: ${name} done in ${wallSeconds.toFixed(1)} s (load generator used ${clientCpuSeconds} s CPU)\n`);
    return result;
  } catch (err) {
    failures[name] = err instanceof Error ? err.message : String(err);
    process.stderr.write(`bench: ${name} FAILED: ${failures[name]}\n`);
    return undefined;
  }
}

/** Runs all benchmarks and returns their results (also written to the JSON file). */
export async function runAll(): Promise<BenchResults> {
  const loadavgStart = loadavg().map((x) => Math.round(x * 100) / 100);
  const failures: Record<string, string> = {};
  const load: StoreLoadReport[] = [];
  for (const store of ['sqlite', 'etcd'] as const) {
    const report = await step('load', failures, () => benchApiLoad(store));
    if (report) load.push(report);
  }
  const read = await step('read', failures, () => benchApiRead('sqlite'));
  const watch = await step('watch', failures, () => benchWatchLatency('sqlite'));
  const listPods = await step('pods', failures, () => benchListPods('sqlite'));
  const rss = await step('rss', failures, () => benchIdleRss('sqlite', 10, 0));
  if (rss && listPods) {
    rss.pods = listPods.podsCreated;
    rss.rssAfterPodsKiB = listPods.rssAfterPodsKiB;
  }
  const sched = await step('sched', failures, async () => {
    const out: SchedulerApiResult[] = [];
    for (const c of CASES) out.push(await benchSchedulerApi(c));
    return out;
  });
  const node = await step('node', failures, () => benchPodStartup(envNumber('SKIFF_BENCH_NODE_PODS', 100)));
  const scale = await step('scale', failures, () => benchScale(5000, 150_000, 10_000, envNumber('SKIFF_SCALE_MINUTES', 40)));
  const cpu = cpus();
  return {
    date: new Date().toISOString(),
    machine: { cpus: cpu.length, cpuModel: cpu[0]?.model ?? 'unknown', memoryGiB: Math.round(totalmem() / 2 ** 30), node: process.version, loadavgStart, loadavgEnd: loadavg().map((x) => Math.round(x * 100) / 100) },
    load,
    read,
    watch,
    listPods,
    rss,
    sched,
    node,
    scale,
    targets: evaluateTargets({ load, listPods, rss }),
    failures,
    steps,
  };
}

/** The markdown report of a run. */
export function markdown(r: BenchResults): string {
  const parts = [`# skiff benchmarks, ${r.date}`, `${r.machine.cpus} × ${r.machine.cpuModel}, ${r.machine.memoryGiB} GiB, Node ${r.machine.node}; load average ${r.machine.loadavgStart[0]} at start, ${r.machine.loadavgEnd[0]} at end`, ''];
  if (r.load.length) parts.push('## API load mix (ConfigMaps, 20% create / 50% update / 20% delete / 10% list)', ...LOAD_HEADER, ...r.load.flatMap(loadRows), '');
  if (r.read) parts.push('## Reads', ...READ_HEADER, ...readRows(r.read), '');
  if (r.watch) parts.push('## Watch fan-out latency', ...WATCH_HEADER, watchRow(r.watch), '');
  if (r.listPods || r.rss) {
    parts.push('## Pods and memory', ...LIST_PODS_HEADER);
    if (r.listPods) parts.push(...listPodsRows(r.listPods));
    if (r.rss) parts.push(rssRow(r.rss));
    parts.push('');
  }
  if (r.sched) parts.push('## Scheduler through the API (scheduler_perf shapes)', ...SCHEDULER_API_HEADER, ...r.sched.map(schedulerApiRow), '');
  if (r.node) parts.push('## Pod startup on a real node (containerd, runc, CNI)', ...podStartupRows(r.node), '');
  if (r.scale) parts.push('## Scale (simulated nodes, pods, a Deployment 0 -> 10,000 -> 0)', ...scaleRows(r.scale), '');
  parts.push('## Targets', ...targetRows(r.targets), '');
  for (const [name, why] of Object.entries(r.failures)) parts.push(`- ${name} failed: ${why.split('\n')[0]}`);
  return parts.join('\n');
}

const results = await runAll();
mkdirSync(dirname(OUT), { recursive: true });
writeFileSync(OUT, JSON.stringify(results, null, 2));
console.log(markdown(results));
console.log(`\nraw results: ${OUT}`);
