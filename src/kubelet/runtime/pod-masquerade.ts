/**
 * The node's masquerade for pod traffic leaving the pod network: one iptables rule per node, as
 * flannel installs it for k3s, instead of the bridge plugin's `ipMasq`, which creates a chain and
 * three rules per pod (about eight iptables runs on every sandbox start and as many on every
 * teardown: 100-160 ms of each RunPodSandbox on a busy 2-core machine). Traffic between pods of
 * the CIDR and multicast keep their source address, exactly as with the bridge plugin's rules.
 * `skiff killall` removes the rule with every other rule naming the pod CIDR.
 */
import { spawnSync } from 'node:child_process';

/** The POSTROUTING rule (nat table) that masquerades traffic from `podCIDR` to outside it. */
export function podMasqueradeRule(podCIDR: string): string[] {
  return ['-s', podCIDR, '!', '-d', podCIDR, '-m', 'addrtype', '!', '--dst-type', 'MULTICAST',
    '-m', 'comment', '--comment', 'skiff: pods reach outside their network as the node', '-j', 'MASQUERADE'];
}

/**
 * Adds the masquerade rule for `podCIDR` unless it is there already; throws when iptables refuses.
 * `iptables` is the command to run (tests prefix `ip netns exec <ns>`).
 */
export function ensurePodMasquerade(podCIDR: string, iptables: string[] = ['iptables']): void {
  const rule = podMasqueradeRule(podCIDR);
  const [cmd, ...pre] = iptables;
  if (spawnSync(cmd, [...pre, '-w', '-t', 'nat', '-C', 'POSTROUTING', ...rule], { stdio: 'ignore' }).status === 0) return;
  const added = spawnSync(cmd, [...pre, '-w', '-t', 'nat', '-A', 'POSTROUTING', ...rule], { encoding: 'utf8' });
  if (added.status !== 0) throw new Error(`iptables could not add the pod masquerade rule: ${(added.stderr || added.error?.message || '').trim()}`);
}
