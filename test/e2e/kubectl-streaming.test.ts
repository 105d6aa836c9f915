import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request as httpsRequest } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MemoryStorage } from '../../src/storage/memory/memory-storage.ts';
import { ensurePki, type Pki } from '../../src/apiserver/authn/pki.ts';
import { Authenticator } from '../../src/apiserver/authn/authenticate.ts';
import { ApiServer } from '../../src/apiserver/server.ts';
import { kubeconfigYaml } from '../../src/cli/kubeconfig.ts';
import { CriClient } from '../../src/kubelet/cri/client.ts';
import type { ContainerConfig, PodSandboxConfig } from '../../src/kubelet/cri/types.ts';
import { httpGet, SKIP_CONTAINERD_TESTS, startTestContainerd, type TestContainerd } from '../../src/kubelet/runtime/test-containerd.ts';
import { KubeletRequestError, type KubeletServerDeps } from '../../src/kubelet/server/deps.ts';
import { KubeletServer } from '../../src/kubelet/server/server.ts';
import { obtainServingCert } from '../../src/kubelet/server/serving-cert.ts';
import { freePort } from './harness.ts';

// The real kubectl against an in-process API server, a real kubelet HTTPS server and a real
// containerd: logs, exec (websocket and SPDY), attach and port-forward. Run under
// `flock /tmp/skiff-containerd.lock`; only SKIFF_SKIP_CONTAINERD_TESTS=1 opts out.
const skip = SKIP_CONTAINERD_TESTS;
const POD_CIDR = '10.244.88.0/24';
/** A test-only bridge keeps this file off the shared skiff0 when test files run in parallel. */
const BRIDGE = 'skiff-t88';
const KUBECTL = process.env.SKIFF_KUBECTL ?? '/usr/bin/kubectl';
const NODE_TOKEN = 'skiff-streaming-test-token';
const POD_UID = 'skiff-stream-uid-1';

interface Result { stdout: string; stderr: string; code: number }

describe('kubectl logs, exec, attach and port-forward through the API server and kubelet', { skip }, () => {
  let dir = '';
  let runtime: TestContainerd | undefined;
  let cri: CriClient | undefined;
  let pki: Pki;
  let api: ApiServer | undefined;
  let kubelet: KubeletServer | undefined;
  let kubeletPort = 0;
  let kubeconfig = '';
  const containers = new Map<string, { id: string; logPath: string }>();
  let sandboxId = '';
  const children: ChildProcess[] = [];

  // kubectl runs asynchronously: the API server and kubelet under test live in this process.
  const kubectl = (args: string[], input?: string | Buffer, env: Record<string, string> = {}): Promise<Result> =>
    run(KUBECTL, ['--kubeconfig', kubeconfig, ...args], input, env);
  const ok = async (args: string[], input?: string | Buffer, env?: Record<string, string>): Promise<string> => {
    const r = await kubectl(args, input, env);
    assert.equal(r.code, 0, `kubectl ${args.join(' ')} failed (${r.code}): ${r.stderr}${r.stdout}`);
    return r.stdout;
  };
  /** Starts kubectl in the background and resolves once its stdout matched `pattern` (bounded by 30 s). */
  const background = async (args: string[], pattern: RegExp, env: Record<string, string> = {}): Promise<{ child: ChildProcess; output: () => string }> => {
    const child = spawn(KUBECTL, ['--kubeconfig', kubeconfig, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
    children.push(child);
    let out = '';
    let err = '';
    child.stdout!.on('data', (d) => (out += d));
    child.stderr!.on('data', (d) => (err += d));
    const deadline = Date.now() + 30_000;
    while (!pattern.test(out)) {
      if (Date.now() > deadline || child.exitCode !== null) throw new Error(`kubectl ${args.join(' ')}: no ${pattern} in output:\n${out}\n${err}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    return { child, output: () => out };
  };

  const deps: KubeletServerDeps = {
    findContainer: (namespace, pod, container) => {
      if (namespace !== 'default' || pod !== 'web') return new KubeletRequestError(404, `pod "${pod}" not found`);
      const found = containers.get(container);
      if (!found) return new KubeletRequestError(404, `container "${container}" not found in pod "${pod}"`);
      return { containerId: found.id, logPath: found.logPath };
    },
    findSandbox: (namespace, pod) => (namespace === 'default' && pod === 'web' ? { sandboxId } : new KubeletRequestError(404, `pod "${pod}" not found`)),
    get cri() {
      return cri!;
    },
  };

  before(async () => {
    assert.ok(existsSync(KUBECTL), `${KUBECTL} is missing`);
    dir = mkdtempSync(join(tmpdir(), 'skiff-streaming-'));
    runtime = await startTestContainerd('streaming-runtime', POD_CIDR, BRIDGE);
    cri = runtime.client;

    // The control plane: PKI, the API server with the node join token, an admin kubeconfig.
    pki = await ensurePki(join(dir, 'tls'), { hostnames: [], ips: [] });
    const tokens = new Map([[NODE_TOKEN, { username: 'system:skiff-agent', groups: ['system:nodes'] }]]);
    api = new ApiServer({ storage: new MemoryStorage(), pki, authenticator: new Authenticator({ tokens }) });
    const apiPort = await api.start(0, '127.0.0.1');
    kubeconfig = join(dir, 'kubeconfig.yaml');
    writeFileSync(kubeconfig, kubeconfigYaml({ server: `https://127.0.0.1:${apiPort}`, caCert: pki.caCert, clientCert: pki.adminCert, clientKey: pki.adminKey }));

    // The kubelet gets its serving certificate from the API server with the join token.
    const serving = await obtainServingCert({ server: `https://127.0.0.1:${apiPort}`, token: NODE_TOKEN, ca: pki.caCert }, 'skiff-stream-node', ['127.0.0.1']);
    kubelet = new KubeletServer({ cert: serving.cert, key: serving.key, caCert: pki.caCert, deps });
    kubeletPort = await kubelet.start(0, '127.0.0.1');

    // The pod's sandbox and containers, created directly through CRI with the kubelet's log layout.
    const logDirectory = join(runtime.agentDir, 'pod-logs', `default_web_${POD_UID}`);
    const sandboxConfig: PodSandboxConfig = {
      metadata: { name: 'web', namespace: 'default', uid: POD_UID, attempt: 0 },
      hostname: 'web',
      logDirectory,
      labels: { 'io.kubernetes.pod.name': 'web', 'io.kubernetes.pod.namespace': 'default' },
      linux: {},
    };
    sandboxId = await cri.runPodSandbox(sandboxConfig);
    const specs: ContainerConfig[] = [
      {
        metadata: { name: 'app', attempt: 0 },
        image: { image: 'docker.io/library/busybox:1.36' },
        command: ['sh', '-c', 'echo hello-out; sleep 0.2; echo hello-err >&2; sleep 0.2; printf "no-newline"; echo; i=0; while true; do echo tick-$i; i=$((i+1)); sleep 0.3; done'],
        logPath: 'app/0.log',
      },
      { metadata: { name: 'web', attempt: 0 }, image: { image: 'docker.io/library/nginx:1.27' }, logPath: 'web/0.log' },
    ];
    for (const spec of specs) {
      const id = await cri.createContainer(sandboxId, spec, sandboxConfig);
      await cri.startContainer(id);
      containers.set(spec.metadata.name, { id, logPath: join(logDirectory, spec.logPath!) });
    }

    // The API objects: a node whose kubelet is this server, and the pod bound to it.
    await ok(['apply', '-f', '-'], JSON.stringify({
      apiVersion: 'v1', kind: 'Node', metadata: { name: 'skiff-stream-node' },
      status: { addresses: [{ type: 'InternalIP', address: '127.0.0.1' }, { type: 'Hostname', address: 'skiff-stream-node' }], daemonEndpoints: { kubeletEndpoint: { Port: kubeletPort } } },
    }));
    await ok(['apply', '-f', '-'], JSON.stringify({
      apiVersion: 'v1', kind: 'Pod', metadata: { name: 'web', namespace: 'default' },
      spec: { nodeName: 'skiff-stream-node', containers: [{ name: 'app', image: 'busybox:1.36' }, { name: 'web', image: 'nginx:1.27' }] },
    }));
    // kubectl port-forward insists on a Running pod; the lead's kubelet will report it, here the test does.
    await ok(['patch', 'pod', 'web', '--subresource=status', '--type=merge', '-p', JSON.stringify({ status: { phase: 'Running' } })]);
    // The node must keep the kubelet port it was created with (kubectl apply sends status too).
    const port = await ok(['get', 'node', 'skiff-stream-node', '-o', 'jsonpath={.status.daemonEndpoints.kubeletEndpoint.Port}']);
    if (port.trim() !== String(kubeletPort)) {
      await ok(['patch', 'node', 'skiff-stream-node', '--subresource=status', '--type=merge', '-p', JSON.stringify({ status: { addresses: [{ type: 'InternalIP', address: '127.0.0.1' }], daemonEndpoints: { kubeletEndpoint: { Port: kubeletPort } } } })]);
    }
  });

  after(async () => {
    for (const child of children) if (child.exitCode === null && child.signalCode === null && child.pid) child.kill('SIGKILL');
    await kubelet?.stop();
    await api?.stop();
    if (cri && sandboxId) {
      await cri.stopPodSandbox(sandboxId).catch(() => {});
      await cri.removePodSandbox(sandboxId).catch(() => {});
    }
    await runtime?.cleanup();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  test('kubectl logs reads the CRI log (stdout and stderr), with tail, timestamps and limit-bytes', async () => {
    let out = '';
    for (let i = 0; i < 50 && !out.includes('tick-1'); i++) {
      out = await ok(['logs', 'web', '-c', 'app']);
      await new Promise((r) => setTimeout(r, 100));
    }
    assert.match(out, /^hello-out\nhello-err\nno-newline\ntick-0\n/);
    assert.match(await ok(['logs', 'web', '-c', 'app', '--tail=1']), /^tick-\d+\n$/);
    assert.match(await ok(['logs', 'web', '-c', 'app', '--timestamps', '--tail=1']), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z tick-\d+\n$/);
    assert.equal(await ok(['logs', 'web', '-c', 'app', '--limit-bytes=7']), 'hello-o');
    assert.equal(await ok(['logs', 'web', '-c', 'app', '--since=1h', '--limit-bytes=9']), 'hello-out');
  });

  test('pods/log errors are Kubernetes Status errors', async () => {
    const bad = await kubectl(['logs', 'web', '-c', 'nope']);
    assert.notEqual(bad.code, 0);
    assert.match(bad.stderr, /container nope is not valid for pod web/);
    const unnamed = await kubectl(['get', '--raw', '/api/v1/namespaces/default/pods/web/log']);
    assert.match(unnamed.stderr, /a container name must be specified for pod web, choose one of: \[app web\]/);
    const missing = await kubectl(['logs', 'absent']);
    assert.match(missing.stderr, /pods "absent" not found/);
    const negative = await kubectl(['get', '--raw', '/api/v1/namespaces/default/pods/web/log?container=app&tailLines=-1']);
    assert.match(negative.stderr, /tailLines: Invalid value: -1: must be greater than or equal to 0/);
  });

  test('kubectl logs -f streams new lines as the container writes them', async () => {
    const { child, output } = await background(['logs', '-f', 'web', '-c', 'app', '--tail=1'], /tick-\d+\n(.|\n)*tick-\d+\n(.|\n)*tick-\d+\n/);
    child.kill('SIGKILL');
    const ticks = output().trim().split('\n').map((l) => Number(l.replace('tick-', '')));
    assert.ok(ticks.length >= 3);
    for (let i = 1; i < ticks.length; i++) assert.equal(ticks[i], ticks[i - 1] + 1, `consecutive lines: ${output()}`);
  });

  test('kubectl exec runs a command (websocket v5), passes stdin with EOF, and propagates exit codes', async () => {
    assert.equal(await ok(['exec', 'web', '-c', 'app', '--', 'echo', 'hi']), 'hi\n');
    assert.equal(await ok(['exec', '-i', 'web', '-c', 'app', '--', 'cat'], 'line one\nline two\n'), 'line one\nline two\n');
    const big = Buffer.alloc(300_000, 'x');
    assert.equal((await ok(['exec', '-i', 'web', '-c', 'app', '--', 'wc', '-c'], big)).trim(), '300000');
    const failed = await kubectl(['exec', 'web', '-c', 'app', '--', 'sh', '-c', 'echo to-err >&2; exit 3']);
    assert.equal(failed.code, 3, failed.stderr);
    assert.match(failed.stderr, /to-err/);
    const missing = await kubectl(['exec', 'web', '-c', 'app', '--', '/no/such/binary']);
    assert.notEqual(missing.code, 0);
    const wrongContainer = await kubectl(['exec', 'web', '-c', 'nope', '--', 'true']);
    assert.notEqual(wrongContainer.code, 0);
    assert.match(wrongContainer.stderr, /container nope is not valid for pod web/);
  });

  test('kubectl exec -it gets a terminal (through script for a pty)', async () => {
    // stdin stays open while the command runs, as at a terminal: closing a TTY's input hangs the shell up.
    // The pty gets a size first, so kubectl sends a resize that the container's terminal reports. The
    // resize travels beside the command's start (as in Kubernetes), so the shell waits briefly for it.
    const command = `stty rows 31 cols 101; ${KUBECTL} --kubeconfig ${kubeconfig} exec -it web -c app -- sh -c 'tty; for i in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20; do s=\$(stty size 2>/dev/null); [ -n \"\$s\" ] && [ \"\$s\" != \"0 0\" ] && break; sleep 0.2; done; echo \$s; echo done'`;
    const child = spawn('script', ['-qec', command, '/dev/null'], { stdio: ['pipe', 'pipe', 'pipe'] });
    children.push(child);
    let out = '';
    child.stdout!.on('data', (d) => (out += d));
    child.stderr!.on('data', (d) => (out += d));
    const code = await new Promise<number | null>((resolve) => {
      const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
      child.once('close', (c) => { clearTimeout(timer); resolve(c); });
    });
    assert.equal(code, 0, out);
    assert.match(out, /\/dev\/pts\/\d+\r?\n31 101\r?\ndone/);
  });

  test('kubectl exec over SPDY (the fallback of older clients) behaves the same', async () => {
    const env = { KUBECTL_REMOTE_COMMAND_WEBSOCKETS: 'false' };
    assert.equal(await ok(['exec', 'web', '-c', 'app', '--', 'echo', 'spdy'], undefined, env), 'spdy\n');
    assert.equal(await ok(['exec', '-i', 'web', '-c', 'app', '--', 'cat'], 'via spdy\n', env), 'via spdy\n');
    assert.equal((await kubectl(['exec', 'web', '-c', 'app', '--', 'sh', '-c', 'exit 4'], undefined, env)).code, 4);
  });

  test('kubectl attach streams the running container output', async () => {
    const { child } = await background(['attach', 'web', '-c', 'app'], /tick-\d+\n/);
    child.kill('SIGKILL');
  });

  test('kubectl port-forward (websocket tunnel, and SPDY) reaches the pod port', async () => {
    for (const env of [{}, { KUBECTL_PORT_FORWARD_WEBSOCKETS: 'false' }] as Record<string, string>[]) {
      const local = await freePort();
      const { child } = await background(['port-forward', 'pod/web', `${local}:80`, '--address', '127.0.0.1'], /Forwarding from/, env);
      try {
        for (let i = 0; i < 2; i++) assert.match(await httpGet(`http://127.0.0.1:${local}/`), /Welcome to nginx!/);
      } finally {
        child.kill('SIGKILL');
      }
    }
  });

  test('the kubelet admits only the API server: 401 without a client certificate, 403 for other users', async () => {
    assert.equal((await kubeletGet(kubeletPort, '/healthz')).code, 200);
    assert.equal((await kubeletGet(kubeletPort, '/containerLogs/default/web/app')).code, 401);
    const admin = await kubeletGet(kubeletPort, '/containerLogs/default/web/app', { cert: pki.adminCert, key: pki.adminKey });
    assert.equal(admin.code, 403);
    const apiserver = await kubeletGet(kubeletPort, '/containerLogs/default/web/app?tailLines=1', { cert: pki.kubeletClientCert, key: pki.kubeletClientKey });
    assert.equal(apiserver.code, 200);
    assert.match(apiserver.body, /^tick-\d+\n$/);
    assert.equal((await kubeletGet(kubeletPort, '/containerLogs/default/other/app', { cert: pki.kubeletClientCert, key: pki.kubeletClientKey })).code, 404);
  });

  test('nodes/proxy reaches the kubelet API', async () => {
    assert.equal(await ok(['get', '--raw', '/api/v1/nodes/skiff-stream-node/proxy/healthz']), 'ok');
    assert.match(await ok(['get', '--raw', '/api/v1/nodes/skiff-stream-node/proxy/containerLogs/default/web/app?tailLines=1']), /^tick-\d+\n$/);
    const missing = await kubectl(['get', '--raw', '/api/v1/nodes/skiff-stream-node/proxy/no/such/path']);
    assert.notEqual(missing.code, 0);
    assert.match((await kubectl(['get', '--raw', '/api/v1/nodes/absent/proxy/healthz'])).stderr, /nodes "absent" not found/);
  });

  function kubeletGet(port: number, path: string, client: { cert?: string; key?: string } = {}): Promise<{ code: number; body: string }> {
    return new Promise((resolve, reject) => {
      const req = httpsRequest({ host: '127.0.0.1', port, path, ca: pki.caCert, ...client, timeout: 10_000 }, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => (body += d));
        res.on('end', () => resolve({ code: res.statusCode ?? 0, body }));
      });
      req.on('timeout', () => req.destroy(new Error('timeout')));
      req.on('error', reject);
      req.end();
    });
  }
});

/** Runs a program to completion without blocking the event loop (bounded by 60 s). */
function run(file: string, args: string[], input?: string | Buffer, env: Record<string, string> = {}): Promise<Result> {
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, { stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => child.pid && process.kill(child.pid, 'SIGKILL'), 60_000);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ stdout, stderr, code: code ?? (signal ? 128 : -1) });
    });
    child.stdin.on('error', () => {});
    child.stdin.end(input);
  });
}
