import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createSecureServer, type Http2SecureServer } from 'node:http2';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { parse } from 'yaml';
import { Authenticator } from '../apiserver/authn/authenticate.ts';
import { ensurePki, type Pki } from '../apiserver/authn/pki.ts';
import { kubeconfigYaml, writeKubeconfig } from './kubeconfig.ts';

const run = promisify(execFile);
const KUBECTL = '/usr/bin/kubectl';

describe('kubeconfig', () => {
  let dir: string;
  let pki: Pki;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'skiff-kubeconfig-'));
    pki = await ensurePki(join(dir, 'tls'), { hostnames: [], ips: [] });
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  const render = (server = 'https://127.0.0.1:6443', name?: string) =>
    kubeconfigYaml({ server, caCert: pki.caCert, clientCert: pki.adminCert, clientKey: pki.adminKey, name });

  test('renders one cluster, user and context named default, credentials base64 encoded', () => {
    const config = parse(render());
    assert.equal(config.apiVersion, 'v1');
    assert.equal(config.kind, 'Config');
    assert.equal(config['current-context'], 'default');
    assert.deepEqual(config.contexts, [{ name: 'default', context: { cluster: 'default', user: 'default' } }]);
    assert.equal(config.clusters[0].name, 'default');
    assert.equal(config.clusters[0].cluster.server, 'https://127.0.0.1:6443');
    assert.equal(Buffer.from(config.clusters[0].cluster['certificate-authority-data'], 'base64').toString(), pki.caCert);
    assert.equal(config.users[0].name, 'default');
    assert.equal(Buffer.from(config.users[0].user['client-certificate-data'], 'base64').toString(), pki.adminCert);
    assert.equal(Buffer.from(config.users[0].user['client-key-data'], 'base64').toString(), pki.adminKey);
  });

  test('a custom name is used for cluster, user and context', () => {
    const config = parse(render('https://10.0.0.1:6443', 'lab'));
    assert.equal(config['current-context'], 'lab');
    assert.deepEqual(config.contexts[0], { name: 'lab', context: { cluster: 'lab', user: 'lab' } });
  });

  test('writeKubeconfig creates parent directories and writes mode 0600', () => {
    const path = join(dir, 'a', 'b', 'config.yaml');
    writeKubeconfig(path, render());
    assert.equal(readFileSync(path, 'utf8'), render());
    assert.equal(statSync(path).mode & 0o777, 0o600);
    // Replacing an existing file keeps 0600.
    writeKubeconfig(path, render('https://127.0.0.1:7443'));
    assert.match(readFileSync(path, 'utf8'), /7443/);
    assert.equal(statSync(path).mode & 0o777, 0o600);
  });

  test('kubectl config view --raw accepts it', async () => {
    const path = join(dir, 'view.yaml');
    writeKubeconfig(path, render());
    const { stdout } = await run(KUBECTL, ['--kubeconfig', path, 'config', 'view', '--raw', '-o', 'json']);
    const view = JSON.parse(stdout);
    assert.equal(view['current-context'], 'default');
    assert.equal(view.clusters[0].cluster.server, 'https://127.0.0.1:6443');
    assert.equal(Buffer.from(view.users[0].user['client-key-data'], 'base64').toString(), pki.adminKey);
  });

  describe('kubectl connects with it', () => {
    let server: Http2SecureServer;
    let url: string;
    const authenticator = new Authenticator({});
    before(async () => {
      server = createSecureServer(
        { allowHTTP1: true, key: pki.serverKey, cert: pki.serverCert, ca: pki.caCert, requestCert: true, rejectUnauthorized: false },
        (req, res) => {
          const user = authenticator.authenticate(req);
          res.writeHead(200, { 'content-type': 'application/json' });
          res.end(JSON.stringify({ user }));
        },
      );
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      url = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
    });
    after(async () => {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    });

    test('verifies the serving certificate against the CA and presents the admin certificate', async () => {
      const path = join(dir, 'live.yaml');
      writeKubeconfig(path, render(url));
      const { stdout } = await run(KUBECTL, ['--kubeconfig', path, 'get', '--raw', '/whoami'], { timeout: 20_000 });
      assert.deepEqual(JSON.parse(stdout).user, { username: 'system:admin', groups: ['system:masters', 'system:authenticated'] });
    });
  });
});
