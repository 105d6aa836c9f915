/**
 * Starts a real `skiff server --disable-agent` for a benchmark in its own process and data dir,
 * on SQLite or on a throwaway etcd, and exposes what the benchmarks need: its pid (for VmRSS),
 * its admin kubeconfig and a clean stop. Unlike test/e2e's TestCluster it can run the server
 * under `node --cpu-prof` and can attach to an etcd the caller already started (so the raw etcd
 * floor is measured on the same instance).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { appendFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { freePort } from '../test/e2e/harness.ts';
import { loadKubeconfig, type Credentials } from './kubeconfig.ts';

/** The checkout whose server runs; SKIFF_BENCH_SERVER_DIR points at another one for A/B comparisons. */
const REPO = resolve(process.env.SKIFF_BENCH_SERVER_DIR ?? resolve(import.meta.dirname, '..'));
const READY_TIMEOUT_MS = 60_000;

/** Which store the server runs on. */
export type BenchStore = 'sqlite' | 'etcd';

/** How to start the server. */
export interface BenchServerOptions {
  /** etcd client URL; without it the server uses its embedded SQLite. */
  etcdEndpoint?: string;
  /** When set, the server runs under `node --cpu-prof` and writes its profile here on exit. */
  cpuProfDir?: string;
  /** Components of `skiff server` to keep running (by default only the API server runs). */
  components?: ('scheduler' | 'controller-manager')[];
  /** Extra command-line arguments of `skiff server`. */
  extraArgs?: string[];
}

/** A running server process. `stop()` is idempotent and removes the data dir. */
export class BenchServer {
  private logs = '';
  private constructor(
    private readonly child: ChildProcess,
    readonly dataDir: string,
    readonly port: number,
    readonly kubeconfigPath: string,
  ) {
    // SKIFF_BENCH_SERVER_LOG=FILE keeps the whole log (long runs: the last 8 kB rarely show the cause).
    const file = process.env.SKIFF_BENCH_SERVER_LOG;
    const keep = (d: Buffer): void => {
      this.logs = (this.logs + d.toString()).slice(-8000);
      if (file) appendFileSync(file, d);
    };
    child.stdout!.on('data', keep);
    child.stderr!.on('data', keep);
  }

  /** Spawns the server and waits until `/readyz` answers 200 (throws with its log if it exits or times out). */
  static async start(options: BenchServerOptions = {}): Promise<BenchServer> {
    const dataDir = mkdtempSync(join(tmpdir(), 'skiff-bench-'));
    const port = await freePort();
    const kubeconfig = join(dataDir, 'kubeconfig.yaml');
    const nodeArgs = options.cpuProfDir ? ['--cpu-prof', `--cpu-prof-dir=${options.cpuProfDir}`] : [];
    // Extra V8/Node flags for the server only (e.g. `--max-semi-space-size=32` to measure GC settings).
    nodeArgs.push(...(process.env.SKIFF_BENCH_SERVER_NODE_ARGS ?? '').split(' ').filter(Boolean));
    const args = [...nodeArgs, 'bin/skiff.js', 'server', '--data-dir', dataDir, '--https-listen-port', String(port), '--bind-address', '127.0.0.1', '--write-kubeconfig', kubeconfig, '--disable-agent'];
    if (!options.components?.includes('scheduler')) args.push('--disable-scheduler');
    if (!options.components?.includes('controller-manager')) args.push('--disable-controller-manager');
    args.push(...(options.extraArgs ?? []));
    if (options.etcdEndpoint) args.push('--datastore-endpoint', options.etcdEndpoint);
    const child = spawn(process.execPath, args, { cwd: REPO, stdio: ['ignore', 'pipe', 'pipe'] });
    const server = new BenchServer(child, dataDir, port, kubeconfig);
    try {
      await server.waitReady();
    } catch (err) {
      await server.stop();
      throw err;
    }
    return server;
  }

  /** The server's process id (the node process itself, so /proc/PID is the server's). */
  get pid(): number {
    return this.child.pid ?? -1;
  }

  /** Why the process ended (`exit 1`, `signal SIGKILL`), or undefined while it runs. */
  exitStatus(): string | undefined {
    if (this.child.exitCode !== null) return `exit ${this.child.exitCode}`;
    if (this.child.signalCode !== null) return `signal ${this.child.signalCode}`;
    return undefined;
  }

  /** Wraps `err` with the server's state and recent log, for a benchmark failure report. */
  explain(err: unknown): Error {
    const why = err instanceof Error ? err.message : String(err);
    return new Error(`${why}\nserver: ${this.exitStatus() ?? 'still running'}; recent log:\n${this.logs.slice(-2000)}`);
  }

  /** The last 8 kB of the server's stdout/stderr. */
  recentLogs(): string {
    return this.logs;
  }

  /** Server URL, CA and admin client certificate from the kubeconfig the server wrote. */
  credentials(): Credentials {
    return loadKubeconfig(this.kubeconfigPath);
  }

  private async waitReady(): Promise<void> {
    const deadline = Date.now() + READY_TIMEOUT_MS;
    while (Date.now() < deadline) {
      if (this.child.exitCode !== null) throw new Error(`skiff server exited with ${this.child.exitCode}:\n${this.logs}`);
      if (await readyz(this.port)) return;
      await new Promise((r) => setTimeout(r, 200));
    }
    throw new Error(`skiff server not ready in ${READY_TIMEOUT_MS / 1000} s:\n${this.logs}`);
  }

  /** The server's resident set size in KiB (VmRSS from /proc/PID/status). */
  rssKiB(): number {
    return vmRssKiB(this.pid);
  }

  /** SIGTERM (so a --cpu-prof profile is written), SIGKILL after 10 s, then removes the data dir. */
  async stop(): Promise<void> {
    const child = this.child;
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    }
    rmSync(this.dataDir, { recursive: true, force: true });
  }
}

function readyz(port: number): Promise<boolean> {
  return new Promise((res) => {
    const req = request({ host: '127.0.0.1', port, path: '/readyz', rejectUnauthorized: false, timeout: 1000 }, (r) => {
      r.resume();
      r.on('end', () => res(r.statusCode === 200));
    });
    req.on('error', () => res(false));
    req.on('timeout', () => req.destroy());
    req.end();
  });
}

/**
 * CPU time (user + system, all threads) process `pid` has used so far, in ms, from /proc/PID/stat;
 * NaN if it cannot be read. Differences of it measure a server's CPU cost per request, a figure far
 * less sensitive to other work on a shared machine than throughput.
 */
export function cpuMs(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the parenthesized command name; utime and stime are fields 14 and 15 (1-based).
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS;
  } catch {
    return NaN;
  }
}

/** USER_HZ: Linux reports CPU times in 1/100 s on every architecture Node supports. */
const CLOCK_TICKS = 100;

/** User + system CPU seconds process `pid` has used so far; NaN if unreadable. */
export function cpuSeconds(pid: number): number {
  return cpuMs(pid) / 1000;
}

/** VmRSS of process `pid` in KiB, read from /proc (Linux); NaN if it cannot be read. */
export function vmRssKiB(pid: number): number {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const match = /^VmRSS:\s+(\d+)\s+kB/m.exec(status);
    return match ? Number(match[1]) : NaN;
  } catch {
    return NaN;
  }
}
