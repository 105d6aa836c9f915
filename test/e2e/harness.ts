import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { request } from 'node:https';
import { startTestEtcd } from '../../src/storage/test-etcd.ts';
import { killAll } from '../../src/kubelet/runtime/killall.ts';
import { unmountUnder } from '../../src/kubelet/runtime/host-cleanup.ts';

const REPO = resolve(import.meta.dirname, '../..');
export const KUBECTL = process.env.SKIFF_KUBECTL ?? '/usr/bin/kubectl';

/** A free TCP port on loopback. */
export async function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const srv = createServer();
    srv.once('error', rej);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => res(port));
    });
  });
}

/** Polls `fn` every 250 ms until it returns something truthy; fails after `timeoutMs` with the last error. */
export async function eventually<T>(what: string, fn: () => T | undefined | false | Promise<T | undefined | false>, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await fn();
      if (value) return value;
    } catch (err) {
      last = err;
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`timed out waiting for ${what}${last ? `: ${(last as Error).message}` : ''}`);
}

export interface KubectlResult {
  stdout: string;
  stderr: string;
  code: number;
}

export type StoreKind = 'sqlite' | 'etcd';

/** A real node agent embedded in the server: its own pod bridge and pod network so parallel tests do not meet. */
export interface EmbeddedAgent {
  /** Host bridge name (at most 15 characters, starting with "skiff"). */
  bridge: string;
  /** Cluster pod network, e.g. 10.77.0.0/16. */
  clusterCIDR: string;
  /**
   * Files written into the data dir before the server first starts, by path relative to it (e.g.
   * `agent/registries.yaml`, which containerd's config is rendered from at start).
   */
  files?: Record<string, string>;
}

/**
 * A real `skiff server --disable-agent` in its own process and data dir, driven by the real kubectl.
 * `restart()` stops it gracefully and starts it again on the same data; `kill9()` kills it hard.
 */
export class TestCluster {
  readonly dataDir: string;
  readonly kubeconfig: string;
  private child?: ChildProcess;
  private agents: ChildProcess[] = [];
  private etcd?: { endpoint: string; stop(): Promise<void> };
  port = 0;
  logs = '';

  private kubeletPort = 0;

  private constructor(
    readonly store: StoreKind,
    private readonly extraArgs: string[],
    readonly agent?: EmbeddedAgent,
  ) {
    this.dataDir = mkdtempSync(join(tmpdir(), 'skiff-e2e-'));
    this.kubeconfig = join(this.dataDir, 'kubeconfig.yaml');
  }

  /**
   * Starts a server; `extraArgs` are added to its command line (e.g. `--disable-controller-manager`).
   * With `agent`, the server runs its embedded node agent (real containerd; needs root), and `stop()`
   * runs `skiff killall`'s teardown so no pod, mount, link or rule is left on the host.
   */
  static async start(store: StoreKind, extraArgs: string[] = [], agent?: EmbeddedAgent): Promise<TestCluster> {
    const cluster = new TestCluster(store, extraArgs, agent);
    if (store === 'etcd') cluster.etcd = await startTestEtcd();
    cluster.port = await freePort();
    if (agent) cluster.kubeletPort = await freePort();
    for (const [path, content] of Object.entries(agent?.files ?? {})) {
      mkdirSync(dirname(join(cluster.dataDir, path)), { recursive: true, mode: 0o700 });
      writeFileSync(join(cluster.dataDir, path), content, { mode: 0o600 });
    }
    await cluster.launch();
    return cluster;
  }

  private async launch(): Promise<void> {
    const args = ['bin/skiff.js', 'server', '--data-dir', this.dataDir, '--https-listen-port', String(this.port), '--bind-address', '127.0.0.1', '--write-kubeconfig', this.kubeconfig];
    if (this.agent) args.push('--kubelet-port', String(this.kubeletPort), '--cni-bridge', this.agent.bridge, '--cluster-cidr', this.agent.clusterCIDR);
    else args.push('--disable-agent');
    if (this.etcd) args.push('--datastore-endpoint', this.etcd.endpoint);
    args.push(...this.extraArgs);
    const child = spawn(process.execPath, args, { cwd: REPO, stdio: ['ignore', 'pipe', 'pipe'] });
    this.child = child;
    child.stdout!.on('data', (d) => (this.logs += d));
    child.stderr!.on('data', (d) => (this.logs += d));
    // Generous: the first start in a fresh clone transpiles every source file, and CI machines are shared.
    const deadline = Date.now() + 120_000;
    while (Date.now() < deadline) {
      if (child.exitCode !== null) throw new Error(`skiff server exited with ${child.exitCode}:\n${this.logs}`);
      if ((await this.ready()) && existsSync(this.kubeconfig)) return;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`skiff server did not become ready in 120 s:\n${this.logs}`);
  }

  private ready(): Promise<boolean> {
    return new Promise((res) => {
      const req = request({ host: '127.0.0.1', port: this.port, path: '/readyz', rejectUnauthorized: false, timeout: 1000 }, (r) => {
        r.resume();
        r.on('end', () => res(r.statusCode === 200));
      });
      req.on('error', () => res(false));
      req.on('timeout', () => req.destroy());
      req.end();
    });
  }

  /** Runs the real kubectl against this cluster. */
  kubectl(args: string[], input?: string): KubectlResult {
    const out = spawnSync(KUBECTL, ['--kubeconfig', this.kubeconfig, ...args], { input, encoding: 'utf8', timeout: 60_000 });
    return { stdout: out.stdout ?? '', stderr: out.stderr ?? '', code: out.status ?? -1 };
  }

  /** Runs kubectl and fails with its output when it exits non-zero. */
  ok(args: string[], input?: string): string {
    const r = this.kubectl(args, input);
    if (r.code !== 0) throw new Error(`kubectl ${args.join(' ')} failed (${r.code}):\n${r.stderr}${r.stdout}`);
    return r.stdout;
  }

  /** Starts `kubectl` in the background (for `get -w`). */
  spawnKubectl(args: string[]): ChildProcess {
    return spawn(KUBECTL, ['--kubeconfig', this.kubeconfig, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  }

  /**
   * Starts `skiff agent --simulate N` against this server (simulated nodes, like KWOK), joined with
   * the server's node token and CA. Stop it with `agent.kill()` (by pid).
   */
  startSimulatedAgent(nodes: number, extraArgs: string[] = []): ChildProcess {
    const token = readFileSync(join(this.dataDir, 'server', 'node-token'), 'utf8').trim();
    const args = ['bin/skiff.js', 'agent', '--server', `https://127.0.0.1:${this.port}`, '--token', token, '--server-ca', join(this.dataDir, 'server', 'tls', 'ca.crt'), '--simulate', String(nodes), ...extraArgs];
    const child = spawn(process.execPath, args, { cwd: REPO, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout!.on('data', (d) => (this.logs += d));
    child.stderr!.on('data', (d) => (this.logs += d));
    this.agents.push(child);
    return child;
  }

  adminKubeconfig(): string {
    return readFileSync(this.kubeconfig, 'utf8');
  }

  async stopServer(signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((r) => child.once('exit', r));
    child.kill(signal);
    await exited;
  }

  async restart(): Promise<void> {
    await this.stopServer();
    await this.launch();
  }

  async kill9AndRestart(): Promise<void> {
    await this.stopServer('SIGKILL');
    await this.launch();
  }

  async stop(): Promise<void> {
    for (const agent of this.agents) if (agent.exitCode === null && agent.signalCode === null) agent.kill('SIGKILL');
    await this.stopServer();
    if (this.agent) {
      await killAll(join(this.dataDir, 'agent'), this.agent.bridge);
      unmountUnder(this.dataDir);
    }
    await this.etcd?.stop();
    rmSync(this.dataDir, { recursive: true, force: true });
  }
}
