import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject } from '../api/object.ts';
import { findResource } from '../api/registry.ts';
import { FakeClient } from '../client/fake-client.ts';
import { seededListers, type ReconcileContext } from '../machinery/controller.ts';
import { FakeRecorder } from '../machinery/event-recorder.ts';
import { CidrSet, nodeIpamController, parseCidr, formatIp } from './node-ipam.ts';

const NODES = findResource('', 'v1', 'nodes')!;

function node(name: string, podCIDR?: string): KubeObject {
  return { apiVersion: 'v1', kind: 'Node', metadata: { name }, spec: podCIDR ? { podCIDR, podCIDRs: [podCIDR] } : {} };
}

async function reconcile(controller: ReturnType<typeof nodeIpamController>, nodes: KubeObject[], key: string, client = new FakeClient(), recorder = new FakeRecorder()) {
  for (const n of nodes) {
    try {
      await client.get(NODES, undefined, n.metadata.name!);
    } catch {
      client.seed(NODES, n);
    }
  }
  const ctx: ReconcileContext = { client, listers: seededListers([[NODES, nodes]]), recorder, signal: new AbortController().signal, log: () => {} };
  client.actions.length = 0;
  await controller.reconcile(ctx, key);
  return client;
}

describe('CIDR helpers', () => {
  test('parse, format and allocate lowest free /24 first', () => {
    assert.deepEqual(parseCidr('10.42.7.9/16'), { base: parseCidr('10.42.0.0/16').base, prefix: 16 });
    assert.equal(formatIp(parseCidr('10.42.7.0/24').base), '10.42.7.0');
    assert.throws(() => parseCidr('10.42.0.0'), /invalid IPv4 CIDR/);
    const set = new CidrSet('10.42.0.0/16', 24);
    assert.equal(set.size, 256);
    assert.equal(set.occupy('10.42.0.0/24'), true);
    assert.equal(set.occupy('10.42.2.0/24'), true);
    assert.equal(set.occupy('10.43.0.0/24'), false, 'outside the cluster CIDR');
    assert.equal(set.occupy('10.42.0.0/25'), false, 'wrong size');
    assert.equal(set.allocateNext(), '10.42.1.0/24');
    assert.equal(set.allocateNext(), '10.42.3.0/24');
  });

  test('a full set allocates nothing', () => {
    const set = new CidrSet('10.0.0.0/23', 24);
    assert.equal(set.allocateNext(), '10.0.0.0/24');
    assert.equal(set.allocateNext(), '10.0.1.0/24');
    assert.equal(set.allocateNext(), undefined);
  });
});

describe('node IPAM controller', () => {
  test('assigns the first free /24 as spec.podCIDR and spec.podCIDRs', async () => {
    const controller = nodeIpamController();
    const client = await reconcile(controller, [node('a', '10.42.0.0/24'), node('b')], 'b');
    const writes = client.writes();
    assert.equal(writes.length, 1);
    assert.deepEqual(writes[0].patch, { spec: { podCIDR: '10.42.1.0/24', podCIDRs: ['10.42.1.0/24'] } });
    const stored = await client.get(NODES, undefined, 'b');
    assert.equal((stored.spec as { podCIDR: string }).podCIDR, '10.42.1.0/24');
  });

  test('leaves nodes that have a range alone', async () => {
    const client = await reconcile(nodeIpamController(), [node('a', '10.42.5.0/24')], 'a');
    assert.deepEqual(client.writes(), []);
  });

  test('never hands out a range twice while the cache lags behind its own patches', async () => {
    const controller = nodeIpamController();
    const client = new FakeClient();
    // The cache still shows neither node with a range when the second one is reconciled.
    await reconcile(controller, [node('a'), node('b')], 'a', client);
    await reconcile(controller, [node('a'), node('b')], 'b', client);
    const a = await client.get(NODES, undefined, 'a');
    const b = await client.get(NODES, undefined, 'b');
    assert.equal((a.spec as { podCIDR: string }).podCIDR, '10.42.0.0/24');
    assert.equal((b.spec as { podCIDR: string }).podCIDR, '10.42.1.0/24');
  });

  test('a deleted node frees its range; a range that appears on a node later counts as used', async () => {
    const controller = nodeIpamController();
    const client = new FakeClient();
    await reconcile(controller, [node('a'), node('b', '10.42.1.0/24')], 'a', client);
    assert.equal(((await client.get(NODES, undefined, 'a')).spec as { podCIDR: string }).podCIDR, '10.42.0.0/24');
    // a is deleted (its reconcile finds it gone); c then gets a's range back.
    await reconcile(controller, [node('b', '10.42.1.0/24')], 'a', client);
    await reconcile(controller, [node('b', '10.42.1.0/24'), node('c')], 'c', client);
    assert.equal(((await client.get(NODES, undefined, 'c')).spec as { podCIDR: string }).podCIDR, '10.42.0.0/24');
    // Someone gives d 10.42.2.0/24; once d is reconciled, e does not get that range.
    const nodes = [node('b', '10.42.1.0/24'), node('c', '10.42.0.0/24'), node('d', '10.42.2.0/24'), node('e')];
    await reconcile(controller, nodes, 'd', client);
    await reconcile(controller, nodes, 'e', client);
    assert.equal(((await client.get(NODES, undefined, 'e')).spec as { podCIDR: string }).podCIDR, '10.42.3.0/24');
  });

  test('an exhausted cluster CIDR fails with a CIDRNotAvailable event', async () => {
    const controller = nodeIpamController({ clusterCIDR: '10.0.0.0/24', nodeMaskSize: 24 });
    const recorder = new FakeRecorder();
    await assert.rejects(reconcile(controller, [node('a', '10.0.0.0/24'), node('b')], 'b', new FakeClient(), recorder), /no remaining CIDRs/);
    assert.deepEqual(recorder.events, ['Normal CIDRNotAvailable Node b status is now: CIDRNotAvailable']);
  });
});
