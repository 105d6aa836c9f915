import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readRegistries, renderHostsToml, renderRegistryAuth, writeHostsDir } from './registries.ts';

const K3S_REGISTRIES = `
mirrors:
  docker.io:
    endpoint:
      - "https://mirror.example:5000"
configs:
  "mirror.example:5000":
    auth:
      username: alice
      password: s3cret
    tls:
      ca_file: /etc/skiff/ca.crt
      insecure_skip_verify: true
`;

test('k3s registries.yaml becomes a hosts.toml per mirrored registry', () => {
  const dir = mkdtempSync(join(tmpdir(), 'skiff-registries-'));
  try {
    writeFileSync(join(dir, 'registries.yaml'), K3S_REGISTRIES);
    const config = readRegistries(join(dir, 'registries.yaml'));
    assert.deepEqual(writeHostsDir(join(dir, 'certs.d'), config), ['docker.io']);
    const hosts = readFileSync(join(dir, 'certs.d', 'docker.io', 'hosts.toml'), 'utf8');
    assert.match(hosts, /^server = "https:\/\/registry-1\.docker\.io"$/m);
    assert.match(hosts, /^\[host\."https:\/\/mirror\.example:5000"\]$/m);
    assert.match(hosts, /capabilities = \["pull", "resolve"\]/);
    assert.match(hosts, /ca = "\/etc\/skiff\/ca\.crt"/);
    assert.match(hosts, /skip_verify = true/);
    assert.deepEqual(readRegistries(join(dir, 'absent.yaml')), {});
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('registry credentials go to the CRI plugin registry.configs auth table', () => {
  const auth = renderRegistryAuth({ configs: { 'mirror.example:5000': { auth: { username: 'alice', password: 's3cret' } } } });
  assert.match(auth, /registry\.configs\."mirror\.example:5000"\.auth\]/);
  assert.match(auth, /username = "alice"/);
  assert.match(auth, /password = "s3cret"/);
  assert.equal(renderHostsToml('quay.io', {}), 'server = "https://quay.io"\n');
});
