import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as delay } from 'node:timers/promises';
import { startScheduler } from '../../src/cli/scheduler.ts';
import { RestClient } from '../../src/client/rest-client.ts';
import { SharedInformerFactory } from '../../src/machinery/informer-factory.ts';
import { TestCluster } from './harness.ts';

// The scheduler in-process against a real `skiff server`, with Node objects created through the
// API (no kubelet): pods get bound and spread, an oversized pod is reported unschedulable exactly
// as kube-scheduler reports it, and it is scheduled once a big enough node joins.
let cluster: TestCluster;
let factory: SharedInformerFactory;
const stop = new AbortController();
let done: Promise<void> = Promise.resolve();

before(async () => {
  cluster = await TestCluster.start('sqlite', ['--disable-scheduler']);
});
after(async () => {
  stop.abort();
  await done;
  await factory?.shutdown();
  await cluster?.stop();
});

async function until(check: () => boolean, what: string, ms = 20_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await delay(100);
  }
}

function nodeYaml(name: string, cpu: string): string {
  return JSON.stringify({
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name, labels: { 'kubernetes.io/hostname': name } },
    status: {
      capacity: { cpu, memory: '8Gi', pods: '110' },
      allocatable: { cpu, memory: '8Gi', pods: '110' },
      conditions: [{ type: 'Ready', status: 'True', reason: 'KubeletReady', message: 'kubelet is posting ready status', lastHeartbeatTime: new Date().toISOString(), lastTransitionTime: new Date().toISOString() }],
    },
  });
}

function podYaml(name: string, cpu: string): string {
  return JSON.stringify({ apiVersion: 'v1', kind: 'Pod', metadata: { name, labels: { app: 'sched-e2e' } }, spec: { containers: [{ name: 'c', image: 'pause', resources: { requests: { cpu } } }] } });
}

function addNode(name: string, cpu: string): void {
  cluster.ok(['create', '-f', '-'], nodeYaml(name, cpu));
  // Kubernetes keeps a Node's status on create; set it through the status subresource in case the server dropped it.
  const alloc = cluster.ok(['get', 'node', name, '-o', 'jsonpath={.status.allocatable.cpu}']);
  if (alloc !== cpu) cluster.ok(['replace', '--subresource=status', '-f', '-'], nodeYaml(name, cpu));
}

test('scheduler binds, spreads, reports FailedScheduling, and schedules after a node joins', { timeout: 120_000 }, async () => {
  for (const n of ['node-1', 'node-2', 'node-3']) addNode(n, '2');
  const client = RestClient.fromKubeconfig(cluster.kubeconfig, { userAgent: 'default-scheduler/v0.1.0' });
  factory = new SharedInformerFactory(client);
  ({ done } = await startScheduler(client, factory, stop.signal, { retryPeriodMs: 200 }));

  for (let i = 0; i < 6; i++) cluster.ok(['create', '-f', '-'], podYaml(`web-${i}`, '500m'));
  const nodesOf = (): string[] => cluster.ok(['get', 'pods', '-l', 'app=sched-e2e', '-o', 'jsonpath={range .items[*]}{.spec.nodeName}{"\\n"}{end}']).split('\n').filter(Boolean);
  await until(() => nodesOf().length === 6, 'six pods bound');
  const counts = new Map<string, number>();
  for (const n of nodesOf()) counts.set(n, (counts.get(n) ?? 0) + 1);
  assert.deepEqual([...counts.entries()].sort(), [['node-1', 2], ['node-2', 2], ['node-3', 2]]);
  assert.equal(cluster.ok(['get', 'pod', 'web-0', '-o', 'jsonpath={.status.conditions[?(@.type=="PodScheduled")].status}']), 'True');
  const scheduledEvent = (): string => cluster.ok(['get', 'events', '--field-selector', 'involvedObject.name=web-0,reason=Scheduled', '-o', 'jsonpath={.items[*].message}']);
  await until(() => scheduledEvent() !== '', 'Scheduled event');
  assert.match(scheduledEvent(), /^Successfully assigned default\/web-0 to node-[123]$/);
  assert.match(cluster.ok(['get', 'lease', '-n', 'kube-system', 'kube-scheduler', '-o', 'jsonpath={.spec.holderIdentity}']), /.+_.+/);

  cluster.ok(['create', '-f', '-'], podYaml('hog', '4'));
  const failed = (): string => cluster.ok(['get', 'events', '--field-selector', 'involvedObject.name=hog,reason=FailedScheduling', '-o', 'jsonpath={.items[*].message}']);
  await until(() => failed() !== '', 'FailedScheduling event');
  assert.equal(failed(), '0/3 nodes are available: 3 Insufficient cpu. preemption: 0/3 nodes are available: 3 No preemption victims found for incoming pod..');
  assert.equal(cluster.ok(['get', 'events', '--field-selector', 'involvedObject.name=hog,reason=FailedScheduling', '-o', 'jsonpath={.items[*].type}']), 'Warning');
  const condition = (field: string): string => cluster.ok(['get', 'pod', 'hog', '-o', `jsonpath={.status.conditions[?(@.type=="PodScheduled")].${field}}`]);
  await until(() => condition('reason') === 'Unschedulable', 'PodScheduled=False condition');
  assert.equal(condition('status'), 'False');
  assert.match(condition('message'), /^0\/3 nodes are available: 3 Insufficient cpu\. /);
  assert.equal(cluster.ok(['get', 'pod', 'hog', '-o', 'jsonpath={.status.phase}{.spec.nodeName}']), 'Pending');

  addNode('big', '8');
  const hogNode = (): string => cluster.ok(['get', 'pod', 'hog', '-o', 'jsonpath={.spec.nodeName}']);
  await until(() => hogNode() !== '', 'hog bound after the big node joined');
  assert.equal(hogNode(), 'big');
  assert.equal(condition('status'), 'True');
});
