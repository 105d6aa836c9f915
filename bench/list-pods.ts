/**
 * Large LIST latency: create 10,000 minimal Pods with concurrent creates, then time a full LIST
 * of all pods across namespaces (no limit, JSON) and the same LIST as a Table (what `kubectl get
 * pods -A` asks for), median of 5 each. Also reports the server's VmRSS with the pods loaded.
 *
 * Run alone: `node --import tsx bench/list-pods.ts [sqlite|etcd]`
 */
import { startTestEtcd } from '../src/storage/test-etcd.ts';
import { H2Client, closeAll, jsonBody, type H2Response } from './h2-client.ts';
import { BenchServer, cpuMs, type BenchStore } from './server-process.ts';
import { median, round2 } from './stats.ts';
import { ensureNamespace, envNumber, fanOut, isMain, minimalPod } from './workload.ts';

/** The Accept header kubectl sends for server-side printing. */
export const TABLE_ACCEPT = 'application/json;as=Table;v=v1;g=meta.k8s.io,application/json';

/** What the pod-list benchmark measured. Times in ms. */
export interface ListPodsResult {
  store: BenchStore;
  podsRequested: number;
  podsCreated: number;
  createSeconds: number;
  createsPerSec: number;
  createFailures: number;
  /** Items in the JSON list / rows in the Table (should equal podsCreated + pre-existing pods). */
  listedItems: number;
  tableRows: number;
  listJsonMs: number[];
  listTableMs: number[];
  listJsonMedianMs: number;
  listTableMedianMs: number;
  listJsonBytes: number;
  /** Server CPU (all threads) per list, in ms, median over the repeats: the server's cost, far less noisy than wall time. */
  listJsonServerCpuMs?: number;
  listTableServerCpuMs?: number;
  /** Server VmRSS (KiB) after the pods were created and listed. */
  rssAfterPodsKiB: number;
}

const NAMESPACE = 'pods-bench';
const CREATE_CONCURRENCY = 64;
const CREATE_SESSIONS = 8;
const CREATE_TIMEOUT_MS = 10 * 60_000;
const LIST_REPEATS = 5;

/** Creates `count` pods with 64 requests in flight over 8 sessions, bounded by a 10 minute deadline. */
export async function createPods(clients: H2Client[], count: number): Promise<{ created: number; failures: number; seconds: number }> {
  await ensureNamespace(clients[0], NAMESPACE);
  let created = 0;
  let failures = 0;
  const started = performance.now();
  await fanOut(count, CREATE_CONCURRENCY, started + CREATE_TIMEOUT_MS, async (i) => {
    const res = await clients[i % clients.length].request({ method: 'POST', path: `/api/v1/namespaces/${NAMESPACE}/pods`, body: minimalPod(NAMESPACE, `pod-${i}`), timeoutMs: 30_000 });
    if (res.status === 201) created++;
    else failures++;
  });
  return { created, failures, seconds: (performance.now() - started) / 1000 };
}

function checked(res: H2Response, what: string): H2Response {
  if (res.status !== 200) throw new Error(`${what}: ${res.status} ${res.error ?? res.body.toString().slice(0, 300)}`);
  return res;
}

/** Lists all pods `LIST_REPEATS` times as JSON and as a Table; the first response of each is parsed to count items. */
async function timeLists(client: H2Client, serverPid: number): Promise<Pick<ListPodsResult, 'listedItems' | 'tableRows' | 'listJsonMs' | 'listTableMs' | 'listJsonBytes' | 'listJsonServerCpuMs' | 'listTableServerCpuMs'>> {
  const json: H2Response[] = [];
  const table: H2Response[] = [];
  const jsonCpu: number[] = [];
  const tableCpu: number[] = [];
  const timed = async (accept: string | undefined, cpu: number[]): Promise<H2Response> => {
    const before = cpuMs(serverPid);
    const res = checked(await client.request({ path: '/api/v1/pods', accept, timeoutMs: 60_000 }), accept ? 'list pods as Table' : 'list pods');
    cpu.push(cpuMs(serverPid) - before);
    return res;
  };
  for (let i = 0; i < LIST_REPEATS; i++) {
    json.push(await timed(undefined, jsonCpu));
    table.push(await timed(TABLE_ACCEPT, tableCpu));
  }
  const items = jsonBody<{ items?: unknown[] }>(json[0])?.items?.length ?? 0;
  const rows = jsonBody<{ kind?: string; rows?: unknown[] }>(table[0]);
  if (rows?.kind !== 'Table') throw new Error(`Table list answered kind ${rows?.kind}`);
  const cpuMedian = (samples: number[]): number | undefined => (samples.every(Number.isFinite) ? round2(median(samples)) : undefined);
  return {
    listedItems: items,
    tableRows: rows.rows?.length ?? 0,
    listJsonMs: json.map((r) => round2(r.ms)),
    listTableMs: table.map((r) => round2(r.ms)),
    listJsonBytes: json[0].body.length,
    listJsonServerCpuMs: cpuMedian(jsonCpu),
    listTableServerCpuMs: cpuMedian(tableCpu),
  };
}

/** Runs the pod-list benchmark on a running server. */
export async function runListPods(server: BenchServer, store: BenchStore, pods: number): Promise<ListPodsResult> {
  const clients = await H2Client.connectMany(server.credentials(), CREATE_SESSIONS);
  try {
    const made = await createPods(clients, pods);
    const lists = await timeLists(clients[0], server.pid);
    return {
      store,
      podsRequested: pods,
      podsCreated: made.created,
      createSeconds: round2(made.seconds),
      createsPerSec: round2(made.created / made.seconds),
      createFailures: made.failures,
      ...lists,
      listJsonMedianMs: round2(median(lists.listJsonMs)),
      listTableMedianMs: round2(median(lists.listTableMs)),
      rssAfterPodsKiB: server.rssKiB(),
    };
  } finally {
    await closeAll(clients);
  }
}

/** Starts a server on `store` and runs {@link runListPods} with 10,000 pods (SKIFF_BENCH_PODS overrides). */
export async function benchListPods(store: BenchStore = 'sqlite', pods = envNumber('SKIFF_BENCH_PODS', 10_000)): Promise<ListPodsResult> {
  const etcd = store === 'etcd' ? await startTestEtcd() : undefined;
  try {
    const server = await BenchServer.start({ etcdEndpoint: etcd?.endpoint, cpuProfDir: process.env.SKIFF_BENCH_CPU_PROF });
    try {
      return await runListPods(server, store, pods);
    } catch (err) {
      throw server.explain(err);
    } finally {
      await server.stop();
    }
  } finally {
    await etcd?.stop();
  }
}

/** Markdown rows for a result. */
export function listPodsRows(r: ListPodsResult): string[] {
  return [
    `| create ${r.podsRequested} pods (64 in flight) | ${r.store} | ${r.createSeconds} s, ${r.createsPerSec}/s, ${r.createFailures} failed |`,
    `| LIST all pods, JSON (${r.listedItems} items, ${(r.listJsonBytes / 1048576).toFixed(1)} MiB) | ${r.store} | median ${r.listJsonMedianMs} ms (${r.listJsonMs.join(', ')}); server CPU ${r.listJsonServerCpuMs ?? 'n/a'} ms/list |`,
    `| LIST all pods, Table (${r.tableRows} rows) | ${r.store} | median ${r.listTableMedianMs} ms (${r.listTableMs.join(', ')}); server CPU ${r.listTableServerCpuMs ?? 'n/a'} ms/list |`,
    `| server VmRSS with the pods | ${r.store} | ${(r.rssAfterPodsKiB / 1024).toFixed(1)} MiB |`,
  ];
}

/** Header of the table {@link listPodsRows} fills. */
export const LIST_PODS_HEADER = ['| measurement | store | result |', '|---|---|---|'];

if (isMain(import.meta.url)) {
  const result = await benchListPods(process.argv[2] === 'etcd' ? 'etcd' : 'sqlite');
  console.log([...LIST_PODS_HEADER, ...listPodsRows(result)].join('\n'));
  console.log(JSON.stringify(result, null, 2));
}
