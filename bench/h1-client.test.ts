import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:https';
import type { TLSSocket } from 'node:tls';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensurePki } from '../src/apiserver/authn/pki.ts';
import { H1Client } from './h1-client.ts';
import type { Credentials } from './kubeconfig.ts';

/** A body big enough to span many TLS records and socket reads, with content that shows misordering. */
const BIG = Buffer.from(Array.from({ length: 20_000 }, (_, i) => `${i},`).join(''));

describe('H1Client against a TLS HTTP/1.1 server with client certificates', () => {
  let dir: string;
  let server: Server;
  let creds: Credentials;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'skiff-bench-test-'));
    const pki = await ensurePki(dir, { hostnames: [], ips: [] });
    server = createServer({ key: pki.serverKey, cert: pki.serverCert, ca: pki.caCert, requestCert: true, rejectUnauthorized: true }, (req, res) => {
      if (req.url === '/hang') return; // never answers: exercises the client timeout
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        if (req.url === '/chunked') {
          // No content-length: Node frames the body as chunked; write it in uneven pieces.
          res.writeHead(200, { 'content-type': 'application/json' });
          for (let at = 0; at < BIG.length; at += 7_777) res.write(BIG.subarray(at, at + 7_777));
          res.end();
          return;
        }
        const cn = (req.socket as TLSSocket).getPeerCertificate().subject?.CN;
        const body = Buffer.from(JSON.stringify({ method: req.method, path: req.url, cn, accept: req.headers.accept, body: Buffer.concat(chunks).toString() }));
        res.writeHead(req.method === 'POST' ? 201 : 200, { 'content-type': 'application/json', 'content-length': body.length });
        res.end(body);
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const { port } = server.address() as { port: number };
    creds = { server: `https://127.0.0.1:${port}`, ca: Buffer.from(pki.caCert), cert: Buffer.from(pki.adminCert), key: Buffer.from(pki.adminKey) };
  });

  after(async () => {
    server.closeAllConnections();
    await new Promise<void>((r) => server.close(() => r()));
    rmSync(dir, { recursive: true, force: true });
  });

  test('requests on one connection are answered in order, with bodies and the client certificate', async () => {
    const client = await H1Client.connect(creds);
    try {
      const answers = await Promise.all([1, 2, 3].map((i) => client.request({ method: 'POST', path: `/p${i}`, body: { i }, accept: 'application/json;as=Table' })));
      assert.deepEqual(answers.map((a) => a.status), [201, 201, 201]);
      const echoed = answers.map((a) => JSON.parse(a.body.toString()) as { path: string; body: string; cn: string; accept: string });
      assert.deepEqual(echoed.map((e) => [e.path, JSON.parse(e.body).i]), [['/p1', 1], ['/p2', 2], ['/p3', 3]]);
      assert.ok(echoed[0].cn, 'server saw a client certificate');
      assert.equal(echoed[0].accept, 'application/json;as=Table');
    } finally {
      await client.close();
    }
  });

  test('a chunked body comes back whole; discardBody counts it without keeping it', async () => {
    const client = await H1Client.connect(creds);
    try {
      const kept = await client.request({ path: '/chunked' });
      assert.equal(kept.status, 200);
      assert.ok(kept.body.equals(BIG));
      const counted = await client.request({ path: '/chunked', discardBody: true });
      assert.equal(counted.body.length, 0);
      assert.equal(counted.bytes, BIG.length);
      // The connection is still in step after chunked answers.
      assert.equal((await client.request({ path: '/after' })).status, 200);
    } finally {
      await client.close();
    }
  });

  test('a request past its timeout resolves with status 0, and so does the rest of its connection', async () => {
    const client = await H1Client.connect(creds);
    const hung = client.request({ path: '/hang', timeoutMs: 200 });
    const queued = client.request({ path: '/x' });
    assert.equal((await hung).status, 0);
    assert.equal((await queued).status, 0);
    assert.equal((await client.request({ path: '/y' })).status, 0);
  });
});
