import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { request as httpsRequest } from 'node:https';
import { connect, createSecureServer, type Http2SecureServer } from 'node:http2';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { StatusError } from '../../api/errors.ts';
import { Authenticator, type UserInfo } from './authenticate.ts';
import { createCa, loadSigningCa, signLeaf, type CertKeyPair } from './certificates.ts';
import { ensurePki, issueClientCertificate, type Pki } from './pki.ts';

interface Reply {
  status: number;
  body: { user?: UserInfo | null; code?: number };
}

interface ClientOptions {
  cert?: CertKeyPair;
  headers?: Record<string, string>;
}

/** One GET over HTTP/2, trusting only the cluster CA (so the serving certificate is really verified). */
async function http2Get(url: string, ca: string, opts: ClientOptions = {}, times = 1): Promise<Reply[]> {
  const session = connect(url, { ca, cert: opts.cert?.cert, key: opts.cert?.key });
  try {
    const replies: Reply[] = [];
    for (let i = 0; i < times; i++) {
      replies.push(
        await new Promise<Reply>((resolve, reject) => {
          const stream = session.request({ ':path': '/whoami', ...opts.headers });
          let status = 0;
          let text = '';
          stream.on('response', (headers) => (status = Number(headers[':status'])));
          stream.setEncoding('utf8');
          stream.on('data', (chunk: string) => (text += chunk));
          stream.on('end', () => resolve({ status, body: JSON.parse(text) }));
          stream.on('error', reject);
        }),
      );
    }
    return replies;
  } finally {
    session.close();
  }
}

/** One GET over HTTP/1.1 (the allowHTTP1 path kubectl's HTTP/1 fallback and curl take). */
function https1Get(url: string, ca: string, opts: ClientOptions = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = httpsRequest(`${url}/whoami`, { ca, cert: opts.cert?.cert, key: opts.cert?.key, headers: opts.headers, agent: false }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('Authenticator over a real TLS server', () => {
  let dir: string;
  let pki: Pki;
  let server: Http2SecureServer;
  let url: string;
  const tokens = new Map<string, UserInfo>([['s3cret-token', { username: 'system:skiff-agent', groups: ['system:nodes'] }]]);
  const authenticator = new Authenticator({ tokens });

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'skiff-authn-'));
    pki = await ensurePki(dir, { hostnames: [], ips: [] });
    // The same TLS settings the API server uses: ask for a client certificate but let requests
    // without one (or with a bad one) through to the authenticator, so bearer tokens still work.
    server = createSecureServer(
      { allowHTTP1: true, key: pki.serverKey, cert: pki.serverCert, ca: pki.caCert, requestCert: true, rejectUnauthorized: false },
      async (req, res) => {
        let reply: Reply['body'];
        try {
          reply = { user: (await authenticator.authenticate(req)) ?? null };
        } catch (err) {
          assert.ok(err instanceof StatusError);
          reply = { code: err.code };
        }
        res.writeHead(reply.code ?? 200, { 'content-type': 'application/json' });
        res.end(JSON.stringify(reply));
      },
    );
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  after(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
    rmSync(dir, { recursive: true, force: true });
  });

  const admin = { username: 'system:admin', groups: ['system:masters', 'system:authenticated'] };

  test('the admin client certificate authenticates as system:admin in system:masters (HTTP/2)', async () => {
    // Two requests on one connection: the second is answered from the per-connection cache.
    const replies = await http2Get(url, pki.caCert, { cert: { cert: pki.adminCert, key: pki.adminKey } }, 2);
    for (const reply of replies) {
      assert.equal(reply.status, 200);
      assert.deepEqual(reply.body.user, admin);
    }
  });

  test('the admin client certificate authenticates over HTTP/1.1 too', async () => {
    const reply = await https1Get(url, pki.caCert, { cert: { cert: pki.adminCert, key: pki.adminKey } });
    assert.deepEqual(reply.body.user, admin);
  });

  test('an issued client certificate maps CN to the user and every O to a group', async () => {
    const cert = await issueClientCertificate(pki, 'system:node:node-a', ['system:nodes', 'team:a']);
    const [reply] = await http2Get(url, pki.caCert, { cert });
    assert.deepEqual(reply.body.user, { username: 'system:node:node-a', groups: ['system:nodes', 'team:a', 'system:authenticated'] });
  });

  test('without a certificate, a bearer token from the table authenticates', async () => {
    const user = { username: 'system:skiff-agent', groups: ['system:nodes', 'system:authenticated'] };
    const [h2] = await http2Get(url, pki.caCert, { headers: { authorization: 'Bearer s3cret-token' } });
    assert.deepEqual(h2.body.user, user);
    // The scheme is case-insensitive, as in Kubernetes.
    const h1 = await https1Get(url, pki.caCert, { headers: { authorization: 'bearer s3cret-token' } });
    assert.deepEqual(h1.body.user, user);
  });

  test('no credentials is anonymous; another scheme or an empty token is no claim either', async () => {
    assert.equal((await https1Get(url, pki.caCert)).body.user, null);
    assert.equal((await https1Get(url, pki.caCert, { headers: { authorization: 'Basic YTpi' } })).body.user, null);
    assert.equal((await https1Get(url, pki.caCert, { headers: { authorization: 'Bearer ' } })).body.user, null);
  });

  test('an unknown bearer token is 401, not anonymous', async () => {
    const [reply] = await http2Get(url, pki.caCert, { headers: { authorization: 'Bearer wrong' } });
    assert.equal(reply.status, 401);
  });

  test('a client certificate from another CA is 401, unless a valid token also comes along', async () => {
    const foreignCa = await createCa('foreign', 10);
    const foreign = await signLeaf(await loadSigningCa(foreignCa.cert, foreignCa.key), { commonName: 'system:admin', organizations: ['system:masters'], usage: 'client', days: 1 });
    const [rejected] = await http2Get(url, pki.caCert, { cert: foreign });
    assert.equal(rejected.status, 401);
    const [withToken] = await http2Get(url, pki.caCert, { cert: foreign, headers: { authorization: 'Bearer s3cret-token' } });
    assert.equal(withToken.body.user?.username, 'system:skiff-agent');
  });

  test('a certificate without clientAuth usage (the serving certificate) is 401', async () => {
    const [reply] = await http2Get(url, pki.caCert, { cert: { cert: pki.serverCert, key: pki.serverKey } });
    assert.equal(reply.status, 401);
  });

  test('addToken makes a new token usable at once', async () => {
    authenticator.addToken('later', { username: 'bob', groups: [] });
    const [reply] = await http2Get(url, pki.caCert, { headers: { authorization: 'Bearer later' } });
    assert.deepEqual(reply.body.user, { username: 'bob', groups: ['system:authenticated'] });
  });
});

describe('Authenticator per-connection cache', () => {
  test('decodes the peer certificate once per connection', () => {
    let calls = 0;
    const socket = {
      authorized: true,
      getPeerCertificate: () => {
        calls++;
        return { subject: { CN: 'alice', O: ['dev', 'ops'] } };
      },
    };
    const req = { socket, headers: {} } as unknown as Parameters<Authenticator['authenticate']>[0];
    const authenticator = new Authenticator({});
    const expected = { username: 'alice', groups: ['dev', 'ops', 'system:authenticated'] };
    assert.deepEqual(authenticator.authenticate(req), expected);
    assert.deepEqual(authenticator.authenticate({ ...req, socket } as typeof req), expected);
    assert.equal(calls, 1);
    // Another connection is decoded on its own.
    const other = { authorized: false, getPeerCertificate: () => ({ subject: { CN: 'mallory' } }) };
    assert.throws(() => authenticator.authenticate({ socket: other, headers: {} } as unknown as typeof req), (err: unknown) => err instanceof StatusError && err.code === 401);
  });
});
