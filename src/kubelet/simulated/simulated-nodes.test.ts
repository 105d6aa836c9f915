import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as delay } from 'node:timers/promises';
import type { KubeObject } from '../../api/object.ts';
import { findResource } from '../../api/registry.ts';
import { FakeClient } from '../../client/fake-client.ts';
import { SimulatedNodes } from './simulated-nodes.ts';
import { normalizeImage, type SimPod } from './pod-status.ts';
import { PodIpPool } from './ip-pool.ts';
import { TimerWheel } from './timer-wheel.ts';
import { parseKeyValues, parseTaints } from './node-template.ts';

const NODES = findResource('', 'v1', 'nodes')!;
const PODS = findResource('', 'v1', 'pods')!;
const LEASES = findResource('coordination.k8s.io', 'v1', 'leases')!;
const T0 = Date.parse('2025-01-01T00:00:00Z');

async function until<T>(check: () => Promise<T | undefined | false>, what: string): Promise<T> {
  const deadline = Date.now() + 3000;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await delay(5);
  }
}

function pod(name: string, node: string, extra: { restartPolicy?: string; annotations?: Record<string, string> } = {}): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { namespace: 'default', name, annotations: extra.annotations },
    spec: { nodeName: node, restartPolicy: extra.restartPolicy ?? 'Always', containers: [{ name: 'main', image: 'nginx' }, { name: 'a-side', image: 'registry.k8s.io/pause:3.9' }] },
    status: { phase: 'Pending', qosClass: 'BestEffort' },
  };
}

/** A simulator over a FakeClient with a fake clock; `advance` moves time and runs due timers. */
async function harness(count = 2, podCIDRWaitMs = 0) {
  const client = new FakeClient();
  let now = T0;
  const sim = new SimulatedNodes({ client, count, podCIDRWaitMs, now: () => now, manualTimers: true, template: { taints: parseTaints('dedicated=sim:NoSchedule'), labels: { zone: 'a' } } });
  await sim.start();
  const get = (name: string) => client.get<SimPod>(PODS, 'default', name);
  return {
    client,
    sim,
    get,
    async advance(ms: number) {
      now += ms;
      sim.tick();
      await sim.idle();
    },
    phase: (name: string, phase: string) => until(async () => ((await get(name)).status?.phase === phase ? get(name) : undefined), `${name} ${phase}`),
  };
}

describe('helpers', () => {
  test('image references are normalized as the kubelet reports them', () => {
    assert.equal(normalizeImage('nginx').image, 'docker.io/library/nginx:latest');
    assert.equal(normalizeImage('bitnami/redis:7').image, 'docker.io/bitnami/redis:7');
    assert.equal(normalizeImage('registry.k8s.io/pause:3.9').image, 'registry.k8s.io/pause:3.9');
    assert.match(normalizeImage('nginx').imageID, /^docker\.io\/library\/nginx@sha256:[0-9a-f]{64}$/);
  });

  test('pod IPs skip the network and gateway addresses and are reused after release', () => {
    const pool = new PodIpPool('10.42.3.0/24');
    assert.equal(pool.allocate('a'), '10.42.3.2');
    assert.equal(pool.allocate('a'), '10.42.3.2', 'same owner, same address');
    assert.equal(pool.allocate('b'), '10.42.3.3');
    pool.release('a');
    assert.equal(pool.allocate('c'), '10.42.3.2');
    assert.equal(pool.adopt('d', '10.42.3.3'), false, 'taken');
    assert.equal(new PodIpPool('10.0.0.0/30').allocate('x'), '10.0.0.2');
  });

  test('the timer wheel runs due tasks in order and lets a key be rescheduled', () => {
    let now = 0;
    const wheel = new TimerWheel({ now: () => now, manual: true });
    const ran: string[] = [];
    wheel.schedule('a', 20, () => ran.push('a'));
    wheel.schedule('b', 10, () => ran.push('b'));
    wheel.schedule('a', 30, () => ran.push('a2'));
    now = 25;
    assert.equal(wheel.runDue(), 1);
    now = 30;
    wheel.runDue();
    assert.deepEqual(ran, ['b', 'a2']);
    assert.equal(wheel.size, 0);
  });

  test('flag parsing of labels, capacity and taints', () => {
    assert.deepEqual(parseKeyValues('cpu=8, memory=16Gi'), { cpu: '8', memory: '16Gi' });
    assert.deepEqual(parseTaints('a=b:NoSchedule,c:NoExecute'), [{ key: 'a', value: 'b', effect: 'NoSchedule' }, { key: 'c', effect: 'NoExecute' }]);
    assert.throws(() => parseTaints('a=b:Sometimes'), /effect/);
    assert.throws(() => parseKeyValues('novalue'), /key=value/);
  });
});

describe('SimulatedNodes', () => {
  test('registers Ready nodes that look like a kubelet\'s and renews their leases', async () => {
    const h = await harness(2);
    const node = await h.client.get(NODES, undefined, 'skiff-sim-1');
    const labels = node.metadata.labels!;
    assert.equal(labels['kubernetes.io/hostname'], 'skiff-sim-1');
    assert.equal(labels['kubernetes.io/os'], 'linux');
    assert.equal(labels['node.kubernetes.io/instance-type'], 'skiff-sim');
    assert.equal(labels.type, 'simulated');
    assert.equal(labels.zone, 'a');
    assert.deepEqual((node.spec as { taints: unknown }).taints, [{ key: 'dedicated', value: 'sim', effect: 'NoSchedule' }]);
    const status = node.status as { capacity: Record<string, string>; allocatable: Record<string, string>; conditions: { type: string; status: string; reason: string }[]; addresses: { type: string; address: string }[]; nodeInfo: Record<string, string> };
    assert.deepEqual(status.capacity, { cpu: '32', memory: '256Gi', pods: '110' });
    assert.deepEqual(status.allocatable, status.capacity);
    assert.deepEqual(status.conditions.map((c) => `${c.type}=${c.status}`), ['MemoryPressure=False', 'DiskPressure=False', 'PIDPressure=False', 'Ready=True']);
    assert.equal(status.conditions[3].reason, 'KubeletReady');
    assert.deepEqual(status.addresses[0], { type: 'InternalIP', address: '10.99.0.2' });
    assert.equal(status.nodeInfo.kubeletVersion, 'v1.32.0-skiff');
    assert.equal(status.nodeInfo.containerRuntimeVersion, 'skiff-sim://0.1.0');

    await h.advance(10_000);
    const lease = await h.client.get(LEASES, 'kube-node-lease', 'skiff-sim-1');
    const spec = lease.spec as { holderIdentity: string; leaseDurationSeconds: number; renewTime: string };
    assert.equal(spec.holderIdentity, 'skiff-sim-1');
    assert.equal(spec.leaseDurationSeconds, 40);
    assert.equal(lease.metadata.ownerReferences?.[0].uid, node.metadata.uid);
    const first = spec.renewTime;
    await h.advance(10_000);
    const renewed = (await h.client.get(LEASES, 'kube-node-lease', 'skiff-sim-1')).spec as { renewTime: string };
    assert.ok(renewed.renewTime > first, 'renewTime moved forward');
    assert.equal(h.client.writes().filter((w) => w.verb === 'create' && w.resource === 'leases').length, 2, 'leases are created once, then updated');
    await h.sim.stop();
  });

  test('re-posts a healthy status at once when the node was marked Unknown', async () => {
    const h = await harness(1);
    await h.client.patch(NODES, undefined, 'skiff-sim-0', { status: { conditions: [{ type: 'Ready', status: 'Unknown', reason: 'NodeStatusUnknown' }] } }, { type: 'merge', subresource: 'status' });
    await until(async () => {
      await h.advance(0);
      const node = await h.client.get(NODES, undefined, 'skiff-sim-0');
      return (node.status as { conditions: { type: string; status: string }[] }).conditions.find((c) => c.type === 'Ready')?.status === 'True';
    }, 'Ready again');
    await h.sim.stop();
  });

  test('a bound pod becomes Running with an IP from the node\'s podCIDR', async () => {
    const h = await harness(2);
    await h.client.patch(NODES, undefined, 'skiff-sim-1', { spec: { podCIDR: '10.42.7.0/24', podCIDRs: ['10.42.7.0/24'] } }, { type: 'merge' });
    await delay(20); // let the node informer see the range
    await h.client.create(PODS, pod('web', 'skiff-sim-1'));
    await h.client.create(PODS, pod('other', 'some-real-node'));
    const running = await h.phase('web', 'Running');
    const status = running.status as unknown as Record<string, unknown> & { conditions: { type: string; status: string }[]; containerStatuses: Record<string, unknown>[] };
    assert.equal(status.podIP, '10.42.7.2');
    assert.deepEqual(status.podIPs, [{ ip: '10.42.7.2' }]);
    assert.equal(status.hostIP, '10.99.0.2');
    assert.equal(status.qosClass, 'BestEffort', 'kept');
    assert.equal(status.startTime, '2025-01-01T00:00:00Z');
    assert.deepEqual(status.conditions.map((c) => `${c.type}=${c.status}`), ['PodReadyToStartContainers=True', 'Initialized=True', 'Ready=True', 'ContainersReady=True', 'PodScheduled=True']);
    assert.deepEqual(status.containerStatuses.map((c) => c.name), ['a-side', 'main'], 'sorted by name');
    const main = status.containerStatuses[1] as { ready: boolean; started: boolean; restartCount: number; image: string; containerID: string; state: { running: { startedAt: string } } };
    assert.equal(main.ready, true);
    assert.equal(main.started, true);
    assert.equal(main.restartCount, 0);
    assert.equal(main.image, 'docker.io/library/nginx:latest');
    assert.match(main.containerID, /^skiff-sim:\/\/[0-9a-f]{64}$/);
    assert.equal(main.state.running.startedAt, '2025-01-01T00:00:00Z');
    assert.equal((await h.get('other')).status?.phase, 'Pending', 'pods of other nodes are left alone');
    await h.advance(3_600_000);
    assert.equal((await h.get('web')).status?.phase, 'Running', 'restartPolicy Always pods keep running');
    await h.sim.stop();
  });

  test('a node holds its pods Pending until its podCIDR arrives, and falls back to a range of its own after the wait', async () => {
    const h = await harness(2, 5000);
    await h.client.create(PODS, pod('early', 'skiff-sim-1'));
    await h.client.create(PODS, pod('orphan', 'skiff-sim-0'));
    await delay(50); // the pod informer has seen both; neither node has a range yet
    await h.advance(1000);
    assert.equal((await h.get('early')).status?.phase, 'Pending', 'no range yet: not started');
    await h.client.patch(NODES, undefined, 'skiff-sim-1', { spec: { podCIDR: '10.42.9.0/24', podCIDRs: ['10.42.9.0/24'] } }, { type: 'merge' });
    const early = await h.phase('early', 'Running');
    assert.equal((early.status as { podIP?: string }).podIP, '10.42.9.2', 'started from the range as soon as it arrived');
    assert.equal((await h.get('orphan')).status?.phase, 'Pending');
    await h.advance(4000); // the wait is over: sim-0 never got a range
    const orphan = await h.phase('orphan', 'Running');
    assert.match((orphan.status as { podIP?: string }).podIP ?? '', /^10\.(12[89]|1[3-9]\d|2[0-5]\d)\./, 'fallback range 10.128.0.0/9');
    await h.sim.stop();
  });

  test('a running pod whose Ready condition the node lifecycle controller turned False is Ready again at the next status sync', async () => {
    const h = await harness(1);
    await h.client.create(PODS, pod('web', 'skiff-sim-0'));
    const running = await h.phase('web', 'Running');
    const ready = running.status!.conditions!.find((c) => c.type === 'Ready')!;
    // What markPodsNotReady writes while the node's Lease is late.
    await h.client.patch(PODS, 'default', 'web', { status: { conditions: [{ ...ready, status: 'False', lastTransitionTime: '2025-01-01T00:00:05Z' }] } }, { type: 'strategic', subresource: 'status' });
    const readyOf = async () => (await h.get('web')).status?.conditions?.find((c) => c.type === 'Ready')?.status;
    await until(async () => (await h.advance(0), (await readyOf()) === 'False'), 'the simulator to see Ready False');
    await h.advance(5_000);
    assert.equal(await readyOf(), 'False', 'written back only at the status sync, not at once');
    await h.advance(5_000);
    await until(async () => (await h.advance(0), (await readyOf()) === 'True'), 'Ready again');
    const after = await h.get('web');
    assert.equal(after.status?.podIP, running.status?.podIP, 'the same run: IP kept');
    assert.deepEqual(after.status?.containerStatuses, running.status?.containerStatuses, 'containers untouched');
    await h.sim.stop();
  });

  test('run-to-completion pods: Succeeded after the exit delay, Failed with a non-zero code, OnFailure restarts', async () => {
    const h = await harness(1);
    await h.client.create(PODS, pod('job', 'skiff-sim-0', { restartPolicy: 'Never', annotations: { 'skiff.dev/simulate-exit-after': '2.5' } }));
    await h.client.create(PODS, pod('bad', 'skiff-sim-0', { restartPolicy: 'Never', annotations: { 'skiff.dev/simulate-exit-code': '3' } }));
    await h.client.create(PODS, pod('retry', 'skiff-sim-0', { restartPolicy: 'OnFailure', annotations: { 'skiff.dev/simulate-exit-code': '1' } }));
    for (const name of ['job', 'bad', 'retry']) await h.phase(name, 'Running');
    await h.advance(1_000);
    const failed = await h.phase('bad', 'Failed');
    const badMain = (failed.status!.containerStatuses as { name: string; state: { terminated: { exitCode: number; reason: string } } }[]).find((c) => c.name === 'main')!;
    assert.deepEqual([badMain.state.terminated.exitCode, badMain.state.terminated.reason], [3, 'Error']);
    const restarted = await until(async () => {
      const p = await h.get('retry');
      return p.status?.containerStatuses?.[0]?.restartCount === 1 ? p : undefined;
    }, 'retry restarted');
    assert.equal(restarted.status!.phase, 'Running');
    assert.deepEqual((restarted.status!.containerStatuses![0].lastState as { terminated: { exitCode: number } }).terminated.exitCode, 1);
    assert.equal((await h.get('job')).status?.phase, 'Running', 'not yet: it exits after 2.5 s');
    await h.advance(1_600);
    const done = await h.phase('job', 'Succeeded');
    const conditions = done.status!.conditions!;
    assert.deepEqual(conditions.find((c) => c.type === 'Ready'), { ...conditions.find((c) => c.type === 'Ready'), status: 'False', reason: 'PodCompleted' });
    const main = done.status!.containerStatuses!.find((c) => c.name === 'main')!;
    assert.deepEqual(main.state?.terminated && [main.state.terminated.exitCode, main.state.terminated.reason], [0, 'Completed']);
    assert.equal(main.ready, false);
    await h.sim.stop();
  });

  test('a pod marked for deletion is deleted after min(grace period, 1 s)', async () => {
    const h = await harness(1);
    await h.client.create(PODS, pod('web', 'skiff-sim-0'));
    await h.phase('web', 'Running');
    await h.client.patch(PODS, 'default', 'web', { metadata: { deletionTimestamp: '2025-01-01T00:00:30Z', deletionGracePeriodSeconds: 30 } }, { type: 'merge' });
    await delay(20); // the informer delivers the update
    await h.advance(900);
    assert.ok(await h.get('web'), 'not before the second is up');
    await h.advance(100);
    await until(async () => h.client.get(PODS, 'default', 'web').then(() => false, (err: { code?: number }) => err.code === 404), 'pod deleted');
    await h.sim.stop();
  });
});
