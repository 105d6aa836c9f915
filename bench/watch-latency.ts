/**
 * Watch fan-out latency: 1,000 concurrent watches on a namespace's ConfigMaps (HTTP/2 streams
 * spread over as many sessions as the server's SETTINGS_MAX_CONCURRENT_STREAMS requires), then
 * 200 updates spaced out; for every delivery, the time from the write's response reaching the
 * writer to the event reaching the watcher. Reports p50/p99 over all deliveries.
 *
 * Run alone: `node --import tsx bench/watch-latency.ts [sqlite|etcd]`
 */
import type { ClientHttp2Stream } from 'node:http2';
import { startTestEtcd } from '../src/storage/test-etcd.ts';
import { H2Client, closeAll, jsonBody } from './h2-client.ts';
import type { Credentials } from './kubeconfig.ts';
import { BenchServer, type BenchStore } from './server-process.ts';
import { summarize, type LatencySummary } from './stats.ts';
import { configMap, ensureNamespace, envNumber, isMain, sleep } from './workload.ts';

/** Parameters of the watch benchmark. */
export interface WatchOptions {
  watchers: number;
  updates: number;
  /** Gap between one update's response and the next update. */
  intervalMs: number;
  /** Watch streams per HTTP/2 session (further capped by the server's advertised limit). */
  streamsPerSession: number;
}

/** What the watch benchmark measured. */
export interface WatchResult {
  store: BenchStore;
  watchers: number;
  sessions: number;
  /** The server's advertised SETTINGS_MAX_CONCURRENT_STREAMS (2^32-1 = none advertised). */
  serverMaxConcurrentStreams: number;
  updates: number;
  expectedDeliveries: number;
  /** Latency over all deliveries, ms; deliveries that beat the write's response count as 0. */
  latency: LatencySummary;
  /** From sending the write request to each delivery, ms: end-to-end, never clamped. */
  sinceRequest: LatencySummary;
  /** Deliveries that reached the watcher before the writer saw the response. */
  beforeResponse: number;
  missing: number;
  /** Watches that ended or failed during the run. */
  brokenWatches: number;
}

const NAMESPACE = 'watch-bench';
const OBJECTS = 10;
const ESTABLISH_TIMEOUT_MS = 60_000;
const DRAIN_TIMEOUT_MS = 15_000;

/** Every delivery seen, keyed by the object's resourceVersion (unique per write). */
type Arrivals = Map<string, number[]>;

const RV_MARK = '"resourceVersion":"';

/**
 * The resourceVersion of a watch event line. A ConfigMap carries exactly one resourceVersion (in
 * its metadata), so a substring scan is exact and far cheaper than JSON.parse for 200k events on
 * a client that shares 2 cores with the server.
 */
export function eventResourceVersion(line: string): string | undefined {
  const at = line.indexOf(RV_MARK);
  if (at < 0) return undefined;
  const start = at + RV_MARK.length;
  const end = line.indexOf('"', start);
  return end > start ? line.slice(start, end) : undefined;
}

interface Watcher {
  stream: ClientHttp2Stream;
  open: Promise<boolean>;
  broken: boolean;
}

function startWatch(client: H2Client, path: string, arrivals: Arrivals): Watcher {
  const stream = client.openStream(path);
  const watcher: Watcher = { stream, broken: false, open: Promise.resolve(false) };
  watcher.open = new Promise<boolean>((resolve) => {
    stream.once('response', (h) => resolve(Number(h[':status']) === 200));
    stream.once('error', () => resolve(false));
  });
  let pending = '';
  stream.setEncoding('utf8');
  stream.on('data', (chunk: string) => {
    const now = performance.now();
    pending += chunk;
    let nl: number;
    while ((nl = pending.indexOf('\n')) >= 0) {
      const rv = eventResourceVersion(pending.slice(0, nl));
      pending = pending.slice(nl + 1);
      if (!rv) continue;
      const seen = arrivals.get(rv);
      if (seen) seen.push(now);
      else arrivals.set(rv, [now]);
    }
  });
  const broke = (): void => {
    watcher.broken = true;
  };
  stream.on('error', broke);
  stream.on('end', broke);
  return watcher;
}

async function waitFor(check: () => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = performance.now() + timeoutMs;
  while (!check()) {
    if (performance.now() > deadline) return false;
    await sleep(20);
  }
  return true;
}

async function update(writer: H2Client, name: string, version: number): Promise<{ rv: string; at: number; sentAt: number }> {
  const sentAt = performance.now();
  const res = await writer.request({ method: 'PUT', path: `/api/v1/namespaces/${NAMESPACE}/configmaps/${name}`, body: configMap(NAMESPACE, name, version), timeoutMs: 10_000 });
  const at = performance.now();
  const rv = jsonBody<{ metadata?: { resourceVersion?: string } }>(res)?.metadata?.resourceVersion;
  if (res.status !== 200 || !rv) throw new Error(`update ${name}: ${res.status} ${res.error ?? res.body.toString().slice(0, 300)}`);
  return { rv, at, sentAt };
}

/** Runs the watch benchmark against the server `creds` points at. */
export async function runWatchLatency(creds: Credentials, store: BenchStore, options: WatchOptions): Promise<WatchResult> {
  const writer = await H2Client.connect(creds);
  const sessions: H2Client[] = [];
  const watchers: Watcher[] = [];
  try {
    await ensureNamespace(writer, NAMESPACE);
    for (let i = 0; i < OBJECTS; i++) {
      const res = await writer.request({ method: 'POST', path: `/api/v1/namespaces/${NAMESPACE}/configmaps`, body: configMap(NAMESPACE, `w-${i}`, 0) });
      if (res.status !== 201 && res.status !== 409) throw new Error(`create w-${i}: ${res.status}`);
    }
    const serverMax = writer.maxConcurrentStreams();
    const perSession = Math.max(1, Math.min(options.streamsPerSession, serverMax));
    const sessionCount = Math.ceil(options.watchers / perSession);
    sessions.push(...(await H2Client.connectMany(creds, sessionCount)));
    const arrivals: Arrivals = new Map();
    // No resourceVersion: each watch starts "now" (Kubernetes semantics: synthetic ADDED events for
    // the current objects first), which the warm-up below absorbs.
    const path = `/api/v1/namespaces/${NAMESPACE}/configmaps?watch=true`;
    for (let i = 0; i < options.watchers; i++) watchers.push(startWatch(sessions[Math.floor(i / perSession)], path, arrivals));
    const opened = await Promise.race([Promise.all(watchers.map((w) => w.open)), sleep(ESTABLISH_TIMEOUT_MS).then(() => [])]);
    if (opened.filter(Boolean).length !== options.watchers) throw new Error(`only ${opened.filter(Boolean).length}/${options.watchers} watches opened`);
    // Warm-up write: proves every stream is live before the clock matters.
    const warm = await update(writer, 'w-0', 1);
    await waitFor(() => (arrivals.get(warm.rv)?.length ?? 0) >= options.watchers, ESTABLISH_TIMEOUT_MS);
    const responses = new Map<string, { at: number; sentAt: number }>();
    for (let u = 0; u < options.updates; u++) {
      const { rv, at, sentAt } = await update(writer, `w-${u % OBJECTS}`, u + 2);
      responses.set(rv, { at, sentAt });
      await sleep(options.intervalMs);
    }
    const expected = options.updates * options.watchers;
    const delivered = (): number => [...responses.keys()].reduce((n, rv) => n + (arrivals.get(rv)?.length ?? 0), 0);
    await waitFor(() => delivered() >= expected, DRAIN_TIMEOUT_MS);
    const latencies: number[] = [];
    const endToEnd: number[] = [];
    let beforeResponse = 0;
    for (const [rv, { at, sentAt }] of responses) {
      for (const t of arrivals.get(rv) ?? []) {
        // The server may publish the event before the writer's response is on the wire.
        if (t < at) beforeResponse++;
        latencies.push(Math.max(0, t - at));
        endToEnd.push(t - sentAt);
      }
    }
    return {
      store,
      watchers: options.watchers,
      sessions: sessionCount,
      serverMaxConcurrentStreams: serverMax,
      updates: options.updates,
      expectedDeliveries: expected,
      latency: summarize(latencies),
      sinceRequest: summarize(endToEnd),
      beforeResponse,
      missing: expected - latencies.length,
      brokenWatches: watchers.filter((w) => w.broken).length,
    };
  } finally {
    for (const w of watchers) w.stream.close();
    await closeAll([writer, ...sessions]);
  }
}

/** Defaults from the brief: 1,000 watchers, 200 updates 50 ms apart, 100 streams per session. */
export function defaultWatchOptions(): WatchOptions {
  return { watchers: envNumber('SKIFF_BENCH_WATCHERS', 1000), updates: envNumber('SKIFF_BENCH_WATCH_UPDATES', 200), intervalMs: 50, streamsPerSession: 100 };
}

/** Starts a server on `store` and runs {@link runWatchLatency}. */
export async function benchWatchLatency(store: BenchStore = 'sqlite', options = defaultWatchOptions()): Promise<WatchResult> {
  const etcd = store === 'etcd' ? await startTestEtcd() : undefined;
  try {
    const server = await BenchServer.start({ etcdEndpoint: etcd?.endpoint, cpuProfDir: process.env.SKIFF_BENCH_CPU_PROF });
    try {
      return await runWatchLatency(server.credentials(), store, options);
    } finally {
      await server.stop();
    }
  } finally {
    await etcd?.stop();
  }
}

/** A markdown row for a result. */
export function watchRow(r: WatchResult): string {
  const early = r.latency.count ? Math.round((100 * r.beforeResponse) / r.latency.count) : 0;
  return `| ${r.store} | ${r.watchers} (${r.sessions} sessions) | ${r.updates} | ${r.latency.count} / ${r.expectedDeliveries} | ${r.latency.p50} / ${r.latency.p99} / ${r.latency.max} | ${early}% | ${r.sinceRequest.p50} / ${r.sinceRequest.p99} / ${r.sinceRequest.max} | ${r.missing} |`;
}

/** Header of the table {@link watchRow} fills. */
export const WATCH_HEADER = ['| store | watchers | updates | deliveries | after response p50/p99/max ms | before response | after request p50/p99/max ms | missing |', '|---|---|---|---|---|---|---|---|'];

if (isMain(import.meta.url)) {
  const result = await benchWatchLatency(process.argv[2] === 'etcd' ? 'etcd' : 'sqlite');
  console.log([...WATCH_HEADER, watchRow(result)].join('\n'));
  console.log(JSON.stringify(result, null, 2));
}
