/**
 * The kine load mix against the API server on ConfigMaps (~1 KiB each): 20% create, 50% update
 * (PUT with the resourceVersion of a known object; on 409 Conflict refetch and retry once), 20%
 * delete, 10% list of a namespace holding a few hundred objects. Runs N concurrent clients sharing S
 * HTTP/2 sessions (client-go shares one connection per host among a process's goroutines), for a
 * bounded time and op count, and reports throughput and latency next to the raw store floor
 * measured in the same run.
 *
 * The load generator runs on the same cores as the server, so it is kept cheap: request bodies are
 * built as bytes from a template, the resourceVersion of a response is found with indexOf rather
 * than by parsing it, and list bodies are counted, not kept. Every status code is still checked.
 *
 * Run alone: `node --import tsx bench/api-load.ts [sqlite|etcd ...]`
 */
import { startTestEtcd } from '../src/storage/test-etcd.ts';
import { H1Client } from './h1-client.ts';
import { H2Client, resourceVersionIn, type H2Request, type H2Response } from './h2-client.ts';
import type { Credentials } from './kubeconfig.ts';
import { BenchServer, cpuMs, type BenchStore } from './server-process.ts';
import { measureFloor, type FloorResult } from './floors.ts';
import { measureTransportFloor } from './transport-floor.ts';
import { round2, summarize, type LatencySummary } from './stats.ts';
import { PAYLOAD_BYTES, configMapBytes, ensureNamespace, envNumber, fanOut, isMain } from './workload.ts';

type Op = 'create' | 'update' | 'delete' | 'list';

/**
 * How the clients reach the server: `http2` = the clients share `sessions` HTTP/2 connections
 * (client-go's way), `http1` = every client has its own HTTP/1.1 keep-alive connection (the way of
 * `@kubernetes/client-node` and most non-Go clients).
 */
export type LoadProtocol = 'http1' | 'http2';

/** What a load client needs of a connection. */
interface LoadConnection {
  request(req: H2Request): Promise<H2Response>;
  close(): Promise<void>;
}

/** Parameters of one load run. */
export interface LoadOptions {
  namespace: string;
  clients: number;
  protocol: LoadProtocol;
  /** HTTP/2 sessions the clients share (client i uses session i mod sessions); at most `clients`. http1: one connection per client. */
  sessions: number;
  seconds: number;
  /** ConfigMaps created before the clock starts, so lists see a namespace of a few hundred objects. */
  seedObjects: number;
  /** Upper bound on requests per client, so a run ends even if the clock misbehaves. */
  maxOpsPerClient: number;
  /** Cumulative shares of each operation (see parseMix); default the kine mix. */
  mix?: ReadonlyArray<[Op, number]>;
}

/** What one load run measured. Latencies in ms; `writes` = create + update + delete requests. */
export interface LoadResult {
  protocol: LoadProtocol;
  clients: number;
  sessions: number;
  seconds: number;
  ops: number;
  opsPerSec: number;
  writes: number;
  writesPerSec: number;
  /** Latency of create, update and delete requests together. */
  mutating: LatencySummary;
  byOp: Record<Op, LatencySummary>;
  /** Server CPU (all threads) per request during the timed run, in ms; absent when the pid is unknown. */
  serverCpuMsPerOp?: number;
  /**
   * The load generator's own CPU per request (this process, all threads), in ms: it shares the
   * machine's cores with the server, so this says how much of the machine the client takes.
   */
  clientCpuMsPerOp?: number;
  /** 409s on update, each followed by a refetch. */
  conflicts: number;
  /** Unexpected outcomes by `op:status` (status 0 = transport error or timeout). */
  errors: Record<string, number>;
}

/** One client's view: the objects it owns (name -> resourceVersion) and its samples. */
interface ClientState {
  index: number;
  client: LoadConnection;
  known: Map<string, string>;
  created: number;
  version: number;
  latencies: Record<Op, number[]>;
}

interface Shared {
  options: LoadOptions;
  deadline: number;
  conflicts: number;
  errors: Record<string, number>;
  /** A list of the namespace is at least this long (half the seeded objects' bodies). */
  minListBytes: number;
}

const REQUEST_TIMEOUT_MS = 10_000;

/** The kine mix as cumulative shares: 20% create, 50% update, 20% delete, 10% list. */
const KINE_MIX: ReadonlyArray<[Op, number]> = [['create', 0.2], ['update', 0.7], ['delete', 0.9], ['list', 1]];

/**
 * SKIFF_BENCH_MIX=create:20,update:50,delete:20,list:10 (weights) runs another mix, e.g. one
 * operation alone to see what it costs the server; unset = the kine mix.
 */
export function parseMix(spec: string | undefined): ReadonlyArray<[Op, number]> {
  if (!spec) return KINE_MIX;
  const weights = spec.split(',').map((part) => part.split(':')).map(([op, w]) => [op, Number(w)] as [Op, number]);
  if (weights.some(([op, w]) => !(op in OPS) || !(w >= 0))) throw new Error(`SKIFF_BENCH_MIX: expected op:weight,... with ops ${Object.keys(OPS).join(', ')}, got ${spec}`);
  const total = weights.reduce((a, [, w]) => a + w, 0);
  let sum = 0;
  return weights.map(([op, w]) => [op, (sum += w) / total] as [Op, number]);
}

function pickOp(state: ClientState, mix: ReadonlyArray<[Op, number]>): Op {
  const r = Math.random();
  const op = (mix.find(([, upTo]) => r < upTo) ?? mix[mix.length - 1])[0];
  // A client that owns nothing cannot update or delete; it creates instead (keeps the mix honest).
  return (op === 'update' || op === 'delete') && state.known.size === 0 ? 'create' : op;
}

function anyKnown(state: ClientState): [string, string] {
  const skip = Math.floor(Math.random() * state.known.size);
  let i = 0;
  for (const entry of state.known) if (i++ === skip) return entry;
  throw new Error('unreachable: known is not empty');
}

function fail(shared: Shared, op: Op, res: H2Response): void {
  const key = `${op}:${res.status}`;
  shared.errors[key] = (shared.errors[key] ?? 0) + 1;
}

function rvOf(res: H2Response): string | undefined {
  return resourceVersionIn(res.body);
}

async function doCreate(state: ClientState, shared: Shared): Promise<H2Response> {
  const ns = shared.options.namespace;
  const name = `c${state.index}-${state.created++}`;
  const res = await state.client.request({ method: 'POST', path: `/api/v1/namespaces/${ns}/configmaps`, body: configMapBytes(ns, name, 0), timeoutMs: REQUEST_TIMEOUT_MS });
  const rv = res.status === 201 ? rvOf(res) : undefined;
  if (rv) state.known.set(name, rv);
  else fail(shared, 'create', res);
  return res;
}

async function doUpdate(state: ClientState, shared: Shared): Promise<H2Response> {
  const ns = shared.options.namespace;
  const [name, rv] = anyKnown(state);
  const path = `/api/v1/namespaces/${ns}/configmaps/${name}`;
  let res = await state.client.request({ method: 'PUT', path, body: configMapBytes(ns, name, ++state.version, rv), timeoutMs: REQUEST_TIMEOUT_MS });
  if (res.status === 409) {
    // Optimistic concurrency as clients do it: refetch for the current resourceVersion, retry once.
    shared.conflicts++;
    const current = await state.client.request({ path, timeoutMs: REQUEST_TIMEOUT_MS });
    const fresh = current.status === 200 ? rvOf(current) : undefined;
    if (!fresh) {
      state.known.delete(name);
      fail(shared, 'update', current);
      return res;
    }
    res = await state.client.request({ method: 'PUT', path, body: configMapBytes(ns, name, ++state.version, fresh), timeoutMs: REQUEST_TIMEOUT_MS });
  }
  const next = res.status === 200 ? rvOf(res) : undefined;
  if (next) state.known.set(name, next);
  else fail(shared, 'update', res);
  return res;
}

async function doDelete(state: ClientState, shared: Shared): Promise<H2Response> {
  const [name] = anyKnown(state);
  state.known.delete(name);
  const res = await state.client.request({ method: 'DELETE', path: `/api/v1/namespaces/${shared.options.namespace}/configmaps/${name}`, timeoutMs: REQUEST_TIMEOUT_MS });
  if (res.status !== 200 && res.status !== 202) fail(shared, 'delete', res);
  return res;
}

async function doList(state: ClientState, shared: Shared): Promise<H2Response> {
  // The body is counted, not kept: a 200 with fewer bytes than the seeded namespace needs is an error.
  const res = await state.client.request({ path: `/api/v1/namespaces/${shared.options.namespace}/configmaps`, timeoutMs: REQUEST_TIMEOUT_MS, discardBody: true });
  if (res.status !== 200 || res.bytes < shared.minListBytes) fail(shared, 'list', res);
  return res;
}

const OPS: Record<Op, (state: ClientState, shared: Shared) => Promise<H2Response>> = { create: doCreate, update: doUpdate, delete: doDelete, list: doList };

async function clientLoop(state: ClientState, shared: Shared): Promise<number> {
  let ops = 0;
  while (ops < shared.options.maxOpsPerClient && performance.now() < shared.deadline) {
    const op = pickOp(state, shared.options.mix ?? KINE_MIX);
    const res = await OPS[op](state, shared);
    state.latencies[op].push(res.ms);
    ops++;
  }
  return ops;
}

/** Creates the seed objects and hands them out round-robin to the clients that will own them. */
async function seed(states: ClientState[], options: LoadOptions): Promise<void> {
  const ns = options.namespace;
  const seeder = states[0].client;
  await ensureNamespace(seeder, ns);
  await fanOut(options.seedObjects, 16, performance.now() + 60_000, async (i) => {
    const owner = states[i % states.length];
    const name = `seed-${i}`;
    const res = await owner.client.request({ method: 'POST', path: `/api/v1/namespaces/${ns}/configmaps`, body: configMapBytes(ns, name, 0), timeoutMs: REQUEST_TIMEOUT_MS });
    const rv = res.status === 201 ? rvOf(res) : undefined;
    if (!rv) throw new Error(`seeding ${name}: ${res.status} ${res.error ?? res.body.toString().slice(0, 300)}`);
    owner.known.set(name, rv);
  });
}

/** Runs the load mix against the server `creds` points at. The namespace should be fresh. */
export async function runLoad(creds: Credentials, options: LoadOptions, serverPid?: number): Promise<LoadResult> {
  const sessions = options.protocol === 'http1' ? options.clients : Math.max(1, Math.min(options.sessions, options.clients));
  const clients: LoadConnection[] = options.protocol === 'http1' ? await H1Client.connectMany(creds, sessions) : await H2Client.connectMany(creds, sessions);
  try {
    const states: ClientState[] = Array.from({ length: options.clients }, (_, index) => ({ index, client: clients[index % sessions], known: new Map(), created: 0, version: 0, latencies: { create: [], update: [], delete: [], list: [] } }));
    await seed(states, options);
    const shared: Shared = { options, deadline: 0, conflicts: 0, errors: {}, minListBytes: (options.seedObjects * PAYLOAD_BYTES) / 2 };
    const cpuBefore = serverPid ? cpuMs(serverPid) : NaN;
    const clientCpuBefore = process.cpuUsage();
    const started = performance.now();
    shared.deadline = started + options.seconds * 1000;
    const counts = await Promise.all(states.map((s) => clientLoop(s, shared)));
    const seconds = (performance.now() - started) / 1000;
    const serverCpu = serverPid ? cpuMs(serverPid) - cpuBefore : NaN;
    const clientCpu = process.cpuUsage(clientCpuBefore);
    const all = (op: Op): number[] => states.flatMap((s) => s.latencies[op]);
    const byOp = { create: summarize(all('create')), update: summarize(all('update')), delete: summarize(all('delete')), list: summarize(all('list')) };
    const ops = counts.reduce((a, b) => a + b, 0);
    const writes = byOp.create.count + byOp.update.count + byOp.delete.count;
    return {
      protocol: options.protocol,
      clients: options.clients,
      sessions,
      seconds: round2(seconds),
      ops,
      opsPerSec: round2(ops / seconds),
      writes,
      writesPerSec: round2(writes / seconds),
      mutating: summarize([...all('create'), ...all('update'), ...all('delete')]),
      byOp,
      ...(Number.isFinite(serverCpu) && ops > 0 ? { serverCpuMsPerOp: round2(serverCpu / ops) } : {}),
      clientCpuMsPerOp: ops > 0 ? round2((clientCpu.user + clientCpu.system) / 1000 / ops) : 0,
      conflicts: shared.conflicts,
      errors: shared.errors,
    };
  } finally {
    await Promise.all(clients.map((c) => c.close().catch(() => {})));
  }
}

/** Load runs on one store with the raw floor of that store measured in the same run. */
export interface StoreLoadReport {
  store: BenchStore;
  floor: FloorResult;
  runs: LoadResult[];
  /**
   * The same mix at the same client counts against a server that does nothing but TLS, HTTP and
   * JSON.parse (bench/transport-floor.ts), measured right after each run: what this machine's cores
   * allow any Node.js API server. Absent when SKIFF_BENCH_TRANSPORT_FLOOR=0.
   */
  transportFloor?: LoadResult[];
}

/** Settings for {@link benchApiLoad}; defaults follow the brief (4 and 64 clients, 15 s each). */
export interface ApiLoadSettings {
  clientCounts: number[];
  /** SKIFF_BENCH_PROTOCOL: http2 (default) or http1. */
  protocol: LoadProtocol;
  /** HTTP/2 sessions per run (shared by the clients); SKIFF_BENCH_SESSIONS, default 8. 64 = one per client, the old harness. */
  sessions: number;
  seconds: number;
  floorSeconds: number;
  seedObjects: number;
  cpuProfDir?: string;
  /** Measure the do-nothing server after each run (SKIFF_BENCH_TRANSPORT_FLOOR, default on). */
  transportFloor: boolean;
}

/** Defaults, overridable with SKIFF_BENCH_SECONDS / SKIFF_BENCH_FLOOR_SECONDS / SKIFF_BENCH_CLIENTS (e.g. `64`) / SKIFF_BENCH_SESSIONS. */
export function defaultLoadSettings(): ApiLoadSettings {
  const clientCounts = (process.env.SKIFF_BENCH_CLIENTS ?? '4,64').split(',').map(Number).filter((n) => Number.isInteger(n) && n > 0);
  const protocol: LoadProtocol = process.env.SKIFF_BENCH_PROTOCOL === 'http1' ? 'http1' : 'http2';
  return { clientCounts, protocol, sessions: envNumber('SKIFF_BENCH_SESSIONS', 8), seconds: envNumber('SKIFF_BENCH_SECONDS', 15), floorSeconds: envNumber('SKIFF_BENCH_FLOOR_SECONDS', 5), seedObjects: 300, cpuProfDir: process.env.SKIFF_BENCH_CPU_PROF, transportFloor: process.env.SKIFF_BENCH_TRANSPORT_FLOOR !== '0' };
}

/**
 * Measures the raw floor of `store` (better-sqlite3 one-row transactions, or etcd puts with 64
 * clients), then starts a server on that store and runs the load mix at each client count.
 */
export async function benchApiLoad(store: BenchStore, settings = defaultLoadSettings()): Promise<StoreLoadReport> {
  const etcd = store === 'etcd' ? await startTestEtcd() : undefined;
  try {
    const floor = await measureFloor(store, settings.floorSeconds, etcd?.endpoint);
    const server = await BenchServer.start({ etcdEndpoint: etcd?.endpoint, cpuProfDir: settings.cpuProfDir });
    try {
      const runs: LoadResult[] = [];
      const transportFloor: LoadResult[] = [];
      for (const clients of settings.clientCounts) {
        const options: LoadOptions = { namespace: `load-${clients}`, mix: parseMix(process.env.SKIFF_BENCH_MIX), clients, protocol: settings.protocol, sessions: settings.sessions, seconds: settings.seconds, seedObjects: settings.seedObjects, maxOpsPerClient: 1_000_000 };
        runs.push(await runLoad(server.credentials(), options, server.pid));
        if (settings.transportFloor) transportFloor.push(await measureTransportFloor(server, options));
      }
      return { store, floor, runs, ...(settings.transportFloor ? { transportFloor } : {}) };
    } finally {
      await server.stop();
    }
  } finally {
    await etcd?.stop();
  }
}

/** Markdown rows for a report (one per run, then one per transport-floor run). */
export function loadRows(report: StoreLoadReport): string[] {
  const floorRows = (report.transportFloor ?? []).map(
    (r) => `| do-nothing HTTPS server (transport floor) | ${connections(r)} | ${r.opsPerSec} | ${r.writesPerSec} | ${r.mutating.p50} | ${r.mutating.p99} | ${r.byOp.list.p50} | ${r.serverCpuMsPerOp ?? 'n/a'} | ${r.clientCpuMsPerOp ?? 'n/a'} | - | - | ${errorText(r)} |`,
  );
  return [...storeRows(report), ...floorRows];
}

function connections(r: LoadResult): string {
  return `${r.clients} on ${r.sessions} ${r.protocol === 'http1' ? 'HTTP/1.1 connections' : 'HTTP/2 sessions'}`;
}

function errorText(r: LoadResult): string {
  return Object.entries(r.errors).map(([k, v]) => `${k}×${v}`).join(' ') || '0';
}

function storeRows(report: StoreLoadReport): string[] {
  return report.runs.map((r) => {
    const pct = (floor: number): string => (floor > 0 ? `${Math.round((100 * r.writesPerSec) / floor)}%` : 'n/a');
    const alt = report.floor.alt;
    const ratio = pct(report.floor.opsPerSec) + (alt ? ` (${pct(alt.opsPerSec)} of ${alt.opsPerSec})` : '');
    const errors = errorText(r);
    return `| ${report.store} | ${connections(r)} | ${r.opsPerSec} | ${r.writesPerSec} | ${r.mutating.p50} | ${r.mutating.p99} | ${r.byOp.list.p50} | ${r.serverCpuMsPerOp ?? 'n/a'} | ${r.clientCpuMsPerOp ?? 'n/a'} | ${report.floor.opsPerSec} (${report.floor.label}) | ${ratio} | ${errors} |`;
  });
}

/** Header of the table {@link loadRows} fills. */
export const LOAD_HEADER = ['| store | clients | ops/s | writes/s | mutating p50 ms | mutating p99 ms | list p50 ms | server CPU ms/op | load generator CPU ms/op | raw floor ops/s | writes/floor | errors |', '|---|---|---|---|---|---|---|---|---|---|---|---|'];

if (isMain(import.meta.url)) {
  const stores = (process.argv.slice(2).filter((a) => a === 'sqlite' || a === 'etcd') as BenchStore[]);
  const reports: StoreLoadReport[] = [];
  for (const store of stores.length ? stores : (['sqlite', 'etcd'] as BenchStore[])) reports.push(await benchApiLoad(store));
  console.log([...LOAD_HEADER, ...reports.flatMap(loadRows)].join('\n'));
  console.log(JSON.stringify(reports, null, 2));
}
