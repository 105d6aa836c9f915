/**
 * Scheduler throughput through the real API, in the shapes of Kubernetes' scheduler_perf
 * (test/integration/scheduler_perf): SchedulingBasic, SchedulingPodAntiAffinity,
 * SchedulingPodAffinity and TopologySpreading. Like scheduler_perf, nodes are Node objects without a
 * kubelet (node-default: 4 cpu, 32Gi, 110 pods) and pods are created through the API. Unlike it,
 * the measured pods are created while no scheduler runs, so creation does not limit the rate:
 *
 *   1. nodes, then the init pods; a scheduler binds the init pods and stops;
 *   2. the measured pods are created (pending);
 *   3. a fresh scheduler (the code `skiff server` runs, here in this process, talking HTTPS to a
 *      separate `skiff server` process) starts; the time from its start (informer lists included)
 *      to the last measured pod seen bound by its pod informer gives pods/s.
 *
 * Server and scheduler CPU seconds of step 3 are reported, so one can see which side is the limit,
 * and when the scheduler's Events (written at a trickle while it binds a backlog) were all written.
 *
 *   node --import tsx bench/scheduler-api.ts [case-substring ...]    (default: every case)
 *   node --import tsx bench/scheduler-api.ts NODES PODS              (a SchedulingBasic of that size)
 *   SKIFF_BENCH_CPU_PROF=DIR also writes .cpuprofile files of the server and of this process.
 */
import { Session } from 'node:inspector/promises';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { KubeObject } from '../src/api/object.ts';
import { findResource } from '../src/api/registry.ts';
import { RestClient } from '../src/client/rest-client.ts';
import { ApiEventRecorder } from '../src/machinery/event-recorder.ts';
import { SharedInformerFactory } from '../src/machinery/informer-factory.ts';
import { Scheduler } from '../src/scheduler/scheduler.ts';
import { BenchServer, cpuSeconds } from './server-process.ts';
import { fanOut, isMain } from './workload.ts';

const NODES = findResource('', 'v1', 'nodes')!;
const PODS = findResource('', 'v1', 'pods')!;
const NAMESPACES = findResource('', 'v1', 'namespaces')!;
const PHASE_TIMEOUT_MS = 300_000;

/** One scheduler_perf workload. */
export interface SchedulerCase {
  name: string;
  nodes: number;
  initPods: number;
  measurePods: number;
  /** Values of topology.kubernetes.io/zone, assigned round robin (scheduler_perf's labelNodePrepareStrategy). */
  zones: string[];
  initNamespace: string;
  measureNamespace: string;
  initPod: (name: string) => KubeObject;
  measurePod: (name: string) => KubeObject;
}

const CONTAINER = { name: 'pause', image: 'registry.k8s.io/pause:3.10', ports: [{ containerPort: 80 }], resources: { limits: { cpu: '100m', memory: '500Mi' }, requests: { cpu: '100m', memory: '500Mi' } } };

function podTemplate(name: string, labels: Record<string, string> | undefined, spec: Record<string, unknown> = {}): KubeObject {
  return { apiVersion: 'v1', kind: 'Pod', metadata: { name, labels }, spec: { ...spec, containers: [CONTAINER] } };
}

/** templates/pod-default.yaml */
const defaultPod = (name: string): KubeObject => podTemplate(name, undefined);
/** templates/pod-with-pod-anti-affinity.yaml */
const antiAffinityPod = (name: string): KubeObject =>
  podTemplate(name, { color: 'green' }, { affinity: { podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [{ labelSelector: { matchLabels: { color: 'green' } }, topologyKey: 'kubernetes.io/hostname', namespaces: ['sched-1', 'sched-0'] }] } } });
/** templates/pod-with-pod-affinity.yaml */
const affinityPod = (name: string): KubeObject =>
  podTemplate(name, { color: 'blue' }, { affinity: { podAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [{ labelSelector: { matchLabels: { color: 'blue' } }, topologyKey: 'topology.kubernetes.io/zone', namespaces: ['sched-1', 'sched-0'] }] } } });
/** templates/pod-with-topology-spreading.yaml */
const spreadingPod = (name: string): KubeObject =>
  podTemplate(name, { color: 'blue' }, { topologySpreadConstraints: [{ maxSkew: 5, topologyKey: 'topology.kubernetes.io/zone', whenUnsatisfiable: 'DoNotSchedule', labelSelector: { matchLabels: { color: 'blue' } } }] });

/** A SchedulingBasic workload (misc/performance-config.yaml) of the given size. */
export function basicCase(nodes: number, initPods: number, measurePods: number): SchedulerCase {
  return { name: `SchedulingBasic/${nodes}Nodes_${measurePods}Pods`, nodes, initPods, measurePods, zones: [], initNamespace: 'sched-0', measureNamespace: 'sched-1', initPod: defaultPod, measurePod: defaultPod };
}

/** The cases run by default, with scheduler_perf's parameters (its CI threshold in the comment). */
export const CASES: SchedulerCase[] = [
  basicCase(5000, 1000, 10000), // threshold 680
  basicCase(1000, 1000, 10000),
  // affinity/performance-config.yaml, 5000Nodes_2000Pods, threshold 60
  { name: 'SchedulingPodAntiAffinity/5000Nodes_2000Pods', nodes: 5000, initPods: 1000, measurePods: 2000, zones: [], initNamespace: 'sched-0', measureNamespace: 'sched-1', initPod: antiAffinityPod, measurePod: antiAffinityPod },
  // affinity/performance-config.yaml, 5000Nodes_5000Pods, threshold 35 (every node in zone1)
  { name: 'SchedulingPodAffinity/5000Nodes_5000Pods', nodes: 5000, initPods: 5000, measurePods: 5000, zones: ['zone1'], initNamespace: 'sched-0', measureNamespace: 'sched-1', initPod: affinityPod, measurePod: affinityPod },
  // topology_spreading/performance-config.yaml, 5000Nodes_5000Pods, threshold 460
  { name: 'TopologySpreading/5000Nodes_5000Pods', nodes: 5000, initPods: 5000, measurePods: 5000, zones: ['moon-1', 'moon-2', 'moon-3'], initNamespace: 'sched-0', measureNamespace: 'sched-1', initPod: defaultPod, measurePod: spreadingPod },
];

/** templates/node-default.yaml, with the case's zone label. */
function node(name: string, zone: string | undefined): KubeObject {
  const labels: Record<string, string> = { 'kubernetes.io/hostname': name };
  if (zone) labels['topology.kubernetes.io/zone'] = zone;
  const now = new Date().toISOString();
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name, labels },
    status: {
      capacity: { cpu: '4', memory: '32Gi', pods: '110' },
      allocatable: { cpu: '4', memory: '32Gi', pods: '110' },
      conditions: [{ type: 'Ready', status: 'True', reason: 'KubeletReady', lastHeartbeatTime: now, lastTransitionTime: now }],
    },
  };
}

/** What one case measured. */
export interface SchedulerApiResult {
  name: string;
  nodes: number;
  initPods: number;
  pods: number;
  bound: number;
  /** From the scheduler's start to the last measured pod seen bound. */
  seconds: number;
  podsPerSecond: number;
  /** From the scheduler's start until its Events (one Scheduled per pod) were all written. */
  eventsSeconds: number;
  eventsDropped: number;
  /** Rate of creating the measured pods (no scheduler running). */
  createPerSecond: number;
  /** CPU seconds used until the last bind by the server process and by this (scheduler) process. */
  serverCpuSeconds: number;
  schedulerCpuSeconds: number;
  /** Mutating requests the server answered during the run (events included), by "VERB resource code". */
  writes: Record<string, number>;
}

/** What schedule() saw: binds counted, and when everything was bound and its Events written. */
interface ScheduleRun {
  bound: number;
  /** Milliseconds from start to the last bind, and to the last Event written. */
  boundMs: number;
  eventsMs: number;
  eventsDropped: number;
  /** CPU seconds of this process and of the server process (when `serverPid` was given) at the last bind. */
  ownCpuSeconds: number;
  serverCpuSeconds: number;
}

/**
 * Runs the scheduler (the code `skiff server` runs, no leader election) until `n` pods of
 * `namespace` are seen bound, or the timeout, then until its Events are written. Binds are
 * counted from the scheduler's own pod informer, as scheduler_perf counts them from an informer
 * in its process (a second watch would make this process decode every pod twice).
 */
async function schedule(kubeconfig: string, namespace: string, n: number, serverPid = -1): Promise<ScheduleRun> {
  const ownCpu = process.cpuUsage();
  const serverCpu = cpuSeconds(serverPid);
  const started = performance.now();
  const client = RestClient.fromKubeconfig(kubeconfig, { userAgent: 'skiff-scheduler/0.1.0' });
  const factory = new SharedInformerFactory(client);
  const abort = new AbortController();
  // The recorder the scheduler would create itself, kept here to see when its Events are written.
  const recorder = new ApiEventRecorder(client, { component: 'default-scheduler' });
  // What went wrong, counted by message: a failed bind or write shows up here rather than as a slow run.
  const problems = new Map<string, number>();
  const log = (msg: string, extra?: Record<string, unknown>): void => {
    const key = `${msg}: ${String(extra?.error ?? '').slice(0, 120)}`;
    problems.set(key, (problems.get(key) ?? 0) + 1);
  };
  const scheduler = new Scheduler(client, factory, { recorder, log });
  let bound = 0;
  let resolveAll!: () => void;
  const allBound = new Promise<void>((resolve) => (resolveAll = resolve));
  const isBound = (pod: KubeObject): boolean => pod.metadata.namespace === namespace && !!(pod.spec as { nodeName?: string } | undefined)?.nodeName;
  const count = (): void => {
    if (++bound >= n) resolveAll();
  };
  factory.informerFor(PODS).addEventHandler({
    onAdd: (pod) => isBound(pod) && count(),
    onUpdate: (old, pod) => isBound(pod) && !isBound(old) && count(),
  });
  const done = scheduler.run(abort.signal);
  const timer = setTimeout(resolveAll, PHASE_TIMEOUT_MS);
  try {
    await allBound;
    const boundMs = performance.now() - started;
    const own = process.cpuUsage(ownCpu);
    const serverCpuSeconds = cpuSeconds(serverPid) - serverCpu;
    const counted = bound;
    await recorder.flush();
    return { bound: counted, boundMs, eventsMs: performance.now() - started, eventsDropped: recorder.droppedEvents, ownCpuSeconds: (own.user + own.system) / 1e6, serverCpuSeconds };
  } finally {
    clearTimeout(timer);
    abort.abort();
    await done;
    factory.shutdown();
    client.close();
    for (const [what, n] of problems) process.stderr.write(`scheduler log x${n}: ${what}\n`);
  }
}

async function createPods(client: RestClient, namespace: string, count: number, prefix: string, make: (name: string) => KubeObject): Promise<void> {
  const created = await fanOut(count, 64, performance.now() + PHASE_TIMEOUT_MS, async (i) => {
    await client.create(PODS, make(`${prefix}-${i}`), { namespace });
  });
  if (created < count) throw new Error(`created only ${created}/${count} pods in ${namespace}`);
}

/** apiserver_request_total summed by "VERB resource[/subresource] code", from the server's /metrics. */
async function requestCounts(client: RestClient): Promise<Map<string, number>> {
  const text = (await client.request({ method: 'GET', path: '/metrics', accept: 'text/plain' })).body.toString('utf8');
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (!line.startsWith('apiserver_request_total{')) continue;
    const labels = Object.fromEntries([...line.matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1], m[2]]));
    if (!['POST', 'PUT', 'PATCH', 'DELETE'].includes(labels.verb ?? '')) continue;
    const key = `${labels.verb} ${labels.resource}${labels.subresource ? `/${labels.subresource}` : ''} ${labels.code}`;
    out.set(key, (out.get(key) ?? 0) + Number(line.slice(line.lastIndexOf(' ') + 1)));
  }
  return out;
}

/** Runs one case against a fresh server. */
export async function benchSchedulerApi(c: SchedulerCase, cpuProfDir?: string): Promise<SchedulerApiResult> {
  const server = await BenchServer.start({ cpuProfDir });
  const kubeconfig = server.kubeconfigPath;
  const client = RestClient.fromKubeconfig(kubeconfig, { userAgent: 'skiff-bench/0.1.0' });
  try {
    for (const ns of new Set([c.initNamespace, c.measureNamespace])) await client.create(NAMESPACES, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } });
    await fanOut(c.nodes, 32, performance.now() + PHASE_TIMEOUT_MS, async (i) => {
      await client.create(NODES, node(`node-${i}`, c.zones.length ? c.zones[i % c.zones.length] : undefined));
    });
    if (c.initPods > 0) {
      await createPods(client, c.initNamespace, c.initPods, 'init', c.initPod);
      const { bound: initBound } = await schedule(kubeconfig, c.initNamespace, c.initPods);
      if (initBound < c.initPods) throw new Error(`init pods: only ${initBound}/${c.initPods} bound`);
    }
    const createStart = performance.now();
    await createPods(client, c.measureNamespace, c.measurePods, 'pod', c.measurePod);
    const createPerSecond = c.measurePods / ((performance.now() - createStart) / 1000);

    const profiler = cpuProfDir ? await startProfile() : undefined;
    const countsBefore = await requestCounts(client);
    const run = await schedule(kubeconfig, c.measureNamespace, c.measurePods, server.pid);
    const writes = [...(await requestCounts(client))].map(([k, v]) => [k, v - (countsBefore.get(k) ?? 0)] as const).filter(([, v]) => v > 0);
    if (profiler) await profiler.stop(join(cpuProfDir!, `scheduler-${c.name.replace(/\W+/g, '_')}.cpuprofile`));
    const seconds = run.boundMs / 1000;
    return {
      name: c.name,
      nodes: c.nodes,
      initPods: c.initPods,
      pods: c.measurePods,
      bound: run.bound,
      seconds,
      podsPerSecond: run.bound / seconds,
      eventsSeconds: run.eventsMs / 1000,
      eventsDropped: run.eventsDropped,
      createPerSecond,
      serverCpuSeconds: run.serverCpuSeconds,
      schedulerCpuSeconds: run.ownCpuSeconds,
      writes: Object.fromEntries(writes),
    };
  } catch (err) {
    throw server.explain(err);
  } finally {
    client.close();
    await server.stop();
  }
}

/** Profiles this process (the scheduler side) with the inspector, as `--cpu-prof` would. */
async function startProfile(): Promise<{ stop: (file: string) => Promise<void> }> {
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.start');
  return {
    async stop(file) {
      const { profile } = await session.post('Profiler.stop');
      mkdirSync(join(file, '..'), { recursive: true });
      writeFileSync(file, JSON.stringify(profile));
      session.disconnect();
    },
  };
}

/** Markdown table header of the results. */
export const SCHEDULER_API_HEADER = [
  '| case | nodes | init pods | measured pods | bound | seconds | pods/s | server CPU s | scheduler CPU s | events written after s (dropped) | create pods/s |',
  '|---|---|---|---|---|---|---|---|---|---|---|',
];

/** One markdown row. */
export function schedulerApiRow(r: SchedulerApiResult): string {
  return `| ${r.name} | ${r.nodes} | ${r.initPods} | ${r.pods} | ${r.bound} | ${r.seconds.toFixed(1)} | ${r.podsPerSecond.toFixed(0)} | ${r.serverCpuSeconds.toFixed(1)} | ${r.schedulerCpuSeconds.toFixed(1)} | ${r.eventsSeconds.toFixed(1)} (${r.eventsDropped}) | ${r.createPerSecond.toFixed(0)} |`;
}

if (isMain(import.meta.url)) {
  const args = process.argv.slice(2);
  const cases = /^\d+$/.test(args[0] ?? '') ? [basicCase(Number(args[0]), 0, Number(args[1] ?? 10000))] : CASES.filter((c) => args.length === 0 || args.some((a) => c.name.includes(a)));
  console.log(SCHEDULER_API_HEADER.join('\n'));
  for (const c of cases) {
    try {
      const r = await benchSchedulerApi(c, process.env.SKIFF_BENCH_CPU_PROF);
      console.log(schedulerApiRow(r));
      process.stderr.write(`${c.name} writes: ${JSON.stringify(r.writes)}\n`);
    } catch (err) {
      console.log(`| ${c.name} | FAILED: ${(err instanceof Error ? err.message : String(err)).split('\n')[0]} |`);
    }
  }
  process.exit(0);
}
