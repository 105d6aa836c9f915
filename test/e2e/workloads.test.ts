import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as delay } from 'node:timers/promises';
import { TestCluster } from './harness.ts';

/** Polls `check` until it returns a truthy value (which is returned) or the time is up. */
async function eventually<T>(what: string, check: () => T | undefined | false, ms = 60_000): Promise<T> {
  const deadline = Date.now() + ms;
  let last: unknown;
  for (;;) {
    try {
      const value = check();
      if (value) return value;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
    await delay(250);
  }
}

interface PodSummary {
  name: string;
  phase: string;
  node: string;
  ip: string;
  image: string;
}

/**
 * Workloads that run themselves: a server (scheduler and controllers included) and a 3-node
 * simulated agent, driven by the real kubectl.
 */
describe('workloads on simulated nodes', () => {
  let c: TestCluster;
  const pods = (selector: string): PodSummary[] => {
    const list = JSON.parse(c.ok(['get', 'pods', '-l', selector, '-o', 'json']));
    return list.items
      .filter((p: { metadata: { deletionTimestamp?: string } }) => !p.metadata.deletionTimestamp)
      .map((p: { metadata: { name: string }; status: { phase: string; podIP?: string }; spec: { nodeName?: string; containers: { image: string }[] } }) => ({
        name: p.metadata.name,
        phase: p.status.phase,
        node: p.spec.nodeName ?? '',
        ip: p.status.podIP ?? '',
        image: p.spec.containers[0].image,
      }));
  };
  const running = (selector: string, count: number) => {
    const list = pods(selector);
    return list.length === count && list.every((p) => p.phase === 'Running' && p.ip) ? list : undefined;
  };

  before(async () => {
    c = await TestCluster.start('sqlite');
    c.startSimulatedAgent(3);
    await eventually('3 Ready nodes', () => {
      const out = c.kubectl(['get', 'nodes', '--no-headers']).stdout.trim().split('\n').filter(Boolean);
      return out.length === 3 && out.every((l) => /\sReady\s/.test(l));
    });
  });
  after(async () => {
    await c?.stop();
  });

  test('create deployment --replicas=3 gives 3 Running pods spread over the nodes', async () => {
    c.ok(['create', 'deployment', 'web', '--image=nginx:1.25', '--replicas=3']);
    const list = await eventually('3 running pods', () => running('app=web', 3));
    assert.equal(new Set(list.map((p) => p.node)).size, 3, `spread: ${JSON.stringify(list)}`);
    assert.match(c.ok(['rollout', 'status', 'deployment/web', '--timeout=60s']), /successfully rolled out/);
  });

  test('set image rolls out; history, undo, restart and scale work', async () => {
    // During the rollout, available replicas never drop below replicas - maxUnavailable (3 - 0 with 25% rounding down).
    const watch = c.spawnKubectl(['get', 'deployment', 'web', '-w', '-o', 'jsonpath={.status.availableReplicas}{"\\n"}']);
    let seen = '';
    watch.stdout!.on('data', (d) => (seen += d));
    c.ok(['set', 'image', 'deployment/web', 'nginx=nginx:1.26']);
    assert.match(c.ok(['rollout', 'status', 'deployment/web', '--timeout=90s']), /successfully rolled out/);
    // kubectl runs synchronously above, so the watch's output is read only now: wait for all of it.
    const closed = new Promise((r) => watch.once('close', r));
    await delay(500);
    watch.kill();
    await closed;
    const available = seen.split('\n').filter((l) => l.trim() !== '').map(Number);
    assert.ok(available.length > 0, 'the watch saw the rollout');
    assert.ok(available.every((n) => n >= 3), `available replicas during the rollout: ${available.join(',')}`);
    await eventually('new image everywhere', () => running('app=web', 3)?.every((p) => p.image === 'nginx:1.26'));
    const history = c.ok(['rollout', 'history', 'deployment/web']);
    assert.match(history, /^1\s/m);
    assert.match(history, /^2\s/m);
    c.ok(['rollout', 'undo', 'deployment/web']);
    assert.match(c.ok(['rollout', 'status', 'deployment/web', '--timeout=90s']), /successfully rolled out/);
    await eventually('old image back', () => running('app=web', 3)?.every((p) => p.image === 'nginx:1.25'));
    c.ok(['rollout', 'pause', 'deployment/web']);
    c.ok(['set', 'image', 'deployment/web', 'nginx=nginx:1.27']);
    await delay(2000);
    assert.ok(running('app=web', 3)?.every((p) => p.image === 'nginx:1.25'), 'a paused deployment does not roll out');
    c.ok(['rollout', 'resume', 'deployment/web']);
    assert.match(c.ok(['rollout', 'status', 'deployment/web', '--timeout=90s']), /successfully rolled out/);
    await eventually('resumed rollout', () => running('app=web', 3)?.every((p) => p.image === 'nginx:1.27'));
    c.ok(['rollout', 'restart', 'deployment/web']);
    assert.match(c.ok(['rollout', 'status', 'deployment/web', '--timeout=90s']), /successfully rolled out/);
    c.ok(['scale', 'deployment/web', '--replicas=5']);
    await eventually('5 running pods', () => running('app=web', 5));
  });

  test('a deleted pod is replaced', async () => {
    const before = pods('app=web').map((p) => p.name);
    c.ok(['delete', 'pod', before[0], '--wait=false']);
    await eventually('replacement', () => {
      const now = running('app=web', 5);
      return now && !now.some((p) => p.name === before[0]);
    });
  });

  test('a Service gets Endpoints and EndpointSlices of its ready pods', async () => {
    c.ok(['expose', 'deployment', 'web', '--port=80']);
    await eventually('5 endpoint addresses', () => {
      const ep = JSON.parse(c.ok(['get', 'endpoints', 'web', '-o', 'json']));
      return (ep.subsets?.[0]?.addresses ?? []).length === 5;
    });
    // Terminating pods stay in slices with ready=false (as in Kubernetes): count the ready ones.
    await eventually('5 ready endpoints in slices', () => {
      const slices = JSON.parse(c.ok(['get', 'endpointslices', '-l', 'kubernetes.io/service-name=web', '-o', 'json']));
      const ready = slices.items.flatMap((s: { endpoints?: { conditions?: { ready?: boolean } }[] }) => s.endpoints ?? []).filter((e: { conditions?: { ready?: boolean } }) => e.conditions?.ready);
      return ready.length === 5;
    });
  });

  test('an unschedulable pod stays Pending with the FailedScheduling message', async () => {
    c.ok(['run', 'huge', '--image=nginx', '--overrides={"spec":{"containers":[{"name":"huge","image":"nginx","resources":{"requests":{"cpu":"1000"}}}]}}']);
    await eventually('FailedScheduling event', () => {
      const events = c.ok(['get', 'events', '--field-selector', 'involvedObject.name=huge,reason=FailedScheduling', '-o', 'json']);
      return JSON.parse(events).items.some((e: { message: string }) => e.message.includes('0/3 nodes are available: 3 Insufficient cpu.'));
    });
    assert.equal(c.ok(['get', 'pod', 'huge', '-o', 'jsonpath={.status.phase}']), 'Pending');
    c.ok(['delete', 'pod', 'huge']);
  });

  test('deleting a Deployment removes its ReplicaSets and pods', async () => {
    c.ok(['delete', 'deployment', 'web']);
    await eventually('no web pods or replicasets', () => pods('app=web').length === 0 && c.ok(['get', 'rs', '-l', 'app=web', '-o', 'name']).trim() === '');
  });

  test('deleting a namespace removes everything in it', async () => {
    c.ok(['create', 'namespace', 'scratch']);
    c.ok(['create', 'deployment', 'tmp', '--image=nginx', '--replicas=2', '-n', 'scratch']);
    await eventually('2 pods in scratch', () => {
      const list = JSON.parse(c.ok(['get', 'pods', '-n', 'scratch', '-o', 'json'])).items;
      return list.length === 2;
    });
    c.ok(['delete', 'namespace', 'scratch', '--timeout=90s']);
    const gone = c.kubectl(['get', 'namespace', 'scratch']);
    assert.notEqual(gone.code, 0);
  });

  test('cordon, drain (PodDisruptionBudget respected) and uncordon', async () => {
    c.ok(['create', 'deployment', 'drainme', '--image=nginx', '--replicas=3']);
    await eventually('3 drainme pods', () => running('app=drainme', 3));
    c.ok(['create', 'pdb', 'drainme', '--selector=app=drainme', '--min-available=2']);
    await eventually('pdb allows 1', () => c.ok(['get', 'pdb', 'drainme', '-o', 'jsonpath={.status.disruptionsAllowed}']) === '1');
    const node = pods('app=drainme')[0].node;
    const drained = c.kubectl(['drain', node, '--ignore-daemonsets', '--timeout=90s']);
    assert.equal(drained.code, 0, drained.stderr);
    assert.match(drained.stdout, /drained/);
    assert.match(c.ok(['get', 'node', node]), /SchedulingDisabled/);
    const list = await eventually('3 drainme pods off the drained node', () => running('app=drainme', 3)?.every((p) => p.node !== node));
    assert.ok(list);
    c.ok(['uncordon', node]);
    assert.doesNotMatch(c.ok(['get', 'node', node]), /SchedulingDisabled/);
    c.ok(['delete', 'deployment', 'drainme']);
    c.ok(['delete', 'pdb', 'drainme']);
  });

  test('a NoExecute taint evicts pods that do not tolerate it', async () => {
    c.ok(['create', 'deployment', 'tainted', '--image=nginx', '--replicas=3']);
    const list = await eventually('3 tainted pods', () => running('app=tainted', 3));
    const node = list[0].node;
    c.ok(['taint', 'node', node, 'skiff.dev/evict=yes:NoExecute']);
    await eventually('no pod left on the tainted node', () => running('app=tainted', 3)?.every((p) => p.node !== node));
    c.ok(['taint', 'node', node, 'skiff.dev/evict=yes:NoExecute-']);
    c.ok(['delete', 'deployment', 'tainted']);
  });

  test('a DaemonSet has one pod per node, also on a node added later', async () => {
    c.ok(['apply', '-f', '-'], 'apiVersion: apps/v1\nkind: DaemonSet\nmetadata: {name: agent}\nspec:\n  selector: {matchLabels: {app: agent}}\n  template:\n    metadata: {labels: {app: agent}}\n    spec: {containers: [{name: a, image: busybox}]}\n');
    await eventually('3 daemon pods on 3 nodes', () => new Set(running('app=agent', 3)?.map((p) => p.node)).size === 3);
    c.startSimulatedAgent(1, ['--node-name-prefix', 'late-']);
    await eventually('4 daemon pods', () => running('app=agent', 4)?.some((p) => p.node.startsWith('late-')));
  });

  test('a StatefulSet creates web-0, web-1, web-2 in order and deletes in reverse', async () => {
    c.ok(['apply', '-f', '-'], 'apiVersion: apps/v1\nkind: StatefulSet\nmetadata: {name: web}\nspec:\n  serviceName: web\n  replicas: 3\n  selector: {matchLabels: {app: sts}}\n  template:\n    metadata: {labels: {app: sts}}\n    spec: {containers: [{name: w, image: nginx}]}\n');
    await eventually('3 sts pods', () => running('app=sts', 3));
    const created = JSON.parse(c.ok(['get', 'pods', '-l', 'app=sts', '-o', 'json'])).items
      .map((p: { metadata: { name: string; creationTimestamp: string; uid: string } }) => p.metadata)
      .sort((a: { name: string }, b: { name: string }) => a.name.localeCompare(b.name));
    assert.deepEqual(created.map((m: { name: string }) => m.name), ['web-0', 'web-1', 'web-2']);
    assert.ok(created[0].creationTimestamp <= created[1].creationTimestamp && created[1].creationTimestamp <= created[2].creationTimestamp);
    const deletions: string[] = [];
    let listed = 0;
    let partial = '';
    const watch = c.spawnKubectl(['get', 'pods', '-l', 'app=sts', '-w', '--output-watch-events', '--no-headers']);
    watch.stdout!.on('data', (d: Buffer) => {
      // Lines can straddle chunks: keep the unfinished tail for the next one.
      const lines = (partial + String(d)).split('\n');
      partial = lines.pop() ?? '';
      for (const line of lines) {
        if (/^ADDED\s/.test(line)) listed++;
        const m = /^DELETED\s+(\S+)/.exec(line);
        if (m && !deletions.includes(m[1])) deletions.push(m[1]);
      }
    });
    // Scale only once the watch has listed the three pods, so it cannot miss a deletion.
    await eventually('the watch to list the pods', () => listed >= 3);
    c.ok(['scale', 'statefulset', 'web', '--replicas=1']);
    await eventually('only web-0 left', () => {
      const left = pods('app=sts').map((p) => p.name);
      return left.length === 1 && left[0] === 'web-0' && deletions.length === 2;
    });
    watch.kill();
    assert.deepEqual(deletions, ['web-2', 'web-1']);
    c.ok(['delete', 'statefulset', 'web']);
  });

  test('a Job with completions 4 and parallelism 2 succeeds; a failing one stops at its backoffLimit', async () => {
    c.ok(['apply', '-f', '-'], 'apiVersion: batch/v1\nkind: Job\nmetadata: {name: four}\nspec:\n  completions: 4\n  parallelism: 2\n  template:\n    spec:\n      restartPolicy: Never\n      containers: [{name: w, image: busybox}]\n');
    await eventually('job four complete', () => c.ok(['get', 'job', 'four', '-o', 'jsonpath={.status.succeeded}']) === '4', 90_000);
    const job = JSON.parse(c.ok(['get', 'job', 'four', '-o', 'json']));
    assert.ok(job.status.conditions.some((cond: { type: string; status: string }) => cond.type === 'Complete' && cond.status === 'True'));
    c.ok(['apply', '-f', '-'], 'apiVersion: batch/v1\nkind: Job\nmetadata: {name: failing}\nspec:\n  backoffLimit: 2\n  template:\n    metadata:\n      annotations: {skiff.dev/simulate-exit-code: "1"}\n    spec:\n      restartPolicy: Never\n      containers: [{name: w, image: busybox}]\n');
    await eventually('job failing failed', () => {
      const j = JSON.parse(c.ok(['get', 'job', 'failing', '-o', 'json']));
      return (j.status.conditions ?? []).some((cond: { type: string; reason: string }) => cond.type === 'Failed' && cond.reason === 'BackoffLimitExceeded') && j.status.failed === 3;
    }, 90_000);
  });

  test('a CronJob creates Jobs on schedule and create job --from=cronjob works', async () => {
    c.ok(['create', 'cronjob', 'tick', '--image=busybox', '--schedule=* * * * *']);
    c.ok(['create', 'job', 'tick-manual', '--from=cronjob/tick']);
    await eventually('manual job complete', () => c.ok(['get', 'job', 'tick-manual', '-o', 'jsonpath={.status.succeeded}']) === '1');
    await eventually('a scheduled job', () => {
      const jobs = JSON.parse(c.ok(['get', 'jobs', '-o', 'json'])).items;
      return jobs.some((j: { metadata: { name: string; ownerReferences?: { kind: string; name: string }[] } }) => j.metadata.ownerReferences?.some((o) => o.kind === 'CronJob' && o.name === 'tick'));
    }, 75_000);
    c.ok(['delete', 'cronjob', 'tick']);
  });

  test('stopping an agent makes its nodes NotReady and its pods move elsewhere after their tolerationSeconds', async () => {
    const agent = c.startSimulatedAgent(1, ['--node-name-prefix', 'doomed-']);
    await eventually('doomed node Ready', () => /doomed-0\s+Ready/.test(c.ok(['get', 'nodes'])));
    c.ok(['cordon', '-l', 'type=simulated']);
    c.ok(['uncordon', 'doomed-0']);
    const manifest = 'apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: mover}\nspec:\n  replicas: 1\n  selector: {matchLabels: {app: mover}}\n  template:\n    metadata: {labels: {app: mover}}\n    spec:\n      containers: [{name: m, image: nginx}]\n      tolerations:\n      - {key: node.kubernetes.io/unreachable, operator: Exists, effect: NoExecute, tolerationSeconds: 2}\n      - {key: node.kubernetes.io/not-ready, operator: Exists, effect: NoExecute, tolerationSeconds: 2}\n';
    c.ok(['apply', '-f', '-'], manifest);
    await eventually('mover on doomed-0', () => running('app=mover', 1)?.[0].node === 'doomed-0');
    c.ok(['uncordon', '-l', 'type=simulated']);
    agent.kill('SIGKILL');
    await eventually('doomed-0 NotReady', () => /doomed-0\s+NotReady/.test(c.ok(['get', 'nodes'])), 90_000);
    await eventually('mover elsewhere', () => {
      const list = running('app=mover', 1);
      return list && list[0].node !== 'doomed-0';
    }, 60_000);
  });
});
