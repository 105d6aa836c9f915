import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { connect, type ClientHttp2Session } from 'node:http2';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MemoryStorage } from '../storage/memory/memory-storage.ts';
import { ensurePki, type Pki } from './authn/pki.ts';
import { ApiServer } from './server.ts';
import { ApiMetrics } from './metrics.ts';

interface Reply {
  status: number;
  headers: Record<string, unknown>;
  body: string;
  json: () => any;
}

/** An in-process API server over the memory store, spoken to over real HTTPS/HTTP2 with the admin certificate. */
describe('API server (in process)', () => {
  let dir: string;
  let pki: Pki;
  let server: ApiServer;
  let port: number;
  let session: ClientHttp2Session;
  const storage = new MemoryStorage();

  const call = (method: string, path: string, body?: string | Buffer, headers: Record<string, string> = {}, anonymous = false): Promise<Reply> =>
    new Promise((resolve, reject) => {
      const s = anonymous ? connect(`https://127.0.0.1:${port}`, { ca: pki.caCert }) : session;
      const req = s.request({ ':method': method, ':path': path, 'content-type': 'application/json', ...headers });
      let data = '';
      let responseHeaders: Record<string, unknown> = {};
      req.on('response', (h) => (responseHeaders = h));
      req.setEncoding('utf8');
      req.on('data', (d) => (data += d));
      req.on('end', () => {
        if (anonymous) s.close();
        resolve({ status: Number(responseHeaders[':status']), headers: responseHeaders, body: data, json: () => JSON.parse(data) });
      });
      req.on('error', reject);
      req.end(body);
    });

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'skiff-api-'));
    pki = await ensurePki(dir, { hostnames: [], ips: [] });
    server = new ApiServer({ storage, pki, metrics: new ApiMetrics({ processMetrics: false }) });
    port = await server.start(0, '127.0.0.1');
    session = connect(`https://127.0.0.1:${port}`, { ca: pki.caCert, cert: pki.adminCert, key: pki.adminKey });
  });
  after(async () => {
    session?.close();
    await server?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const cm = (name: string, extra: object = {}) => JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name }, data: { a: '1' }, ...extra });

  test('creates, reads, updates with optimistic concurrency, deletes', async () => {
    const created = await call('POST', '/api/v1/namespaces/default/configmaps', cm('one'));
    assert.equal(created.status, 201);
    const obj = created.json();
    assert.equal((await call('POST', '/api/v1/namespaces/default/configmaps', cm('one'))).json().reason, 'AlreadyExists');
    const updated = await call('PUT', '/api/v1/namespaces/default/configmaps/one', JSON.stringify({ ...obj, data: { a: '2' } }));
    assert.equal(updated.status, 200);
    assert.ok(Number(updated.json().metadata.resourceVersion) > Number(obj.metadata.resourceVersion));
    const stale = await call('PUT', '/api/v1/namespaces/default/configmaps/one', JSON.stringify({ ...obj, data: { a: '3' } }));
    assert.equal(stale.status, 409);
    assert.equal(stale.json().reason, 'Conflict');
    assert.match(stale.json().message, /the object has been modified/);
    const deleted = await call('DELETE', '/api/v1/namespaces/default/configmaps/one');
    assert.equal(deleted.status, 200);
    assert.equal(deleted.json().status, 'Success');
    assert.equal((await call('GET', '/api/v1/namespaces/default/configmaps/one')).status, 404);
  });

  test('bad input gets a Status with the right code and changes nothing', async () => {
    const before = (await call('GET', '/api/v1/namespaces/default/configmaps')).json().metadata.resourceVersion;
    const cases: [string, string, string | Buffer | undefined, Record<string, string>, number, string][] = [
      ['POST', '/api/v1/namespaces/default/configmaps', '{"apiVersion": "v1", kind', {}, 400, 'BadRequest'],
      ['POST', '/api/v1/namespaces/default/configmaps', Buffer.alloc(3 * 1024 * 1024 + 10, 32), {}, 413, 'RequestEntityTooLarge'],
      ['GET', '/api/v1/namespaces/default/widgets', undefined, {}, 404, 'NotFound'],
      ['POST', '/api/v1/namespaces/default/configmaps/named', cm('named'), {}, 405, 'MethodNotAllowed'],
      ['POST', '/api/v1/namespaces/default/configmaps', cm('Bad_Name'), {}, 422, 'Invalid'],
      ['POST', '/api/v1/namespaces/default/configmaps', cm('x', { kind: 'Secret' }), {}, 400, 'BadRequest'],
      ['POST', '/api/v1/namespaces/nowhere/configmaps', cm('x'), {}, 404, 'NotFound'],
      ['POST', '/api/v1/namespaces/default/configmaps?fieldValidation=Strict', cm('x', { bogus: 1 }), {}, 400, 'BadRequest'],
      ['POST', '/api/v1/namespaces/default/configmaps', cm('x'), { 'content-type': 'application/vnd.kubernetes.protobuf' }, 400, 'BadRequest'],
      ['POST', '/api/v1/namespaces/default/configmaps', cm('x'), { 'content-type': 'application/cbor' }, 415, 'UnsupportedMediaType'],
      ['GET', '/api/v1/namespaces/default/configmaps', undefined, { accept: 'application/vnd.kubernetes.protobuf' }, 406, 'NotAcceptable'],
      ['GET', '/api/v1/namespaces/default/configmaps?labelSelector=a%20in%20(', undefined, {}, 400, 'BadRequest'],
      ['PATCH', '/api/v1/namespaces/default/configmaps/x', '{}', { 'content-type': 'application/xml' }, 415, 'UnsupportedMediaType'],
    ];
    for (const [method, path, body, headers, code, reason] of cases) {
      const reply = await call(method, path, body, headers);
      assert.equal(reply.status, code, `${method} ${path}: ${reply.body}`);
      const status = reply.json();
      assert.equal(status.kind, 'Status');
      assert.equal(status.reason, reason, `${method} ${path}`);
      assert.equal(status.code, code);
    }
    const after = (await call('GET', '/api/v1/namespaces/default/configmaps')).json().metadata.resourceVersion;
    assert.equal(after, before, 'no failed request wrote anything');
  });

  test('anonymous requests are refused except health and version', async () => {
    assert.equal((await call('GET', '/api/v1/namespaces', undefined, {}, true)).status, 401);
    assert.equal((await call('GET', '/readyz', undefined, {}, true)).body, 'ok');
    assert.equal((await call('GET', '/version', undefined, {}, true)).json().major, '1');
  });

  test('dry run, generateName, strict warnings', async () => {
    const dry = await call('POST', '/api/v1/namespaces/default/configmaps?dryRun=All', cm('dry'));
    assert.equal(dry.status, 201);
    assert.equal((await call('GET', '/api/v1/namespaces/default/configmaps/dry')).status, 404);
    const generated = await call('POST', '/api/v1/namespaces/default/configmaps', JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { generateName: 'gen-' } }));
    assert.match(generated.json().metadata.name, /^gen-[a-z0-9]{5}$/);
    const warned = await call('POST', '/api/v1/namespaces/default/configmaps', cm('warned', { bogus: 1 }));
    assert.equal(warned.status, 201);
    assert.match(String(warned.headers.warning), /unknown field/);
  });

  test('watch resumes from a resourceVersion; a compacted continue token answers 410 Expired', async () => {
    const first = (await call('POST', '/api/v1/namespaces/default/configmaps', cm('w1'))).json();
    await call('POST', '/api/v1/namespaces/default/configmaps', cm('w2'));
    const stream = session.request({ ':path': `/api/v1/namespaces/default/configmaps?watch=1&resourceVersion=${first.metadata.resourceVersion}` });
    stream.setEncoding('utf8');
    const line = await new Promise<string>((resolve) => {
      let buf = '';
      stream.on('data', (d) => {
        buf += d;
        if (buf.includes('\n')) resolve(buf.split('\n')[0]);
      });
    });
    stream.close();
    const event = JSON.parse(line);
    assert.equal(event.type, 'ADDED');
    assert.equal(event.object.metadata.name, 'w2');
    const page = (await call('GET', '/api/v1/namespaces/default/configmaps?limit=1')).json();
    assert.ok(page.metadata.continue);
    await call('POST', '/api/v1/namespaces/default/configmaps', cm('w3'));
    await storage.compact(await storage.currentRevision());
    const gone = await call('GET', `/api/v1/namespaces/default/configmaps?limit=1&continue=${page.metadata.continue}`);
    assert.equal(gone.status, 410);
    assert.equal(gone.json().reason, 'Expired');
  });

  test('resourceVersionMatch=Exact lists as of that revision from the store; list options are validated as Kubernetes does', async () => {
    const ns = 'exact';
    await call('POST', '/api/v1/namespaces', JSON.stringify({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } }));
    const a = (await call('POST', `/api/v1/namespaces/${ns}/configmaps`, cm('a'))).json();
    const at = a.metadata.resourceVersion;
    await call('POST', `/api/v1/namespaces/${ns}/configmaps`, cm('b'));
    await call('DELETE', `/api/v1/namespaces/${ns}/configmaps/a`);
    const names = (reply: Reply) => reply.json().items.map((i: { metadata: { name: string } }) => i.metadata.name);
    const exact = await call('GET', `/api/v1/namespaces/${ns}/configmaps?resourceVersion=${at}&resourceVersionMatch=Exact`);
    assert.equal(exact.status, 200);
    assert.deepEqual(names(exact), ['a'], 'only a existed then');
    assert.equal(exact.json().metadata.resourceVersion, at);
    assert.deepEqual(names(await call('GET', `/api/v1/namespaces/${ns}/configmaps?resourceVersion=${at}&resourceVersionMatch=NotOlderThan`)), ['b']);
    const future = await call('GET', `/api/v1/namespaces/${ns}/configmaps?resourceVersion=${Number(at) + 1_000_000}&resourceVersionMatch=Exact`);
    assert.equal(future.status, 504);
    const refusals: [string, string][] = [
      ['resourceVersionMatch=Exact', 'resourceVersionMatch: Forbidden: resourceVersionMatch is forbidden unless resourceVersion is provided'],
      ['resourceVersion=0&resourceVersionMatch=Exact', 'resourceVersionMatch: Forbidden: resourceVersionMatch "exact" is forbidden for resourceVersion "0"'],
      ['resourceVersion=1&resourceVersionMatch=Newest', 'resourceVersionMatch: Unsupported value: "Newest": supported values: "Exact", "NotOlderThan", ""'],
      ['sendInitialEvents=true', 'sendInitialEvents: Forbidden: sendInitialEvents is forbidden for list'],
      ['watch=1&sendInitialEvents=true&allowWatchBookmarks=true', 'resourceVersionMatch: Forbidden: sendInitialEvents requires setting resourceVersionMatch to NotOlderThan'],
      ['watch=1&resourceVersionMatch=NotOlderThan', 'resourceVersionMatch: Forbidden: resourceVersionMatch is forbidden for watch unless sendInitialEvents is provided'],
    ];
    for (const [query, message] of refusals) {
      const reply = await call('GET', `/api/v1/namespaces/${ns}/configmaps?${query}`);
      assert.equal(reply.status, 422, query);
      const status = reply.json();
      assert.equal(status.reason, 'Invalid');
      assert.equal(status.details.kind, 'ListOptions');
      assert.equal(status.details.group, 'meta.k8s.io');
      assert.equal(status.message, `ListOptions.meta.k8s.io "" is invalid: ${message}`, query);
    }
    // What the informers send for a watch-list is accepted: the initial events, then a bookmark.
    const stream = session.request({ ':path': `/api/v1/namespaces/${ns}/configmaps?watch=1&sendInitialEvents=true&allowWatchBookmarks=true&resourceVersionMatch=NotOlderThan&resourceVersion=` });
    stream.setEncoding('utf8');
    const lines = await new Promise<string[]>((resolve) => {
      let buf = '';
      stream.on('data', (d) => {
        buf += d;
        const complete = buf.split('\n').slice(0, -1);
        if (complete.length >= 2) resolve(complete);
      });
    });
    stream.close();
    assert.deepEqual(lines.map((l) => JSON.parse(l).type), ['ADDED', 'BOOKMARK']);
    assert.equal(JSON.parse(lines[0]).object.metadata.name, 'b');
  });

  test('a watch whose replay alone exceeds the slow-watcher budget (32 MiB) delivers it all and stays open', async () => {
    // 40 ConfigMaps of ~900 kB: the replay is ~36 MB, written before the client reads a byte.
    const big = 'x'.repeat(900_000);
    const start = (await call('POST', '/api/v1/namespaces/default/configmaps', cm('big-0'))).json();
    for (let i = 1; i <= 40; i++) {
      const res = await call('POST', '/api/v1/namespaces/default/configmaps', JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: `big-${i}` }, data: { v: big } }));
      assert.equal(res.status, 201);
    }
    const stream = session.request({ ':path': `/api/v1/namespaces/default/configmaps?watch=1&resourceVersion=${start.metadata.resourceVersion}` });
    stream.setEncoding('utf8');
    const names: string[] = [];
    let ended = false;
    stream.on('end', () => (ended = true));
    // Chunks are kept until a line ends (a MB-long line rebuilt by += per 16 kB chunk would be quadratic).
    let pending: string[] = [];
    const seen = new Promise<void>((resolve) => {
      stream.on('data', (d: string) => {
        for (let nl = d.indexOf('\n'); nl >= 0; nl = d.indexOf('\n')) {
          pending.push(d.slice(0, nl));
          names.push(JSON.parse(pending.join('')).object.metadata.name);
          pending = [];
          d = d.slice(nl + 1);
          if (names.includes('after-replay')) resolve();
        }
        pending.push(d);
      });
    });
    // A live event after the replay still arrives: the watch was neither closed nor broken by the replay's size.
    await call('POST', '/api/v1/namespaces/default/configmaps', cm('after-replay'));
    const timeout = new Promise<'timeout'>((resolve) => setTimeout(() => resolve('timeout'), 20_000).unref());
    const outcome = await Promise.race([seen, timeout]);
    stream.close();
    assert.notEqual(outcome, 'timeout', `only ${names.length} events arrived`);
    assert.equal(ended, false);
    assert.deepEqual(names, [...Array.from({ length: 40 }, (_, i) => `big-${i + 1}`), 'after-replay']);
    for (let i = 0; i <= 40; i++) await call('DELETE', `/api/v1/namespaces/default/configmaps/big-${i}`);
  });

  test('discovery, aggregated discovery and tables', async () => {
    const apis = (await call('GET', '/apis')).json();
    assert.ok(apis.groups.some((g: { name: string }) => g.name === 'apps'));
    const agg = await call('GET', '/apis', undefined, { accept: 'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList' });
    assert.match(String(agg.headers['content-type']), /apidiscovery\.k8s\.io/);
    assert.equal(agg.json().kind, 'APIGroupDiscoveryList');
    const table = (await call('GET', '/api/v1/namespaces', undefined, { accept: 'application/json;as=Table;v=v1;g=meta.k8s.io' })).json();
    assert.equal(table.kind, 'Table');
    assert.deepEqual(table.columnDefinitions.map((c: { name: string }) => c.name).slice(0, 3), ['Name', 'Status', 'Age']);
  });

  test('/metrics reports requests by verb and resource, storage latency and watchers', async () => {
    await call('GET', '/api/v1/namespaces/default/configmaps');
    const text = (await call('GET', '/metrics')).body;
    assert.match(text, /apiserver_request_total\{[^}]*verb="LIST"[^}]*resource="configmaps"[^}]*\} \d+/);
    assert.match(text, /apiserver_request_duration_seconds_bucket\{/);
    assert.match(text, /etcd_request_duration_seconds_count\{operation="create",type="configmaps"\} \d+/);
    assert.match(text, /apiserver_registered_watchers/);
  });
});
