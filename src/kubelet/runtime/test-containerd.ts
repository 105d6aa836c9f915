/**
 * A throwaway containerd for tests: its own agent dir, a CNI bridge config over `podCidr`, the
 * offline images imported, and a CRI client. `cleanup()` undoes everything on the host it created
 * (containerd by pid, mounts, the state dir, the bridge if it did not exist, iptables rules of the
 * CIDR). Needs root and the Debian packages of scripts/setup.sh; tests opt out only through
 * SKIFF_SKIP_CONTAINERD_TESTS=1.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CriClient } from '../cri/client.ts';
import { buildOfflineImages } from '../images/build.ts';
import { CNI_BRIDGE, writeCniConfig } from './cni-config.ts';
import { CONTAINERD_BIN, containerdPaths, startContainerd, type RunningContainerd } from './containerd.ts';
import { deleteLink, linkExists, removeIptablesRulesMatching, unmountUnder } from './host-cleanup.ts';
import { request } from 'node:http';

/** Whether containerd tests are opted out (SKIFF_SKIP_CONTAINERD_TESTS=1). */
export const SKIP_CONTAINERD_TESTS = process.env.SKIFF_SKIP_CONTAINERD_TESTS === '1';

/** A running test containerd. */
export interface TestContainerd {
  agentDir: string;
  containerd: RunningContainerd;
  client: CriClient;
  /** Stops containerd and removes what the test created on the host. Idempotent. */
  cleanup(): Promise<void>;
}

/** Fails with what to install when the host cannot run containerd tests. */
export function requireContainerdHost(): void {
  assert.equal(process.getuid?.(), 0, 'containerd tests need root (or set SKIFF_SKIP_CONTAINERD_TESTS=1)');
  for (const bin of [CONTAINERD_BIN, '/usr/bin/ctr', '/usr/sbin/runc', '/usr/lib/cni/bridge', '/bin/busybox']) {
    assert.ok(existsSync(bin), `${bin} is missing: run scripts/setup.sh (or set SKIFF_SKIP_CONTAINERD_TESTS=1)`);
  }
}

/**
 * Starts containerd in a fresh `skiff-<name>-` temp dir with pods on `podCidr` (e.g. `10.244.77.0/24`;
 * each test file uses its own) behind host bridge `bridge` (a test-only bridge keeps tests off
 * the shared skiff0). iptables rules mentioning the CIDR's first three octets are removed on cleanup.
 */
export async function startTestContainerd(name: string, podCidr: string, bridge = CNI_BRIDGE): Promise<TestContainerd> {
  requireContainerdHost();
  const bridgeExisted = linkExists(bridge);
  const agentDir = mkdtempSync(join(tmpdir(), `skiff-${name}-`));
  let containerd: RunningContainerd | undefined;
  let client: CriClient | undefined;
  let cleaned = false;
  const cleanup = async (): Promise<void> => {
    if (cleaned) return;
    cleaned = true;
    client?.close();
    await containerd?.stop();
    unmountUnder(agentDir);
    rmSync(agentDir, { recursive: true, force: true });
    if (!bridgeExisted) deleteLink(bridge);
    removeIptablesRulesMatching(podCidr.split('.').slice(0, 3).join('.') + '.');
  };
  try {
    writeCniConfig(containerdPaths(agentDir).cniConfDir, podCidr, join(agentDir, 'cni', 'networks'), bridge);
    containerd = await startContainerd(agentDir);
    for (const image of buildOfflineImages(join(agentDir, 'images'))) {
      execFileSync('ctr', ['--address', containerd.socket, '-n', 'k8s.io', 'images', 'import', image.path], { stdio: 'pipe' });
    }
    client = new CriClient(containerd.socket, { timeoutMs: 60_000 });
  } catch (err) {
    await cleanup();
    throw err;
  }
  return { agentDir, containerd, client, cleanup };
}

/** GET `url` (a pod or a forwarded port) as text; rejects after `timeoutMs` without an answer. */
export function httpGet(url: string, timeoutMs = 5000): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = request(url, { timeout: timeoutMs }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => { body += chunk; });
      res.on('end', () => resolve(body));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end();
  });
}
