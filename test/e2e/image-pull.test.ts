import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { eventually, freePort, TestCluster } from './harness.ts';
import { requireContainerdHost } from '../../src/kubelet/runtime/test-containerd.ts';

// Issue 4's image pulls, for real: Debian's docker-registry serves images on loopback, configured
// as plain-http mirrors through DIR/agent/registries.yaml; the embedded agent's containerd pulls
// them through CRI as kubelet asks (imagePullPolicy, imagePullSecrets). One registry is open, one
// needs htpasswd (bcrypt) auth. Needs root; only SKIFF_SKIP_CONTAINERD_TESTS=1 opts out.
const skip = process.env.SKIFF_SKIP_CONTAINERD_TESTS === '1';
const REGISTRY_BIN = '/usr/bin/docker-registry';
const USER = 'skiff-e2e';
const PASSWORD = 'pull-s3cret';

type Json = Record<string, any>;

function requireHost(): void {
  requireContainerdHost();
  for (const bin of [REGISTRY_BIN, '/usr/bin/perl']) {
    assert.ok(existsSync(bin), `${bin} is missing: run scripts/setup.sh (or set SKIFF_SKIP_CONTAINERD_TESTS=1)`);
  }
}

/** A bcrypt htpasswd line (the registry accepts only bcrypt), made offline with libcrypt through perl. */
function htpasswdLine(user: string, password: string): string {
  const salt = execFileSync('perl', ['-e', 'my @c = (".", "/", 0..9, "A".."Z", "a".."z"); print join("", map { $c[rand 64] } 1..22)'], { encoding: 'utf8' });
  const hash = execFileSync('perl', ['-e', 'print crypt($ARGV[0], $ARGV[1])', password, `$2b$05$${salt}`], { encoding: 'utf8' });
  assert.match(hash, /^\$2b\$05\$.{53}$/, 'libcrypt made no bcrypt hash');
  return `${user}:${hash}\n`;
}

/** A docker-registry child on 127.0.0.1:port with filesystem storage in `dir`; its log is kept for assertions. */
class Registry {
  private child?: ChildProcess;
  log = '';

  constructor(readonly dir: string, readonly port: number, private readonly htpasswd?: string) {}

  get host(): string {
    return `127.0.0.1:${this.port}`;
  }

  async start(): Promise<void> {
    const auth = this.htpasswd ? ['auth:', '  htpasswd:', '    realm: skiff-e2e', `    path: ${join(this.dir, 'htpasswd')}`] : [];
    if (this.htpasswd) writeFileSync(join(this.dir, 'htpasswd'), this.htpasswd, { mode: 0o600 });
    writeFileSync(join(this.dir, 'config.yml'), [
      'version: 0.1', 'log: {level: info}',
      'storage:', '  filesystem:', `    rootdirectory: ${join(this.dir, 'data')}`, '  delete: {enabled: true}',
      'http:', `  addr: ${this.host}`, ...auth, '',
    ].join('\n'));
    const child = spawn(REGISTRY_BIN, ['serve', join(this.dir, 'config.yml')], { stdio: ['ignore', 'pipe', 'pipe'] });
    this.child = child;
    child.stdout!.on('data', (d) => (this.log += d));
    child.stderr!.on('data', (d) => (this.log += d));
    await eventually(`docker-registry on ${this.host}`, () => {
      if (child.exitCode !== null) throw new Error(`docker-registry exited (${child.exitCode}): ${this.log}`);
      return new Promise<boolean>((resolve) => {
        const req = request(`http://${this.host}/v2/`, { timeout: 1000 }, (res) => {
          res.resume();
          resolve(res.statusCode === 200 || res.statusCode === 401);
        });
        req.on('error', () => resolve(false));
        req.on('timeout', () => req.destroy());
        req.end();
      });
    }, 20_000);
  }

  /** Kills the registry by pid and waits for it to exit. */
  async stop(): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((r) => child.once('exit', r));
    process.kill(child.pid!, 'SIGKILL');
    await exited;
  }
}

describe('image pulls from a local registry (skiff server + embedded agent)', { skip }, () => {
  let cluster: TestCluster;
  let workDir: string;
  let open: Registry;
  let secured: Registry;
  const pod = (name: string): Json => JSON.parse(cluster.ok(['get', 'pod', name, '-o', 'json']));
  const ctr = (...args: string[]): string =>
    execFileSync('ctr', ['--address', join(cluster.dataDir, 'agent', 'containerd', 'containerd.sock'), '-n', 'k8s.io', ...args], { encoding: 'utf8', timeout: 120_000 });
  const events = (name: string): Json[] => (JSON.parse(cluster.ok(['get', 'events', '-o', 'json'])).items as Json[])
    .filter((e) => e.involvedObject?.kind === 'Pod' && e.involvedObject?.name === name);
  const hasEvent = (name: string, reason: string, message: string | RegExp): boolean =>
    events(name).some((e) => e.reason === reason && (typeof message === 'string' ? e.message === message : message.test(e.message)));
  const running = (name: string): Promise<Json> => eventually(`pod ${name} Running`, () => {
    const p = pod(name);
    return p.status?.phase === 'Running' && p.status.containerStatuses?.[0]?.ready ? p : undefined;
  }, 90_000);
  /**
   * Watches the pod's first container's waiting reason with `kubectl get -w`, so a state that lasts
   * only a resync (ErrImagePull before ImagePullBackOff) is not missed between polls.
   */
  const watchWaiting = (name: string): { until(reason: string): Promise<Json>; stop(): void } => {
    const seen: string[] = [];
    const child = cluster.spawnKubectl(['get', 'pod', name, '-w', '-o', 'jsonpath={.status.containerStatuses[0].state.waiting}{"\\n"}']);
    let buffer = '';
    child.stdout!.on('data', (d) => {
      buffer += d;
      const lines = buffer.split('\n');
      buffer = lines.pop()!;
      seen.push(...lines.filter((l) => l.startsWith('{')));
    });
    return {
      until: (reason) => eventually(`pod ${name} waiting with ${reason} (seen: ${seen.join(' ')})`, () =>
        seen.map((l) => JSON.parse(l) as Json).find((w) => w.reason === reason), 90_000),
      stop: () => { if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL'); },
    };
  };
  const createPod = (name: string, image: string, policy: string, secrets: string[] = []): void => {
    cluster.ok(['apply', '-f', '-'], JSON.stringify({
      apiVersion: 'v1', kind: 'Pod', metadata: { name },
      spec: {
        terminationGracePeriodSeconds: 1,
        imagePullSecrets: secrets.map((s) => ({ name: s })),
        containers: [{ name: 'main', image, imagePullPolicy: policy, command: ['sleep', '3600'] }],
      },
    }));
  };

  /** Puts the agent's offline busybox into `registry` as e2e/busybox:1, then drops the local tag so pods must pull it. */
  const publish = (registry: Registry, auth: string[]): string => {
    const image = `${registry.host}/e2e/busybox:1`;
    ctr('images', 'tag', '--force', 'docker.io/library/busybox:1.36', image);
    ctr('images', 'push', '--plain-http', ...auth, image);
    ctr('images', 'rm', image);
    assert.doesNotMatch(ctr('images', 'ls', '-q'), new RegExp(`^${image.replace(/[.]/g, '\\.')}$`, 'm'));
    return image;
  };

  before(async () => {
    requireHost();
    workDir = mkdtempSync(join(tmpdir(), 'skiff-registry-'));
    for (const sub of ['open', 'secured']) mkdirSync(join(workDir, sub, 'data'), { recursive: true });
    open = new Registry(join(workDir, 'open'), await freePort());
    secured = new Registry(join(workDir, 'secured'), await freePort(), htpasswdLine(USER, PASSWORD));
    await open.start();
    await secured.start();
    // k3s's registries.yaml, in place before containerd's config is rendered at agent start.
    const registries = ['mirrors:', ...[open, secured].flatMap((r) => [`  "${r.host}":`, `    endpoint: ["http://${r.host}"]`]), ''].join('\n');
    cluster = await TestCluster.start('sqlite', [], { bridge: 'skiffpull0', clusterCIDR: '10.79.0.0/16', files: { 'agent/registries.yaml': registries } });
    await eventually('the node to be Ready', () => cluster.kubectl(['get', 'nodes', '-o', 'jsonpath={.items[0].status.conditions[?(@.type=="Ready")].status}']).stdout === 'True', 90_000);
  });

  after(async () => {
    await cluster?.stop();
    await open?.stop();
    await secured?.stop();
    if (workDir) rmSync(workDir, { recursive: true, force: true });
  });

  test('registries.yaml becomes containerd hosts.toml mirrors over plain http', () => {
    const hosts = readFileSync(join(cluster.dataDir, 'agent', 'containerd', 'certs.d', open.host, 'hosts.toml'), 'utf8');
    assert.match(hosts, new RegExp(`\\[host\\."http://${open.host.replace(/[.]/g, '\\.')}"\\]`));
  });

  test('imagePullPolicy Always pulls from the registry and the pod runs', async () => {
    const image = publish(open, []);
    const before = open.log.length;
    createPod('always', image, 'Always');
    const p = await running('always');
    assert.match(p.status.containerStatuses[0].imageID, /@sha256:[0-9a-f]{64}$/);
    await eventually('the registry to log the manifest it served', () => /"(GET|HEAD) \/v2\/e2e\/busybox\/manifests\/1 HTTP\/1\.1" 200 /.test(open.log.slice(before)), 5000);
    await eventually('Pulling and Pulled events', () => hasEvent('always', 'Pulling', `Pulling image "${image}"`)
      && hasEvent('always', 'Pulled', new RegExp(`^Successfully pulled image "${image.replace(/[.]/g, '\\.')}" in [0-9.]+m?s \\([0-9.]+m?s including waiting\\)\\. Image size: \\d+ bytes\\.$`)), 20_000);
  });

  test('imagePullPolicy IfNotPresent with the image present does not pull ("already present on machine")', async () => {
    const image = `${open.host}/e2e/busybox:1`;
    const before = open.log.length;
    createPod('present', image, 'IfNotPresent');
    await running('present');
    await eventually('the already-present event', () => hasEvent('present', 'Pulled', `Container image "${image}" already present on machine`), 20_000);
    assert.ok(!hasEvent('present', 'Pulling', `Pulling image "${image}"`));
    assert.doesNotMatch(open.log.slice(before), /manifests/, 'no request reached the registry');
  });

  test('a missing image gives ErrImagePull, then ImagePullBackOff', async () => {
    const image = `${open.host}/e2e/nope:1`;
    createPod('missing', image, 'IfNotPresent');
    const watch = watchWaiting('missing');
    try {
      const first = await watch.until('ErrImagePull');
      assert.match(first.message, /rpc error: code = \w+ desc = /);
      const backoff = await watch.until('ImagePullBackOff');
      assert.equal(backoff.message, `Back-off pulling image "${image}"`);
    } finally {
      watch.stop();
    }
    assert.equal(pod('missing').status.phase, 'Pending');
    assert.ok(hasEvent('missing', 'Failed', new RegExp(`^Failed to pull image "${image.replace(/[.]/g, '\\.')}": `)));
    assert.ok(hasEvent('missing', 'Failed', 'Error: ErrImagePull'));
  });

  test('a registry with auth: no pull without credentials, the pod with the right imagePullSecrets runs', async () => {
    const image = publish(secured, ['--user', `${USER}:${PASSWORD}`]);
    createPod('no-secret', image, 'Always');
    const watch = watchWaiting('no-secret');
    try {
      const waiting = await watch.until('ErrImagePull');
      assert.match(waiting.message, /401|[Uu]nauthorized|authorization/);
    } finally {
      watch.stop();
    }

    cluster.ok(['create', 'secret', 'docker-registry', 'regcred', `--docker-server=${secured.host}`, `--docker-username=${USER}`, `--docker-password=${PASSWORD}`]);
    assert.equal(JSON.parse(cluster.ok(['get', 'secret', 'regcred', '-o', 'json'])).type, 'kubernetes.io/dockerconfigjson');
    // A secret that does not exist is skipped with kubelet's warning; the one that does is used.
    createPod('with-secret', image, 'Always', ['absent', 'regcred']);
    await running('with-secret');
    await eventually('the missing-secret warning', () => hasEvent('with-secret', 'FailedToRetrieveImagePullSecret',
      'Unable to retrieve some image pull secrets (absent); attempting to pull the image may not succeed.'), 20_000);
    assert.equal(pod('no-secret').status.containerStatuses[0].state.running, undefined, 'the pod without the secret still cannot pull');
  });
});
