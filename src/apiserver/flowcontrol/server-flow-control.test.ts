import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { connect, type ClientHttp2Session } from 'node:http2';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MemoryStorage } from '../../storage/memory/memory-storage.ts';
import { Authenticator } from '../authn/authenticate.ts';
import { ensurePki, type Pki } from '../authn/pki.ts';
import { ApiServer } from '../server.ts';

/** A server whose priority levels have one seat each (flowControlSeats 1), and a node user's bearer token. */
let dir: string;
let pki: Pki;
let server: ApiServer;
let session: ClientHttp2Session;
const TOKEN = 'node-token';

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'skiff-apf-test-'));
  pki = await ensurePki(dir, { hostnames: [], ips: [] });
  const authenticator = new Authenticator({ tokens: new Map([[TOKEN, { username: 'system:skiff-agent', groups: ['system:nodes'] }]]) });
  server = new ApiServer({ storage: new MemoryStorage(), pki, authenticator, flowControlSeats: 1 });
  const port = await server.start(0, '127.0.0.1');
  session = connect(`https://127.0.0.1:${port}`, { ca: pki.caCert, peerMaxConcurrentStreams: 1000 });
});

after(async () => {
  session.close();
  await server.stop();
  rmSync(dir, { recursive: true, force: true });
});

function create(i: number): Promise<{ status: number; retryAfter: unknown; body: string }> {
  return new Promise((resolve, reject) => {
    const req = session.request({ ':method': 'POST', ':path': '/api/v1/namespaces/default/configmaps', 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` });
    let headers: Record<string, unknown> = {};
    let body = '';
    req.on('response', (h) => (headers = h));
    req.setEncoding('utf8');
    req.on('data', (d) => (body += d));
    req.on('end', () => resolve({ status: Number(headers[':status']), retryAfter: headers['retry-after'], body }));
    req.on('error', reject);
    req.end(JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: `cm-${i}` } }));
  });
}

test('with one seat, queued requests of a flow are all served in turn; beyond its queue they get 429 with Retry-After', async () => {
  const few = await Promise.all(Array.from({ length: 20 }, (_, i) => create(i)));
  assert.deepEqual(few.map((r) => r.status), Array(20).fill(201), 'a seat must be given back after every request');
  // One seat and 300 queue places for the flow: a burst of 600 overflows it.
  const burst = await Promise.all(Array.from({ length: 600 }, (_, i) => create(100 + i)));
  const rejected = burst.filter((r) => r.status === 429);
  assert.equal(burst.filter((r) => r.status === 201).length + rejected.length, 600, [...new Set(burst.map((r) => r.status))].join(','));
  assert.ok(rejected.length > 0, 'no 429 for a burst twice the queue');
  assert.equal(rejected[0]!.retryAfter, '1');
  const status = JSON.parse(rejected[0]!.body);
  assert.equal(status.reason, 'TooManyRequests');
  assert.equal(status.code, 429);
  assert.equal(status.details.retryAfterSeconds, 1);
  // The server is not stuck afterwards.
  assert.equal((await create(5000)).status, 201);
});
