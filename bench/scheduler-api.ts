/**
 * Scheduler throughput through the real API, in the shape of Kubernetes' scheduler_perf
 * SchedulingBasic: N Node objects (no kubelet, as scheduler_perf does), M pending pods with small
 * requests created while the scheduler is off, then the scheduler (the same code `skiff server`
 * runs) starts in this process and binds them all through `pods/binding`. Reported: pods/s from
 * the scheduler's start to the last bind seen by a watch.
 *
 *   node --import tsx bench/scheduler-api.ts [nodes] [pods]     (default 5000 10000)
 */
import { RestClient } from '../src/client/rest-client.ts';
import { findResource } from '../src/api/registry.ts';
import { SharedInformerFactory } from '../src/machinery/informer-factory.ts';
import { startScheduler } from '../src/cli/scheduler.ts';
import { TestCluster } from '../test/e2e/harness.ts';
import { fanOut, isMain } from './workload.ts';

const NODES = findResource('', 'v1', 'nodes')!;
const PODS = findResource('', 'v1', 'pods')!;

function node(name: string): Record<string, unknown> {
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name, labels: { 'kubernetes.io/hostname': name, 'topology.kubernetes.io/zone': `zone-${name.length % 3}` } },
    status: {
      capacity: { cpu: '4', memory: '32Gi', pods: '110' },
      allocatable: { cpu: '4', memory: '32Gi', pods: '110' },
      conditions: [{ type: 'Ready', status: 'True', reason: 'KubeletReady', lastHeartbeatTime: new Date().toISOString(), lastTransitionTime: new Date().toISOString() }],
    },
  };
}

function pod(i: number): Record<string, unknown> {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: `pod-${i}`, namespace: 'default' },
    spec: { containers: [{ name: 'pause', image: 'registry.k8s.io/pause:3.10', resources: { requests: { cpu: '100m', memory: '500Mi' } } }] },
  };
}

export interface SchedulerApiResult {
  nodes: number;
  pods: number;
  bound: number;
  seconds: number;
  podsPerSecond: number;
  createPerSecond: number;
}

/** Runs one SchedulingBasic case against a fresh server. */
export async function benchSchedulerApi(nodeCount: number, podCount: number): Promise<SchedulerApiResult> {
  const cluster = await TestCluster.start('sqlite', ['--disable-scheduler', '--disable-controller-manager']);
  const client = RestClient.fromKubeconfig(cluster.kubeconfig, { userAgent: 'skiff-bench/0.1.0' });
  const abort = new AbortController();
  try {
    const deadline = performance.now() + 600_000;
    await fanOut(nodeCount, 32, deadline, async (i) => {
      await client.create(NODES, node(`node-${i}`) as never);
    });
    const createStart = performance.now();
    await fanOut(podCount, 64, deadline, async (i) => {
      await client.create(PODS, pod(i) as never, { namespace: 'default' });
    });
    const createPerSecond = podCount / ((performance.now() - createStart) / 1000);

    // Count binds through a watch of pods (the way scheduler_perf observes them).
    let bound = 0;
    const allBound = new Promise<void>((resolve) => {
      const seen = new Set<string>();
      void (async () => {
        const stream = await client.watch(PODS, { namespace: 'default' });
        abort.signal.addEventListener('abort', () => stream.close(), { once: true });
        for await (const event of stream) {
          const spec = event.object.spec as { nodeName?: string } | undefined;
          if (spec?.nodeName && !seen.has(event.object.metadata.name!)) {
            seen.add(event.object.metadata.name!);
            bound = seen.size;
            if (bound >= podCount) return resolve();
          }
        }
      })().catch(() => resolve());
    });
    const schedulerClient = RestClient.fromKubeconfig(cluster.kubeconfig, { userAgent: 'skiff-scheduler/0.1.0' });
    const factory = new SharedInformerFactory(schedulerClient);
    const started = performance.now();
    await startScheduler(schedulerClient, factory, abort.signal, { leaderElect: false });
    await Promise.race([allBound, new Promise((r) => setTimeout(r, 600_000))]);
    const seconds = (performance.now() - started) / 1000;
    factory.shutdown();
    schedulerClient.close();
    return { nodes: nodeCount, pods: podCount, bound, seconds, podsPerSecond: bound / seconds, createPerSecond };
  } finally {
    abort.abort();
    client.close();
    await cluster.stop();
  }
}

if (isMain(import.meta.url)) {
  const nodes = Number(process.argv[2] ?? 5000);
  const pods = Number(process.argv[3] ?? 10000);
  const result = await benchSchedulerApi(nodes, pods);
  console.log(`| nodes | pods | bound | seconds | pods/s scheduled | pods/s created |`);
  console.log(`|---|---|---|---|---|---|`);
  console.log(`| ${result.nodes} | ${result.pods} | ${result.bound} | ${result.seconds.toFixed(1)} | ${result.podsPerSecond.toFixed(0)} | ${result.createPerSecond.toFixed(0)} |`);
  process.exit(0);
}
