import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { ensurePodMasquerade } from './pod-masquerade.ts';

const skip = process.getuid?.() !== 0 ? 'needs root (iptables in a network namespace)' : false;

test('one masquerade rule per pod CIDR, added once however often the agent starts', { skip }, () => {
  // A namespace of our own, so the host's nat table is never touched.
  const ns = `skiff-masq-${process.pid}`;
  execFileSync('ip', ['netns', 'add', ns]);
  try {
    const iptables = ['ip', 'netns', 'exec', ns, 'iptables'];
    ensurePodMasquerade('10.42.7.0/24', iptables);
    ensurePodMasquerade('10.42.7.0/24', iptables);
    const rules = execFileSync('ip', ['netns', 'exec', ns, 'iptables', '-t', 'nat', '-S', 'POSTROUTING'], { encoding: 'utf8' })
      .split('\n').filter((l) => l.startsWith('-A'));
    assert.equal(rules.length, 1, rules.join('\n'));
    assert.match(rules[0], /^-A POSTROUTING -s 10\.42\.7\.0\/24 ! -d 10\.42\.7\.0\/24 -m addrtype ! --dst-type MULTICAST .*-j MASQUERADE$/);
    assert.throws(() => ensurePodMasquerade('not-a-cidr', iptables), /could not add the pod masquerade rule/);
  } finally {
    spawnSync('ip', ['netns', 'del', ns]);
  }
});
