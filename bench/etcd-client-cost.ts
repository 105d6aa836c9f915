/**
 * What one etcd write costs the API server's process in CPU, by client stack: the same guarded
 * create transaction (EtcdStorage.create's Txn: compare create_revision == 0, put) sent
 *   1. through etcd3's KVClient (connection pool, retry policy, proto-loader objects, grpc-js),
 *   2. through grpc-js directly (one channel, the hand-encoded bytes of txn-codec.ts, no etcd3 layers),
 *   3. through src/storage/etcd/txn-client.ts: the same bytes as one gRPC call over node:http2,
 *      no gRPC library (what EtcdStorage writes with now).
 * Each runs `clients` concurrent loops for `seconds` against one throwaway etcd and reports
 * throughput and this process's CPU per write. etcd runs on the same cores, so throughput says
 * little; CPU per write is the figure that tells the stacks apart.
 *
 *   node --import tsx bench/etcd-client-cost.ts [seconds=3] [clients=64]
 */
import * as grpc from '@grpc/grpc-js';
import { Etcd3 } from 'etcd3';
import { TxnClient } from '../src/storage/etcd/txn-client.ts';
import { decodeTxnResponse, encodeCreate } from '../src/storage/etcd/txn-codec.ts';
import { startTestEtcd } from '../src/storage/test-etcd.ts';
import { round2 } from './stats.ts';
import { envNumber, isMain } from './workload.ts';

type Create = (key: string, value: Buffer) => Promise<number>;

interface StackResult {
  stack: string;
  writesPerSec: number;
  cpuMsPerWrite: number;
}

async function measure(stack: string, create: Create, clients: number, seconds: number, value: Buffer): Promise<StackResult> {
  // Warm-up: connections, JIT.
  await Promise.all(Array.from({ length: clients }, (_, c) => create(`/warm/${stack}/${c}`, value)));
  const cpu = process.cpuUsage();
  const start = performance.now();
  const deadline = start + seconds * 1000;
  let n = 0;
  const loop = async (c: number): Promise<void> => {
    for (let i = 0; i < 1_000_000 && performance.now() < deadline; i++) {
      const rev = await create(`/cost/${stack}/${c}/${i}`, value);
      if (!(rev > 0)) throw new Error(`${stack}: no revision`);
      n++;
    }
  };
  await Promise.all(Array.from({ length: clients }, (_, c) => loop(c)));
  const elapsed = (performance.now() - start) / 1000;
  const used = process.cpuUsage(cpu);
  return { stack, writesPerSec: round2(n / elapsed), cpuMsPerWrite: round2((used.user + used.system) / 1000 / n) };
}

function viaEtcd3(endpoint: string): { create: Create; close(): void } {
  const client = new Etcd3({ hosts: [endpoint] });
  const kv = client.kv;
  return {
    create: async (key, value) => {
      const k = Buffer.from(key);
      const res = await kv.txn({ compare: [{ key: k, target: 'Create', result: 'Equal', create_revision: 0 }], success: [{ request_put: { key: k, value } }] });
      if (!res.succeeded) throw new Error('exists');
      return Number(res.header.revision);
    },
    close: () => client.close(),
  };
}

function viaGrpcJs(endpoint: string): { create: Create; close(): void } {
  const client = new grpc.Client(endpoint.replace(/^http:\/\//, ''), grpc.credentials.createInsecure());
  const identity = (b: Buffer): Buffer => b;
  return {
    create: (key, value) =>
      new Promise((resolve, reject) => {
        client.makeUnaryRequest('/etcdserverpb.KV/Txn', identity, identity, encodeCreate(Buffer.from(key), value), (err, res) => {
          if (err || !res) return reject(err ?? new Error('no response'));
          const r = decodeTxnResponse(res);
          if (!r.succeeded) return reject(new Error('exists'));
          resolve(r.revision);
        });
      }),
    close: () => client.close(),
  };
}

function viaTxnClient(endpoint: string): { create: Create; close(): void } {
  const client = new TxnClient(endpoint);
  return {
    create: async (key, value) => {
      const r = await client.txn(encodeCreate(Buffer.from(key), value));
      if (!r.succeeded) throw new Error('exists');
      return r.revision;
    },
    close: () => client.close(),
  };
}

/** Measures the three stacks in turn against one fresh etcd. */
export async function etcdClientCost(seconds: number, clients: number): Promise<StackResult[]> {
  const etcd = await startTestEtcd();
  const value = Buffer.from(JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x' }, data: { blob: 'x'.repeat(1000) } }));
  const results: StackResult[] = [];
  try {
    for (const [name, make] of [['etcd3 KVClient', viaEtcd3], ['grpc-js Client, hand-encoded bytes', viaGrpcJs], ['TxnClient (node:http2, hand-encoded bytes)', viaTxnClient]] as const) {
      const stack = make(etcd.endpoint);
      try {
        results.push(await measure(name.split(' ')[0]!, stack.create, clients, seconds, value).then((r) => ({ ...r, stack: name })));
      } finally {
        stack.close();
      }
    }
  } finally {
    await etcd.stop();
  }
  return results;
}

if (isMain(import.meta.url)) {
  const seconds = Number(process.argv[2] ?? envNumber('SKIFF_BENCH_SECONDS', 3));
  const clients = Number(process.argv[3] ?? 64);
  const results = await etcdClientCost(seconds, clients);
  console.log('| client stack | writes/s | client CPU ms/write |\n|---|---|---|');
  for (const r of results) console.log(`| ${r.stack} | ${r.writesPerSec} | ${r.cpuMsPerWrite} |`);
}
