import { mkdirSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import { stopOnSignal } from './run-until-signal.ts';
import { pino } from 'pino';
import { ApiServer } from '../apiserver/server.ts';
import { httpsKubeletStats } from '../apiserver/metrics-api/kubelet-source.ts';
import type { KubeletStatsSource } from '../apiserver/metrics-api/metrics-api.ts';
import type { KubeObject } from '../api/object.ts';
import { ensurePki } from '../apiserver/authn/pki.ts';
import { ensureServiceAccountKey } from '../apiserver/authn/service-account-key.ts';
import { Authenticator, type UserInfo } from '../apiserver/authn/authenticate.ts';
import { ApiMetrics } from '../apiserver/metrics.ts';
import type { Storage } from '../storage/interface.ts';
import { SqliteStorage } from '../storage/sqlite/sqlite-storage.ts';
import { startCompactor } from '../storage/compactor.ts';
import { kubeconfigYaml, writeKubeconfig } from './kubeconfig.ts';
import { defaultDataDir } from './data-dir.ts';
import { startControlPlane } from './control-plane.ts';
import { monitorStalls } from './stall-monitor.ts';
import { startNodeAgent, type RunningNodeAgent } from './node-agent.ts';
import { addNodeOptions, nodeOptionsFromFlags, type NodeFlags } from './node-flags.ts';

export interface ServerFlags extends NodeFlags {
  dataDir: string;
  httpsListenPort: string;
  bindAddress: string;
  advertiseAddress: string;
  writeKubeconfig?: string;
  datastoreEndpoint?: string;
  disableAgent?: boolean;
  disableScheduler?: boolean;
  disableControllerManager?: boolean;
  /** Run the scheduler and controller manager on the API server's thread rather than in a worker thread. */
  controlPlaneInProcess?: boolean;
  clusterCidr?: string;
  maxRequestsInflight?: string;
  maxMutatingRequestsInflight?: string;
}

/**
 * The API server's concurrency limit from kube-apiserver's two flags: with priority and fairness
 * their sum is the seats shared among the priority levels (400 + 200 = 600 by default); both 0
 * turn the limit off. Anything but non-negative integers is refused.
 */
export function flowControlSeats(flags: Pick<ServerFlags, 'maxRequestsInflight' | 'maxMutatingRequestsInflight'>): number {
  const count = (name: string, value: string | undefined, fallback: number): number => {
    if (value === undefined) return fallback;
    if (!/^\d+$/.test(value)) throw new Error(`--${name} must be a non-negative integer, got ${JSON.stringify(value)}`);
    return Number(value);
  };
  return count('max-requests-inflight', flags.maxRequestsInflight, 400) + count('max-mutating-requests-inflight', flags.maxMutatingRequestsInflight, 200);
}

/** Kubernetes compacts every 5 minutes; like kine, skiff keeps the last 1000 revisions of history. */
const COMPACT_INTERVAL_MS = 5 * 60_000;
const COMPACT_KEEP_REVISIONS = 1000;

/** The join token agents present (k3s: DIR/server/node-token), created on first start. */
function ensureNodeToken(serverDir: string): string {
  const path = join(serverDir, 'node-token');
  if (existsSync(path)) return readFileSync(path, 'utf8').trim();
  const token = `K10${randomBytes(24).toString('hex')}`;
  writeFileSync(path, `${token}\n`, { mode: 0o600 });
  return token;
}

async function openStorage(flags: ServerFlags, serverDir: string): Promise<Storage> {
  if (flags.datastoreEndpoint) {
    const endpoints = flags.datastoreEndpoint.split(',').map((e) => e.trim().replace(/^etcd:\/\//, 'http://'));
    // Loaded only for etcd: the etcd3 client and its gRPC protos cost ~15 MiB that a SQLite server never needs.
    const { EtcdStorage } = await import('../storage/etcd/etcd-storage.ts');
    return EtcdStorage.connect(endpoints);
  }
  mkdirSync(join(serverDir, 'db'), { recursive: true });
  return SqliteStorage.open(join(serverDir, 'db', 'state.db'));
}

/** Starts the control plane: store, API server, kubeconfig. Returns a function that stops it. */
export async function runServer(flags: ServerFlags): Promise<() => Promise<void>> {
  const log = pino({ name: 'skiff-server' }, pino.destination(2));
  const seats = flowControlSeats(flags); // a bad value fails before anything starts
  const dataDir = resolve(flags.dataDir);
  const serverDir = join(dataDir, 'server');
  mkdirSync(serverDir, { recursive: true, mode: 0o700 });
  const port = Number(flags.httpsListenPort);
  const storage = await openStorage(flags, serverDir);
  const pki = await ensurePki(join(serverDir, 'tls'), { hostnames: [hostname()], ips: [flags.advertiseAddress] });
  const serviceAccountKey = ensureServiceAccountKey(join(serverDir, 'tls'));
  const nodeToken = ensureNodeToken(serverDir);
  const tokens = new Map<string, UserInfo>([[nodeToken, { username: 'system:skiff-agent', groups: ['system:nodes', 'system:authenticated'] }]]);
  const metrics = new ApiMetrics();
  // metrics.k8s.io is served from the kubelets' /stats/summary (what metrics-server does in a k3s cluster).
  let fromKubelets: KubeletStatsSource | undefined;
  const kubeletStats: KubeletStatsSource = { summary: (node: KubeObject) => fromKubelets!.summary(node) };
  const api = new ApiServer({ storage, pki, metrics, authenticator: new Authenticator({ tokens }), serviceAccountKey, kubeletStats, advertiseAddress: flags.advertiseAddress, flowControlSeats: seats, log: (msg, extra) => log.error(extra ?? {}, msg) });
  fromKubelets = httpsKubeletStats(api, { ca: pki.caCert, cert: pki.kubeletClientCert, key: pki.kubeletClientKey });
  const listening = await api.start(port, flags.bindAddress);
  const stopMonitor = monitorStalls((msg, extra) => log.warn(extra ?? {}, msg));
  const compactor = startCompactor(storage, { intervalMs: COMPACT_INTERVAL_MS, keepRevisions: COMPACT_KEEP_REVISIONS });

  const server = `https://127.0.0.1:${listening}`;
  // The kubeconfig exists before anything else starts: clients that saw /readyz can use it at once.
  const kubeconfig = kubeconfigYaml({ server, caCert: pki.caCert, clientCert: pki.adminCert, clientKey: pki.adminKey });
  const adminPath = join(serverDir, 'kubeconfig.yaml');
  writeKubeconfig(adminPath, kubeconfig);
  if (flags.writeKubeconfig) writeKubeconfig(resolve(flags.writeKubeconfig), kubeconfig);
  const stopControlPlane = await startControlPlane({
    server,
    pki,
    disableScheduler: flags.disableScheduler,
    disableControllerManager: flags.disableControllerManager,
    threads: !flags.controlPlaneInProcess,
    clusterCIDR: flags.clusterCidr,
    log: (msg, extra) => log.warn(extra ?? {}, msg),
  });
  let agent: RunningNodeAgent | undefined;
  if (!flags.disableAgent) {
    // k3s's embedded agent: a real node next to the control plane, joined with the node token.
    try {
      agent = await startNodeAgent({
        dataDir,
        server,
        ca: pki.caCert,
        token: nodeToken,
        ...nodeOptionsFromFlags(flags, { 'node-role.kubernetes.io/control-plane': 'true', 'node-role.kubernetes.io/master': 'true' }),
        log: (msg, extra) => log.warn({ component: 'kubelet', ...(extra ?? {}) }, msg),
      });
    } catch (err) {
      await stopControlPlane();
      stopMonitor();
      compactor.stop();
      await api.stop();
      await storage.close();
      throw err;
    }
  }
  const shown = flags.writeKubeconfig ? resolve(flags.writeKubeconfig) : adminPath;
  log.info({ port: listening, store: flags.datastoreEndpoint ? 'etcd' : 'sqlite', dataDir }, 'skiff server is ready');
  process.stdout.write(`skiff server is running on ${server}\nPoint kubectl at it:\n  export KUBECONFIG=${shown}\n  kubectl get namespaces\n`);

  return async () => {
    await agent?.stop();
    await stopControlPlane();
    stopMonitor();
    compactor.stop();
    await api.stop();
    await storage.close();
  };
}

/** Registers `skiff server` with the k3s-style flags tests and tools rely on. */
export function registerServerCommand(program: Command): void {
  const server = program
    .command('server')
    .description('Run the control plane (API server over SQLite or etcd) and, by default, a node agent')
    .option('--data-dir <dir>', 'folder holding state', defaultDataDir())
    .option('--https-listen-port <port>', 'HTTPS port of the API server', '6443')
    .option('--bind-address <ip>', 'address to listen on', '0.0.0.0')
    .option('--advertise-address <ip>', 'address other nodes and the kubernetes Service use to reach this server', '127.0.0.1')
    .option('--write-kubeconfig <file>', 'also write the admin kubeconfig here')
    .option('--datastore-endpoint <url>', 'etcd endpoint(s), e.g. http://127.0.0.1:2379 (default: embedded SQLite)')
    .option('--disable-agent', 'do not run a node agent in this process')
    .option('--disable-scheduler', 'do not run the scheduler')
    .option('--disable-controller-manager', 'do not run the controllers')
    .option('--control-plane-in-process', 'run the scheduler and controllers on the API server thread (default: one worker thread for both)')
    .option('--cluster-cidr <cidr>', 'pod network, a /24 per node', '10.42.0.0/16')
    .option('--max-requests-inflight <n>', 'with --max-mutating-requests-inflight, the requests served at once (priority and fairness seats); both 0: no limit', '400')
    .option('--max-mutating-requests-inflight <n>', 'see --max-requests-inflight', '200');
  addNodeOptions(server)
    .action(async (flags: ServerFlags) => {
      stopOnSignal(await runServer(flags));
    });
}
