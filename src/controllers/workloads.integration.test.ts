/**
 * The workload controllers against a real skiff server driven by the real kubectl: create, update,
 * roll back, restart and scale a Deployment. No kubelet runs, so a tiny fake
 * kubelet in the test marks every pod Running and Ready through the status subresource.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { nowTimestamp } from '../api/object.ts';
import { RestClient } from '../client/rest-client.ts';
import { runControllers } from '../machinery/controller.ts';
import { ApiEventRecorder } from '../machinery/event-recorder.ts';
import { SharedInformerFactory } from '../machinery/informer-factory.ts';
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { freePort } from '../../test/e2e/harness.ts';
import { deploymentController } from './deployment.ts';
import { PODS } from './pod-control.ts';
import { replicaSetController } from './replicaset.ts';
import type { Pod } from './workload-types.ts';

const REPO = resolve(import.meta.dirname, '../..');

/**
 * A `skiff server` with only the API (no agent, scheduler or controller manager), so the
 * controllers under test are the only ones acting. test/e2e's TestCluster always runs the
 * server's own controllers, which would race these.
 */
class ApiOnlyServer {
  readonly dataDir = mkdtempSync(join(tmpdir(), 'skiff-workloads-'));
  readonly kubeconfig = join(this.dataDir, 'kubeconfig.yaml');
  private child?: ChildProcess;
  logs = '';

  async start(): Promise<void> {
    const port = await freePort();
    const args = ['bin/skiff.js', 'server', '--data-dir', this.dataDir, '--https-listen-port', String(port), '--bind-address', '127.0.0.1', '--write-kubeconfig', this.kubeconfig, '--disable-agent', '--disable-scheduler', '--disable-controller-manager'];
    const child = spawn(process.execPath, args, { cwd: REPO, stdio: ['ignore', 'pipe', 'pipe'] });
    this.child = child;
    child.stdout!.on('data', (d) => (this.logs += d));
    child.stderr!.on('data', (d) => (this.logs += d));
    const deadline = Date.now() + 30_000;
    while (Date.now() < deadline) {
      if (child.exitCode !== null) throw new Error(`skiff server exited:\n${this.logs}`);
      if ((await this.kubectl(['get', '--raw', '/readyz'])).code === 0) return;
      await new Promise((r) => setTimeout(r, 200));
    }
    throw new Error(`skiff server not ready:\n${this.logs}`);
  }

  /** Runs kubectl without blocking the event loop (the controllers under test share it). */
  kubectl(args: string[]): Promise<{ code: number; out: string }> {
    return new Promise((res) => {
      execFile('/usr/bin/kubectl', ['--kubeconfig', this.kubeconfig, ...args], { encoding: 'utf8', timeout: 90_000 }, (err, stdout, stderr) => {
        res({ code: err ? ((err as { code?: number }).code ?? -1) : 0, out: err ? stdout + stderr : stdout });
      });
    });
  }

  async ok(args: string[]): Promise<string> {
    const r = await this.kubectl(args);
    if (r.code !== 0) throw new Error(`kubectl ${args.join(' ')} failed:\n${r.out}`);
    return r.out;
  }

  async stop(): Promise<void> {
    const child = this.child;
    if (child && child.exitCode === null) {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
    }
    rmSync(this.dataDir, { recursive: true, force: true });
  }
}

/** Marks every pod that is not Ready yet Running and Ready, every 200 ms, until stopped. */
function fakeKubelet(client: RestClient, signal: AbortSignal): Promise<void> {
  return (async () => {
    while (!signal.aborted) {
      const pods = await client.list<Pod>(PODS, { namespace: 'default' }).catch(() => ({ items: [] as Pod[] }));
      for (const pod of pods.items) {
        if (pod.metadata.deletionTimestamp || pod.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True')) continue;
        const now = nowTimestamp();
        const status = { ...pod.status, phase: 'Running', conditions: [{ type: 'Ready', status: 'True', lastTransitionTime: now, lastProbeTime: null }] };
        await client.updateStatus(PODS, { ...pod, status }).catch(() => undefined);
      }
      await new Promise((r) => setTimeout(r, 200));
    }
  })();
}

describe('workload controllers against a real server', { timeout: 180_000 }, () => {
  const cluster = new ApiOnlyServer();
  let client: RestClient;
  let factory: SharedInformerFactory;
  const stop = new AbortController();
  let running: Promise<unknown>;

  before(async () => {
    await cluster.start();
    client = RestClient.fromKubeconfig(cluster.kubeconfig);
    factory = new SharedInformerFactory(client);
    const recorder = new ApiEventRecorder(client, { component: 'deployment-controller' });
    const log = process.env.SKIFF_TEST_LOG ? (msg: string, extra?: Record<string, unknown>) => console.error(msg, extra) : undefined;
    running = Promise.all([runControllers([deploymentController(), replicaSetController()], { factory, recorder, log }, stop.signal), fakeKubelet(client, stop.signal)]);
  });

  after(async () => {
    stop.abort();
    await running;
    await factory.shutdown();
    await cluster.stop();
  });

  /** The app=web ReplicaSets: name, replicas, image and revision annotation. */
  async function rsOf(): Promise<{ name: string; replicas: number; image: string; revision: string }[]> {
    const jsonpath = 'jsonpath={range .items[*]}{.metadata.name} {.spec.replicas} {.spec.template.spec.containers[0].image} {.metadata.annotations.deployment\\.kubernetes\\.io/revision}{"\\n"}{end}';
    const out = await cluster.ok(['get', 'rs', '-l', 'app=web', '-o', jsonpath]);
    return out.trim().split('\n').map((line) => {
      const [name, replicas, image, revision] = line.split(' ');
      return { name, replicas: Number(replicas), image, revision };
    });
  }

  test('create, roll out, undo and restart a Deployment with kubectl', async () => {
    await cluster.ok(['create', 'deployment', 'web', '--image=nginx:1', '--replicas=3']);
    assert.match(await cluster.ok(['rollout', 'status', 'deployment/web', '--timeout=60s']), /successfully rolled out/);
    assert.match(await cluster.ok(['get', 'deploy', 'web']), /web\s+3\/3\s+3\s+3/);

    await cluster.ok(['set', 'image', 'deployment/web', 'nginx=nginx:2']);
    assert.match(await cluster.ok(['rollout', 'status', 'deployment/web', '--timeout=60s']), /successfully rolled out/);
    let sets = await rsOf();
    assert.equal(sets.length, 2);
    assert.deepEqual(sets.map((s) => [s.image, s.replicas, s.revision]).sort(), [['nginx:1', 0, '1'], ['nginx:2', 3, '2']]);
    assert.match(await cluster.ok(['rollout', 'history', 'deployment/web']), /1\s+<none>\s*\n2\s+<none>/);

    assert.match(await cluster.ok(['rollout', 'undo', 'deployment/web']), /rolled back/);
    assert.match(await cluster.ok(['rollout', 'status', 'deployment/web', '--timeout=60s']), /successfully rolled out/);
    sets = await rsOf();
    assert.deepEqual(sets.map((s) => [s.image, s.replicas, s.revision]).sort(), [['nginx:1', 3, '3'], ['nginx:2', 0, '2']]);
    assert.equal(await cluster.ok(['get', 'deploy', 'web', '-o', 'jsonpath={.metadata.annotations.deployment\\.kubernetes\\.io/revision}']), '3');

    await cluster.ok(['rollout', 'restart', 'deployment/web']);
    assert.match(await cluster.ok(['rollout', 'status', 'deployment/web', '--timeout=60s']), /successfully rolled out/);
    assert.equal((await rsOf()).length, 3);
    const events = await cluster.ok(['get', 'events', '--field-selector', 'reason=ScalingReplicaSet', '-o', 'jsonpath={range .items[*]}{.message}{"\\n"}{end}']);
    assert.match(events, /Scaled up replica set web-\w+ to 3 from 0/);
    assert.match(events, /Scaled down replica set web-\w+ to \d from \d/);

    await cluster.ok(['scale', 'deployment/web', '--replicas=1']);
    assert.match(await cluster.ok(['rollout', 'status', 'deployment/web', '--timeout=60s']), /successfully rolled out/);
  });
});
