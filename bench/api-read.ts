/**
 * Read throughput of the API server: GET of one ConfigMap, and LIST of a namespace of 100
 * ConfigMaps (~1 KiB each), each driven by 64 clients on their own HTTP/2 sessions for a bounded
 * time and request count. Both are served from the watch cache, so this measures the server's
 * request path and serialization, not the store.
 *
 * Run alone: `node --import tsx bench/api-read.ts [sqlite|etcd]`
 */
import { startTestEtcd } from '../src/storage/test-etcd.ts';
import { H2Client, closeAll } from './h2-client.ts';
import type { Credentials } from './kubeconfig.ts';
import { BenchServer, type BenchStore } from './server-process.ts';
import { round2, summarize, type LatencySummary } from './stats.ts';
import { configMap, ensureNamespace, envNumber, fanOut, isMain } from './workload.ts';

/** Throughput and latency of one read pattern. */
export interface ReadResult {
  name: 'get' | 'list';
  clients: number;
  seconds: number;
  requests: number;
  perSec: number;
  latency: LatencySummary;
  /** Responses other than 200 (status 0 = transport error or timeout). */
  failures: number;
}

/** Both read patterns on one store. */
export interface ReadReport {
  store: BenchStore;
  objectsListed: number;
  results: ReadResult[];
}

const NAMESPACE = 'read-bench';
const LIST_SIZE = 100;
const MAX_REQUESTS_PER_CLIENT = 1_000_000;

/** Drives `path` with every client until `seconds` pass or the request cap is hit. */
async function hammer(clients: H2Client[], name: ReadResult['name'], path: string, seconds: number): Promise<ReadResult> {
  const samples: number[] = [];
  let failures = 0;
  const started = performance.now();
  const deadline = started + seconds * 1000;
  await Promise.all(
    clients.map(async (client) => {
      for (let n = 0; n < MAX_REQUESTS_PER_CLIENT && performance.now() < deadline; n++) {
        const res = await client.request({ path, timeoutMs: 10_000 });
        if (res.status !== 200) failures++;
        samples.push(res.ms);
      }
    }),
  );
  const elapsed = (performance.now() - started) / 1000;
  return { name, clients: clients.length, seconds: round2(elapsed), requests: samples.length, perSec: round2(samples.length / elapsed), latency: summarize(samples), failures };
}

/** Seeds a namespace of 100 ConfigMaps, then measures GET of one and LIST of all of them. */
export async function runReads(creds: Credentials, clientCount: number, seconds: number): Promise<ReadResult[]> {
  const clients = await H2Client.connectMany(creds, clientCount);
  try {
    await ensureNamespace(clients[0], NAMESPACE);
    await fanOut(LIST_SIZE, 16, performance.now() + 60_000, async (i) => {
      const res = await clients[i % clients.length].request({ method: 'POST', path: `/api/v1/namespaces/${NAMESPACE}/configmaps`, body: configMap(NAMESPACE, `cm-${i}`, 0) });
      if (res.status !== 201 && res.status !== 409) throw new Error(`seeding cm-${i}: ${res.status} ${res.body.toString().slice(0, 300)}`);
    });
    const get = await hammer(clients, 'get', `/api/v1/namespaces/${NAMESPACE}/configmaps/cm-0`, seconds);
    const list = await hammer(clients, 'list', `/api/v1/namespaces/${NAMESPACE}/configmaps`, seconds);
    return [get, list];
  } finally {
    await closeAll(clients);
  }
}

/** Starts a server on `store` and runs {@link runReads} with 64 clients. */
export async function benchApiRead(store: BenchStore = 'sqlite', seconds = envNumber('SKIFF_BENCH_SECONDS', 10), clients = 64): Promise<ReadReport> {
  const etcd = store === 'etcd' ? await startTestEtcd() : undefined;
  try {
    const server = await BenchServer.start({ etcdEndpoint: etcd?.endpoint, cpuProfDir: process.env.SKIFF_BENCH_CPU_PROF });
    try {
      return { store, objectsListed: LIST_SIZE, results: await runReads(server.credentials(), clients, seconds) };
    } finally {
      await server.stop();
    }
  } finally {
    await etcd?.stop();
  }
}

/** Markdown rows for a report. */
export function readRows(report: ReadReport): string[] {
  return report.results.map((r) => `| ${r.name === 'get' ? 'GET 1 ConfigMap' : `LIST ${report.objectsListed} ConfigMaps`} | ${report.store} | ${r.clients} | ${r.perSec} | ${r.latency.p50} | ${r.latency.p99} | ${r.failures} |`);
}

/** Header of the table {@link readRows} fills. */
export const READ_HEADER = ['| read | store | clients | req/s | p50 ms | p99 ms | failures |', '|---|---|---|---|---|---|---|'];

if (isMain(import.meta.url)) {
  const store = process.argv[2] === 'etcd' ? 'etcd' : 'sqlite';
  const report = await benchApiRead(store);
  console.log([...READ_HEADER, ...readRows(report)].join('\n'));
  console.log(JSON.stringify(report, null, 2));
}
