import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { CriClient } from '../cri/client.ts';
import { CNI_BRIDGE, CNI_CONFLIST_FILE } from './cni-config.ts';
import { containerdPaths, startContainerd, type RunningContainerd } from './containerd.ts';
import { deleteLink, removeIptablesRulesMatching, unmountUnder } from './host-cleanup.ts';

/** What `killAll` removed. */
export interface KillAllReport {
  sandboxes: number;
  killedPids: number[];
  unmounted: number;
}

/** Pids whose command line mentions `needle` (e.g. the agent's containerd socket or config path). */
export function pidsWithCmdline(needle: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    try {
      const cmdline = readFileSync(join('/proc', entry, 'cmdline'), 'utf8').replace(/\0/g, ' ');
      if (cmdline.includes(needle)) pids.push(Number(entry));
    } catch {
      // the process exited while we looked
    }
  }
  return pids;
}

function podCIDRPrefix(cniConfDir: string): string | undefined {
  try {
    const conf = JSON.parse(readFileSync(join(cniConfDir, CNI_CONFLIST_FILE), 'utf8')) as { plugins: { ipam?: { ranges?: { subnet: string }[][] } }[] };
    const subnet = conf.plugins[0]?.ipam?.ranges?.[0]?.[0]?.subnet;
    // host-local hands out a /24 per node: its first three octets identify our rules.
    return subnet?.split('.').slice(0, 3).join('.') + '.';
  } catch {
    return undefined;
  }
}

async function killPids(pids: number[]): Promise<void> {
  for (const pid of pids) try { process.kill(pid, 'SIGTERM'); } catch { /* gone */ }
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline && pids.some((pid) => existsSync(`/proc/${pid}`))) await sleep(100);
  for (const pid of pids) try { process.kill(pid, 'SIGKILL'); } catch { /* gone */ }
}

/**
 * k3s-killall.sh for one agent dir: stops and removes every pod sandbox through CRI (so CNI DEL
 * removes veths, IP leases and portmap rules), stops the agent's containerd and any shim still
 * serving its socket (found by pid through their command lines, never by name), unmounts what
 * is mounted under the agent dir, and removes the pod bridge and the iptables rules naming the
 * node's pod CIDR. A containerd is started for the teardown when none is running.
 */
export async function killAll(agentDir: string, bridge = CNI_BRIDGE): Promise<KillAllReport> {
  const paths = containerdPaths(agentDir);
  const report: KillAllReport = { sandboxes: 0, killedPids: [], unmounted: 0 };
  if (!existsSync(paths.dir)) return report;
  let started: RunningContainerd | undefined;
  if (!(await answers(paths.socket))) started = await startContainerd(agentDir).catch(() => undefined);
  if (started || (await answers(paths.socket))) {
    const cri = new CriClient(paths.socket, { timeoutMs: 60_000 });
    try {
      for (const sandbox of await cri.listPodSandbox()) {
        await cri.stopPodSandbox(sandbox.id).catch(() => undefined);
        await cri.removePodSandbox(sandbox.id).catch(() => undefined);
        report.sandboxes++;
      }
    } finally {
      cri.close();
    }
  }
  await started?.stop();
  // The agent's own containerd (if it is still running) and every shim bound to its socket.
  const pids = [...new Set([...pidsWithCmdline(paths.config), ...pidsWithCmdline(paths.socket)])];
  await killPids(pids);
  report.killedPids = pids;
  report.unmounted = unmountUnder(agentDir).length;
  deleteLink(bridge);
  const prefix = podCIDRPrefix(paths.cniConfDir);
  if (prefix) removeIptablesRulesMatching(prefix);
  return report;
}

async function answers(socket: string): Promise<boolean> {
  if (!existsSync(socket)) return false;
  const cri = new CriClient(socket, { timeoutMs: 2000 });
  try {
    await cri.version();
    return true;
  } catch {
    return false;
  } finally {
    cri.close();
  }
}
