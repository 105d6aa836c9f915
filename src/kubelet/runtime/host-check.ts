import { existsSync, readFileSync } from 'node:fs';
import { CNI_BIN_DIR, CONTAINERD_BIN } from './containerd.ts';
import { CTR_BIN } from './import-images.ts';
import { BUSYBOX_BIN } from '../images/build.ts';

/** One host prerequisite of a node and whether it holds. */
export interface HostCheck {
  name: string;
  ok: boolean;
  /** What is wrong and how to fix it (the Debian package to install), when not ok. */
  fix?: string;
}

function fileCheck(name: string, path: string, pkg: string): HostCheck {
  return existsSync(path) ? { name, ok: true } : { name, ok: false, fix: `${path} is missing: apt-get install ${pkg}` };
}

function readOr(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return '';
  }
}

/**
 * What a real node needs from its host (like `k3s check-config`): root, containerd and ctr, runc,
 * the CNI plugins skiff's conflist uses, iptables, the overlay filesystem, the cgroup controllers
 * the kubelet sets limits through, and busybox for the offline images.
 */
export function checkHost(): HostCheck[] {
  const cgroups = readOr('/proc/cgroups');
  const enabled = (controller: string): boolean => new RegExp(`^${controller}\\s+\\d+\\s+\\d+\\s+1\\s*$`, 'm').test(cgroups)
    || readOr('/sys/fs/cgroup/cgroup.controllers').split(/\s+/).includes(controller);
  return [
    process.getuid?.() === 0 ? { name: 'root', ok: true } : { name: 'root', ok: false, fix: 'run the agent as root (sudo)' },
    fileCheck('containerd', CONTAINERD_BIN, 'containerd'),
    fileCheck('ctr', CTR_BIN, 'containerd'),
    fileCheck('runc', '/usr/sbin/runc', 'runc'),
    ...['bridge', 'host-local', 'portmap', 'loopback'].map((p) => fileCheck(`CNI plugin ${p}`, `${CNI_BIN_DIR}/${p}`, 'containernetworking-plugins')),
    fileCheck('iptables', '/usr/sbin/iptables', 'iptables'),
    fileCheck('busybox (offline images)', BUSYBOX_BIN, 'busybox-static'),
    /\boverlay\b/.test(readOr('/proc/filesystems')) ? { name: 'overlay filesystem', ok: true } : { name: 'overlay filesystem', ok: false, fix: 'load the overlay module: modprobe overlay' },
    ...['cpu', 'memory', 'pids'].map((c): HostCheck => (enabled(c) ? { name: `cgroup ${c}`, ok: true } : { name: `cgroup ${c}`, ok: false, fix: `enable the ${c} cgroup controller (kernel command line cgroup_enable=${c})` })),
  ];
}
