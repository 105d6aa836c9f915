/**
 * Cluster scale, the Kubernetes scalability limits on one machine: one `skiff server` (API server,
 * scheduler, controller manager, SQLite) holds N simulated nodes (`skiff agent --simulate N`, a
 * separate process, renewing N node Leases every 10 s) and P pods; then a Deployment scales from 0
 * to R replicas and back to 0 while a probe times mutating API calls.
 *
 *   1. server + agent; wait until N nodes are Ready;
 *   2. fill: P bare pods created through the API (64 in flight), bound round robin at creation
 *      (spec.nodeName) and made Running by the simulated kubelets; wait until all are Running, for
 *      at most 60% of the time left (a partial fill is reported, and step 3 runs at that size);
 *   3. a Deployment `scale-test` (replicas 0) is scaled to R: time until R replicas are ready
 *      (status.readyReplicas); then scaled to 0: time until its pods are gone;
 *   4. throughout step 3, a probe creates, updates and deletes ConfigMaps (5 ops/s) and times each
 *      call; the server's own apiserver_request_duration_seconds for every mutating verb is read
 *      from /metrics before and after step 3 (the Kubernetes SLO: mutating API p99 < 1 s).
 * Reported: times, server and agent VmRSS, probe p50/p99 and the server-side mutating p99 (from
 * histogram buckets, so it is the bucket's upper bound).
 *
 *   node --import tsx bench/scale.ts [nodes=5000] [pods=150000] [replicas=10000]
 *   SKIFF_SCALE_MINUTES bounds the whole run (default 40); SKIFF_BENCH_ONLY=scale npm run bench runs it too.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, readFileSync } from 'node:fs';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { join, resolve } from 'node:path';
import type { KubeObject } from '../src/api/object.ts';
import { findResource } from '../src/api/registry.ts';
import { RestClient } from '../src/client/rest-client.ts';
import { BenchServer, cpuSeconds, vmRssKiB } from './server-process.ts';
import { percentile } from './stats.ts';
import { envNumber, fanOut, isMain, sleep } from './workload.ts';

const REPO = resolve(import.meta.dirname, '..');
const PODS = findResource('', 'v1', 'pods')!;
const NODES = findResource('', 'v1', 'nodes')!;
const NAMESPACES = findResource('', 'v1', 'namespaces')!;
const CONFIGMAPS = findResource('', 'v1', 'configmaps')!;
const DEPLOYMENTS = findResource('apps', 'v1', 'deployments')!;
const FILL_NS = 'scale-fill';
const TEST_NS = 'scale-test';
const PROBE_NS = 'scale-probe';

/** What the scale run measured. */
export interface ScaleResult {
  nodes: number;
  pods: number;
  replicas: number;
  /** Seconds until all nodes were Ready, until all fill pods were Running. */
  nodesReadySeconds: number;
  fillSeconds: number;
  podsRunningAfterFill: number;
  /** Seconds from the scale-up patch until readyReplicas reached `replicas` (NaN if it did not). */
  scaleUpSeconds: number;
  readyReached: number;
  /** Seconds from the scale-down patch until the Deployment's pods were gone (NaN if not). */
  scaleDownSeconds: number;
  serverRssMiB: { idle: number; filled: number; peak: number };
  agentRssMiB: number;
  /** The probe's mutating calls during step 3. */
  probe: { calls: number; failures: number; p50Ms: number; p99Ms: number; maxMs: number };
  /** The bench process's own event-loop delay during step 3 (it delays the probe's answers too). */
  benchLoopDelayMs: { p99: number; max: number };
  /** Server-side mutating requests during step 3: count and p99 upper bound (seconds) overall and per verb/resource. */
  serverMutating: { count: number; p99UpperSeconds: number; worst: { key: string; count: number; p99UpperSeconds: number }[] };
  serverCpuSeconds: number;
  wallSeconds: number;
  completed: boolean;
  notes: string[];
}

/**
 * Counts the pods of a namespace by phase from a list and a watch (no objects kept), re-watching
 * from the last resourceVersion when the server ends the watch and relisting after a 410.
 */
class PhaseCounter {
  running = new Set<string>();
  existing = new Set<string>();
  private stopped = false;
  private stream?: { close(): void };

  async start(client: RestClient, namespace: string): Promise<void> {
    let rv = await this.relist(client, namespace);
    void (async () => {
      while (!this.stopped) {
        try {
          const stream = await client.watch(PODS, { namespace, resourceVersion: rv, allowWatchBookmarks: true });
          this.stream = stream;
          for await (const event of stream) {
            rv = event.object.metadata?.resourceVersion ?? rv;
            if (event.type !== 'BOOKMARK') this.observe(event.type, event.object);
          }
        } catch (err) {
          if (this.stopped) return;
          if ((err as { code?: number }).code === 410) rv = await this.relist(client, namespace).catch(() => rv);
          else await sleep(1000);
        }
      }
    })();
  }

  private async relist(client: RestClient, namespace: string): Promise<string> {
    const list = await client.list(PODS, { namespace, resourceVersion: '0' });
    this.running = new Set();
    this.existing = new Set();
    for (const pod of list.items) this.observe('ADDED', pod);
    return list.metadata.resourceVersion ?? '';
  }

  private observe(type: string, pod: KubeObject): void {
    const name = pod.metadata?.name;
    if (!name) return;
    if (type === 'DELETED') {
      this.existing.delete(name);
      this.running.delete(name);
      return;
    }
    this.existing.add(name);
    if ((pod.status as { phase?: string } | undefined)?.phase === 'Running') this.running.add(name);
    else this.running.delete(name);
  }

  stop(): void {
    this.stopped = true;
    this.stream?.close();
  }
}

/** Times mutating calls (create, update, delete of a ConfigMap) at a steady rate until stopped. */
class MutatingProbe {
  readonly latenciesMs: number[] = [];
  failures = 0;
  /** Failure messages and how often each came. */
  readonly reasons = new Map<string, number>();
  private stopped = false;
  private loop?: Promise<void>;

  start(client: RestClient, opsPerSecond: number): void {
    const interval = 1000 / opsPerSecond;
    this.loop = (async () => {
      for (let i = 0; !this.stopped; i++) {
        const name = `probe-${i % 50}`;
        const started = performance.now();
        try {
          const step = Math.floor(i / 50) % 3;
          if (step === 0) await client.create(CONFIGMAPS, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: PROBE_NS }, data: { v: String(i) } });
          else if (step === 1) await client.patch(CONFIGMAPS, PROBE_NS, name, { data: { v: String(i) } }, { type: 'merge' });
          else await client.delete(CONFIGMAPS, PROBE_NS, name);
          this.latenciesMs.push(performance.now() - started);
        } catch (err) {
          this.failures++;
          const why = `${(err as { code?: number }).code ?? ''} ${(err instanceof Error ? err.message : String(err)).slice(0, 80)}`;
          this.reasons.set(why, (this.reasons.get(why) ?? 0) + 1);
        }
        const wait = interval - (performance.now() - started);
        if (wait > 0) await sleep(wait);
      }
    })();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.loop;
  }
}

type Histograms = Map<string, { buckets: Map<number, number>; count: number }>;

/** apiserver_request_duration_seconds of mutating verbs, summed per verb/resource/subresource. */
async function mutatingHistograms(client: RestClient): Promise<Histograms> {
  const text = (await client.request({ method: 'GET', path: '/metrics', accept: 'text/plain' })).body.toString('utf8');
  const out: Histograms = new Map();
  for (const line of text.split('\n')) {
    if (!line.startsWith('apiserver_request_duration_seconds_bucket{')) continue;
    const labels = Object.fromEntries([...line.matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1], m[2]]));
    if (!['POST', 'PUT', 'PATCH', 'DELETE', 'APPLY'].includes(labels.verb ?? '')) continue;
    const key = `${labels.verb} ${labels.resource}${labels.subresource ? `/${labels.subresource}` : ''}`;
    const entry = out.get(key) ?? { buckets: new Map(), count: 0 };
    const le = labels.le === '+Inf' ? Infinity : Number(labels.le);
    const value = Number(line.slice(line.lastIndexOf(' ') + 1));
    entry.buckets.set(le, (entry.buckets.get(le) ?? 0) + value);
    if (le === Infinity) entry.count += value;
    out.set(key, entry);
  }
  return out;
}

/** The upper bound of the bucket holding the p99 of (after - before), or 0 without samples. */
function p99Upper(buckets: Map<number, number>, before: Map<number, number> | undefined): { count: number; p99: number } {
  const bounds = [...buckets.keys()].sort((a, b) => a - b);
  const delta = bounds.map((le) => (buckets.get(le) ?? 0) - (before?.get(le) ?? 0));
  const count = delta[delta.length - 1] ?? 0;
  if (count <= 0) return { count: 0, p99: 0 };
  const target = count * 0.99;
  const at = delta.findIndex((c) => c >= target);
  return { count, p99: bounds[at] ?? Infinity };
}

function summarize(before: Histograms, after: Histograms): ScaleResult['serverMutating'] {
  const total = new Map<number, number>();
  const totalBefore = new Map<number, number>();
  const perKey: { key: string; count: number; p99UpperSeconds: number }[] = [];
  for (const [key, h] of after) {
    const b = before.get(key)?.buckets;
    for (const [le, v] of h.buckets) {
      total.set(le, (total.get(le) ?? 0) + v);
      totalBefore.set(le, (totalBefore.get(le) ?? 0) + (b?.get(le) ?? 0));
    }
    const { count, p99 } = p99Upper(h.buckets, b);
    if (count > 0) perKey.push({ key, count, p99UpperSeconds: p99 });
  }
  const all = p99Upper(total, totalBefore);
  perKey.sort((x, y) => y.p99UpperSeconds - x.p99UpperSeconds || y.count - x.count);
  return { count: all.count, p99UpperSeconds: all.p99, worst: perKey.slice(0, 6) };
}

function startAgent(server: BenchServer, nodes: number): ChildProcess {
  const token = readFileSync(join(server.dataDir, 'server', 'node-token'), 'utf8').trim();
  const args = ['bin/skiff.js', 'agent', '--server', `https://127.0.0.1:${server.port}`, '--token', token, '--server-ca', join(server.dataDir, 'server', 'tls', 'ca.crt'), '--simulate', String(nodes), '--data-dir', join(server.dataDir, 'agent-sim')];
  const child = spawn(process.execPath, args, { cwd: REPO, stdio: ['ignore', 'ignore', 'pipe'] });
  // SKIFF_BENCH_AGENT_LOG=FILE keeps the agent's log (its informers say when they relist and why).
  const file = process.env.SKIFF_BENCH_AGENT_LOG;
  const out = file ? createWriteStream(file) : undefined;
  child.stderr!.on('data', (chunk: Buffer) => out?.write(chunk));
  child.once('exit', () => out?.end());
  return child;
}

/** Polls `check` every `everyMs` until it returns true or `deadline` (performance.now()) passes. */
async function waitUntil(check: () => boolean | Promise<boolean>, deadline: number, everyMs = 1000): Promise<boolean> {
  while (performance.now() < deadline) {
    // A check whose request failed (a lost answer under load) counts as not yet: the next poll asks again.
    if (await Promise.resolve().then(check).catch(() => false)) return true;
    await sleep(everyMs);
  }
  return false;
}

/** Runs `call` until it succeeds, at most 5 times, retrying failures without an HTTP answer, 429 and 5xx. */
async function retrying<T>(call: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await call();
    } catch (err) {
      const code = (err as { code?: number }).code;
      if (attempt >= 5 || (code !== undefined && code !== 429 && code < 500)) throw err;
      await sleep(500 * attempt);
    }
  }
}

const mib = (kib: number): number => Math.round(kib / 1024);

/** Runs the scale scenario once; every wait is bounded by `minutes` overall. */
export async function benchScale(nodes: number, pods: number, replicas: number, minutes = 40): Promise<ScaleResult> {
  const begin = performance.now();
  const deadline = begin + minutes * 60_000;
  const notes: string[] = [];
  // A pod network with a /24 for every node, as a 5,000-node cluster is configured: the default
  // 10.42.0.0/16 holds 256, and the node IPAM controller retried (and evented) the other 4,744
  // nodes all run long. 10.64.0.0/11 (8,192 /24s) stays clear of the simulated nodes' 10.99.x
  // addresses and their fallback pod ranges in 10.128.0.0/9.
  const extraArgs = nodes > 256 ? ['--cluster-cidr', '10.64.0.0/11'] : [];
  const server = await BenchServer.start({ components: ['scheduler', 'controller-manager'], cpuProfDir: process.env.SKIFF_BENCH_CPU_PROF, extraArgs });
  const client = RestClient.fromKubeconfig(server.kubeconfigPath, { userAgent: 'skiff-bench/0.1.0' });
  let agent: ChildProcess | undefined;
  const counter = new PhaseCounter();
  const result: ScaleResult = {
    nodes, pods, replicas, nodesReadySeconds: NaN, fillSeconds: NaN, podsRunningAfterFill: 0, scaleUpSeconds: NaN, readyReached: 0, scaleDownSeconds: NaN,
    serverRssMiB: { idle: mib(server.rssKiB()), filled: NaN, peak: 0 }, agentRssMiB: NaN,
    probe: { calls: 0, failures: 0, p50Ms: NaN, p99Ms: NaN, maxMs: NaN }, benchLoopDelayMs: { p99: NaN, max: NaN }, serverMutating: { count: 0, p99UpperSeconds: NaN, worst: [] },
    serverCpuSeconds: NaN, wallSeconds: NaN, completed: false, notes,
  };
  const rssTimer = setInterval(() => (result.serverRssMiB.peak = Math.max(result.serverRssMiB.peak, mib(server.rssKiB()))), 2000);
  try {
    for (const name of [FILL_NS, TEST_NS, PROBE_NS]) await client.create(NAMESPACES, { apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
    // 1. nodes
    const t1 = performance.now();
    agent = startAgent(server, nodes);
    const readyNodes = async (): Promise<number> => {
      const list = await client.list(NODES, { resourceVersion: '0' });
      return list.items.filter((n) => ((n.status as { conditions?: { type: string; status: string }[] } | undefined)?.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True')).length;
    };
    if (!(await waitUntil(async () => (await readyNodes()) >= nodes, deadline, 2000))) throw new Error(`only ${await readyNodes()}/${nodes} nodes Ready before the deadline`);
    result.nodesReadySeconds = (performance.now() - t1) / 1000;
    process.stderr.write(`scale: ${nodes} nodes Ready after ${result.nodesReadySeconds.toFixed(0)} s\n`);

    // 2. fill, within 60% of the time left, so the scaling step always gets its turn
    await counter.start(client, FILL_NS);
    const t2 = performance.now();
    const fillDeadline = t2 + (deadline - t2) * 0.6;
    let fillRetries = 0;
    const created = await fanOut(pods, 64, fillDeadline, async (i) => {
      // Pre-bound round robin (spec.nodeName, as a DaemonSet's pods are): the fill only has to exist
      // and run; the scheduler's throughput is scheduler-api.ts's business.
      const nodeName = `skiff-sim-${i % nodes}`;
      const pod = { apiVersion: 'v1', kind: 'Pod', metadata: { name: `fill-${i}`, namespace: FILL_NS }, spec: { nodeName, containers: [{ name: 'app', image: 'registry.k8s.io/pause:3.10' }] } };
      // A create lost in transit (the stream ended before an answer) is tried again, as a client
      // would; 409 then means the first attempt did land. One lost answer must not end the run.
      for (let attempt = 1; ; attempt++) {
        try {
          await client.create(PODS, pod);
          break;
        } catch (err) {
          const code = (err as { code?: number }).code;
          if (code === 409 && attempt > 1) break;
          if (attempt >= 5 || (code !== undefined && code !== 429 && code < 500)) throw err;
          fillRetries++;
          await sleep(500 * attempt);
        }
      }
      if (i % 10_000 === 0) process.stderr.write(`scale: created ${i} pods, ${counter.running.size} Running (${((performance.now() - t2) / 1000).toFixed(0)} s)\n`);
    });
    const allRunning = await waitUntil(() => counter.running.size >= created, fillDeadline, 1000);
    result.podsRunningAfterFill = counter.running.size;
    result.fillSeconds = (performance.now() - t2) / 1000;
    // A partial fill is reported and the run goes on: the scaling step still says how the server behaves at that size.
    if (fillRetries > 0) notes.push(`fill: ${fillRetries} pod creates were retried after a failure without an answer`);
    if (created < pods || !allRunning) notes.push(`fill: created ${created}/${pods}, ${counter.running.size} Running when the fill's share of the time ran out`);
    result.serverRssMiB.filled = mib(server.rssKiB());
    result.agentRssMiB = mib(vmRssKiB(agent.pid ?? -1));
    process.stderr.write(`scale: ${result.podsRunningAfterFill} pods Running after ${result.fillSeconds.toFixed(0)} s; server RSS ${result.serverRssMiB.filled} MiB\n`);

    // 3. scale a Deployment up and down, with the probe running
    const before = await mutatingHistograms(client);
    const serverCpu = cpuSeconds(server.pid);
    const probe = new MutatingProbe();
    // The bench's own event-loop delay during the step: probe latency includes it.
    const lag = monitorEventLoopDelay({ resolution: 20 });
    lag.enable();
    probe.start(client, 5);
    try {
      const labels = { app: 'scale-test' };
      await client.create(DEPLOYMENTS, {
        apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'scale-test', namespace: TEST_NS },
        spec: { replicas: 0, selector: { matchLabels: labels }, template: { metadata: { labels }, spec: { containers: [{ name: 'app', image: 'registry.k8s.io/pause:3.10' }] } } },
      } as KubeObject);
      const deployment = async (): Promise<{ readyReplicas?: number; replicas?: number }> => ((await client.get(DEPLOYMENTS, TEST_NS, 'scale-test')).status ?? {}) as { readyReplicas?: number; replicas?: number };
      const t3 = performance.now();
      await retrying(() => client.patch(DEPLOYMENTS, TEST_NS, 'scale-test', { spec: { replicas } }, { type: 'merge' }));
      let progressAt = t3;
      const up = await waitUntil(async () => {
        const status = await deployment();
        result.readyReached = status.readyReplicas ?? 0;
        // Progress every 30 s: a stall says where it is (no ReplicaSet pods created, created but not Running, ...).
        if (performance.now() - progressAt >= 30_000) {
          progressAt = performance.now();
          process.stderr.write(`scale: scale-up ${((progressAt - t3) / 1000).toFixed(0)} s: status.replicas ${status.replicas ?? 0}, ready ${result.readyReached}; server RSS ${mib(server.rssKiB())} MiB\n`);
        }
        return result.readyReached >= replicas;
      }, deadline, 1000);
      if (up) result.scaleUpSeconds = (performance.now() - t3) / 1000;
      else notes.push(`scale-up: ${result.readyReached}/${replicas} ready before the deadline`);
      process.stderr.write(`scale: scale-up ${up ? `done in ${result.scaleUpSeconds.toFixed(0)} s` : 'incomplete'}\n`);
      const t4 = performance.now();
      await retrying(() => client.patch(DEPLOYMENTS, TEST_NS, 'scale-test', { spec: { replicas: 0 } }, { type: 'merge' }));
      // One item and remainingItemCount: listing (and parsing, in this process, next to the probe) all
      // 10,000 pods every 2 s stalled the bench's own event loop and showed up as probe latency.
      const remaining = async (): Promise<number> => {
        const page = await client.list(PODS, { namespace: TEST_NS, limit: 1 });
        return page.items.length + ((page.metadata as { remainingItemCount?: number }).remainingItemCount ?? 0);
      };
      const down = await waitUntil(async () => (await remaining()) === 0, deadline, 2000);
      if (down) result.scaleDownSeconds = (performance.now() - t4) / 1000;
      else notes.push(`scale-down: ${await remaining()} pods left before the deadline`);
      process.stderr.write(`scale: scale-down ${down ? `done in ${result.scaleDownSeconds.toFixed(0)} s` : 'incomplete'}\n`);
      result.completed = up && down && result.podsRunningAfterFill >= pods;
    } finally {
      await probe.stop();
      lag.disable();
      result.benchLoopDelayMs = { p99: lag.percentile(99) / 1e6, max: lag.max / 1e6 };
      const lat = probe.latenciesMs;
      result.probe = { calls: lat.length, failures: probe.failures, p50Ms: percentile(lat, 50), p99Ms: percentile(lat, 99), maxMs: lat.length ? lat.reduce((a, b) => Math.max(a, b)) : NaN };
      for (const [why, n] of probe.reasons) notes.push(`probe failure x${n}: ${why}`);
      result.serverMutating = summarize(before, await mutatingHistograms(client));
      result.serverCpuSeconds = cpuSeconds(server.pid) - serverCpu;
    }
  } catch (err) {
    notes.push(err instanceof Error ? err.message : String(err));
  } finally {
    clearInterval(rssTimer);
    // An incomplete run says why in the server's own words (informer relists, failed writes).
    if (!result.completed) process.stderr.write(`scale: server log tail:\n${server.recentLogs().slice(-3000)}\n`);
    result.wallSeconds = (performance.now() - begin) / 1000;
    counter.stop();
    client.close();
    if (agent && agent.exitCode === null) agent.kill('SIGKILL');
    await server.stop();
  }
  return result;
}

/** The markdown report of a scale run. */
export function scaleRows(r: ScaleResult): string[] {
  const worst = r.serverMutating.worst.map((w) => `${w.key} ${w.count} calls p99 <= ${w.p99UpperSeconds} s`).join('; ');
  return [
    '| measurement | result |',
    '|---|---|',
    `| simulated nodes Ready | ${r.nodes} in ${r.nodesReadySeconds.toFixed(0)} s |`,
    `| fill pods Running | ${r.podsRunningAfterFill}/${r.pods} in ${r.fillSeconds.toFixed(0)} s |`,
    `| Deployment 0 -> ${r.replicas} ready | ${Number.isNaN(r.scaleUpSeconds) ? `not reached (${r.readyReached} ready)` : `${r.scaleUpSeconds.toFixed(1)} s`} |`,
    `| Deployment ${r.replicas} -> 0 (pods gone) | ${Number.isNaN(r.scaleDownSeconds) ? 'not reached' : `${r.scaleDownSeconds.toFixed(1)} s`} |`,
    `| server VmRSS idle / filled / peak | ${r.serverRssMiB.idle} / ${r.serverRssMiB.filled} / ${r.serverRssMiB.peak} MiB |`,
    `| agent (simulated nodes) VmRSS | ${r.agentRssMiB} MiB |`,
    `| probe mutating calls during scaling | ${r.probe.calls} (${r.probe.failures} failed), p50 ${r.probe.p50Ms.toFixed(0)} ms, p99 ${r.probe.p99Ms.toFixed(0)} ms, max ${r.probe.maxMs.toFixed(0)} ms |`,
    `| bench's own event-loop delay during scaling | p99 ${r.benchLoopDelayMs.p99.toFixed(0)} ms, max ${r.benchLoopDelayMs.max.toFixed(0)} ms |`,
    `| all mutating requests during scaling (server histogram) | ${r.serverMutating.count}, p99 <= ${r.serverMutating.p99UpperSeconds} s |`,
    `| slowest kinds (server histogram) | ${worst} |`,
    `| server CPU during scaling | ${r.serverCpuSeconds.toFixed(0)} s |`,
    `| whole run | ${r.wallSeconds.toFixed(0)} s, ${r.completed ? 'completed' : 'INCOMPLETE'} |`,
    ...r.notes.map((n) => `| note | ${n} |`),
  ];
}

if (isMain(import.meta.url)) {
  const [nodes, pods, replicas] = [Number(process.argv[2] ?? 5000), Number(process.argv[3] ?? 150_000), Number(process.argv[4] ?? 10_000)];
  const result = await benchScale(nodes, pods, replicas, envNumber('SKIFF_SCALE_MINUTES', 40));
  console.log(scaleRows(result).join('\n'));
  process.exit(result.completed ? 0 : 1);
}
