import { test } from 'node:test';
import assert from 'node:assert/strict';
import { findResource } from '../api/registry.ts';
import { FakeClient } from '../client/fake-client.ts';
import type { Lease } from '../machinery/leader-election.ts';
import { runComponent, type ComponentSpec } from './components.ts';

const LEASES = findResource('coordination.k8s.io', 'v1', 'leases')!;

async function eventually(what: string, check: () => boolean | Promise<boolean>, ms = 40_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

test('the controller manager keeps its informer caches across leadership terms (no relist after a lost Lease)', { timeout: 90_000 }, async () => {
  const client = new FakeClient();
  const abort = new AbortController();
  const logs: string[] = [];
  const spec = { component: 'controller-manager', identity: 'me', caPem: '' } as ComponentSpec;
  const running = runComponent(spec, client, abort.signal, (msg) => logs.push(msg));
  try {
    const podLists = (): number => client.actions.filter((a) => a.verb === 'list' && a.resource === 'pods').length;
    await eventually('the first term', () => logs.includes('acquired lease') && podLists() === 1);
    // Another candidate holds the Lease for longer than the 10 s renew deadline (as when renewals time out): this term ends.
    const lease = await client.get<Lease>(LEASES, 'kube-system', 'kube-controller-manager');
    const now = new Date().toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
    await client.update(LEASES, { ...lease, spec: { ...lease.spec, holderIdentity: 'other', renewTime: now, acquireTime: now, leaseDurationSeconds: 12 } });
    await eventually('the lost lease', () => logs.includes('controller-manager lost its lease'));
    // The other holder's 12 s lease runs out: this candidate leads again, from the caches it kept.
    await eventually('the second term', () => logs.filter((l) => l === 'acquired lease').length === 2);
    await new Promise((r) => setTimeout(r, 500));
    assert.equal(podLists(), 1, 'pods were listed once, not again for the second term');
  } finally {
    abort.abort();
    await running;
  }
});
