/**
 * Idle memory: start a server, leave it idle for 10 s, read its VmRSS from /proc/PID/status.
 * Run alone it also loads 10,000 pods into the same server and reads VmRSS again (bench/run.ts
 * takes that second number from list-pods instead, to create the pods only once).
 *
 * Run alone: `node --import tsx bench/idle-rss.ts [sqlite|etcd]`
 */
import { startTestEtcd } from '../src/storage/test-etcd.ts';
import { H2Client, closeAll } from './h2-client.ts';
import { createPods } from './list-pods.ts';
import { BenchServer, type BenchStore } from './server-process.ts';
import { envNumber, isMain, sleep } from './workload.ts';

/** Server memory in KiB. */
export interface RssResult {
  store: BenchStore;
  idleSeconds: number;
  idleRssKiB: number;
  /** Present when pods were loaded: how many, and VmRSS afterwards. */
  pods?: number;
  rssAfterPodsKiB?: number;
}

/** Starts a server, waits `idleSeconds`, reads VmRSS; with `pods > 0` then creates them and reads it again. */
export async function benchIdleRss(store: BenchStore = 'sqlite', idleSeconds = 10, pods = 0): Promise<RssResult> {
  const etcd = store === 'etcd' ? await startTestEtcd() : undefined;
  try {
    const server = await BenchServer.start({ etcdEndpoint: etcd?.endpoint });
    try {
      await sleep(idleSeconds * 1000);
      const result: RssResult = { store, idleSeconds, idleRssKiB: server.rssKiB() };
      if (pods > 0) {
        const clients = await H2Client.connectMany(server.credentials(), 8);
        try {
          const made = await createPods(clients, pods);
          result.pods = made.created;
        } finally {
          await closeAll(clients);
        }
        result.rssAfterPodsKiB = server.rssKiB();
      }
      return result;
    } finally {
      await server.stop();
    }
  } finally {
    await etcd?.stop();
  }
}

/** A markdown row for a result. */
export function rssRow(r: RssResult): string {
  const after = r.rssAfterPodsKiB === undefined ? '' : ` ; ${(r.rssAfterPodsKiB / 1024).toFixed(1)} MiB with ${r.pods} pods`;
  return `| server VmRSS after ${r.idleSeconds} s idle | ${r.store} | ${(r.idleRssKiB / 1024).toFixed(1)} MiB${after} |`;
}

if (isMain(import.meta.url)) {
  const result = await benchIdleRss(process.argv[2] === 'etcd' ? 'etcd' : 'sqlite', 10, envNumber('SKIFF_BENCH_PODS', 10_000));
  console.log(['| measurement | store | result |', '|---|---|---|', rssRow(result)].join('\n'));
  console.log(JSON.stringify(result, null, 2));
}
