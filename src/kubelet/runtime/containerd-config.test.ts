// Config rendering only: runs without root or containerd (containerd.test.ts runs the real thing).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { containerdPaths, renderContainerdConfig } from './containerd.ts';

test('containerd config points CRI at the agent dirs and clamps oom_score_adj on request', () => {
  const paths = containerdPaths('/var/lib/skiff/agent');
  const toml = renderContainerdConfig(paths, '', true);
  assert.match(toml, /^root = "\/var\/lib\/skiff\/agent\/containerd\/root"$/m);
  assert.match(toml, /address = "\/var\/lib\/skiff\/agent\/containerd\/containerd\.sock"/);
  assert.match(toml, /snapshotter = "overlayfs"/);
  assert.match(toml, /runtime_type = "io\.containerd\.runc\.v2"/);
  assert.match(toml, /conf_dir = "\/var\/lib\/skiff\/agent\/cni\/net\.d"/);
  assert.match(toml, /bin_dir = "\/usr\/lib\/cni"/);
  assert.match(toml, /config_path = "\/var\/lib\/skiff\/agent\/containerd\/certs\.d"/);
  assert.match(toml, /restrict_oom_score_adj = true/);
  assert.match(renderContainerdConfig(paths), /restrict_oom_score_adj = false/);
});
