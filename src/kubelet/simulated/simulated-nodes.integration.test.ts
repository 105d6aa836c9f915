import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { TestCluster } from '../../../test/e2e/harness.ts';
import { RestClient } from '../../client/rest-client.ts';
import { runControllers } from '../../machinery/controller.ts';
import { FakeRecorder } from '../../machinery/event-recorder.ts';
import { SharedInformerFactory } from '../../machinery/informer-factory.ts';
import { nodeIpamController } from '../../controllers/node-ipam.ts';
import { nodeLifecycleController } from '../../controllers/node-lifecycle.ts';
import { SimulatedNodes } from './simulated-nodes.ts';

const REPO = resolve(import.meta.dirname, '../../..');

async function eventually(cluster: TestCluster, args: string[], matches: (out: string) => boolean, what: string, ms = 20_000): Promise<string> {
  const deadline = Date.now() + ms;
  let last = '';
  while (Date.now() < deadline) {
    const r = cluster.kubectl(args);
    last = r.stdout + r.stderr;
    if (r.code === 0 && matches(r.stdout)) return r.stdout;
    await delay(200);
  }
  throw new Error(`timed out waiting for ${what}; last output:\n${last}`);
}

describe('simulated nodes against a real server', { timeout: 120_000 }, () => {
  let cluster: TestCluster;
  let sim: SimulatedNodes;
  let agentClient: RestClient;
  let admin: RestClient;
  const stopControllers = new AbortController();
  let controllers: Promise<void>;
  let factory: SharedInformerFactory;

  before(async () => {
    cluster = await TestCluster.start('sqlite');
    const serverDir = join(cluster.dataDir, 'server');
    // The agent authenticates with the join token and trusts the server's CA, as `skiff agent` does.
    agentClient = new RestClient({ server: `https://127.0.0.1:${cluster.port}`, token: readFileSync(join(serverDir, 'node-token'), 'utf8').trim(), ca: readFileSync(join(serverDir, 'tls', 'ca.crt'), 'utf8') });
    sim = new SimulatedNodes({ client: agentClient, count: 3, template: { namePrefix: 'sim-' }, log: (m, e) => process.env.SIM_DEBUG && console.error(m, e) });
    admin = RestClient.fromKubeconfig(cluster.kubeconfig);
    factory = new SharedInformerFactory(admin);
    controllers = runControllers([nodeIpamController(), nodeLifecycleController()], { factory, recorder: new FakeRecorder() }, stopControllers.signal);
    await sim.start();
  });

  after(async () => {
    stopControllers.abort();
    await controllers;
    await factory?.shutdown();
    await sim?.stop();
    agentClient?.close();
    admin?.close();
    await cluster?.stop();
  });

  test('three nodes are Ready in kubectl get nodes, each with a pod CIDR', async () => {
    const out = await eventually(cluster, ['get', 'nodes', '--no-headers'], (o) => o.trim().split('\n').length === 3 && o.trim().split('\n').every((l) => / Ready /.test(l)), '3 Ready nodes');
    assert.match(out, /^sim-0\s+Ready\s+<none>\s+\S+\s+v1\.32\.0-skiff$/m);
    const cidrs = await eventually(cluster, ['get', 'nodes', '-o', 'jsonpath={range .items[*]}{.spec.podCIDR}{"\\n"}{end}'], (o) => o.trim().split('\n').filter(Boolean).length === 3, 'pod CIDRs');
    assert.deepEqual(new Set(cidrs.trim().split('\n')), new Set(['10.42.0.0/24', '10.42.1.0/24', '10.42.2.0/24']));
    const leases = cluster.ok(['get', 'leases', '-n', 'kube-node-lease', '--no-headers']);
    assert.match(leases, /^sim-2\s+sim-2\s/m);
  });

  test('a pod bound to a simulated node runs with an IP from that node\'s range', async () => {
    cluster.ok(['run', 'web', '--image=nginx', '--overrides={"spec":{"nodeName":"sim-1"}}']);
    const out = await eventually(cluster, ['get', 'pod', 'web', '-o', 'jsonpath={.status.phase} {.status.podIP} {.status.hostIP}'], (o) => o.startsWith('Running '), 'web Running');
    const [, podIP, hostIP] = out.split(' ');
    const cidr = cluster.ok(['get', 'node', 'sim-1', '-o', 'jsonpath={.spec.podCIDR}']);
    assert.equal(podIP.split('.').slice(0, 3).join('.'), cidr.split('.').slice(0, 3).join('.'), `${podIP} in ${cidr}`);
    assert.equal(hostIP, cluster.ok(['get', 'node', 'sim-1', '-o', 'jsonpath={.status.addresses[0].address}']));
    assert.match(cluster.ok(['get', 'pod', 'web', '--no-headers']), /^web\s+1\/1\s+Running\s+0\s/);
    // A graceful delete completes: the simulated kubelet removes the pod after at most 1 s.
    cluster.ok(['delete', 'pod', 'web', '--wait=false']);
    await eventually(cluster, ['get', 'pods', '-o', 'name'], (o) => !o.includes('pod/web'), 'web deleted', 10_000);
  });

  test('a run-to-completion pod reaches Succeeded', async () => {
    cluster.ok(['run', 'once', '--image=busybox', '--restart=Never', '--overrides={"spec":{"nodeName":"sim-2"}}']);
    await eventually(cluster, ['get', 'pod', 'once', '-o', 'jsonpath={.status.phase}'], (o) => o === 'Succeeded', 'once Succeeded');
    assert.match(cluster.ok(['get', 'pod', 'once', '--no-headers']), /^once\s+0\/1\s+Completed\s+0\s/);
  });

  test('`skiff agent --simulate` joins nodes with the token and the server CA', async () => {
    const serverDir = join(cluster.dataDir, 'server');
    const args = ['bin/skiff.js', 'agent', '--server', `https://127.0.0.1:${cluster.port}`, '--token', readFileSync(join(serverDir, 'node-token'), 'utf8').trim(), '--server-ca', join(serverDir, 'tls', 'ca.crt'), '--simulate', '2', '--node-name-prefix', 'cli-', '--node-labels', 'pool=cli', '--node-capacity', 'cpu=4', '--data-dir', join(cluster.dataDir, 'agent-home')];
    const child = spawn(process.execPath, args, { cwd: REPO, stdio: ['ignore', 'pipe', 'pipe'] });
    let logs = '';
    child.stdout.on('data', (d) => (logs += d));
    child.stderr.on('data', (d) => (logs += d));
    try {
      const out = await eventually(cluster, ['get', 'nodes', '-l', 'pool=cli', '-o', 'jsonpath={range .items[*]}{.metadata.name} {.status.capacity.cpu} {.status.conditions[3].status}{"\\n"}{end}'], (o) => o.trim().split('\n').length === 2, 'agent nodes', 30_000).catch((err: Error) => {
        throw new Error(`${err.message}\nagent output:\n${logs}`);
      });
      assert.deepEqual(out.trim().split('\n'), ['cli-0 4 True', 'cli-1 4 True']);
    } finally {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
    }
  });
});
