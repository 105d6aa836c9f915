/**
 * The transport floor of the API load mix: a server that does no work at all, driven by the same
 * load generator in the same run. It terminates TLS with skiff's own certificates and server
 * options, reads and JSON-parses every request body (any API server must), and answers each request
 * with canned bytes taken from the skiff server just measured: one of its ConfigMaps for a create
 * (201), update, get or delete, and its real list of the namespace for a list. Nothing is stored.
 *
 * What it shows: how fast and with what latency this machine's two cores can carry the mix's
 * requests and responses between the load generator and a Node.js HTTPS server, which bounds what
 * any API server written in Node.js can reach here.
 *
 * Run as the floor server (the harness spawns it): `node --import tsx bench/transport-floor.ts serve
 * TLS_DIR PORT OBJECT_FILE LIST_FILE`; it prints `ready` once it listens.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { createSecureServer } from 'node:http2';
import { join } from 'node:path';
import { MAX_SESSION_MEMORY_MB } from '../src/apiserver/server.ts';
import { freePort } from '../test/e2e/harness.ts';
import { runLoad, type LoadOptions, type LoadResult } from './api-load.ts';
import { H2Client } from './h2-client.ts';
import type { BenchServer } from './server-process.ts';
import { isMain } from './workload.ts';

const READY_TIMEOUT_MS = 30_000;

/** Serves canned answers until killed. */
function serve(tlsDir: string, port: number, objectFile: string, listFile: string): void {
  const object = readFileSync(objectFile);
  const list = readFileSync(listFile);
  const tls = (name: string): Buffer => readFileSync(join(tlsDir, name));
  // The options skiff's API server uses (src/apiserver/server.ts), so TLS and HTTP/2 cost the same.
  const options = { allowHTTP1: true, key: tls('serving.key'), cert: tls('serving.crt'), ca: tls('ca.crt'), requestCert: true, rejectUnauthorized: false, maxSessionMemory: MAX_SESSION_MEMORY_MB };
  const server = createSecureServer(options, (req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      if (chunks.length) JSON.parse(Buffer.concat(chunks).toString('utf8'));
      const isList = req.method === 'GET' && (req.url ?? '').split('?')[0].endsWith('/configmaps');
      const body = isList ? list : object;
      res.writeHead(req.method === 'POST' ? 201 : 200, { 'content-type': 'application/json', 'content-length': body.length, 'cache-control': 'no-cache, private' });
      res.end(body);
    });
  });
  server.listen(port, '127.0.0.1', () => process.stdout.write('ready\n'));
}

/** Starts the floor server as its own process (as the API server is) and waits for `ready`. */
async function startFloorServer(tlsDir: string, objectFile: string, listFile: string): Promise<{ child: ChildProcess; port: number }> {
  const port = await freePort();
  const child = spawn(process.execPath, ['--import', 'tsx', import.meta.filename, 'serve', tlsDir, String(port), objectFile, listFile], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`transport floor server not ready in ${READY_TIMEOUT_MS / 1000} s: ${output}`)), READY_TIMEOUT_MS);
    const onData = (d: Buffer): void => {
      output += d.toString();
      if (output.includes('ready')) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`transport floor server exited with ${code}: ${output}`));
    });
  });
  return { child, port };
}

async function stopFloorServer(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGKILL');
  await exited;
}

/**
 * Runs the load mix of `options` against a do-nothing server answering with `server`'s own bytes
 * (a ConfigMap and the list of `options.namespace`, which the run on `server` just filled).
 */
export async function measureTransportFloor(server: BenchServer, options: LoadOptions): Promise<LoadResult> {
  const creds = server.credentials();
  const client = await H2Client.connect(creds);
  let object: Buffer;
  let list: Buffer;
  try {
    const base = `/api/v1/namespaces/${options.namespace}/configmaps`;
    const listed = await client.request({ path: base });
    const name = /"name":"([^"]+)"/.exec(listed.body.toString('utf8', 0, 4096).split('"items":[')[1] ?? '')?.[1];
    const got = name ? await client.request({ path: `${base}/${name}` }) : undefined;
    if (listed.status !== 200 || got?.status !== 200) throw new Error(`transport floor: reading the server's list and one object answered ${listed.status}/${got?.status}`);
    list = listed.body;
    object = got.body;
  } finally {
    await client.close();
  }
  const objectFile = join(server.dataDir, 'floor-object.json');
  const listFile = join(server.dataDir, 'floor-list.json');
  writeFileSync(objectFile, object);
  writeFileSync(listFile, list);
  const floor = await startFloorServer(join(server.dataDir, 'server', 'tls'), objectFile, listFile);
  try {
    return await runLoad({ ...creds, server: `https://127.0.0.1:${floor.port}` }, { ...options, namespace: `floor-${options.clients}` }, floor.child.pid);
  } finally {
    await stopFloorServer(floor.child);
  }
}

if (isMain(import.meta.url) && process.argv[2] === 'serve') {
  const [tlsDir, port, objectFile, listFile] = process.argv.slice(3);
  serve(tlsDir, Number(port), objectFile, listFile);
}
