import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { eventually, freePort, KUBECTL, TestCluster } from './harness.ts';
import { httpGet, requireContainerdHost, SKIP_CONTAINERD_TESTS } from '../../src/kubelet/runtime/test-containerd.ts';

// Issue 4's acceptance with the real kubectl against `skiff server` and its embedded agent: real
// containerd, runc and CNI. Needs root and scripts/setup.sh's packages; only
// SKIFF_SKIP_CONTAINERD_TESTS=1 opts out (CI does not set it).
const CLUSTER_CIDR = '10.77.0.0/16';

type Json = Record<string, any>;


describe('kubelet with real containers (skiff server + embedded agent)', { skip: SKIP_CONTAINERD_TESTS }, () => {
  let cluster: TestCluster;
  const pod = (name: string): Json => JSON.parse(cluster.ok(['get', 'pod', name, '-o', 'json']));
  const ctr = (...args: string[]): string =>
    execFileSync('ctr', ['--address', join(cluster.dataDir, 'agent', 'containerd', 'containerd.sock'), '-n', 'k8s.io', ...args], { encoding: 'utf8' });
  const waitPhase = (name: string, ready = true): Promise<Json> => eventually(`pod ${name} Running${ready ? ' and Ready' : ''}`, () => {
    const p = pod(name);
    const isReady = p.status?.conditions?.find((c: Json) => c.type === 'Ready')?.status === 'True';
    return p.status?.phase === 'Running' && (!ready || isReady) ? p : undefined;
  }, 90_000);

  before(async () => {
    requireContainerdHost();
    cluster = await TestCluster.start('sqlite', [], { bridge: 'skiffe2e0', clusterCIDR: CLUSTER_CIDR });
    await eventually('the node to be Ready', () => cluster.kubectl(['get', 'nodes', '-o', 'jsonpath={.items[0].status.conditions[?(@.type=="Ready")].status}']).stdout === 'True', 90_000);
  });

  after(async () => {
    await cluster?.stop();
  });

  test('the node registers with host capacity, a pod CIDR and a Lease', () => {
    const node = JSON.parse(cluster.ok(['get', 'nodes', '-o', 'json'])).items[0];
    assert.match(node.spec.podCIDR, /^10\.77\.\d+\.0\/24$/);
    assert.ok(Number(node.status.capacity.cpu) >= 1);
    assert.match(node.status.capacity.memory, /^\d+Ki$/);
    assert.match(node.status.nodeInfo.containerRuntimeVersion, /^containerd:\/\//);
    assert.equal(node.metadata.labels['node-role.kubernetes.io/control-plane'], 'true');
    const lease = JSON.parse(cluster.ok(['get', 'lease', '-n', 'kube-node-lease', node.metadata.name, '-o', 'json']));
    assert.equal(lease.spec.holderIdentity, node.metadata.name);
  });

  test("the seeds' nginx Pod runs with a pod IP and answers HTTP from the host", async () => {
    cluster.ok(['apply', '-f', '-'], [
      'apiVersion: v1', 'kind: Pod', 'metadata: {name: nginx, labels: {app: nginx}}',
      'spec:', '  containers:', '  - name: nginx', '    image: nginx:1.27', '    ports: [{containerPort: 80}]',
    ].join('\n'));
    const p = await waitPhase('nginx');
    assert.match(p.status.podIP, /^10\.77\./);
    assert.match(p.status.containerStatuses[0].containerID, /^containerd:\/\//);
    assert.equal(p.status.qosClass, 'BestEffort');
    const body = await eventually('HTTP from the pod', () => httpGet(`http://${p.status.podIP}/`), 10_000);
    assert.match(body, /Welcome to nginx!/);
  });

  test('a hostPort reaches the pod from the host through the portmap plugin', async () => {
    const hostPort = await freePort();
    cluster.ok(['apply', '-f', '-'], [
      'apiVersion: v1', 'kind: Pod', 'metadata: {name: hostport}',
      'spec:', '  containers:', '  - name: web', '    image: nginx:1.27', `    ports: [{containerPort: 80, hostPort: ${hostPort}}]`,
    ].join('\n'));
    await waitPhase('hostport');
    assert.match(await eventually('HTTP through the hostPort', () => httpGet(`http://127.0.0.1:${hostPort}/`), 10_000), /Welcome to nginx!/);
    cluster.ok(['delete', 'pod', 'hostport', '--grace-period=1']);
  });

  test('an init container runs to completion before the app container starts', async () => {
    cluster.ok(['apply', '-f', '-'], [
      'apiVersion: v1', 'kind: Pod', 'metadata: {name: init-demo}',
      'spec:',
      '  initContainers: [{name: init, image: busybox:1.36, command: [sh, -c, "sleep 1"]}]',
      '  containers: [{name: main, image: busybox:1.36, command: [sleep, "3600"]}]',
    ].join('\n'));
    const p = await waitPhase('init-demo');
    const init = p.status.initContainerStatuses[0].state.terminated;
    assert.equal(init.reason, 'Completed');
    assert.equal(init.exitCode, 0);
    assert.ok(Date.parse(init.finishedAt) <= Date.parse(p.status.containerStatuses[0].state.running.startedAt));
    assert.equal(p.status.conditions.find((c: Json) => c.type === 'Initialized').status, 'True');
  });

  test('a failing liveness probe restarts the container; a failing readiness probe keeps the pod un-Ready', async () => {
    cluster.ok(['apply', '-f', '-'], [
      'apiVersion: v1', 'kind: Pod', 'metadata: {name: liveness}',
      'spec:', '  terminationGracePeriodSeconds: 2', '  containers:', '  - name: main', '    image: busybox:1.36',
      '    command: [sh, -c, "touch /tmp/healthy; sleep 3; rm /tmp/healthy; sleep 3600"]',
      '    livenessProbe: {exec: {command: [cat, /tmp/healthy]}, periodSeconds: 1, failureThreshold: 2}',
      '---',
      'apiVersion: v1', 'kind: Pod', 'metadata: {name: unready}',
      'spec:', '  containers:', '  - name: main', '    image: busybox:1.36', '    command: [sleep, "3600"]',
      '    readinessProbe: {exec: {command: ["false"]}, periodSeconds: 1}',
    ].join('\n'));
    const restarted = await eventually('a liveness restart', () => {
      const s = pod('liveness').status?.containerStatuses?.[0];
      return s?.restartCount >= 1 ? s : undefined;
    }, 60_000);
    assert.equal(restarted.lastState.terminated.exitCode, 137);
    const events = cluster.ok(['get', 'events', '--field-selector', 'involvedObject.name=liveness', '-o', 'jsonpath={.items[*].message}']);
    assert.match(events, /Container main failed liveness probe, will be restarted/);
    const unready = await waitPhase('unready', false);
    await new Promise((r) => setTimeout(r, 3000));
    const later = pod('unready');
    assert.equal(later.status.phase, 'Running');
    assert.equal(later.status.conditions.find((c: Json) => c.type === 'Ready').status, 'False');
    assert.equal(later.status.containerStatuses[0].ready, false);
    assert.equal(unready.status.containerStatuses[0].restartCount, 0);
  });

  test('kubectl logs (also -f), exec (exit codes, -i, -it), attach, port-forward and top reach the containers', async () => {
    cluster.ok(['run', 'talker', '--image=busybox:1.36', '--', 'sh', '-c', 'i=0; while true; do echo line $i; i=$((i+1)); sleep 1; done']);
    await waitPhase('talker');
    await eventually('three log lines', () => /line 2/.test(cluster.kubectl(['logs', 'talker']).stdout));
    assert.match(cluster.ok(['logs', 'talker', '--tail=1']), /^line \d+\n$/);
    const follow = spawnSync(KUBECTL, ['--kubeconfig', cluster.kubeconfig, 'logs', '-f', 'talker', '--tail=0'], { encoding: 'utf8', timeout: 4000 });
    assert.match(follow.stdout, /line \d+\nline \d+\n/, 'logs -f streams new lines');
    assert.equal(cluster.ok(['exec', 'talker', '--', 'sh', '-c', 'echo hi from $(hostname)']), 'hi from talker\n');
    assert.equal(cluster.kubectl(['exec', 'talker', '--', 'sh', '-c', 'exit 3']).code, 3);
    assert.equal(cluster.ok(['exec', '-i', 'talker', '--', 'cat'], 'through stdin\n'), 'through stdin\n');
    const tty = spawnSync('script', ['-qc', `${KUBECTL} --kubeconfig ${cluster.kubeconfig} exec -it talker -- sh -c 'tty; echo inside'`, '/dev/null'], { encoding: 'utf8', timeout: 30_000, input: '' });
    assert.match(tty.stdout, /\/dev\/pts\/\d+[\s\S]*inside/, `exec -it gets a terminal: ${tty.stdout}${tty.stderr}`);
    const attach = spawnSync(KUBECTL, ['--kubeconfig', cluster.kubeconfig, 'attach', 'talker'], { encoding: 'utf8', timeout: 4000 });
    assert.match(attach.stdout, /line \d+\n/, 'attach shows the container output');
    const nginxIP = pod('nginx').status.podIP;
    const localPort = await freePort();
    const forward = cluster.spawnKubectl(['port-forward', 'pod/nginx', `${localPort}:80`]);
    try {
      assert.match(await eventually('HTTP through port-forward', () => httpGet(`http://127.0.0.1:${localPort}/`), 30_000), /Welcome to nginx!/);
    } finally {
      forward.kill();
    }
    assert.ok(nginxIP);
    const top = await eventually('kubectl top node', () => {
      const r = cluster.kubectl(['top', 'node']);
      return r.code === 0 && /CPU\(cores\)/.test(r.stdout) ? r.stdout : undefined;
    }, 60_000);
    assert.match(top, /\d+m\s+\d+%\s+\d+Mi\s+\d+%/);
    const topPod = await eventually('kubectl top pod', () => {
      const r = cluster.kubectl(['top', 'pod', 'talker']);
      return r.code === 0 ? r.stdout : undefined;
    }, 60_000);
    assert.match(topPod, /talker\s+\d+m\s+\d+Mi/);
  });

  test('a container over its memory limit is OOMKilled', async () => {
    cluster.ok(['apply', '-f', '-'], [
      'apiVersion: v1', 'kind: Pod', 'metadata: {name: oom}',
      'spec:', '  restartPolicy: Never', '  containers:', '  - name: main', '    image: busybox:1.36',
      '    command: [sh, -c, "x=a; while true; do x=$x$x; done"]', '    resources: {limits: {memory: 20Mi}}',
    ].join('\n'));
    const terminated = await eventually('the OOM kill', () => pod('oom').status?.containerStatuses?.[0]?.state?.terminated, 60_000);
    assert.equal(terminated.reason, 'OOMKilled');
    assert.equal(terminated.exitCode, 137);
    assert.equal(pod('oom').status.phase, 'Failed');
  });

  test('deleting a pod runs preStop, ends within its grace period and leaves no container, mount or netns', async () => {
    cluster.ok(['apply', '-f', '-'], [
      'apiVersion: v1', 'kind: Pod', 'metadata: {name: graceful}',
      'spec:', '  terminationGracePeriodSeconds: 10', '  containers:', '  - name: main', '    image: busybox:1.36',
      '    command: [sh, -c, "trap \'exit 0\' TERM; while true; do sleep 1; done"]',
      '    lifecycle: {preStop: {exec: {command: [sleep, "3"]}}}',
    ].join('\n'));
    const p = await waitPhase('graceful');
    const uid = p.metadata.uid;
    const containerId = p.status.containerStatuses[0].containerID.replace('containerd://', '');
    assert.ok(ctr('containers', 'ls', '-q').includes(containerId));
    // The sandbox's network namespace, from its OCI spec (other tests may create namespaces meanwhile).
    const sandboxId = ctr('containers', 'ls', '-q', `labels."io.kubernetes.pod.uid"==${uid},labels."io.cri-containerd.kind"==sandbox`).trim();
    const spec = JSON.parse(ctr('containers', 'info', sandboxId)) as { Spec: { linux: { namespaces: { type: string; path?: string }[] } } };
    const netns = spec.Spec.linux.namespaces.find((n) => n.type === 'network')?.path ?? '';
    const started = Date.now();
    cluster.ok(['delete', 'pod', 'graceful', '--wait=true']);
    const took = Date.now() - started;
    assert.ok(took >= 3000, `deletion took ${took} ms: the 3 s preStop hook did not run first`);
    assert.ok(took < 10_000 + 3000, `deletion took ${took} ms, beyond the 10 s grace period`);
    await eventually('the containers to be removed', () => !ctr('containers', 'ls', '-q').includes(containerId));
    assert.ok(!readFileSync('/proc/self/mounts', 'utf8').includes(containerId), 'a mount of the container is left');
    const sandboxes = ctr('containers', 'ls', `labels."io.kubernetes.pod.uid"==${uid}`, '-q').trim();
    assert.equal(sandboxes, '', 'the pod sandbox is left');
    assert.ok(netns.startsWith('/var/run/netns/'), `sandbox network namespace: ${netns}`);
    assert.ok(!existsSync(netns), `the pod network namespace ${netns} is left`);
  });

  test('a Deployment of 10 replicas runs and survives a container kill', async () => {
    cluster.ok(['create', 'deployment', 'web', '--image=nginx:1.27', '--replicas=10']);
    cluster.ok(['rollout', 'status', 'deployment/web', '--timeout=120s']);
    const pods = JSON.parse(cluster.ok(['get', 'pods', '-l', 'app=web', '-o', 'json'])).items as Json[];
    assert.equal(pods.length, 10);
    assert.ok(pods.every((p) => p.status.phase === 'Running' && /^10\.77\./.test(p.status.podIP)));
    assert.equal(new Set(pods.map((p) => p.status.podIP)).size, 10, 'every pod has its own IP');
    const victim = pods[0];
    const containerId = victim.status.containerStatuses[0].containerID.replace('containerd://', '');
    ctr('task', 'kill', '-s', 'KILL', containerId);
    const status = await eventually('the killed container to restart', () => {
      const s = pod(victim.metadata.name).status.containerStatuses[0];
      return s.restartCount >= 1 && s.state.running ? s : undefined;
    });
    assert.equal(status.lastState.terminated.exitCode, 137);
    cluster.ok(['rollout', 'status', 'deployment/web', '--timeout=60s']);
    assert.match(cluster.ok(['get', 'deployment', 'web', '-o', 'jsonpath={.status.availableReplicas}']), /^10$/);
  });

  test('a static pod from the manifest folder runs and appears as a mirror pod; removing the manifest removes both', async () => {
    const nodeName = cluster.ok(['get', 'nodes', '-o', 'jsonpath={.items[0].metadata.name}']);
    const manifest = join(cluster.dataDir, 'agent', 'pod-manifests', 'static-web.yaml');
    writeFileSync(manifest, 'apiVersion: v1\nkind: Pod\nmetadata: {name: static-web, namespace: kube-system}\nspec:\n  containers: [{name: web, image: nginx:1.27}]\n');
    const name = `static-web-${nodeName}`;
    const mirror = await eventually('the mirror pod Running', () => {
      const r = cluster.kubectl(['get', 'pod', '-n', 'kube-system', name, '-o', 'json']);
      const p = r.code === 0 ? JSON.parse(r.stdout) : undefined;
      return p?.status?.phase === 'Running' ? p : undefined;
    }, 90_000);
    assert.equal(mirror.metadata.annotations['kubernetes.io/config.source'], 'file');
    assert.equal(mirror.metadata.annotations['kubernetes.io/config.mirror'], mirror.metadata.annotations['kubernetes.io/config.hash']);
    assert.equal(mirror.metadata.ownerReferences[0].kind, 'Node');
    assert.match(await httpGet(`http://${mirror.status.podIP}/`), /Welcome to nginx!/);
    cluster.ok(['delete', 'pod', '-n', 'kube-system', name]);
    await eventually('the mirror pod to be recreated', () => cluster.kubectl(['get', 'pod', '-n', 'kube-system', name]).code === 0);
    const containerId = mirror.status.containerStatuses[0].containerID.replace('containerd://', '');
    assert.ok(ctr('containers', 'ls', '-q').includes(containerId), 'deleting the mirror pod does not touch the static pod');
    unlinkSync(manifest);
    await eventually('the mirror pod to go', () => cluster.kubectl(['get', 'pod', '-n', 'kube-system', name]).code !== 0, 60_000);
    await eventually('the static pod\'s containers to go', () => !ctr('containers', 'ls', '-q').includes(containerId));
  });

  test('restarting the server and its agent leaves running pods running, adopted by the new kubelet', async () => {
    const before = pod('nginx');
    await cluster.restart();
    await eventually('the node to be Ready again', () => cluster.kubectl(['get', 'nodes', '-o', 'jsonpath={.items[0].status.conditions[?(@.type=="Ready")].status}']).stdout === 'True', 90_000);
    await new Promise((r) => setTimeout(r, 3000));
    const after = await waitPhase('nginx');
    assert.equal(after.status.containerStatuses[0].containerID, before.status.containerStatuses[0].containerID);
    assert.equal(after.status.containerStatuses[0].restartCount, 0);
    assert.equal(after.status.podIP, before.status.podIP);
    assert.match(await httpGet(`http://${after.status.podIP}/`), /Welcome to nginx!/);
  });
});
