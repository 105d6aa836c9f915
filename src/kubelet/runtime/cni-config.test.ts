import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildCniConflist, writeCniConfig } from './cni-config.ts';

test('CNI conflist: skiff0 bridge (no per-pod masquerade) with host-local IPAM over the pod CIDR, then portmap', () => {
  const conf = buildCniConflist('10.42.3.0/24') as { name: string; plugins: Record<string, unknown>[] };
  assert.equal(conf.name, 'skiff');
  assert.deepEqual(conf.plugins.map((p) => p.type), ['bridge', 'portmap']);
  const bridge = conf.plugins[0] as { bridge: string; isGateway: boolean; ipMasq: boolean; ipam: { ranges: { subnet: string }[][]; routes: { dst: string }[]; dataDir?: string } };
  assert.equal(bridge.bridge, 'skiff0');
  assert.equal(bridge.isGateway, true);
  assert.equal(bridge.ipMasq, false, 'masquerade is one node-wide rule (pod-masquerade.ts), not per-pod chains');
  assert.equal(bridge.ipam.ranges[0]?.[0]?.subnet, '10.42.3.0/24');
  assert.deepEqual(bridge.ipam.routes, [{ dst: '0.0.0.0/0' }]);
  assert.equal(bridge.ipam.dataDir, undefined);
  assert.deepEqual(conf.plugins[1]?.capabilities, { portMappings: true });
  const dir = mkdtempSync(join(tmpdir(), 'skiff-cni-'));
  try {
    const file = writeCniConfig(join(dir, 'net.d'), '10.42.3.0/24', '/x/networks');
    assert.equal(JSON.parse(readFileSync(file, 'utf8')).plugins[0].ipam.dataDir, '/x/networks');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
