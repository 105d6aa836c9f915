import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { X509Certificate, createPrivateKey } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensurePki, issueClientCertificate, issueKubeletServingCertificate, KUBELET_CLIENT_CN, PKI_FILES, type Pki } from './pki.ts';
import { createCa, loadSigningCa, signLeaf } from './certificates.ts';

const opts = { hostnames: ['node-a'], ips: ['192.168.5.10'] };

describe('ensurePki', () => {
  let root: string;
  before(() => {
    root = mkdtempSync(join(tmpdir(), 'skiff-pki-'));
  });
  after(() => rmSync(root, { recursive: true, force: true }));

  test('creates the CA, serving and admin certificates with keys at mode 0600', async () => {
    const dir = join(root, 'create');
    const pki = await ensurePki(dir, opts);
    for (const file of Object.values(PKI_FILES)) assert.ok(existsSync(join(dir, file)), file);
    for (const file of [PKI_FILES.caKey, PKI_FILES.serverKey, PKI_FILES.adminKey, PKI_FILES.kubeletClientKey]) {
      assert.equal(statSync(join(dir, file)).mode & 0o777, 0o600, file);
      assert.match(readFileSync(join(dir, file), 'utf8'), /^-----BEGIN PRIVATE KEY-----/);
    }
    assert.equal(readFileSync(join(dir, PKI_FILES.caCert), 'utf8'), pki.caCert);
    assert.equal(readFileSync(join(dir, PKI_FILES.adminKey), 'utf8'), pki.adminKey);
    // Node can load every key (what tls.createSecureContext needs).
    for (const key of [pki.caKey, pki.serverKey, pki.adminKey]) assert.equal(createPrivateKey(key).asymmetricKeyType, 'ec');
  });

  test('the CA is self-signed, a CA, ECDSA P-256, valid 10 years, named skiff-server-ca@<unix time>', async () => {
    const before = Math.floor(Date.now() / 1000);
    const pki = await ensurePki(join(root, 'ca'), opts);
    const ca = new X509Certificate(pki.caCert);
    assert.ok(ca.ca);
    assert.ok(ca.checkIssued(ca));
    const match = /^CN=skiff-server-ca@(\d+)$/.exec(ca.subject);
    assert.ok(match, ca.subject);
    assert.ok(Number(match[1]) >= before && Number(match[1]) <= before + 5);
    assert.equal(ca.publicKey.asymmetricKeyDetails?.namedCurve, 'prime256v1');
    const years = (Date.parse(ca.validTo) - Date.parse(ca.validFrom)) / (365 * 86400_000);
    assert.ok(years > 9.9 && years < 10.1, String(years));
  });

  test('the serving certificate carries the Kubernetes names, the given names and addresses', async () => {
    const pki = await ensurePki(join(root, 'san'), opts);
    const ca = new X509Certificate(pki.caCert);
    const serving = new X509Certificate(pki.serverCert);
    assert.ok(serving.checkIssued(ca));
    assert.ok(serving.verify(ca.publicKey));
    assert.equal(serving.ca, false);
    for (const name of ['kubernetes', 'kubernetes.default', 'kubernetes.default.svc', 'kubernetes.default.svc.cluster.local', 'localhost', 'node-a']) {
      assert.equal(serving.checkHost(name), name);
    }
    for (const ip of ['127.0.0.1', '::1', '10.43.0.1', '192.168.5.10']) assert.equal(serving.checkIP(ip), ip);
    assert.equal(serving.checkHost('other.example'), undefined);
    assert.deepEqual(serving.keyUsage, ['1.3.6.1.5.5.7.3.1']);
    const days = (Date.parse(serving.validTo) - Date.now()) / 86400_000;
    assert.ok(days > 364 && days < 366, String(days));
  });

  test('the admin certificate is CN=system:admin, O=system:masters, for client auth', async () => {
    const pki = await ensurePki(join(root, 'admin'), opts);
    const admin = new X509Certificate(pki.adminCert);
    assert.ok(admin.verify(new X509Certificate(pki.caCert).publicKey));
    assert.equal(admin.subject, 'O=system:masters\nCN=system:admin');
    assert.deepEqual(admin.keyUsage, ['1.3.6.1.5.5.7.3.2']);
  });

  test('reuses every file on restart', async () => {
    const dir = join(root, 'reuse');
    const first = await ensurePki(dir, opts);
    const mtime = statSync(join(dir, PKI_FILES.serverCert)).mtimeMs;
    const second = await ensurePki(dir, { hostnames: [...opts.hostnames], ips: [...opts.ips] });
    assert.deepEqual(second, first);
    assert.equal(statSync(join(dir, PKI_FILES.serverCert)).mtimeMs, mtime);
  });

  test('a changed SAN set regenerates only the serving certificate', async () => {
    const dir = join(root, 'san-change');
    const first = await ensurePki(dir, opts);
    const second = await ensurePki(dir, { hostnames: ['node-a', 'api.example'], ips: ['192.168.5.10'] });
    assert.equal(second.caCert, first.caCert);
    assert.equal(second.caKey, first.caKey);
    assert.equal(second.adminCert, first.adminCert);
    assert.equal(second.adminKey, first.adminKey);
    assert.notEqual(second.serverCert, first.serverCert);
    assert.notEqual(second.serverKey, first.serverKey);
    assert.equal(new X509Certificate(second.serverCert).checkHost('api.example'), 'api.example');
    // Same names again (different order): reused.
    const third = await ensurePki(dir, { hostnames: ['api.example', 'node-a'], ips: ['192.168.5.10'] });
    assert.equal(third.serverCert, second.serverCert);
  });

  test('a lost CA regenerates everything; leaves signed by another CA are replaced', async () => {
    const dir = join(root, 'lost-ca');
    const first = await ensurePki(dir, opts);
    rmSync(join(dir, PKI_FILES.caKey));
    const second = await ensurePki(dir, opts);
    assert.notEqual(second.caCert, first.caCert);
    assert.notEqual(second.adminCert, first.adminCert);
    assert.ok(new X509Certificate(second.adminCert).verify(new X509Certificate(second.caCert).publicKey));

    // An admin certificate from a foreign CA dropped into the dir is not trusted as-is.
    const foreign = await createCa('foreign', 10);
    const leaf = await signLeaf(await loadSigningCa(foreign.cert, foreign.key), { commonName: 'system:admin', organizations: ['system:masters'], usage: 'client', days: 365 });
    writeFileSync(join(dir, PKI_FILES.adminCert), leaf.cert);
    writeFileSync(join(dir, PKI_FILES.adminKey), leaf.key);
    const third = await ensurePki(dir, opts);
    assert.notEqual(third.adminCert, leaf.cert);
    assert.ok(new X509Certificate(third.adminCert).verify(new X509Certificate(second.caCert).publicKey));
  });

  test('a leaf within 90 days of expiry is renewed at start (k3s)', async () => {
    const dir = join(root, 'renew');
    const first = await ensurePki(dir, opts);
    const ca = await loadSigningCa(first.caCert, first.caKey);
    const short = await signLeaf(ca, { commonName: 'system:admin', organizations: ['system:masters'], usage: 'client', days: 30 });
    writeFileSync(join(dir, PKI_FILES.adminCert), short.cert);
    writeFileSync(join(dir, PKI_FILES.adminKey), short.key);
    const second = await ensurePki(dir, opts);
    assert.notEqual(second.adminCert, short.cert);
    assert.ok((Date.parse(new X509Certificate(second.adminCert).validTo) - Date.now()) / 86400_000 > 360);
  });
});

describe('issueClientCertificate', () => {
  let root: string;
  let pki: Pki;
  before(async () => {
    root = mkdtempSync(join(tmpdir(), 'skiff-pki-issue-'));
    pki = await ensurePki(root, opts);
  });
  after(() => rmSync(root, { recursive: true, force: true }));

  test('signs a client certificate with the given CN and organizations', async () => {
    const { cert, key } = await issueClientCertificate(pki, 'system:node:node-a', ['system:nodes', 'extra:group'], 10);
    const parsed = new X509Certificate(cert);
    assert.ok(parsed.verify(new X509Certificate(pki.caCert).publicKey));
    assert.equal(parsed.subject, 'O=system:nodes\nO=extra:group\nCN=system:node:node-a');
    assert.deepEqual(parsed.keyUsage, ['1.3.6.1.5.5.7.3.2']);
    const days = (Date.parse(parsed.validTo) - Date.now()) / 86400_000;
    assert.ok(days > 9 && days < 11, String(days));
    assert.ok(parsed.checkPrivateKey(createPrivateKey(key)));
    // Every issue gets its own key and serial.
    const again = await issueClientCertificate(pki, 'system:node:node-a', ['system:nodes']);
    assert.notEqual(again.key, key);
    assert.notEqual(new X509Certificate(again.cert).serialNumber, parsed.serialNumber);
  });
});

describe('kubelet certificates', () => {
  let root: string;
  let pki: Pki;
  before(async () => {
    root = mkdtempSync(join(tmpdir(), 'skiff-pki-kubelet-'));
    pki = await ensurePki(root, opts);
  });
  after(() => rmSync(root, { recursive: true, force: true }));

  test('the API server has a kubelet client certificate, reused on restart', async () => {
    const parsed = new X509Certificate(pki.kubeletClientCert);
    assert.equal(parsed.subject, `O=system:masters\nCN=${KUBELET_CLIENT_CN}`);
    assert.deepEqual(parsed.keyUsage, ['1.3.6.1.5.5.7.3.2']);
    assert.ok(parsed.checkPrivateKey(createPrivateKey(pki.kubeletClientKey)));
    assert.equal((await ensurePki(root, opts)).kubeletClientCert, pki.kubeletClientCert);
  });

  test('a kubelet serving certificate names the node and its IPs', async () => {
    const { cert, key } = await issueKubeletServingCertificate(pki, 'node-a', ['10.0.0.5', '127.0.0.1']);
    const parsed = new X509Certificate(cert);
    assert.ok(parsed.verify(new X509Certificate(pki.caCert).publicKey));
    assert.equal(parsed.subject, 'O=system:nodes\nCN=system:node:node-a');
    assert.deepEqual(parsed.keyUsage, ['1.3.6.1.5.5.7.3.1']);
    assert.equal(parsed.checkIP('10.0.0.5'), '10.0.0.5');
    assert.equal(parsed.checkHost('node-a'), 'node-a');
    assert.equal(parsed.checkIP('10.0.0.6'), undefined);
    assert.ok(parsed.checkPrivateKey(createPrivateKey(key)));
  });
});
